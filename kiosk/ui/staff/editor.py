"""Editing one page, question, chapter or category: texts per language, formatting help, warnings and a preview.

The preview is the reader's own page card (or the questions screen's answer), given the kiosk's stylesheet and
drawn at the kiosk's size, then scaled to fit: what staff see is what patients will see.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPixmap, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.content import checks
from kiosk.content.render import markdown_problem, render
from kiosk.content.state import Fields, Key
from kiosk.services import takehome
from kiosk.services.catalogue import PageView, QuestionView
from kiosk.services.staff import TITLE_FIELD, Status
from kiosk.ui import pictures
from kiosk.ui.i18n import phrase, tr
from kiosk.ui.probe import FitCheck, PageFit, fit_notes
from kiosk.ui.screens import Context
from kiosk.ui.screens.faq import QuestionItem
from kiosk.ui.screens.reader import PageCard
from kiosk.ui.staff.data import StaffSource
from kiosk.ui.theme import NORMAL, metrics_for, stylesheet
from kiosk.ui.widgets import TouchButton, clear_layout, label, set_prop

KIOSK_SIZE = QSize(1856, 760)  # the reader's page area on a 1920x1080 kiosk
#: The preview is never drawn smaller than half the size patients see it at (it scrolls rather than shrink more).
MIN_PREVIEW_SCALE = 0.5
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


#: Texts with a body to edit (Markdown): pages, answers and teach-back questions.
BODY_KINDS = ("page_text", "faq_entry_text", "check_text")


class Preview(QLabel):
    """The kiosk's own widgets drawn at the size patients see them on this kiosk's screen, scaled to fit the
    editor, but never below half size."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = Context(ctx.source, ctx.session)
        self.ctx.metrics = metrics_for(1920, 1080)
        self.ctx.palette = NORMAL
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.setMinimumSize(200, 120)
        # A label with a picture asks to be the picture's size; this one takes the width it is given.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self._pixmap: QPixmap | None = None
        self._page: PageView | None = None  # drawn again when its picture is ready (pictures draw off-thread)
        pictures.loader().ready.connect(self._on_picture_ready)

    @Slot(str)
    def _on_picture_ready(self, digest: str) -> None:
        data = self.ctx.source.picture(self._page.image) if self._page is not None else None
        if self._page is not None and data and pictures.loader().add(data) == digest:
            self.show_page(self._page)

    def _render(self, widget: QWidget, size: QSize) -> None:
        widget.setStyleSheet(stylesheet(self.ctx.palette, self.ctx.metrics))
        widget.setFont(self.ctx.font())
        widget.resize(size)
        widget.ensurePolished()
        layout = widget.layout()
        if layout is not None:
            layout.activate()
        self._pixmap = widget.grab()
        widget.deleteLater()
        self._fit()

    def kiosk_size(self) -> QSize:
        """The reader's page area on this kiosk's screen (the window the console is in), with the metrics the
        patient screens use at that size."""
        top = self.window()
        width, height = (
            (top.width(), top.height()) if top is not self and top.width() >= 640 else (1920, 1080)
        )
        self.ctx.metrics = metrics_for(width, height)
        self.ctx.portrait = height > width
        return QSize(round(KIOSK_SIZE.width() * width / 1920), round(KIOSK_SIZE.height() * height / 1080))

    def show_page(self, page: PageView) -> None:
        self._page = page
        size = self.kiosk_size()
        card = PageCard(self.ctx)
        card.show_page(page)
        self._render(card, size)

    def show_answer(self, question: QuestionView) -> None:
        self._page = None
        size = self.kiosk_size()
        item = QuestionItem(question, self.ctx)
        item.set_open(True)
        item.resize(size.width(), 10)
        height = max(item.sizeHint().height(), item.answer_text.height() + 200)
        self._render(item, QSize(size.width(), min(height, size.height())))

    def clear_preview(self) -> None:
        self._page = None
        self._pixmap = None
        self.clear()

    @property
    def scale(self) -> float:
        """How large the preview is shown, against what patients see: to fit the editor, at least half."""
        if self._pixmap is None or self._pixmap.width() == 0:
            return 1.0
        return max(MIN_PREVIEW_SCALE, min(1.0, self.width() / self._pixmap.width()))

    def _fit(self) -> None:
        if self._pixmap is not None:
            shown = self._pixmap.scaledToWidth(
                round(self._pixmap.width() * self.scale), Qt.TransformationMode.SmoothTransformation
            )
            self.setMinimumHeight(shown.height())
            self.setPixmap(shown)

    def resizeEvent(self, event: object) -> None:
        self._fit()

    @property
    def rendered(self) -> QPixmap | None:
        return self._pixmap


