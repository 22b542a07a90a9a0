"""Touch widgets shared by the screens: buttons, tap areas, pictures, page dots, text views, a flow layout, and
the drag that follows a finger across the page.

Every button and tap area ignores a second tap within `REPEAT_TAP_MS` of the first (a double tap is one tap), and
can be told to hold off for a moment (`hold_off`), so a flurry of taps never runs past a place the patient
should see, such as the end of a chapter.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QElapsedTimer,
    QEvent,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHideEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QTextDocument,
    QTextOption,
    QWindow,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QTextBrowser,
    QWidget,
    QWidgetItem,
)

from kiosk import paths
from kiosk.ui import pictures
from kiosk.ui.theme import LINE_CHARS

#: A second tap on the same control within this many milliseconds is part of the first (a double tap).
REPEAT_TAP_MS = 400
#: A sample of ordinary text, to measure how wide a comfortable line is in a font.
_SAMPLE = "Ketamine is a medicine. Your care team watches you closely while it works, and you rest after."


def set_prop(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property the style sheet selects on, and restyle the widget."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def first_delivery(event: QMouseEvent, last: list[tuple[object, ...]]) -> bool:
    """True the first time an input event is seen by an application-wide filter.

    One touch reaches the filter several times: at the window, at the widget under the finger, and at each
    parent the widget passes it on to. All of those share the event's timestamp and position.
    """
    key = (event.type(), event.timestamp(), event.globalPosition().toPoint())
    if last and last[0] == key:
        return False
    last[:] = [key]
    return True


def clear_layout(layout: QLayout) -> None:
    """Remove and delete every widget in `layout` at once (not just later, when they would still paint)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


def label(text: str = "", role: str = "body", *, wrap: bool = True, name: str = "") -> QLabel:
    widget = QLabel(text)
    widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        widget.setObjectName(name)
    return widget


#: Where a line reads best broken: after the end of a sentence or a clause.
_CLAUSE_ENDS = ("?", "!", ".", ",", ";", ":")


def balanced_lines(text: str, advance: Callable[[str], float], width: float) -> str:
    """`text` on one line if it fits in `width`; else on two lines that each fit, broken after a clause where
    one allows it, and as even as they can be (greedy wrapping can leave one word alone on the second line: "988").
    The text as it was when no two lines fit (the label then wraps it as usual)."""
    whole = advance(text)
    if whole <= width or whole > 2 * width:  # one line, or no two lines could hold it
        return text
    best: tuple[bool, float, str] | None = None  # (not after a clause, longer line, text)
    for index, char in enumerate(text):
        if char != " ":
            continue
        first, second = text[:index].rstrip(), text[index + 1 :].lstrip()
        longer = max(advance(first), advance(second))
        if not first or not second or longer > width:
            continue
        choice = (not first.endswith(_CLAUSE_ENDS), longer, f"{first}\n{second}")
        best = choice if best is None else min(best, choice)
    return best[2] if best is not None else text


class BalancedLabel(QLabel):
    """A plain-text label whose text, when it needs two lines, is broken where it reads best (`balanced_lines`)."""

    def __init__(self, role: str = "body") -> None:
        super().__init__()
        self.setProperty("role", role)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._text = ""

    def set_balanced_text(self, text: str) -> None:
        self._text = text
        self._balance()

    def full_text(self) -> str:
        return self._text

    def _balance(self) -> None:
        margins = self.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        metrics = QFontMetricsF(self.font())
        shown = balanced_lines(self._text, metrics.horizontalAdvance, room) if room > 0 else self._text
        if shown != self.text():
            self.setText(shown)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._balance()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # a text size or style change: measure again
            self._balance()


