"""The staff console's side panels: history, recent changes, settings, pictures, packs and backups, pickers."""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import SETTINGS, SUPPORTED_LANGUAGES
from kiosk.content.parse import PICTURE_TYPES, Unreadable, printable, read_file
from kiosk.content.pictures import raster_problem
from kiosk.content.state import Key
from kiosk.content.sync import ImportPlan
from kiosk.errors import ContentError, KioskError
from kiosk.services.staff import HistoryEntry, Status
from kiosk.ui.staff.data import StaffSource
from kiosk.ui.widgets import PictureView, TouchButton, label

Message = Callable[[str, bool], None]
MAX_PICTURE_SIDE = 1600  # larger photos are scaled down before they are stored
MAX_PHOTO_SIDE = 8000  # a 48-megapixel camera photo; anything larger is not a photo staff took
MAX_PHOTO_BYTES = 32 * 1024 * 1024


def run(message: Message, action: Callable[[], object], done: str) -> bool:
    """Do `action`; report `done`, or the problem, to staff. True if it worked."""
    try:
        action()
    except ContentError as error:
        message(f"{error} {'; '.join(error.problems[:3])}", True)
        return False
    except KioskError as error:
        message(str(error), True)
        return False
    message(done, False)
    return True


def choose_file(
    parent: QWidget, title: str, filters: str, save: bool = False, folder: bool = False
) -> Path | None:
    """A file dialog drawn by Qt itself (a kiosk has no desktop to open a native one over), which can only choose:
    no deleting, renaming or new folders through it (an idle reset closes it, too)."""
    options = QFileDialog.Option.DontUseNativeDialog | QFileDialog.Option.ReadOnly
    if folder:
        chosen = QFileDialog.getExistingDirectory(parent, title, "/media", options)
    elif save:
        chosen, _ = QFileDialog.getSaveFileName(parent, title, "/media", filters, options=options)
    else:
        chosen, _ = QFileDialog.getOpenFileName(parent, title, "/media", filters, options=options)
    return Path(chosen) if chosen else None


