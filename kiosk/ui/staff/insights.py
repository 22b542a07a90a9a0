"""Insights: what the clinic learns from its kiosk, for the last 7, 30 or 90 days, in the kiosk's own style.

Charts are drawn with QPainter (Qt Charts is GPL): a column a day for sessions, and rows of bars for everything
else, each labelled with its number, so a count is read, not estimated. Every number comes from
`kiosk.services.insights`, which reads only the anonymous daily totals. Its words follow the console's language:
the labels through `i18n.phrase` like the rest of the console, and what the charts draw (and the numbers' captions,
which agree with their number) from the catalogue here, each time the numbers are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.errors import KioskError
from kiosk.services.insights import PERIODS, Insights
from kiosk.ui.i18n import tr
from kiosk.ui.staff.data import StaffSource
from kiosk.ui.staff.panels import Message, choose_file
from kiosk.ui.theme import NORMAL, Palette
from kiosk.ui.widgets import TouchButton, label, set_prop

#: (label, value, second value or None): a row of a bar chart; the second is drawn beside the first, lighter.
Bar = tuple[str, int, int | None]
#: The catalogue entry for each bucket of minutes (usage.MINUTE_BUCKETS), and for each text size.
MINUTE_LABELS = {
    "0-1": "console.minutes_under_one",
    "1-3": "console.minutes_one_to_three",
    "3-5": "console.minutes_three_to_five",
    "5-10": "console.minutes_five_to_ten",
    "10-20": "console.minutes_ten_to_twenty",
}
MINUTES_MORE = "console.minutes_twenty_or_more"
LANGUAGE_LABELS = {"en": "console.language_english", "es": "console.language_spanish"}
SIZE_LABELS = {
    "normal": "console.size_normal",
    "large": "console.size_large",
    "largest": "console.size_largest",
}
#: Each chart's legend (its two colours), by chart.
LEGENDS = {
    "chapters": ("console.legend_started", "console.legend_finished"),
    "helpful": ("console.legend_helpful", "console.legend_not_helpful"),
    "checks": ("console.legend_right_first", "console.legend_not_yet"),
}
#: The numbers at the top: caption (agreeing with the number), and what it counts.
HEADLINE = (
    ("console.insight_sessions", "sessions"),
    ("console.insight_idle_resets", "idle_resets"),
    ("console.insight_start_overs", "start_overs"),
    ("console.insight_searches_empty", "searches_empty"),
    ("console.insight_take_home", "take_home"),
)


class _Chart(QWidget):
    """Shared look: colours made once (QPainter leaks a reference per enum handed to it on each paint)."""

    def __init__(self, palette: Palette = NORMAL) -> None:
        super().__init__()
        self.set_palette(palette)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_palette(self, palette: Palette) -> None:
        self.ink = QColor(palette.ink)
        self.muted = QColor(palette.muted)
        self.bar = QColor(palette.accent)
        self.second = QColor(palette.border)
        self.track = QColor(palette.accent_soft)
        self.update()

    def text_font(self, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setBold(bold)
        return font


class BarChart(_Chart):
    """Horizontal bars, one row each, with the label on the left and the number at the bar's end."""

    def __init__(self, palette: Palette = NORMAL, legend: tuple[str, str] | None = None) -> None:
        super().__init__(palette)
        self.rows: list[Bar] = []
        self.legend = legend
        self.empty = tr("console.nothing_counted_yet", "en")

    def set_rows(self, rows: Sequence[Bar]) -> None:
        self.rows = list(rows)
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def texts(self) -> list[str]:
        """Every word the chart draws (numbers aside)."""
        words = [text for text, _, _ in self.rows] if self.rows else [self.empty]
        return [*(self.legend or ()), *words]

    def row_height(self) -> int:
        return QFontMetrics(self.font()).height() + 14

    def sizeHint(self) -> QSize:
        lines = max(len(self.rows), 1) + (1 if self.legend else 0)
        return QSize(400, lines * self.row_height() + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            metrics = QFontMetrics(self.font())
            height = self.row_height()
            if not self.rows:
                painter.setPen(self.muted)
                painter.drawText(QRect(0, 0, self.width(), height), Qt.AlignmentFlag.AlignVCenter, self.empty)
                return
            label_width = min(
                max(metrics.horizontalAdvance(text) for text, _, _ in self.rows) + 16, self.width() * 2 // 5
            )
            number_width = metrics.horizontalAdvance("00000 / 00000") + 12
            room = max(self.width() - label_width - number_width, 10)
            top = max((max(a, b or 0) for _, a, b in self.rows), default=0) or 1
            y = 0
            if self.legend:
                self._legend(painter, metrics, label_width, height)
                y += height
            for text, value, second in self.rows:
                painter.setPen(self.ink)
                shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, label_width - 12)
                painter.drawText(QRect(0, y, label_width - 12, height), Qt.AlignmentFlag.AlignVCenter, shown)
                bar_height = (height - 10) // (2 if second is not None else 1)
                painter.fillRect(label_width, y + 5, room, height - 10, self.track)
                painter.fillRect(label_width, y + 5, round(room * value / top), bar_height, self.bar)
                number = str(value)
                if second is not None:
                    painter.fillRect(
                        label_width, y + 5 + bar_height, round(room * second / top), bar_height, self.second
                    )
                    number = f"{value} / {second}"
                painter.drawText(
                    QRect(label_width + room + 8, y, number_width, height),
                    Qt.AlignmentFlag.AlignVCenter,
                    number,
                )
                y += height
        finally:
            painter.end()

    def _legend(self, painter: QPainter, metrics: QFontMetrics, left: int, height: int) -> None:
        assert self.legend is not None
        x = left
        for colour, text in ((self.bar, self.legend[0]), (self.second, self.legend[1])):
            painter.fillRect(x, height // 2 - 7, 14, 14, colour)
            painter.setPen(self.muted)
            painter.drawText(
                QRect(x + 20, 0, metrics.horizontalAdvance(text) + 4, height),
                Qt.AlignmentFlag.AlignVCenter,
                text,
            )
            x += metrics.horizontalAdvance(text) + 48


class DayChart(_Chart):
    """A column a day: sessions per day, the highest day's count and the period's first and last day marked."""

    def __init__(self, palette: Palette = NORMAL) -> None:
        super().__init__(palette)
        self.days: list[tuple[str, int]] = []
        self.lang = "en"  # the console's, set with the numbers
        self.setFixedHeight(220)

    def set_days(self, days: Sequence[tuple[str, int]]) -> None:
        self.days = list(days)
        self.update()

    def busiest(self, count: int) -> str:
        return tr("console.busiest_day", self.lang, count=count)

    def texts(self) -> list[str]:
        """Every word the chart draws (the days are dates, written the same in every language)."""
        return [self.busiest(max(count for _, count in self.days))] if self.days else []

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            metrics = QFontMetrics(self.font())
            line = metrics.height()
            chart = QRect(0, line + 6, self.width(), self.height() - 2 * line - 14)
            painter.fillRect(chart, self.track)
            if not self.days:
                return
            top = max(count for _, count in self.days) or 1
            step = chart.width() / len(self.days)
            gap = 1 if step < 6 else 2
            for index, (_, count) in enumerate(self.days):
                height = round(chart.height() * count / top)
                x = chart.x() + round(index * step)
                painter.fillRect(
                    x + gap, chart.bottom() - height + 1, max(round(step) - 2 * gap, 1), height, self.bar
                )
            painter.setPen(self.muted)
            painter.drawText(
                QRect(0, 0, self.width(), line),
                Qt.AlignmentFlag.AlignLeft,
                self.busiest(max(count for _, count in self.days)),
            )
            bottom = QRect(0, chart.bottom() + 6, self.width(), line)
            painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft, self.days[0][0])
            painter.drawText(bottom, Qt.AlignmentFlag.AlignRight, self.days[-1][0])
        finally:
            painter.end()