def icon_svg(name: str, colour: str) -> bytes:
    """One of the application's own icons (resources/icons), drawn in `colour`."""
    source = (paths.resources_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    return source.replace("currentColor", colour).encode()


def line_width(font: QFont, chars: int = LINE_CHARS) -> int:
    """The width of a line of about `chars` characters of ordinary text in `font`."""
    return round(QFontMetricsF(font).horizontalAdvance(_SAMPLE) / len(_SAMPLE) * chars)


class TapGuard:
    """When a control last acted, and until when it holds off: a repeated tap within `REPEAT_TAP_MS` does
    nothing, and `hold_off` makes it wait for a fresh tap: one that comes after the taps stop for a moment."""

    def __init__(self) -> None:
        self._clock = QElapsedTimer()
        self._clock.start()
        self.repeats = True
        self._last = -(10**9)
        self._held_until = -1
        self._quiet = 0

    def allows_press(self) -> bool:
        now = self._clock.elapsed()
        if now < self._held_until:
            self._held_until = now + self._quiet  # still tapping: the moment of quiet starts again
            return False
        return not (self.repeats and now - self._last < REPEAT_TAP_MS)

    def acted(self) -> None:
        self._last = self._clock.elapsed()

    def hold_off(self, ms: int) -> None:
        """Ignore taps until there has been none for `ms` milliseconds."""
        self._quiet = ms
        self._held_until = self._clock.elapsed() + ms


def kinetic(area: QAbstractScrollArea) -> None:
    """Kinetic, finger-following scrolling by touch (and mouse drag), vertical only."""
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    scroller = QScroller.scroller(area.viewport())
    properties = scroller.scrollerProperties()
    properties.setScrollMetric(
        QScrollerProperties.ScrollMetric.HorizontalOvershootPolicy,
        QScrollerProperties.OvershootPolicy.OvershootAlwaysOff,
    )
    # A tap reaches what is under the finger at once (a delayed press can arrive after a quick release, and the
    # tap is lost); if the finger then scrolls, the scroller cancels the press.
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0.0)
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.DragStartDistance, 0.004)
    scroller.setScrollerProperties(properties)


class TouchButton(QPushButton):
    """A push button for fingers: never steals keyboard focus on tap, styled by its `role`. A second tap within
    `REPEAT_TAP_MS` does nothing, unless `repeats` is allowed (keys: "ll" is two letters)."""

    def __init__(
        self, text: str = "", role: str = "", parent: QWidget | None = None, *, repeats: bool = False
    ) -> None:
        super().__init__(text, parent)
        if role:
            self.setProperty("role", role)
        self.setAutoDefault(False)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.guard = TapGuard()
        self.guard.repeats = not repeats
        self.clicked.connect(self.guard.acted)

    def hold_off(self, ms: int) -> None:
        """Wait for a fresh tap: none is taken until taps stop for `ms` milliseconds (one whose finger is
        already down included)."""
        self.guard.hold_off(ms)
        if self.isDown():
            self.setDown(False)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # A double click arrives here too (QWidget turns it into a press), and is refused the same way.
        if not self.guard.allows_press():
            event.accept()
            return
        super().mousePressEvent(event)


class MoreBelow(TouchButton):
    """ "More below" for a scrolling area: shown only while some of it is out of sight below (the thin scroll bar
    alone does not say so), and a tap brings up the next screenful."""

    SLACK_PX = 4  # a frame's last pixels below are not more to read

    def __init__(self, area: QAbstractScrollArea) -> None:
        super().__init__("", "cue")
        self.setObjectName("MoreBelow")
        self.bar = area.verticalScrollBar()
        self.bar.rangeChanged.connect(self._follow)
        self.bar.valueChanged.connect(self._follow)
        self.clicked.connect(lambda: self.bar.setValue(self.bar.value() + self.bar.pageStep()))
        self.hide()

    def _follow(self) -> None:
        self.setVisible(self.bar.maximum() - self.bar.value() > self.SLACK_PX)