def shrink_picture(name: str, data: bytes) -> bytes:
    """Photos larger than MAX_PICTURE_SIDE are scaled down (SVG is left alone: it scales by itself)."""
    if Path(name).suffix.lower() == ".svg":
        return data
    image = QImage.fromData(data)
    if image.isNull() or max(image.width(), image.height()) <= MAX_PICTURE_SIDE:
        return data
    image = image.scaled(
        MAX_PICTURE_SIDE,
        MAX_PICTURE_SIDE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG" if Path(name).suffix.lower() == ".png" else "JPEG", 88)  # type: ignore[call-overload]
    return bytes(buffer.data().data())


class HistoryPanel(QWidget):
    """Every earlier version of an item, compared with the current one, and restored with one button."""

    restored = Signal()

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.status: Status | None = None
        self.heading = label("", "title")
        self.versions = QListWidget()
        self.versions.currentRowChanged.connect(self.compare)
        self.diff = QTextBrowser()
        self.restore_button = TouchButton("Restore this version", "primary")
        self.restore_button.clicked.connect(self.restore)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        row = QHBoxLayout()
        row.addWidget(self.versions, 2)
        row.addWidget(self.diff, 3)
        layout.addLayout(row, 1)
        layout.addWidget(self.restore_button)
        self.entries: list[HistoryEntry] = []

    def show_history(self, status: Status) -> None:
        self.status = status
        self.heading.setText(f"History of {status.title}")
        self.entries = self.staff.history(status.key)
        self.versions.clear()
        for entry in self.entries:
            lang = f" ({entry.key.lang})" if entry.key.lang else ""
            self.versions.addItem(f"{entry.when:%Y-%m-%d %H:%M}  {entry.kind}{lang}: {entry.summary}")
        if self.entries:
            self.versions.setCurrentRow(0)

    def compare(self, row: int) -> None:
        if not 0 <= row < len(self.entries):
            self.diff.clear()
            return
        entry = self.entries[row]
        current = self.staff.text(entry.key) if entry.key.lang else None
        now = dict(current.fields) if current else (self.staff.item(entry.key) or {})
        then = entry.after or {}
        old = "\n".join(f"{k}: {v}" for k, v in sorted(then.items())).splitlines()
        new = "\n".join(f"{k}: {v}" for k, v in sorted(now.items())).splitlines()
        if old == new:
            self.diff.setHtml("<p>This version is the same as the current one.</p>")
            return
        table = difflib.HtmlDiff(wrapcolumn=60).make_table(old, new, "This version", "Now", context=False)
        self.diff.setHtml(table.replace('nowrap="nowrap"', ""))

    def restore(self) -> None:
        row = self.versions.currentRow()
        if 0 <= row < len(self.entries) and run(
            self.message,
            lambda: self.staff.restore_revision(self.entries[row].revision_id),
            "Restored. The kiosk shows that version now, and the restore itself can be undone.",
        ):
            self.restored.emit()
            if self.status is not None:
                self.show_history(self.status)


class ChangesPanel(QWidget):
    """The latest actions on the kiosk (edits, imports, restores), each undoable as a whole."""

    undone = Signal()

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.list = QListWidget()
        self.undo_button = TouchButton("Undo the selected change", "primary")
        self.undo_button.clicked.connect(self.undo)
        layout = QVBoxLayout(self)
        layout.addWidget(label("Recent changes", "title"))
        layout.addWidget(
            label("Choose a change and undo it. Undoing is itself a change you can undo.", "body")
        )
        layout.addWidget(self.list, 1)
        layout.addWidget(self.undo_button)
        self.ids: list[int] = []

    def refresh(self) -> None:
        self.list.clear()
        changes = self.staff.recent()
        self.ids = [change[0] for change in changes]
        for _, when, kind, summary in changes:
            self.list.addItem(f"{when:%Y-%m-%d %H:%M}  {kind}: {summary}")

    def undo(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.ids) and run(self.message, lambda: self.staff.undo(self.ids[row]), "Undone."):
            self.undone.emit()
            self.refresh()


class SettingsPanel(QWidget):
    changed = Signal()

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        form = QFormLayout()
        self.clinic_name = QLineEdit()
        self.clinic_logo = QLineEdit()
        self.clinic_logo.setPlaceholderText("the file name of a picture (see Pictures), or empty")
        self.crisis = {lang: QLineEdit() for lang in SUPPORTED_LANGUAGES}
        self.languages = {lang: QCheckBox(lang) for lang in SUPPORTED_LANGUAGES}
        self.numbers: dict[str, QSpinBox] = {}
        form.addRow("Clinic name", self.clinic_name)
        form.addRow("Clinic logo", self.clinic_logo)
        # Clinic facts that pages and answers show through placeholders such as {{clinic_phone}}.
        self.facts: dict[str, QLineEdit] = {}
        for key, caption in (
            ("clinic_phone", "Clinic phone"),
            ("after_hours_phone", "After-hours phone"),
            ("clinic_address", "Clinic address"),
            ("clinic_website", "Clinic website"),
        ):
            field = QLineEdit()
            field.setPlaceholderText("not set: patients are asked to ask the front desk")
            field.setToolTip(SETTINGS[key].description)
            self.facts[key] = field
            form.addRow(caption, field)
        for lang, field in self.crisis.items():
            form.addRow(f"Crisis line ({lang})", field)
        languages = QHBoxLayout()
        for box in self.languages.values():
            languages.addWidget(box)
        form.addRow("Languages offered", languages)
        for key, caption in (
            ("idle_seconds", "Seconds before the idle warning"),
            ("countdown_seconds", "Seconds the warning counts down"),
            ("attract_seconds", "Seconds per attract picture"),
            ("backup_keep", "Automatic backups to keep"),
        ):
            spin = QSpinBox()
            spin.setRange(SETTINGS[key].minimum or 0, SETTINGS[key].maximum or 10_000)
            self.numbers[key] = spin
            form.addRow(caption, spin)
        fields: list[QWidget] = [
            self.clinic_name,
            self.clinic_logo,
            *self.facts.values(),
            *self.crisis.values(),
            *self.numbers.values(),
        ]
        for widget in fields:
            widget.setObjectName("StaffField")
        self.save_button = TouchButton("Save settings", "primary")
        self.save_button.clicked.connect(self.save)
        self.current_pin = QLineEdit()
        self.new_pin = QLineEdit()
        self.repeat_pin = QLineEdit()
        pin_form = QFormLayout()
        for caption, field in (
            ("Current PIN", self.current_pin),
            ("New PIN", self.new_pin),
            ("New PIN again", self.repeat_pin),
        ):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setObjectName("StaffField")
            pin_form.addRow(caption, field)
        self.pin_button = TouchButton("Change PIN")
        self.pin_button.clicked.connect(self.change_pin)
        layout = QVBoxLayout(self)
        layout.addWidget(label("Settings", "title"))
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(label("Staff PIN", "heading"))
        layout.addLayout(pin_form)
        layout.addWidget(self.pin_button)
        layout.addStretch(1)

    def refresh(self) -> None:
        settings = self.staff.settings()
        self.clinic_name.setText(settings.clinic_name)
        self.clinic_logo.setText(settings.clinic_logo)
        for key, field in self.facts.items():
            field.setText(str(getattr(settings, key)))
        for lang, field in self.crisis.items():
            field.setText(settings.crisis_line.get(lang, ""))
        for lang, box in self.languages.items():
            box.setChecked(lang in settings.languages)
        for key, spin in self.numbers.items():
            spin.setValue(int(getattr(settings, key)))

    def save(self) -> None:
        changes: dict[str, object] = {
            "clinic_name": self.clinic_name.text(),
            "clinic_logo": self.clinic_logo.text(),
            **{key: field.text() for key, field in self.facts.items()},
            "crisis_line": {lang: field.text() for lang, field in self.crisis.items()},
            "languages": [lang for lang, box in self.languages.items() if box.isChecked()],
            **{key: spin.value() for key, spin in self.numbers.items()},
        }
        if run(
            self.message,
            lambda: self.staff.update_settings(changes),
            "Settings saved; the kiosk uses them now.",
        ):
            self.changed.emit()

    def change_pin(self) -> None:
        if self.new_pin.text() != self.repeat_pin.text():
            self.message("The two new PINs are different; the PIN was not changed.", True)
            return
        run(
            self.message,
            lambda: self.staff.change_pin(self.current_pin.text(), self.new_pin.text()),
            "The staff PIN is changed.",
        )
        for field in (self.current_pin, self.new_pin, self.repeat_pin):
            field.clear()


class TransferPanel(QWidget):
    """Packs and folders for moving content, and backups. Imports show what they would change first."""

    changed = Signal()

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.pending: tuple[str, Path] | None = None
        self.plan_view = QPlainTextEdit()
        self.plan_view.setReadOnly(True)
        self.apply_button = TouchButton("Import it", "primary")
        self.cancel_button = TouchButton("Cancel")
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.cancel)
        self.backups = QListWidget()
        buttons = {
            "Export a content pack…": lambda: self._pick(
                lambda p: self.export_pack(p), "Save the pack as", "Content packs (*.zip)", save=True
            ),
            "Import a content pack…": lambda: self._pick(
                self.review_pack, "Choose a content pack", "Content packs (*.zip)"
            ),
            "Export as a folder…": lambda: self._pick(
                lambda p: self.export_folder(p), "Choose a folder", "", folder=True
            ),
            "Import a folder…": lambda: self._pick(
                self.review_folder, "Choose a content folder", "", folder=True
            ),
        }
        row = QHBoxLayout()
        for caption, action in buttons.items():
            button = TouchButton(caption)
            button.clicked.connect(action)
            row.addWidget(button)
        self.backup_button = TouchButton("Back up now")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = TouchButton("Restore the selected backup…")
        self.restore_button.clicked.connect(self.review_restore)
        layout = QVBoxLayout(self)
        layout.addWidget(label("Content packs, folders and backups", "title"))
        layout.addLayout(row)
        layout.addWidget(label("Before anything is imported or restored, you see what would change.", "body"))
        layout.addWidget(self.plan_view, 1)
        confirm = QHBoxLayout()
        confirm.addWidget(self.apply_button)
        confirm.addWidget(self.cancel_button)
        layout.addLayout(confirm)
        layout.addWidget(label("Backups", "heading"))
        layout.addWidget(self.backups, 1)
        backup_row = QHBoxLayout()
        backup_row.addWidget(self.backup_button)
        backup_row.addWidget(self.restore_button)
        layout.addLayout(backup_row)
        self.cancel()

    def _pick(
        self,
        then: Callable[[Path], object],
        title: str,
        filters: str,
        save: bool = False,
        folder: bool = False,
    ) -> None:
        chosen = choose_file(self, title, filters, save=save, folder=folder)
        if chosen is not None:
            then(chosen)

    def refresh(self) -> None:
        self.backups.clear()
        self.backup_files = self.staff.backups()
        for item in self.backup_files:
            self.backups.addItem(f"{item.created:%Y-%m-%d %H:%M}  {item.reason}  ({item.size // 1024} KB)")

    def _show_plan(self, what: str, path: Path, plan: ImportPlan) -> None:
        lines = plan.report() or ["Nothing would change."]
        self.plan_view.setPlainText(
            f"{what}: {printable(str(path))}\n{plan.summary()}\n\n" + "\n".join(lines)
        )
        self.pending = (what, path) if not plan.is_empty else None
        self.apply_button.setEnabled(self.pending is not None)
        self.cancel_button.setEnabled(True)

    def review_pack(self, path: Path) -> None:
        try:
            self._show_plan("Content pack", path, self.staff.pack_plan(path))
        except KioskError as error:
            self.cancel()
            self.message(f"The pack cannot be imported: {error}", True)

    def review_folder(self, path: Path) -> None:
        try:
            self._show_plan("Content folder", path, self.staff.folder_plan(path))
        except KioskError as error:
            self.cancel()
            self.message(f"The folder cannot be imported: {error}", True)

    def review_restore(self) -> None:
        row = self.backups.currentRow()
        if not 0 <= row < len(self.backup_files):
            self.message("Choose a backup first.", True)
            return
        chosen = self.backup_files[row]
        self.plan_view.setPlainText(
            f"Restore the backup of {chosen.created:%Y-%m-%d %H:%M} ({chosen.reason})?\n\n"
            "All content and settings go back to that moment. The current state is backed up first."
        )
        self.pending = ("Backup", chosen.path)
        self.apply_button.setEnabled(True)
        self.cancel_button.setEnabled(True)

    def apply(self) -> None:
        if self.pending is None:
            return
        what, path = self.pending
        action: Callable[[], object] = {
            "Content pack": lambda: self.staff.import_pack(path),
            "Content folder": lambda: self.staff.import_folder(path),
            "Backup": lambda: self.staff.restore_backup(path),
        }[what]
        if run(self.message, action, f"{what} applied. A backup was taken first."):
            self.changed.emit()
        self.cancel()
        self.refresh()

    def cancel(self) -> None:
        self.pending = None
        self.plan_view.clear()
        self.apply_button.setEnabled(False)
        self.cancel_button.setEnabled(False)

    def export_pack(self, path: Path) -> None:
        if path.suffix.lower() != ".zip":
            path = path.with_suffix(".zip")
        run(self.message, lambda: self.staff.export_pack(path), f"Content pack saved as {path}.")

    def export_folder(self, path: Path) -> None:
        run(self.message, lambda: self.staff.export_folder(path), f"Content written to {path}.")

    def backup_now(self) -> None:
        run(self.message, self.staff.backup_now, "Backup written.")
        self.refresh()


