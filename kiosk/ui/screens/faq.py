"""Questions and answers: category chips, an accordion of questions, and search as you type.

Two taps from home: the questions tile, then a question. Only one answer is open at a time, and it scrolls into
view. The search field has its own on-screen keyboard; results appear as the patient types, and when nothing
matches a kind line sends them to the front desk. What a patient types is never stored.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from kiosk.services.catalogue import Catalogue, QuestionView
from kiosk.ui.keys import Keyboard
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import (
    FlowLayout,
    TapArea,
    TextView,
    TouchButton,
    WrapButton,
    clear_layout,
    kinetic,
    label,
    set_prop,
)

SEARCH_DELAY_MS = 120
MAX_QUERY = 120


class SearchField(QLineEdit):
    """The patient's search field. Nothing passes from one patient to the next through it: no paste, copy or cut
    (keys or middle-click), no drag and drop, and clearing it forgets the undo history too."""

    tapped = Signal()
    MIDDLE_CLICK = (
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
    )

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("SearchField")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setMaxLength(MAX_QUERY)
        self.setClearButtonEnabled(False)
        self.setDragEnabled(False)
        self.setAcceptDrops(False)

    def clear(self) -> None:
        """Empty the field and its undo history (QLineEdit.clear can be undone: Ctrl+Z would bring the last
        patient's query back)."""
        self.setText("")

    def event(self, event: QEvent) -> bool:
        from PySide6.QtGui import QKeyEvent, QKeySequence  # only this class needs them

        keys = (QKeySequence.StandardKey.Paste, QKeySequence.StandardKey.Copy, QKeySequence.StandardKey.Cut)
        if isinstance(event, QKeyEvent) and any(event.matches(key) for key in keys):
            event.accept()  # as a shortcut override too, so no window-wide shortcut acts on it either
            return True
        if (
            event.type() in self.MIDDLE_CLICK
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.MiddleButton
        ):
            event.accept()  # a middle-click pastes the selection on X11
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self.tapped.emit()


class QuestionItem(QWidget):
    """A question that opens to show its answer."""

    toggled = Signal(str)
    link_activated = Signal(str)

    def __init__(self, question: QuestionView, ctx: Context) -> None:
        super().__init__()
        self.question = question
        self.ctx = ctx
        self.header = TapArea("QuestionRow")
        header = QHBoxLayout(self.header)
        pad = ctx.metrics.px(20)
        header.setContentsMargins(pad, pad // 2, pad, pad // 2)
        self.text = label(question.question, "body", name="QuestionText")
        self.marker = label("+", "heading", wrap=False)
        for widget in (self.text, self.marker):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        header.addWidget(self.text, 1)
        header.addWidget(self.marker)
        self.header.setMinimumHeight(ctx.metrics.primary)
        self.header.setAccessibleName(question.question)
        self.header.clicked.connect(self._on_header_clicked)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(ctx.metrics.px(6))
        self.layout_.addWidget(self.header)
        # The answer card is made the first time it opens: a list of fifty questions then builds in a blink.
        self._answer: TapArea | None = None
        self._answer_text: TextView | None = None

    def _on_header_clicked(self) -> None:
        self.toggled.emit(self.question.id)

    def _answer_card(self) -> TapArea:
        if self._answer is None:
            self._answer = TapArea("AnswerCard")
            pad = self.ctx.metrics.px(20)
            box = QVBoxLayout(self._answer)
            box.setContentsMargins(pad, pad, pad, pad)
            self._answer_text = TextView(fit_height=True)
            self._answer_text.link_activated.connect(self.link_activated)
            box.addWidget(self._answer_text)
            self._answer.hide()
            self.layout_.addWidget(self._answer)
            self._answer_text.set_content(self.question.html, self.ctx.css(), self.ctx.font())
        return self._answer

    @property
    def answer_text(self) -> TextView:
        """The answer, filled in (and its card made) on first use."""
        self._answer_card()
        assert self._answer_text is not None
        return self._answer_text

    @property
    def is_open(self) -> bool:
        return self._answer is not None and not self._answer.isHidden()

    def set_open(self, open_: bool) -> None:
        if open_:
            self._answer_card().show()
        elif self._answer is not None:
            self._answer.hide()
        self.marker.setText("−" if open_ else "+")
        set_prop(self.header, "open", open_)


class FaqScreen(Screen):
    name = "faq"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.category = ""  # "" = all
        self.open_id = ""
        self.items: dict[str, QuestionItem] = {}
        self._listed: tuple[Catalogue, str, str] | None = (
            None  # what the list shows: catalogue, category, query
        )
        self.page_results: list[WrapButton] = []

        self.heading = label("", "title")
        self.search = SearchField()
        self.search.textChanged.connect(self._on_text_changed)
        self.search.tapped.connect(self.show_keyboard)
        self.clear_button = TouchButton("×", "key")
        self.clear_button.clicked.connect(self.clear_search)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.clear_button)

        self.chips_box = QWidget()
        self.chips = FlowLayout(self.chips_box)
        self.chip_buttons: dict[str, TouchButton] = {}

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        kinetic(self.scroll_area)
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.scroll_area.setWidget(self.list)
        self.no_results = label("", "body", name="NoResults")
        self.no_results.hide()

        self.keyboard = Keyboard()
        self.keyboard.attach(self.search)
        self.keyboard.hide_requested.connect(self.hide_keyboard)
        self.keyboard.hide()
        self.keyboard.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.search_timer = QTimer(self)
        self.search_timer.setObjectName("faq_search_timer")
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self._rebuild)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(search_row)
        layout.addWidget(self.chips_box)
        layout.addWidget(self.no_results)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.keyboard)
        self._layout = layout
        self._search_row = search_row

    # --- state -------------------------------------------------------------------------------------------------

    @property
    def query(self) -> str:
        return self.search.text().strip()

    def enter(self, **args: Any) -> None:
        question = args.get("question")
        if question:
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.category = ""
            self.open_id = str(question)
            self._rebuild()
            self.ctx.source.record("question", self.open_id)
        QTimer.singleShot(0, self._scroll_to_open)

    def leave(self) -> None:
        self.hide_keyboard()
        self.search_timer.stop()

    def reset(self) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.category = ""
        self.open_id = ""
        self.hide_keyboard()
        self._rebuild()
        self.scroll_area.verticalScrollBar().setValue(0)

    def refresh(self) -> None:
        m = self.ctx.metrics
        margin = m.px(32)
        self._layout.setContentsMargins(margin, m.px(20), margin, 0)
        self._layout.setSpacing(m.px(14))
        self._search_row.setSpacing(m.px(12))
        self.chips.set_spacing(m.px(12))
        self.list_layout.setSpacing(m.px(12))
        self.list_layout.setContentsMargins(0, 0, m.px(12), m.px(24))
        self.keyboard.set_spacing(m.px(8))
        self.clear_button.setFixedSize(m.primary, m.primary)
        self.heading.setText(self.ctx.tr("faq.title"))
        self.search.setPlaceholderText(self.ctx.tr("faq.search_placeholder"))
        self.search.setAccessibleName(self.ctx.tr("faq.search_placeholder"))
        self.no_results.setText(self.ctx.tr("faq.no_results"))
        self.keyboard.set_texts(
            self.ctx.tr("keyboard.clear"),
            self.ctx.tr("keyboard.space"),
            self.ctx.tr("keyboard.backspace"),
            self.ctx.tr("keyboard.hide"),
        )
        self._build_chips()
        self._rebuild(force=True)  # sizes, language or content may have changed

    # --- building ----------------------------------------------------------------------------------------------

    def _build_chips(self) -> None:
        clear_layout(self.chips)
        self.chip_buttons = {}
        categories = [("", self.ctx.tr("faq.all"))] + [
            (c.id, c.title) for c in self.ctx.source.catalogue(self.ctx.lang).categories
        ]
        for category_id, title in categories:
            chip = TouchButton(title, "chip")
            chip.clicked.connect(lambda _=False, cid=category_id: self.choose_category(cid))
            self.chip_buttons[category_id] = chip
            self.chips.add(chip)
        self._mark_chips()

    def _mark_chips(self) -> None:
        for category_id, chip in self.chip_buttons.items():
            set_prop(chip, "selected", category_id == self.category and not self.query)

    def choose_category(self, category_id: str) -> None:
        if self.query:
            self.search.clear()  # rebuilds through textChanged
        self.category = category_id
        self._rebuild()
        self.scroll_area.verticalScrollBar().setValue(0)

    def _clear_list(self) -> None:
        clear_layout(self.list_layout)
        self.items = {}
        self.page_results = []

    def _add_question(self, question: QuestionView) -> None:
        item = QuestionItem(question, self.ctx)
        item.toggled.connect(self.toggle)
        item.link_activated.connect(self.open_link)
        self.items[question.id] = item
        self.list_layout.addWidget(item)
        if question.id == self.open_id:
            item.set_open(True)

    def _rebuild(self, *, force: bool = False) -> None:
        """Show the questions for the chosen category or the search, with `open_id` open. The list is only made
        again when what it lists has changed; opening another answer in it just opens that answer."""
        catalogue = self.ctx.source.catalogue(self.ctx.lang)
        query = self.query
        listed = (catalogue, self.category, query)
        self._mark_chips()
        if (
            not force
            and self._listed is not None
            and self._listed[0] is catalogue
            and self._listed[1:] == listed[1:]
        ):
            for qid, item in self.items.items():
                item.set_open(qid == self.open_id)
        else:
            self._list(catalogue, query)
            self._listed = listed
        if self.open_id in self.items:
            QTimer.singleShot(0, self._scroll_to_open)

    def _list(self, catalogue: Catalogue, query: str) -> None:
        self._clear_list()
        self.chips_box.setVisible(not query)
        if query:
            results = self.ctx.source.search(query, self.ctx.lang)
            self.no_results.setVisible(not results)
            if results:
                self.list_layout.addWidget(label(self.ctx.tr("faq.results"), "heading"))
            for result in results:
                if result.kind == "faq":
                    question = catalogue.question(result.ref)
                    if question is not None:
                        self._add_question(question)
                else:
                    chapter_id, _, page_id = result.ref.partition("/")
                    button = WrapButton(f"{self.ctx.tr('faq.read_more')}: {result.title}")
                    pad = self.ctx.metrics.px(20)
                    button.set_padding(pad, pad // 2)
                    button.clicked.connect(
                        lambda c=chapter_id, p=page_id: self.go("reader", chapter=c, page=p)
                    )
                    self.page_results.append(button)
                    self.list_layout.addWidget(button)
        else:
            self.no_results.hide()
            for category in catalogue.categories:
                if self.category and category.id != self.category:
                    continue
                if not self.category:
                    self.list_layout.addWidget(label(category.title, "heading"))
                for question in category.questions:
                    self._add_question(question)
        self.list_layout.addStretch(1)

    # --- behaviour ---------------------------------------------------------------------------------------------

    def toggle(self, question_id: str) -> None:
        opening = self.open_id != question_id
        for qid, item in self.items.items():
            item.set_open(opening and qid == question_id)
        self.open_id = question_id if opening else ""
        if opening:
            self.ctx.source.record("question", question_id)
            QTimer.singleShot(0, self._scroll_to_open)

    def _scroll_to_open(self) -> None:
        item = self.items.get(self.open_id)
        if item is None:
            return
        # A list made a moment ago is not laid out yet (nor has the scroll area sized it): do both now.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        top = item.mapTo(self.list, item.rect().topLeft()).y()
        self.scroll_area.verticalScrollBar().setValue(max(0, top - self.ctx.metrics.px(12)))

    def open_link(self, target: str) -> None:
        if target.startswith("faq:"):
            question_id = target[4:]
            if question_id in self.items:
                if self.open_id != question_id:
                    self.toggle(question_id)
            else:
                self.enter(question=question_id)
        elif target.startswith("page:"):
            chapter_id, _, page_id = target[5:].partition("/")
            self.go("reader", chapter=chapter_id, page=page_id)

    def _on_text_changed(self, _text: str) -> None:
        self.open_id = ""
        self.search_timer.start()

    def clear_search(self) -> None:
        self.search.clear()
        self.search_timer.stop()
        self._rebuild()

    def show_keyboard(self) -> None:
        self.keyboard.show()

    def hide_keyboard(self) -> None:
        self.keyboard.hide()
        self.search.clearFocus()