class TextEditor(QFrame):
    """The title and Markdown of one item in one language, with formatting buttons, warnings and Save."""

    saved = Signal()
    changed = Signal()
    picker_requested = Signal(str, object)  # "page" | "question" | "picture", this editor

    def __init__(
        self,
        staff: StaffSource,
        key: Key,
        message: Callable[[str, bool], None],
        console_lang: Callable[[], str] = lambda: "en",
    ) -> None:
        super().__init__()
        self.setObjectName("EditorPane")
        self.staff = staff
        self.key = key
        self.message = message
        self.console_lang = console_lang  # the language staff read the console in (not the text's own)
        self.title = QLineEdit()
        self.title.setObjectName("StaffField")
        self.summary = QLineEdit()
        self.summary.setObjectName("StaffField")
        # A chapter's take-home text: what its code carries to a patient's phone, with the room the code has.
        self.take_home = QPlainTextEdit()
        self.take_home.setObjectName("MarkdownEditor")
        self.take_home.setTabChangesFocus(True)
        self.take_home.setFixedHeight(150)
        self.take_home_count = label("", "muted", name="TakeHomeCount")
        self.take_home_room = 0
        self.markdown = QPlainTextEdit()
        self.markdown.setObjectName("MarkdownEditor")
        self.markdown.setMinimumHeight(120)
        self.markdown.setTabChangesFocus(True)
        self.warnings = QListWidget()
        self.warnings.setObjectName("Warnings")
        self.save_button = TouchButton("Save", "primary")
        self.save_button.clicked.connect(self.save)
        self.publish_draft_button = TouchButton("Publish this change", "primary")
        self.publish_draft_button.clicked.connect(self.publish_draft)
        self.discard_draft_button = TouchButton("Discard the draft")
        self.discard_draft_button.clicked.connect(self.discard_draft)
        self.draft_author = ""
        self.state = label("", "muted", name="TextState")
        tools = QHBoxLayout()
        self.tool_buttons: dict[str, TouchButton] = {}
        actions = {"bold": ("Bold", self.make_bold), "list": ("List", self.make_list)}
        if key.kind == "check_text":  # choices are list items; why links to the page that explains it
            actions = {"bold": ("Bold", self.make_bold), "page": ("Link to a page", self.pick_page)}
        if key.kind in ("page_text", "faq_entry_text"):
            actions |= {
                "page": ("Link to a page", self.pick_page),
                "question": ("Link to a question", self.pick_question),
            }
        if key.kind == "page_text":
            actions["picture"] = ("Picture", self.pick_picture)
        for name, (text, action) in actions.items():
            button = TouchButton(text)
            button.clicked.connect(action)
            self.tool_buttons[name] = button
            tools.addWidget(button)
        tools.addStretch(1)
        self.tools = tools
        layout = QVBoxLayout(self)
        heading = QHBoxLayout()
        heading.addWidget(label(LANGUAGE_NAMES.get(key.lang or "", key.lang or ""), "heading"), 1)
        heading.addWidget(self.state)
        layout.addLayout(heading)
        self.title_label = label(self._title_caption(), "body")
        layout.addWidget(self.title_label)
        layout.addWidget(self.title)
        has_body = key.kind in BODY_KINDS
        if key.kind == "chapter_text":
            layout.addWidget(label("One line for the home screen tile", "body"))
            layout.addWidget(self.summary)
            layout.addWidget(
                label(
                    "Take this home: what the chapter's code carries to a phone, in plain lines (empty: its "
                    "take-home or summary page)",
                    "body",
                )
            )
            layout.addWidget(self.take_home)
            layout.addWidget(self.take_home_count)
        if has_body:
            layout.addLayout(tools)
            layout.addWidget(self.markdown, 1)
            layout.addWidget(self.warnings)
        self.markdown.setVisible(has_body)
        self.warnings.hide()
        self.fit_notes: list[str] = []  # how the page fits the kiosk's screens, from the preview
        self.summary.setVisible(key.kind == "chapter_text")
        self.take_home.setVisible(key.kind == "chapter_text")
        self.take_home_count.setVisible(key.kind == "chapter_text")
        layout.addWidget(self.save_button)
        drafts = QHBoxLayout()
        drafts.addWidget(self.publish_draft_button)
        drafts.addWidget(self.discard_draft_button)
        layout.addLayout(drafts)
        self.check_timer = QTimer(self)
        self.check_timer.setObjectName("editor_check_timer")
        self.check_timer.setSingleShot(True)
        self.check_timer.setInterval(300)
        self.check_timer.timeout.connect(self.check)
        for field in (self.title, self.summary):
            field.textEdited.connect(self._on_edit)
        self.markdown.textChanged.connect(self._on_edit)
        self.take_home.textChanged.connect(self._on_edit)
        self.title.textEdited.connect(self.count_take_home)
        self.take_home.textChanged.connect(self.count_take_home)
        self.load()

    def _title_caption(self) -> str:
        return {
            "faq_entry_text": "Question",
            "check_text": "Question or statement (then the choices: '- [x] right', '- [ ] other', and why)",
            "chapter_text": "Chapter title",
            "page_text": "Page heading",
            "faq_category_text": "Group title",
        }[self.key.kind]

    def load(self) -> None:
        view = self.staff.text(self.key)
        self.markdown.blockSignals(True)
        self.take_home.blockSignals(True)
        if view is None:
            self.title.clear()
            self.summary.clear()
            self.markdown.clear()
            self.take_home.clear()
            self.state.setText(self.words("Missing: not translated yet"))
        else:
            shown = view.draft if view.draft is not None else view.fields
            self.title.setText(str(shown.get(TITLE_FIELD[self.key.kind], "")))
            self.summary.setText(str(shown.get("summary", "")))
            self.markdown.setPlainText(str(shown.get("markdown", "")))
            self.take_home.setPlainText(str(shown.get("take_home_text", "")))
            if view.draft is not None:
                self.state.setText(tr("console.draft_by", self.console_lang(), author=view.draft_author))
            else:
                self.state.setText(
                    tr("console.saved_on", self.console_lang(), when=f"{view.updated_at:%Y-%m-%d %H:%M}")
                    if view.updated_at
                    else ""
                )
        self.draft_author = view.draft_author if view is not None and view.draft is not None else ""
        has_draft = bool(self.draft_author)
        account = self.staff._account()
        self.publish_draft_button.setVisible(has_draft and account is not None and account.can("review"))
        self.discard_draft_button.setVisible(has_draft)
        self.markdown.blockSignals(False)
        self.take_home.blockSignals(False)
        self.dirty = False
        if self.key.kind == "chapter_text":
            self.take_home_settings = self.staff.settings()
            self.count_take_home()
        self.check()

    def fields(self) -> Fields:
        fields: Fields = {TITLE_FIELD[self.key.kind]: self.title.text()}
        if self.key.kind in BODY_KINDS:
            fields["markdown"] = self.markdown.toPlainText()
        if self.key.kind == "chapter_text":
            fields["summary"] = self.summary.text()
            fields["take_home_text"] = self.take_home.toPlainText()
        return fields

    def count_take_home(self) -> None:
        """How much of the room in the chapter's take-home code its text takes (the room is what the title, the
        clinic's phone and the crisis line leave): shown as staff type, marked when it is too long to save."""
        if self.key.kind != "chapter_text":
            return
        length = takehome.text_length(self.take_home.toPlainText())
        self.take_home_room = takehome.room_for_text(
            self.title.text().strip(), self.take_home_settings, self.key.lang or "en"
        )
        over = length > self.take_home_room
        key = "console.take_home_too_long" if over else "console.take_home_count"
        self.take_home_count.setText(tr(key, self.console_lang(), count=length, limit=self.take_home_room))
        set_prop(self.take_home_count, "problem", over)

    def _on_edit(self) -> None:
        self.dirty = True
        self.state.setText(self.words("Not saved yet"))
        self.check_timer.start()
        self.changed.emit()

    def words(self, english: str) -> str:
        """`english` in the console's language (`i18n.phrase`)."""
        return phrase(english, self.console_lang())

    def check(self) -> None:
        self.warnings.clear()
        lang = self.console_lang()
        if self.key.kind in BODY_KINDS:
            for problem in self.staff.check(self.key, self.fields()):
                kind = "console.problem_error" if problem.severity == "error" else "console.problem_warning"
                self.warnings.addItem(tr(kind, lang, problem=self.words(problem.message)))
            for note in self.fit_notes:
                self.warnings.addItem(tr("console.problem_warning", lang, problem=self.words(note)))
        self.warnings.setVisible(self.warnings.count() > 0)

    def show_fit(self, notes: list[str]) -> None:
        if notes != self.fit_notes:
            self.fit_notes = notes
            self.check()

    def save(self) -> bool:
        from kiosk.errors import ContentError, KioskError

        try:
            warnings = self.staff.save_text(self.key, self.fields())
        except ContentError as error:
            problems = "; ".join(self.words(problem) for problem in error.problems)
            self.message(
                tr("console.not_saved", self.console_lang(), why=problems or self.words(str(error))), True
            )
            return False
        except KioskError as error:
            self.message(tr("console.not_saved", self.console_lang(), why=self.words(str(error))), True)
            return False
        self.dirty = False
        view = self.staff.text(self.key)
        drafted = view is not None and view.draft is not None
        self.state.setText(self.words("Saved as a draft, waiting for a reviewer" if drafted else "Saved"))
        lang = self.console_lang()
        first = (
            tr("console.saved_with_warnings", lang, count=len(warnings))
            if warnings
            else tr("console.saved_done", lang)
        )
        hub = self.staff.is_hub
        if drafted:
            where = tr("console.saved_draft_hub" if hub else "console.saved_draft", lang)
        else:
            where = tr("console.saved_live_hub" if hub else "console.saved_live", lang)
        self.message(f"{first} {where}", False)
        self.check()
        self.saved.emit()
        return True

    def publish_draft(self) -> None:
        from kiosk.errors import KioskError

        try:
            self.staff.publish_draft(self.key)
        except KioskError as error:
            self.message(str(error), True)
            return
        self.message(
            "Published: the reviewed change is on the hub now."
            if self.staff.is_hub
            else "Published: the reviewed change is on the kiosk now.",
            False,
        )
        self.load()
        self.saved.emit()

    def discard_draft(self) -> None:
        from kiosk.errors import KioskError

        try:
            self.staff.discard_draft(self.key)
        except KioskError as error:
            self.message(str(error), True)
            return
        self.message("The draft is discarded (it stays in the history).", False)
        self.load()
        self.saved.emit()

    # formatting help --------------------------------------------------------------------------------------------

    def make_bold(self) -> None:
        self.wrap("**")

    def pick_page(self) -> None:
        self.picker_requested.emit("page", self)

    def pick_question(self) -> None:
        self.picker_requested.emit("question", self)

    def pick_picture(self) -> None:
        self.picker_requested.emit("picture", self)

    def wrap(self, marker: str) -> None:
        cursor = self.markdown.textCursor()
        # Words to make bold, in the text's own language (it goes into the content).
        text = cursor.selectedText() or tr("console.bold_words", self.key.lang or "en")
        cursor.insertText(f"{marker}{text}{marker}")
        self.markdown.setFocus()

    def make_list(self) -> None:
        cursor = self.markdown.textCursor()
        if not cursor.hasSelection():
            cursor.select(QTextCursor.SelectionType.LineUnderCursor)
        lines = cursor.selectedText().split("\u2029")
        cursor.insertText("\n".join(line if line.startswith("- ") else f"- {line}" for line in lines))

    def insert(self, text: str) -> None:
        self.markdown.textCursor().insertText(text)
        self.markdown.setFocus()

    def insert_picture(self, name: str, alt: str, caption: str) -> None:
        """A page's picture goes first, right under its heading; an old one is replaced."""
        lines = [
            line for line in self.markdown.toPlainText().split("\n") if not line.lstrip().startswith("![")
        ]
        alt = alt.strip() or tr("console.describe_the_picture", self.key.lang or "en")
        picture = f'![{alt}]({name} "{caption.strip()}")'
        self.markdown.setPlainText("\n".join([picture, "", *lines]).strip("\n"))


