"""Questions and answers: search as you type, the most asked questions, and the questions by topic.

Two taps from home to the most asked questions (the questions tile, then a question), three to any other (a topic
first); the topics always show without scrolling. Only one answer is open at a time, it scrolls into view, and
opening it puts the keyboard away. Back from an answer returns to the list as it was, typed question and scroll
included.

Search follows the typing. The screen only says it found nothing once the patient has typed at least three
letters and paused: half a word is not a question. Then it offers the topics and the front desk together. What a
patient types is never stored.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from kiosk.content import links
from kiosk.content.links import split_page_ref
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
    line_width,
    set_prop,
)

SEARCH_DELAY_MS = 120
#: The patient has stopped typing: only now may the screen say it found nothing.
PAUSE_MS = 1500
#: Fewer letters than this are not yet a question.
MIN_LETTERS = 3
MAX_QUERY = 120
MOST_ASKED = ""  # the category that lists the most asked questions


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
    #: "Was this helpful?" answered: (question id, yes).
    rated = Signal(str, bool)
    take_home = Signal(str)

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
            m = self.ctx.metrics
            pad = m.px(20)
            card = QVBoxLayout(self._answer)
            card.setContentsMargins(pad, pad, pad, pad)
            card.setSpacing(m.px(16))
            box = QHBoxLayout()
            self._answer_text = TextView(fit_height=True)
            self._answer_text.link_activated.connect(self.link_activated)
            self._answer_text.setMaximumWidth(line_width(self.ctx.font()))  # a comfortable line, however wide
            box.addWidget(self._answer_text, 1)
            box.addStretch(0)  # on a wide screen the answer keeps to the left, under its question
            card.addLayout(box)
            # Under the answer: was it helpful (counted per answer, once per patient), and take it home.
            actions = QHBoxLayout()
            actions.setSpacing(m.px(12))
            self.helpful_label = label(self.ctx.tr("faq.helpful"), "body", wrap=False, name="HelpfulLabel")
            self.helpful_yes = TouchButton(self.ctx.tr("faq.helpful_yes"))
            self.helpful_no = TouchButton(self.ctx.tr("faq.helpful_no"))
            self.thanks = label(self.ctx.tr("faq.helpful_thanks"), "body", wrap=False, name="HelpfulThanks")
            self.thanks.hide()
            self.helpful_yes.clicked.connect(lambda: self._rate(True))
            self.helpful_no.clicked.connect(lambda: self._rate(False))
            self.take_home_button = TouchButton(self.ctx.tr("take.button"))
            self.take_home_button.setObjectName("TakeHomeButton")
            self.take_home_button.clicked.connect(lambda: self.take_home.emit(self.question.id))
            for widget in (self.helpful_label, self.helpful_yes, self.helpful_no, self.thanks):
                actions.addWidget(widget)
            actions.addStretch(1)
            actions.addWidget(self.take_home_button)
            card.addLayout(actions)
            self._answer.hide()
            self.layout_.addWidget(self._answer)
            self._answer_text.set_content(self.question.html, self.ctx.css(), self.ctx.font())
        return self._answer

    def _rate(self, helpful: bool) -> None:
        self.show_rated()
        self.rated.emit(self.question.id, helpful)

    def show_rated(self) -> None:
        """Thanked: the question is not asked again of this patient."""
        self._answer_card()
        for widget in (self.helpful_label, self.helpful_yes, self.helpful_no):
            widget.hide()
        self.thanks.show()

    @property
    def answer_text(self) -> TextView:
        """The answer, filled in (and its card made) on first use."""
        self._answer_card()
        assert self._answer_text is not None
        return self._answer_text

    @property
    def is_open(self) -> bool:
        return self._answer is not None and not self._answer.isHidden()

    def set_open(self, open_: bool, rated: bool = False) -> None:
        if open_:
            self._answer_card().show()
            if rated:
                self.show_rated()
        elif self._answer is not None:
            self._answer.hide()
        self.marker.setText("−" if open_ else "+")
        set_prop(self.header, "open", open_)


class FaqScreen(Screen):
    name = "faq"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        #: Answers this patient said were helpful or not: asked once per answer, forgotten when the session ends.
        self.rated: set[str] = set()
        self.category = MOST_ASKED
        self.open_id = ""
        self.items: dict[str, QuestionItem] = {}
        self._listed: tuple[Catalogue, str, str] | None = (
            None  # what the list shows: catalogue, category, query
        )
        self._found = True  # whether the last search found anything
        self._opened_from_list = False  # an answer was opened from this list, and Back should close it
        self.page_results: list[WrapButton] = []

        self.heading = label("", "title")
        self.search_label = label("", "label", name="SearchLabel")
        self.search = SearchField()
        self.search_label.setBuddy(self.search)
        self.search.textChanged.connect(self._on_text_changed)
        self.search.tapped.connect(self.show_keyboard)
        self.clear_button = TouchButton("", "bar")
        self.clear_button.setObjectName("ClearSearch")
        self.clear_button.clicked.connect(self.clear_search)
        self.clear_button.hide()
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
        self.list.setObjectName("ScrollBody")  # paints the space questions leave when the list changes
        self.list.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
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
        self.pause_timer = QTimer(self)
        self.pause_timer.setObjectName("faq_pause_timer")
        self.pause_timer.setSingleShot(True)
        self.pause_timer.setInterval(PAUSE_MS)
        self.pause_timer.timeout.connect(self._on_pause)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.search_label)
        layout.addLayout(search_row)
        layout.addWidget(self.no_results)
        layout.addWidget(self.chips_box)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.keyboard)
        self._layout = layout
        self._search_row = search_row

    # --- state -------------------------------------------------------------------------------------------------

    @property
    def query(self) -> str:
        return self.search.text().strip()

    @property
    def paused(self) -> bool:
        """The patient has typed at least three letters and stopped."""
        letters = sum(char.isalnum() for char in self.query)
        return letters >= MIN_LETTERS and not self.pause_timer.isActive() and not self.search_timer.isActive()

    def enter(self, **args: Any) -> None:
        question = args.get("question")
        if question:
            found = self.ctx.source.catalogue(self.ctx.lang).question(str(question))
            self._set_query("")
            self.category = found.category_id if found is not None else MOST_ASKED
            self.open_id = str(question)
            self._opened_from_list = False
            self._rebuild()
            self.ctx.source.record("question", self.open_id)
        elif "category" in args:  # Back: the list exactly as the patient left it
            self._set_query(str(args.get("query", "")))
            self.category = str(args["category"])
            self.open_id = str(args.get("open", ""))
            self._opened_from_list = False
            self._rebuild()
            scroll = int(args.get("scroll", 0))
            QTimer.singleShot(0, lambda: self._scroll_to(scroll))
            return
        QTimer.singleShot(0, self._scroll_to_open)

    def place(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "query": self.search.text(),
            "open": self.open_id,
            "scroll": self.scroll_area.verticalScrollBar().value(),
        }

    def leave(self) -> None:
        self.hide_keyboard()
        self.search_timer.stop()
        self.pause_timer.stop()

    def reset(self) -> None:
        self.rated = set()
        self._set_query("")
        self.category = MOST_ASKED
        self.open_id = ""
        self._opened_from_list = False
        self.hide_keyboard()
        self._rebuild()
        self.scroll_area.verticalScrollBar().setValue(0)

    def refresh(self) -> None:
        m = self.ctx.metrics
        margin = m.px(32)
        self._layout.setContentsMargins(margin, m.px(16), margin, 0)
        self._layout.setSpacing(m.px(12))
        self._search_row.setSpacing(m.px(12))
        self.chips.set_spacing(m.px(10))
        self.list_layout.setSpacing(m.px(12))
        self.list_layout.setContentsMargins(0, 0, m.px(12), m.px(24))
        self.keyboard.set_spacing(m.px(8))
        self.heading.setText(self.ctx.tr("faq.title"))
        self.search_label.setText(self.ctx.tr("faq.search_label"))
        self.search.setPlaceholderText(self.ctx.tr("faq.search_placeholder"))
        self.search.setAccessibleName(self.ctx.tr("faq.search_label"))
        self.clear_button.setText(self.ctx.tr("faq.clear"))
        self.no_results.setText(self.ctx.tr("faq.no_results") + "\n" + self.ctx.tr("faq.front_desk"))
        self.keyboard.set_texts(
            self.ctx.tr("keyboard.clear"),
            self.ctx.tr("keyboard.space"),
            self.ctx.tr("keyboard.backspace"),
            self.ctx.tr("keyboard.hide"),
        )
        self.keyboard.set_accents(self.ctx.lang != "en")
        self._build_chips()
        self._rebuild(force=True)  # sizes, language or content may have changed

    def _set_query(self, text: str) -> None:
        self.search.blockSignals(True)
        self.search.setText(text)
        self.search.blockSignals(False)
        self.search_timer.stop()
        self.pause_timer.stop()
        self.clear_button.setVisible(bool(text))

    # --- building ----------------------------------------------------------------------------------------------

    def _build_chips(self) -> None:
        clear_layout(self.chips)
        self.chip_buttons = {}
        categories = [(MOST_ASKED, self.ctx.tr("faq.most_asked"))] + [
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
        self._set_query("")
        self.category = category_id
        self.open_id = ""
        self._opened_from_list = False
        self._rebuild()
        self.scroll_area.verticalScrollBar().setValue(0)

    def _clear_list(self) -> None:
        clear_layout(self.list_layout)
        self.items = {}
        self.page_results = []

    def _on_rated(self, question_id: str, helpful: bool) -> None:
        if question_id in self.rated:
            return
        self.rated.add(question_id)
        self.ctx.source.record("helpful-yes" if helpful else "helpful-no", question_id)

    def _add_question(self, question: QuestionView) -> None:
        item = QuestionItem(question, self.ctx)
        item.toggled.connect(self.toggle)
        item.link_activated.connect(self.open_link)
        item.rated.connect(self._on_rated)
        item.take_home.connect(lambda qid: self.go("take-home", question=qid))
        self.items[question.id] = item
        self.list_layout.addWidget(item)
        if question.id == self.open_id:
            item.set_open(True, question.id in self.rated)

    def _rebuild(self, *, force: bool = False) -> None:
        """Show the questions for the chosen topic or the search, with `open_id` open. The list is only made
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
        self._show_no_answer()
        if self.open_id in self.items:
            QTimer.singleShot(0, self._scroll_to_open)

    def _list(self, catalogue: Catalogue, query: str) -> None:
        if query:
            results = self.ctx.source.search(query, self.ctx.lang)
            self._found = bool(results)
            if not results:
                # Nothing yet: the list stays as it was until the patient pauses (then `_show_no_answer`).
                return
            self._clear_list()
            self.list_layout.addWidget(label(self.ctx.tr("faq.results"), "heading"))
            for result in results:
                if result.kind == "faq":
                    question = catalogue.question(result.ref)
                    if question is not None:
                        self._add_question(question)
                else:
                    chapter_id, page_id = split_page_ref(result.ref)
                    button = WrapButton(f"{self.ctx.tr('faq.read_more')}: {result.title}")
                    pad = self.ctx.metrics.px(20)
                    button.set_padding(pad, pad // 2)
                    button.clicked.connect(
                        lambda c=chapter_id, p=page_id: self.go("reader", chapter=c, page=p)
                    )
                    self.page_results.append(button)
                    self.list_layout.addWidget(button)
        else:
            self._found = True
            self._clear_list()
            if self.category == MOST_ASKED:
                questions = self.ctx.source.most_asked(self.ctx.lang)
            else:
                category = next((c for c in catalogue.categories if c.id == self.category), None)
                questions = category.questions if category is not None else ()
            for question in questions:
                self._add_question(question)
        self.list_layout.addStretch(1)
        self._listed = (catalogue, self.category, query)

    def _show_no_answer(self) -> None:
        """Say "no answer" only after a pause on a real attempt, and offer the topics and the front desk with it."""
        query = self.query
        no_answer = bool(query) and not self._found and self.paused
        if no_answer and not self.no_results.isVisible():
            self.ctx.source.record("search-empty")  # that a search found nothing: never its words
            self._clear_list()
            self._listed = None
            self.hide_keyboard()  # the topics are the way on now, and they need the room
        self.no_results.setVisible(no_answer)
        self._show_chips()

    def _show_chips(self, keyboard: bool | None = None) -> None:
        """The topics show whenever the keyboard is away and there is no list of answers to a search."""
        keyboard = not self.keyboard.isHidden() if keyboard is None else keyboard
        showing_results = bool(self.query) and not self.no_results.isVisible()
        self.chips_box.setVisible(not keyboard and not showing_results)

    # --- behaviour ---------------------------------------------------------------------------------------------

    def toggle(self, question_id: str) -> None:
        opening = self.open_id != question_id
        if opening and not self.open_id:
            self.remember()  # Back from the answer returns to this list, as it is now
            self._opened_from_list = True
        elif not opening and self._opened_from_list:
            self._opened_from_list = False
            self.forgotten.emit()
        for qid, item in self.items.items():
            item.set_open(opening and qid == question_id, qid in self.rated)
        self.open_id = question_id if opening else ""
        if opening:
            self.hide_keyboard()
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

    def _scroll_to(self, value: int) -> None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.scroll_area.verticalScrollBar().setValue(value)

    def open_link(self, target: str) -> None:
        link = links.parse(target)
        if link is not None and link.kind == "faq":
            if link.target in self.items:
                if self.open_id != link.target:
                    self.toggle(link.target)
            else:
                self.go("faq", question=link.target)
        elif link is not None:
            self.go("reader", chapter=link.chapter, page=link.page)

    def _on_text_changed(self, text: str) -> None:
        self.open_id = ""
        self._opened_from_list = False
        self.clear_button.setVisible(bool(text))
        self.no_results.hide()
        self.search_timer.start()
        self.pause_timer.start()

    def _on_pause(self) -> None:
        self._show_no_answer()

    def clear_search(self) -> None:
        self._set_query("")
        self._rebuild()

    def show_keyboard(self) -> None:
        # Make room first (the heading and topics go), then show the keys: a screen is never taller than the window.
        self.heading.hide()
        self._show_chips(keyboard=True)
        self.keyboard.show()
        self.search.setFocus()  # the field shows it is the one being typed into

    def hide_keyboard(self) -> None:
        self.keyboard.hide()
        self.heading.show()
        self.search.clearFocus()
        self._show_chips()