class PicturesPanel(QWidget):
    """The pictures content can use: look at them, add one from a USB stick, or replace one."""

    changed = Signal()

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.list = QListWidget()
        self.list.currentTextChanged.connect(self.show_picture)
        self.picture = PictureView()
        self.add_button = TouchButton("Add a picture from a file…", "primary")
        self.add_button.clicked.connect(self.choose)
        layout = QVBoxLayout(self)
        layout.addWidget(label("Pictures", "title"))
        layout.addWidget(
            label(
                "PNG, JPEG or SVG. Large photos are made smaller. A picture with the same file "
                "name replaces the old one (the old one stays in the history).",
                "body",
            )
        )
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.picture, 2)
        layout.addLayout(row, 1)
        layout.addWidget(self.add_button)

    def refresh(self) -> None:
        self.list.clear()
        for name in sorted(self.staff.targets().pictures):
            self.list.addItem(name)

    def show_picture(self, name: str) -> None:
        self.picture.set_picture(self.staff.source.picture(name), name)

    def choose(self) -> None:
        filters = "Pictures (" + " ".join(f"*{suffix}" for suffix in PICTURE_TYPES) + ")"
        chosen = choose_file(self, "Choose a picture", filters)
        if chosen is not None:
            self.add_file(chosen)

    def add_file(self, path: Path) -> Key | None:
        name = printable(path.name)
        try:
            data = read_file(path, MAX_PHOTO_BYTES)
        except Unreadable as why:
            self.message(f"Cannot use {name}: {why}", True)
            return None
        media_type = PICTURE_TYPES.get(path.suffix.lower())
        if media_type in ("image/png", "image/jpeg"):  # look at the header before unpacking a single pixel
            problem = raster_problem(data, media_type, MAX_PHOTO_SIDE)
            if problem is not None:
                self.message(f"Cannot use {name}: {problem[1]}", True)
                return None
        data = shrink_picture(path.name, data)
        added: list[Key] = []
        if run(
            self.message,
            lambda: added.append(self.staff.add_picture(path.name, data)),
            f"Picture {path.name} added.",
        ):
            self.refresh()
            self.changed.emit()
            return added[0]
        return None