class ItemEditor(QWidget):
    """Everything about one item: its texts in each language, its preview, and its actions."""

    changed = Signal()
    open_history = Signal(object)
    picker_requested = Signal(str, object)  # "page" | "question" | "picture", the editor to insert into

    def __init__(self, ctx: Context, staff: StaffSource, message: Callable[[str, bool], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self.staff = staff
        self.message = message
        self.status: Status | None = None
        self.editors: dict[str, TextEditor] = {}
        self.side_by_side = False
        self.title = label("", "title")
        self.badges = label("", "muted", name="Badges")
        self.action_row = QHBoxLayout()
        self.publish_button = TouchButton("Publish")
        self.up_button = TouchButton("Move up")
        self.down_button = TouchButton("Move down")
        self.delete_button = TouchButton("Delete")
        self.history_button = TouchButton("History")
        self.add_button = TouchButton("")
        for button in (
            self.publish_button,
            self.up_button,
            self.down_button,
            self.delete_button,
            self.history_button,
            self.add_button,
        ):
            self.action_row.addWidget(button)
        self.action_row.addStretch(1)
        self.publish_button.clicked.connect(self.toggle_published)
        self.up_button.clicked.connect(lambda: self.move_item(-1))
        self.down_button.clicked.connect(lambda: self.move_item(1))
        self.delete_button.clicked.connect(self.toggle_deleted)
        self.history_button.clicked.connect(lambda: self.open_history.emit(self.status))
        self.texts = QGridLayout()
        self.editing_lang = ctx.session.languages[0]
        self.review = QWidget()
        review = QHBoxLayout(self.review)
        review.setContentsMargins(0, 0, 0, 0)
        self.review_state = label("", "body", name="ReviewState")
        self.review_button = TouchButton("Mark reviewed")
        self.review_button.clicked.connect(self.mark_reviewed)
        review.addWidget(self.review_state, 1)
        review.addWidget(self.review_button)
        self.preview = Preview(ctx)
        self.preview_timer = QTimer(self)
        self.preview_timer.setObjectName("preview_timer")
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(250)
        self.preview_timer.timeout.connect(self.update_preview)
        # How the page fits every supported screen and text size, measured on the kiosk's own page card.
        self.fit_check = FitCheck(ctx.source, self)
        self.fit_check.finished.connect(self._on_fit_checked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.badges)
        layout.addLayout(self.action_row)
        layout.addWidget(self.review)
        # The texts, then the preview below them at the editor's full width: room for at least half size.
        layout.addLayout(self.texts, 1)
        layout.addWidget(label("Preview, as patients see it", "heading"))
        layout.addWidget(self.preview)

    @property
    def key(self) -> Key | None:
        return self.status.key if self.status else None

    def show_item(self, status: Status) -> None:
        self.status = status
        self.title.setText(status.title)
        self.badges.setText(" · ".join(phrase(badge, self.ctx.staff_lang) for badge in status.badges))
        self.publish_button.setText("Unpublish" if status.published else "Publish")
        self.delete_button.setText("Restore from trash" if status.deleted else "Delete")
        kind = status.key.kind
        self.add_button.setVisible(kind in ("chapter", "faq_category"))
        self.add_button.setText("Add a page" if kind == "chapter" else "Add a question")
        self.review.setVisible(kind in ("chapter", "faq_entry"))
        account = self.staff._account()
        self.review_button.setVisible(account is not None and account.can("review"))
        if kind in ("chapter", "faq_entry"):
            due = {d.key: d for d in self.staff.due(self.editing_lang)}
            found = due.get(status.key)
            if found is None:
                self.review_state.setText("Clinical review: up to date.")
            elif found.reviewed_on:
                self.review_state.setText(
                    f"Clinical review: {found.reason} (last {found.reviewed_on:%Y-%m-%d} by {found.reviewed_by})."
                )
            else:
                self.review_state.setText(f"Clinical review: {found.reason}.")
        self.build_texts()

    def languages(self) -> tuple[str, ...]:
        settings = self.staff.settings()
        if self.side_by_side:
            return settings.languages
        return (self.editing_lang if self.editing_lang in settings.languages else settings.languages[0],)

    def build_texts(self) -> None:
        clear_layout(self.texts)
        self.editors = {}
        if self.status is None:
            return
        text_kind = f"{self.status.key.kind}_text"
        for column, lang in enumerate(self.languages()):
            editor = TextEditor(
                self.staff,
                Key(text_kind, self.status.key.id, lang),
                self.message,
                lambda: self.ctx.staff_lang,
            )
            editor.saved.connect(self.changed)
            editor.changed.connect(self.preview_timer.start)
            editor.picker_requested.connect(self.picker_requested)
            self.editors[lang] = editor
            self.texts.addWidget(editor, 0, column)
        self.update_preview()

    def update_preview(self) -> None:
        if self.status is None or not self.editors:
            self.preview.clear_preview()
            return
        lang, editor = next(iter(self.editors.items()))
        fields = editor.fields()
        kind = self.status.key.kind
        if (
            kind in ("page", "faq_entry", "check")
            and markdown_problem(str(fields.get("markdown", ""))) is not None
        ):
            self.preview.clear_preview()
            self.preview.setText(
                phrase(
                    "No preview: the text goes over a limit (see the problems listed with it).",
                    self.ctx.staff_lang,
                )
            )
            return
        if kind == "page":
            rendered = render(str(fields.get("markdown", "")))
            picture = rendered.picture
            chapter_id, page_id = self.status.key.chapter, self.status.key.slug
            page = PageView(
                chapter_id,
                page_id,
                str(fields["title"]),
                rendered.html,
                picture.src if picture else None,
                picture.alt if picture else "",
                picture.caption if picture else "",
                lang,
            )
            self.preview.show_page(page)
            chapter = self.ctx.source.catalogue(lang).chapter(chapter_id)
            last = bool(chapter and chapter.pages and chapter.pages[-1].id == page_id)
            reference = bool(chapter and chapter.card.kind != "topic")
            self.fit_check.start(page, summary=last and not reference, reference=reference)
        elif kind == "faq_entry":
            rendered = render(str(fields.get("markdown", "")))
            self.preview.show_answer(
                QuestionView(self.status.key.id, "", str(fields["question"]), rendered.html, lang, ())
            )
        elif (
            kind == "check"
        ):  # the choices, the right one ticked, then why: as the patient reads it after answering
            body, _ = checks.parse_body(str(fields.get("markdown", "")))
            if body is None:
                self.preview.clear_preview()
                self.preview.setText(
                    phrase(
                        "No preview until the question reads (see the problems listed with it).",
                        self.ctx.staff_lang,
                    )
                )
                return
            choices = "".join(
                f"<li>{'✓ ' if n == body.answer else ''}{html.escape(choice)}</li>"
                for n, choice in enumerate(body.choices)
            )
            explained = f"<ul>{choices}</ul>" + render(body.explanation).html
            self.preview.show_answer(
                QuestionView(self.status.key.id, "", str(fields["question"]), explained, lang, ())
            )
        else:
            self.preview.clear_preview()
            self.preview.setText(phrase("Pages and questions show a preview.", self.ctx.staff_lang))

    def _on_fit_checked(self, fits: list[PageFit]) -> None:
        if fits and self.editors:
            lang = fits[0].lang
            editor = self.editors.get(lang)
            if editor is not None:
                editor.show_fit(fit_notes(fits))

    # actions ----------------------------------------------------------------------------------------------------

    def _run(self, action: Callable[[], object], done: str) -> None:
        from kiosk.errors import KioskError

        try:
            action()
        except KioskError as error:
            self.message(str(error), True)
            return
        self.message(done, False)
        self.changed.emit()

    def toggle_published(self) -> None:
        if self.status is not None:
            status = self.status
            self._run(
                lambda: self.staff.publish(status.key, not status.published),
                "Unpublished: patients no longer see it."
                if status.published
                else "Published: it is on the hub now."
                if self.staff.is_hub
                else "Published: it is on the kiosk now.",
            )

    def toggle_deleted(self) -> None:
        if self.status is not None:
            status = self.status
            if status.deleted:
                self._run(lambda: self.staff.undelete(status.key), "Restored from the trash.")
            else:
                self._run(
                    lambda: self.staff.delete(status.key),
                    "Moved to the trash. Restore it from there if needed.",
                )

    def move_item(self, step: int) -> None:
        if self.status is not None:
            status = self.status
            self._run(lambda: self.staff.move(status.key, step), "Moved.")

    def mark_reviewed(self) -> None:
        if self.status is not None:
            status = self.status
            self._run(lambda: self.staff.mark_reviewed(status.key), "Marked reviewed today, in your name.")

    @property
    def unsaved(self) -> bool:
        return any(editor.dirty for editor in self.editors.values())