class InsightsPanel(QWidget):
    """The dashboard: a period to choose, the headline numbers, the charts, and CSV export for a USB stick."""

    def __init__(self, staff: StaffSource, message: Message, lang: Callable[[], str]) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.lang = lang
        self.days = PERIODS[1]
        self.data: Insights | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(label("Insights: how patients use the kiosk", "title"))
        layout.addWidget(
            label(
                "Anonymous daily totals: never a time of day, never who, never what anyone typed. Nothing leaves "
                "the kiosk unless you export it.",
                "body",
            )
        )
        # At a clinic group's office (on the hub): the group's kiosks added together, small totals left out.
        self.scope = label("", "muted")
        self.scope.setVisible(staff.is_hub)
        layout.addWidget(self.scope)
        row = QHBoxLayout()
        self.period_buttons: dict[int, TouchButton] = {}
        for days in PERIODS:
            button = TouchButton(tr("console.last_days", "en", count=days), "chip")
            button.clicked.connect(lambda _=False, d=days: self.show_period(d))
            self.period_buttons[days] = button
            row.addWidget(button)
        row.addStretch(1)
        self.export_button = TouchButton("Export to a USB stick (CSV)…")
        self.export_button.clicked.connect(self.choose_export)
        row.addWidget(self.export_button)
        self.export_button.setVisible(
            not staff.is_hub
        )  # a kiosk's own counts; the hub's: `kiosk hub insights`
        layout.addLayout(row)
        self.headline = QGridLayout()
        self.headline_values: dict[str, object] = {}
        layout.addLayout(self.headline)
        self.day_chart = DayChart()
        self.minutes = BarChart()
        self.chapters = BarChart(legend=("", ""))
        self.exits = BarChart()
        self.answers = BarChart()
        self.helpful = BarChart(legend=("", ""))
        self.checks = BarChart(legend=("", ""))
        self.languages = BarChart()
        self.sizes = BarChart()
        for title, chart in (
            ("Sessions per day", self.day_chart),
            ("Minutes per session", self.minutes),
            ("Chapters started and finished", self.chapters),
            ("Pages where patients stopped", self.exits),
            ("Answers opened most", self.answers),
            ("Was this helpful?", self.helpful),
            ("Check what you learned: first answers", self.checks),
            ("Languages", self.languages),
            ("Text sizes", self.sizes),
        ):
            layout.addWidget(label(title, "heading"))
            layout.addWidget(chart)
        layout.addStretch(1)

    def refresh(self) -> None:
        self.show_period(self.days)

    def charts(self) -> dict[str, BarChart]:
        return {
            "minutes": self.minutes,
            "chapters": self.chapters,
            "exits": self.exits,
            "answers": self.answers,
            "helpful": self.helpful,
            "checks": self.checks,
            "languages": self.languages,
            "sizes": self.sizes,
        }

    def show_period(self, days: int) -> None:
        """The numbers of the last `days` days, in the console's language (titles too, where content has it)."""
        self.days = days
        lang = self.lang()
        for value, button in self.period_buttons.items():
            set_prop(button, "selected", value == days)
            button.setText(tr("console.last_days", lang, count=value))
        for name, chart in self.charts().items():
            chart.empty = tr("console.nothing_counted_yet", lang)
            legend = LEGENDS.get(name)
            if legend is not None:
                chart.legend = (tr(legend[0], lang), tr(legend[1], lang))
        self.day_chart.lang = lang
        data = self.staff.insights(days, lang)
        self.data = data
        self.scope.setText(tr("console.insights_group", lang, count=data.left_out))
        headline = [(key, getattr(data, field)) for key, field in HEADLINE]
        while self.headline.count():
            item = self.headline.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        for column, (key, value) in enumerate(headline):
            number = label(str(value), "title", wrap=False)
            number.setObjectName("InsightNumber")
            self.headline.addWidget(number, 0, column)
            self.headline.addWidget(label(tr(key, lang, count=value), "muted"), 1, column)
            self.headline_values[tr(key, "en")] = value
        self.day_chart.set_days([(day.isoformat(), count) for day, count in data.sessions_by_day])
        self.minutes.set_rows(
            [(tr(MINUTE_LABELS.get(b, MINUTES_MORE), lang), n, None) for b, n in data.minutes]
        )
        self.chapters.set_rows([(c.title, c.started, c.finished) for c in data.chapters])
        self.exits.set_rows([(p.title, p.count, None) for p in data.exit_pages])
        self.answers.set_rows([(a.title, a.count, None) for a in data.answers])
        self.helpful.set_rows([(h.question, h.yes, h.no) for h in data.helpful])
        self.checks.set_rows([(c.question, c.right, c.not_yet) for c in data.checks])
        self.languages.set_rows(
            [
                (tr(LANGUAGE_LABELS[code], lang) if code in LANGUAGE_LABELS else code, n, None)
                for code, n in data.languages
            ]
        )
        self.sizes.set_rows(
            [
                (tr(SIZE_LABELS[name], lang) if name in SIZE_LABELS else name, n, None)
                for name, n in data.text_sizes
            ]
        )
        self.day_chart.update()

    def choose_export(self) -> None:
        lang = self.lang()
        chosen = choose_file(
            self, tr("console.save_the_counts_as", lang), tr("console.csv_files", lang), save=True
        )
        if chosen is not None:
            self.export(chosen)

    def export(self, path: Path) -> int | None:
        """Write every day's counts of the chosen period to `path`; tell staff how it went."""
        try:
            rows = self.staff.export_insights(path, self.days)
        except KioskError as error:
            self.message(str(error), True)
            return None
        self.message(tr("console.saved_rows", self.lang(), count=rows, file=path.name), False)
        return rows