class PickerPanel(QWidget):
    """Choose a page or a question to link to, or a picture to show, and insert it into the text."""

    chosen = Signal(str, str, str, str)  # kind, target, title or alt text, caption
    cancelled = Signal()

    def __init__(self, staff: StaffSource) -> None:
        super().__init__()
        self.staff = staff
        self.kind = ""
        self.heading = label("", "title")
        self.list = QListWidget()
        self.alt = QLineEdit()
        self.alt.setPlaceholderText("What the picture shows (read aloud, and shown if it cannot be)")
        self.caption = QLineEdit()
        self.caption.setPlaceholderText("Caption under the picture")
        for field in (self.alt, self.caption):
            field.setObjectName("StaffField")
        self.insert_button = TouchButton("Insert", "primary")
        self.cancel_button = TouchButton("Cancel")
        self.insert_button.clicked.connect(self.insert)
        self.cancel_button.clicked.connect(self.cancelled.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.alt)
        layout.addWidget(self.caption)
        row = QHBoxLayout()
        row.addWidget(self.insert_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)

    def open(self, kind: str, lang: str) -> None:
        self.kind = kind
        self.list.clear()
        catalogue = self.staff.source.catalogue(lang)
        if kind == "page":
            self.heading.setText("Link to a page")
            for chapter in catalogue.chapters:
                for page in chapter.pages:
                    self._add(f"{chapter.title}: {page.title}", f"{chapter.id}/{page.id}", page.title)
        elif kind == "question":
            self.heading.setText("Link to a question")
            for category in catalogue.categories:
                for question in category.questions:
                    self._add(f"{category.title}: {question.question}", question.id, question.question)
        else:
            self.heading.setText("Show a picture on this page")
            for name in sorted(self.staff.targets().pictures):
                self._add(name, name, "")
        self.alt.setVisible(kind == "picture")
        self.caption.setVisible(kind == "picture")
        self.alt.clear()
        self.caption.clear()

    def _add(self, text: str, target: str, title: str) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, (target, title))
        self.list.addItem(item)

    def insert(self) -> None:
        if self.list.currentRow() < 0:
            return
        target, title = self.list.currentItem().data(Qt.ItemDataRole.UserRole)
        if self.kind == "picture":
            self.chosen.emit(self.kind, target, self.alt.text(), self.caption.text())
        else:
            self.chosen.emit(self.kind, target, html.unescape(title), "")