class TapArea(QFrame):
    """A frame that behaves like a big button: press highlight, `clicked` when released inside it."""

    clicked = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.guard = TapGuard()
        self.clicked.connect(self.guard.acted)

    def hold_off(self, ms: int) -> None:
        """Wait for a fresh tap: none is taken until taps stop for `ms` milliseconds (one whose finger is
        already down included)."""
        self.guard.hold_off(ms)
        set_prop(self, "pressed", False)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            if self.guard.allows_press():
                set_prop(self, "pressed", True)
            event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        was_pressed = self.property("pressed") is True
        set_prop(self, "pressed", False)
        if was_pressed and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
        else:
            super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.EnabledChange and not self.isEnabled():
            set_prop(self, "pressed", False)
        super().changeEvent(event)


class WrapButton(TapArea):
    """A button whose text wraps onto several lines: for questions and titles that can be long."""

    def __init__(self, text: str, role: str = "") -> None:
        super().__init__("WrapButton")
        if role:
            self.setProperty("role", role)
        self.text_label = QLabel(text)
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.box = QHBoxLayout(self)
        self.box.addWidget(self.text_label)
        self.setAccessibleName(text)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def text(self) -> str:
        return self.text_label.text()

    def set_text(self, text: str) -> None:
        self.text_label.setText(text)
        self.setAccessibleName(text)
        self.updateGeometry()

    def set_padding(self, horizontal: int, vertical: int) -> None:
        self.box.setContentsMargins(horizontal, vertical, horizontal, vertical)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        margins = self.box.contentsMargins()
        inner = width - margins.left() - margins.right()
        return self.text_label.heightForWidth(inner) + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:
        """As wide as the text on one line (a flow layout narrows it, and it then grows taller)."""
        self.text_label.ensurePolished()
        margins = self.box.contentsMargins()
        width = self.text_label.fontMetrics().horizontalAdvance(self.text_label.text()) + 8
        width += margins.left() + margins.right()
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 12, self.minimumHeight())


