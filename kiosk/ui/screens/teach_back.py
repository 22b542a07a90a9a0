"""Check what you learned: a chapter's two or three teach-back questions, one at a time, with large buttons.

After each answer, right or not, the kiosk says kindly why and offers the page that explains it; a wrong answer is
never a failure ("a good question to ask your care team"). The patient can skip at any time. Only the first answer
a patient gives to each question counts (right or not, per question, anonymously); answers are kept for the
session, so coming back to a question shows what they chose, and forgotten when it ends.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from kiosk.content import links
from kiosk.services.catalogue import ChapterView, CheckView
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import (
    MoreBelow,
    TextView,
    TouchButton,
    WrapButton,
    clear_layout,
    kinetic,
    label,
    set_prop,
)

log = logging.getLogger(__name__)

#: The reader's page id for a chapter's end, where "Done" and "Skip" return to.
END = "end"


class TeachBackScreen(Screen):
    name = "teach-back"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.chapter: ChapterView | None = None
        self.chapter_id = ""
        self.index = 0
        #: What this patient chose for each question they answered (chapter-id/question-id: choice), this session.
        self.answers: dict[str, int] = {}

        self.heading = label("", "heading", name="TeachBackHeading")
        self.position = label("", "muted", wrap=False, name="TeachBackPosition")
        self.question = label("", "title", name="TeachBackQuestion")
        self.choices: list[WrapButton] = []
        self.choice_box = QVBoxLayout()
        self.verdict = label("", "heading", name="TeachBackVerdict")
        self.explanation = TextView(fit_height=True)
        self.explanation.setObjectName("TeachBackExplanation")
        self.explanation.link_activated.connect(self._on_link)
        self.read_page = WrapButton("")
        self.read_page.clicked.connect(self.open_page)
        self.feedback = QFrame()
        self.feedback.setObjectName("FeedbackCard")
        self.feedback.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        feedback = QVBoxLayout(self.feedback)
        feedback.addWidget(self.verdict)
        feedback.addWidget(self.explanation)
        feedback.addWidget(self.read_page, 0, Qt.AlignmentFlag.AlignLeft)
        self.feedback_layout = feedback

        # Landscape: the question and its choices on the left, why on the right, so nothing scrolls; portrait:
        # one below the other.
        inner = QWidget()
        inner.setObjectName("TeachBackColumn")
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight, inner)
        self.body.setContentsMargins(0, 0, 0, 0)
        ask = QVBoxLayout()
        ask.addWidget(self.question)
        ask.addLayout(self.choice_box)
        ask.addStretch(1)
        self.ask = ask
        answer = QVBoxLayout()
        answer.addWidget(self.feedback)
        answer.addStretch(1)
        self.body.addLayout(ask, 1)
        self.body.addLayout(answer, 1)
        self.body.addStretch(0)  # portrait: the room left over goes below both
        self.inner = inner
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("TeachBackScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setWidget(inner)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        kinetic(self.scroll_area)

        self.skip_button = TouchButton("", "primary")
        self.skip_button.setObjectName("SkipButton")
        self.skip_button.clicked.connect(self.finish)
        self.next_button = TouchButton("", "primary")
        self.next_button.setObjectName("NextButton")
        self.next_button.clicked.connect(self.next)
        # Where the choices or why run past the screen (large text on a small one), the cue says so, between the
        # two buttons, where it costs the page no height.
        self.cue = MoreBelow(self.scroll_area)
        nav = QHBoxLayout()
        nav.addWidget(self.skip_button, 3)
        nav.addStretch(1)
        nav.addWidget(self.cue, 0, Qt.AlignmentFlag.AlignVCenter)
        nav.addStretch(1)
        nav.addWidget(self.next_button, 3)
        self._nav = nav

        top = QHBoxLayout()  # the chapter, and which question of how many, on one line
        top.addWidget(self.heading, 1)
        top.addWidget(self.position, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self._top = top
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(nav)
        self._layout = layout

    # --- state -------------------------------------------------------------------------------------------------

    def enter(self, **args: Any) -> None:
        """Show `chapter`'s question `question` (an index or a question id; the first by default)."""
        self.chapter_id = str(args.get("chapter") or self.chapter_id)
        self._load()
        question = args.get("question", 0)
        index = 0
        if isinstance(question, int):
            index = question
        elif self.chapter is not None:
            ids = [c.id for c in self.chapter.checks]
            index = ids.index(str(question)) if str(question) in ids else 0
        self.index = max(0, min(index, self.count - 1))
        self.show_question()

    def place(self) -> dict[str, Any]:
        return {"chapter": self.chapter_id, "question": self.index}

    def reset(self) -> None:
        self.chapter, self.chapter_id, self.index = None, "", 0
        self.answers = {}

    def refresh(self) -> None:
        m = self.ctx.metrics
        margin = m.px(32)
        self._layout.setContentsMargins(margin, m.px(16), margin, m.px(16))
        self._layout.setSpacing(m.px(12))
        self._nav.setSpacing(m.px(24))
        self.body.setDirection(
            QBoxLayout.Direction.TopToBottom if self.ctx.portrait else QBoxLayout.Direction.LeftToRight
        )
        self.body.setSpacing(m.px(40))
        portrait = self.ctx.portrait
        for index, share in enumerate((0, 0, 1) if portrait else (1, 1, 0)):  # side by side, half each
            self.body.setStretch(index, share)
        self._top.setSpacing(m.px(24))
        # With little room (the largest text, or large text on a short screen) the question is set as a heading,
        # not a title, so that its choices fit beside it.
        set_prop(self.question, "role", "heading" if m.compact else "title")
        self.ask.setSpacing(m.px(14 if m.compact else 22))
        self.choice_box.setSpacing(m.px(10 if m.compact else 14))
        pad = m.px(24)
        self.feedback_layout.setContentsMargins(pad, pad, pad, pad)
        self.feedback_layout.setSpacing(m.px(14))
        if self.chapter_id:
            self._load()
            if self.chapter is None or not self.chapter.checks:
                return
            self.index = min(self.index, self.count - 1)
            self.show_question()

    def _load(self) -> None:
        self.chapter = self.ctx.source.catalogue(self.ctx.lang).chapter(self.chapter_id)

    @property
    def count(self) -> int:
        return len(self.chapter.checks) if self.chapter else 0

    @property
    def current(self) -> CheckView | None:
        if self.chapter is None or not 0 <= self.index < self.count:
            return None
        return self.chapter.checks[self.index]

    @property
    def answered(self) -> bool:
        check = self.current
        return check is not None and check.ref in self.answers

    # --- showing -----------------------------------------------------------------------------------------------

    def show_question(self) -> None:
        check = self.current
        if check is None or self.chapter is None:
            log.warning("chapter %r has no questions to show", self.chapter_id)
            self.go("home")
            return
        ctx = self.ctx
        m = ctx.metrics
        self.heading.setText(ctx.tr("teach.heading", title=self.chapter.title))
        self.cue.setText("↓  " + ctx.tr("reader.more_below"))
        self.position.setText(ctx.tr("teach.position", number=self.index + 1, total=self.count))
        self.question.setText(check.question)
        clear_layout(self.choice_box)
        self.choices = []
        pad = m.px(24)
        for number, choice in enumerate(check.choices):
            button = WrapButton(choice)
            button.setProperty("choice", number)
            button.set_padding(pad, m.px(14))
            button.setMinimumHeight(m.primary)
            button.clicked.connect(lambda n=number: self.choose(n))
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            self.choices.append(button)
            self.choice_box.addWidget(button)
        self._show_answer()
        self.scroll_area.verticalScrollBar().setValue(0)

    def _show_answer(self) -> None:
        """The choices as the patient left them, and, once they answered, why."""
        check = self.current
        assert check is not None
        ctx = self.ctx
        chosen = self.answers.get(check.ref)
        for number, button in enumerate(self.choices):
            choice = check.choices[number]
            if chosen is None:
                button.set_text(choice)
                set_prop(button, "answer", "")
            elif number == check.answer:
                button.set_text("✓  " + choice)
                set_prop(button, "answer", "right")
            elif number == chosen:
                button.set_text(ctx.tr("teach.your_answer", choice=choice))
                set_prop(button, "answer", "chosen")
            else:
                button.set_text(choice)
                set_prop(button, "answer", "other")
            button.setEnabled(chosen is None)
        self.feedback.setVisible(chosen is not None)
        if chosen is not None:
            right = chosen == check.answer
            self.verdict.setText(ctx.tr("teach.right") if right else ctx.tr("teach.not_quite"))
            set_prop(self.verdict, "right", right)
            self.explanation.set_content(check.html, ctx.css(), ctx.font())
            pad = ctx.metrics.px(22)
            self.read_page.set_text((check.page_label or ctx.tr("teach.read_page")) + "  →")
            self.read_page.set_padding(pad, pad // 2)
        last = self.index >= self.count - 1
        self.skip_button.setText("←  " + ctx.tr("teach.skip"))
        self.skip_button.setVisible(not (last and chosen is not None))
        self.next_button.setText((ctx.tr("teach.done") if last else ctx.tr("teach.next")) + "  →")
        self.next_button.setEnabled(chosen is not None)

    # --- actions -----------------------------------------------------------------------------------------------

    def choose(self, number: int) -> None:
        check = self.current
        if check is None or check.ref in self.answers or not 0 <= number < len(check.choices):
            return
        self.answers[check.ref] = number
        # Counted once per question per patient: whether the first answer was right, never which or who.
        self.ctx.source.record("check-right" if number == check.answer else "check-not-yet", check.ref)
        self._show_answer()
        self.next_button.hold_off(400)  # the tap that answered must not also move on

    def next(self) -> None:
        if not self.answered:
            return
        if self.index < self.count - 1:
            self.remember()
            self.index += 1
            self.show_question()
        else:
            self.finish()

    def finish(self) -> None:
        """Done or skipped: back to the chapter's end, with what comes next."""
        if not self.answered and self.current is not None:
            self.ctx.source.record("check-skipped", self.current.ref)
        self.go("reader", chapter=self.chapter_id, page=END)

    def open_page(self) -> None:
        check = self.current
        if check is not None:
            chapter, page = links.split_page_ref(check.page)
            self.go("reader", chapter=chapter, page=page)

    def _on_link(self, target: str) -> None:
        link = links.parse(target)
        if link is not None and link.kind == "page":
            self.go("reader", chapter=link.chapter, page=link.page)
        elif link is not None:
            self.go("faq", question=link.target)