class AddPanel(QWidget):
    """Add a chapter, page, question group or question: a title (and text), created as a draft."""

    added = Signal(object)

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.kind = ""
        self.parent_id = ""
        self.lang = "en"
        self.heading = label("", "title")
        self.title = QLineEdit()
        self.title.setObjectName("StaffField")
        self.body = QPlainTextEdit()
        self.body.setObjectName("MarkdownEditor")
        self.create_button = TouchButton("Add as a draft", "primary")
        self.create_button.clicked.connect(self.add_item)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(label("New items are drafts: patients see them once you publish them.", "body"))
        self.title_caption = label("", "body")
        layout.addWidget(self.title_caption)
        layout.addWidget(self.title)
        self.body_caption = label("", "body")
        layout.addWidget(self.body_caption)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.create_button)

    def open(self, kind: str, parent_id: str, lang: str) -> None:
        self.kind, self.parent_id, self.lang = kind, parent_id, lang
        self.title.clear()
        self.body.clear()
        heading, title_caption, body_caption = {
            "chapter": ("Add a chapter", "Chapter title", ""),
            "page": ("Add a page", "Page heading", "Page text"),
            "faq_category": ("Add a group of questions", "Group title", ""),
            "faq_entry": ("Add a question", "The question, as a patient would ask it", "The answer"),
        }[kind]
        self.heading.setText(heading)
        self.title_caption.setText(title_caption)
        self.body_caption.setText(body_caption)
        self.body.setVisible(bool(body_caption))
        self.body_caption.setVisible(bool(body_caption))

    def add_item(self) -> None:
        title, body, lang = self.title.text(), self.body.toPlainText(), self.lang
        creators: dict[str, Callable[[], Key]] = {
            "chapter": lambda: self.staff.add_chapter(lang, title),
            "page": lambda: self.staff.add_page(self.parent_id, lang, title, body),
            "faq_category": lambda: self.staff.add_category(lang, title),
            "faq_entry": lambda: self.staff.add_question(self.parent_id, lang, title, body),
        }
        created: list[Key] = []
        if not title.strip():
            self.message("Give it a title first.", True)
            return
        if run(self.message, lambda: created.append(creators[self.kind]()), "Added as a draft."):
            self.added.emit(created[0])