class PictureView(QWidget):
    """An illustration, scaled to fit and kept sharp. A missing, refused or broken picture shows its alt text.

    The picture is checked and drawn off the UI thread (`kiosk.ui.pictures`), at the size shown but never above
    the size pictures are measured at when they come in; until it is ready the view shows a calm placeholder, or
    the size drawn before scaled, so painting never waits on a picture.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._digest: str | None = None
        self._image: QImage | None = None  # what this view shows: kept here, so the shared cache can be small
        self._listening = False
        self._alt = ""
        self._missing_label = "Picture: {alt}"
        self._ink = QColor("#1B2A36")
        self._soft = QColor(self._ink)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 90)

    def set_picture(self, data: bytes | None, alt: str, missing_label: str = "Picture: {alt}") -> None:
        self._alt = alt
        self._missing_label = missing_label
        digest = self._digest
        self._digest = None
        if data:
            loader = pictures.loader()
            self._digest = loader.add(data)
            if not self._listening:
                loader.ready.connect(self._on_picture_ready)
                self._listening = True
        if self._digest != digest:  # the same picture again (a page shown again) keeps what was drawn
            self._image = None
        self.setAccessibleName(alt)
        self.updateGeometry()
        self.update()

    def set_ink(self, colour: str) -> None:
        self._ink = QColor(colour)
        self._soft = QColor(self._ink)
        self._soft.setAlpha(20)
        self.update()

    @property
    def is_missing(self) -> bool:
        return self._digest is None or pictures.loader().refused(self._digest)

    def aspect(self) -> float:
        return pictures.loader().aspect(self._digest) if self._digest is not None else 0.7

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return round(width * self.aspect())

    def sizeHint(self) -> QSize:
        return QSize(800, round(800 * self.aspect()))

    @Slot(str)
    def _on_picture_ready(self, digest: str) -> None:
        if digest == self._digest:
            wanted = self._wanted_size()
            image = pictures.loader().image(digest, wanted) if wanted is not None else None
            if image is not None and image.size() == wanted and self.isVisible():
                self._image = image  # take it now: the shared cache is small and may let it go
            self.update()

    def _target(self) -> QRect:
        """Where the picture goes: as large as fits, centred, in its own shape."""
        area = self.rect()
        aspect = self.aspect()
        width = area.width()
        height = round(width * aspect)
        if height > area.height():
            height = area.height()
            width = round(height / aspect)
        return QRect(
            area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2, width, height
        )

    def _wanted_size(self) -> QSize | None:
        """The size to draw the picture at: its place on screen in device pixels, at most the measured size."""
        if self._digest is None:
            return None
        target, ratio = self._target(), self.devicePixelRatioF()
        size = QSize(max(1, round(target.width() * ratio)), max(1, round(target.height() * ratio)))
        return pictures.fit(self.aspect(), size)

    def hideEvent(self, event: QHideEvent) -> None:
        self._image = None  # a screen out of sight keeps no pixels; it is drawn again when it comes back
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self.rect()
        if self.is_missing:
            pen = QPen(self._ink, 3, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRoundedRect(area.adjusted(2, 2, -2, -2), 16, 16)
            painter.setFont(self.font())
            text = self._missing_label.format(alt=self._alt) if self._alt else ""
            painter.drawText(
                area.adjusted(24, 24, -24, -24), Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter, text
            )
            return
        assert self._digest is not None
        target = self._target()
        wanted = self._wanted_size()
        assert wanted is not None
        loader = pictures.loader()
        image = self._image if self._image is not None and self._image.size() == wanted else None
        image = image or loader.image(self._digest, wanted) or self._image
        if image is None or image.size() != wanted:
            loader.request(self._digest, wanted, self)
        self._image = image
        if image is None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._soft)
            painter.drawRoundedRect(target, 16, 16)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(target), image)


class PageDots(QWidget):
    """Where the patient is in a chapter: one dot per page, the current one filled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = 0
        self.current = 0
        self._colour = QColor("#145F57")
        self._empty = QColor("#6F8496")
        # Brushes and pens as objects, made once: passing Qt.GlobalColor enums to QPainter on every paint leaks a
        # reference in PySide6, and a kiosk paints these dots many thousands of times.
        self._brushes = (QBrush(self._colour), QBrush(Qt.BrushStyle.NoBrush))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_colours(self, filled: str, empty: str) -> None:
        self._colour, self._empty = QColor(filled), QColor(empty)
        self._brushes = (QBrush(self._colour), QBrush(Qt.BrushStyle.NoBrush))
        self.update()

    def set_position(self, current: int, count: int) -> None:
        self.current, self.count = current, count
        self.setAccessibleName(f"{current + 1} / {count}")
        self.updateGeometry()
        self.update()

    def _dot(self) -> int:
        return max(14, self.height() // 2)

    def sizeHint(self) -> QSize:
        dot = max(14, self.fontMetrics().height() // 2)
        return QSize(max(1, self.count) * dot * 2, dot * 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.count:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        dot = min(self._dot(), max(6, self.width() // (self.count * 2)))
        total = self.count * dot * 2 - dot
        x = (self.width() - total) // 2
        y = (self.height() - dot) // 2
        pens = (QPen(self._colour, 3), QPen(self._empty, 3))
        for index in range(self.count):
            current = (
                0 if index == self.current or self.current >= self.count else 1
            )  # past the end: all done
            painter.setPen(pens[current])
            painter.setBrush(self._brushes[current])
            painter.drawEllipse(QRect(x + index * dot * 2, y, dot, dot))
        painter.end()


class TextView(QTextBrowser):
    """Read-only rich text for content: kinetic scrolling, links reported (never opened), no context menu.

    `at_end_changed` tells whoever shows a "more below" cue whether the last line is in view.
    """

    link_activated = Signal(str)
    at_end_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, fit_height: bool = False) -> None:
        super().__init__(parent)
        self.fit_height = fit_height
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        # A long web address in a list of sources breaks anywhere rather than running off the side.
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.anchorClicked.connect(self._on_anchor)
        palette = self.viewport().palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(0, 0, 0, 0))
        self.viewport().setPalette(palette)
        self.viewport().setAutoFillBackground(False)
        self._at_end = True
        if fit_height:
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        else:
            kinetic(self)
            bar = self.verticalScrollBar()
            bar.valueChanged.connect(self._check_end)
            bar.rangeChanged.connect(self._check_end)

    def set_content(self, html: str, css: str, font: QFont) -> None:
        self.document().setDefaultStyleSheet(css)
        self.document().setDefaultFont(font)
        self.document().setDocumentMargin(0)
        self.setHtml(html)
        self.verticalScrollBar().setValue(0)
        self._fit()

    @property
    def at_end(self) -> bool:
        return self._at_end

    def page_down(self) -> None:
        """Scroll on by most of a screenful, keeping the last line in view for context."""
        bar = self.verticalScrollBar()
        step = max(1, self.viewport().height() - self.fontMetrics().height() * 2)
        target = min(bar.maximum(), bar.value() + step)
        scroller = QScroller.scroller(self.viewport())
        scroller.scrollTo(QPointF(0, target), 350)

    def _check_end(self) -> None:
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum()  # with nothing to scroll, the end is in view
        if at_end != self._at_end:
            self._at_end = at_end
            self.at_end_changed.emit(at_end)

    def _on_anchor(self, url: QUrl) -> None:
        self.link_activated.emit(url.toString())

    def _fit(self) -> None:
        if self.fit_height:
            self.document().setTextWidth(self.viewport().width())
            margins = self.contentsMargins()
            height = round(self.document().size().height()) + margins.top() + margins.bottom() + 4
            self.setFixedHeight(max(height, self.fontMetrics().height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class TextSlice(QWidget):
    """Part of a document, from `top` down, as tall as the widget: a column of a page. Its links work."""

    link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document: QTextDocument | None = None
        self.top = 0

    def show_part(self, document: QTextDocument, top: int) -> None:
        self._document, self.top = document, top
        self.update()

    def document(self) -> QTextDocument | None:
        return self._document

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._document is None:
            return
        painter = QPainter(self)
        painter.translate(0, -self.top)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = QRectF(0, self.top, self.width(), self.height())
        context.palette = self.palette()
        self._document.documentLayout().draw(painter, context)
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._document is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.position() + QPointF(0, self.top)
        anchor = self._document.documentLayout().anchorAt(point)
        if anchor:
            self.link_activated.emit(anchor)


class ItemListLayout(QLayout):
    """A layout keeping its items in a list: QLayout's item interface, for layouts that place items themselves."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None


class FlowLayout(ItemListLayout):
    """Lays items out in rows, wrapping to the next row when one is full (category chips, the bar's buttons)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 12) -> None:
        super().__init__(parent)
        self._spacing = spacing
        self._align_right = False
        self.setContentsMargins(0, 0, 0, 0)

    def set_spacing(self, spacing: int) -> None:
        self._spacing = spacing
        self.invalidate()

    def set_align_right(self, align_right: bool) -> None:
        self._align_right = align_right
        self.invalidate()

    def add(self, widget: QWidget) -> None:
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))

    def insert(self, index: int, widget: QWidget) -> None:
        self.addChildWidget(widget)
        self._items.insert(index, QWidgetItem(widget))
        self.invalidate()

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """Everything on one row, if there is room for it."""
        visible = [item for item in self._items if not item.isEmpty()]
        width = sum(item.sizeHint().width() for item in visible) + self._spacing * max(len(visible) - 1, 0)
        height = max((item.sizeHint().height() for item in visible), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        x = 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            width = min(hint.width(), rect.width())
            height = item.heightForWidth(width) if item.hasHeightForWidth() else hint.height()
            height = max(height, item.minimumSize().height())
            if x and x + width > rect.width():
                rows.append([])
                x = 0
            rows[-1].append((item, QSize(width, height)))
            x += width + self._spacing
        y = rect.y()
        for row in rows:
            if not row:
                continue
            used = sum(size.width() for _, size in row) + self._spacing * (len(row) - 1)
            x = rect.x() + (rect.width() - used if self._align_right else 0)
            for item, size in row:
                if move:
                    item.setGeometry(QRect(QPoint(x, y), size))
                x += size.width() + self._spacing
            y += max(size.height() for _, size in row) + self._spacing
        return max(y - self._spacing - rect.y(), 0)


def cancel_press(widget: QWidget | None) -> None:
    """Forget a press on `widget` or the tap area or button it is part of, so its release does not click: the
    finger has turned out to be dragging, not tapping."""
    while widget is not None:
        if isinstance(widget, TapArea):
            set_prop(widget, "pressed", False)
            return
        if isinstance(widget, QPushButton):
            widget.setDown(False)
            return
        widget = widget.parentWidget()


class HorizontalDrag(QObject):
    """Follows a finger that goes down inside `area` and moves sideways, wherever it goes and whatever is under it.

    It watches the window's own input (before kinetic scrolling, which keeps the moves inside a text view to
    itself). A press that moves mostly sideways by more than a few pixels becomes a drag: `started` once, then
    `moved` with the distance from the press, then `released` with the distance and the speed (pixels a second,
    over the last tenth of a second, by the input's own timestamps, so a busy moment does not make a slow finger
    look quick). A press that moves mostly up or down is left to scrolling.
    """

    started = Signal()
    moved = Signal(float)
    released = Signal(float, float)

    SLOP = 14  # pixels a finger may wander before a tap becomes a drag

    def __init__(self, area: QWidget) -> None:
        super().__init__(area)
        self.area = area
        self._start: QPointF | None = None
        self._state = ""  # "", "pending", "dragging", "vertical"
        self._samples: list[tuple[float, float]] = []  # (ms, x)
        self.enabled = False

    def set_enabled(self, enabled: bool) -> None:
        app = QApplication.instance()
        if enabled and not self.enabled and app is not None:
            app.installEventFilter(self)
        elif not enabled and self.enabled and app is not None:
            app.removeEventFilter(self)
        self.enabled = enabled
        self._state = ""
        self._start = None

    @property
    def dragging(self) -> bool:
        return self._state == "dragging"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every mouse event (a touch becomes one) reaches the top-level window first, and only once.
        if not isinstance(watched, QWindow) or not isinstance(event, QMouseEvent):
            return False
        kind = event.type()
        point = event.globalPosition()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            local = self.area.mapFromGlobal(point.toPoint())
            inside = self.area.isVisible() and self.area.rect().contains(local)
            self._start = QPointF(point) if inside else None
            self._state = "pending" if inside else ""
            self._samples = [(float(event.timestamp()), point.x())]
        elif kind == QEvent.Type.MouseMove and self._start is not None and self._state:
            if not event.buttons() & Qt.MouseButton.LeftButton:
                return False
            self._follow(point, event.timestamp())
        elif kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            if self._start is None:
                return False
            self._follow(point, event.timestamp())
            dx = point.x() - self._start.x()
            dragging = self._state == "dragging"
            self._start, self._state = None, ""
            if dragging:
                self.released.emit(dx, self._speed())
        return False

    def _follow(self, point: QPointF, timestamp: int) -> None:
        assert self._start is not None
        dx, dy = point.x() - self._start.x(), point.y() - self._start.y()
        now = float(timestamp)
        self._samples = [s for s in self._samples if now - s[0] <= 100] + [(now, point.x())]
        if self._state == "pending" and max(abs(dx), abs(dy)) >= self.SLOP:
            if abs(dx) > 1.2 * abs(dy):
                self._state = "dragging"
                local = self.area.mapFromGlobal(self._start.toPoint())
                cancel_press(self.area.childAt(local))
                self.started.emit()
            else:
                self._state = "vertical"
        if self._state == "dragging":
            self.moved.emit(dx)

    def _speed(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, x0), (t1, x1) = self._samples[0], self._samples[-1]
        return (x1 - x0) / max(t1 - t0, 16) * 1000
