"""The staff console's side panels: history, recent changes, settings, pictures, packs and backups, pickers."""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QIODevice, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import LANGUAGE_NAMES, SETTINGS, SUPPORTED_LANGUAGES
from kiosk.content.parse import PICTURE_TYPES, Unreadable, printable, read_file
from kiosk.content.pictures import raster_problem
from kiosk.content.state import Key
from kiosk.errors import ContentError, KioskError
from kiosk.services import auth
from kiosk.services.library import RESTORE_KIND
from kiosk.services.staff import HistoryEntry, Status, UndoPlan
from kiosk.ui.staff.data import KIOSK_ONLY, Job, PlanView, StaffSource
from kiosk.ui.widgets import PictureView, TouchButton, clear_layout, label, set_prop

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
            who = f" by {entry.author}" if entry.author else ""
            self.versions.addItem(f"{entry.when:%Y-%m-%d %H:%M}  {entry.kind}{lang}{who}: {entry.summary}")
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
    """The latest actions on the kiosk (edits, imports, restores), who made them, each undoable as a whole.

    Undo always says first what it will do ("This removes 9 chapters and 55 answers"), and where later changes
    depend on the one chosen, names them and offers to undo them together."""

    undone = Signal()
    restore_requested = Signal(object)  # the backup to restore, to undo a restore

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.list = QListWidget()
        self.undo_button = TouchButton("Undo the selected change…", "primary")
        self.undo_button.clicked.connect(self.ask)
        self.question = label("", "body", name="UndoQuestion")
        self.confirm_button = TouchButton("Undo it", "primary")
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button = TouchButton("Keep it")
        self.cancel_button.clicked.connect(self.cancel)
        confirm = QHBoxLayout()
        confirm.addWidget(self.confirm_button)
        confirm.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(label("Recent changes", "title"))
        layout.addWidget(
            label("Choose a change and undo it. Undoing is itself a change you can undo.", "body")
        )
        layout.addWidget(self.list, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.question)
        layout.addLayout(confirm)
        self.ids: list[int] = []
        self.kinds: list[str] = []
        self.plan: UndoPlan | None = None
        self.restore: Path | None = None
        self.cancel()

    def refresh(self) -> None:
        self.list.clear()
        changes = self.staff.recent()
        self.ids = [change.id for change in changes]
        self.kinds = [change.kind for change in changes]
        for change in changes:
            self.list.addItem(change.line())
        self.cancel()

    def ask(self) -> None:
        """Say what undoing the chosen change would do; nothing happens until it is confirmed."""
        row = self.list.currentRow()
        if not 0 <= row < len(self.ids):
            self.message("Choose a change first.", True)
            return
        self.plan, self.restore = None, None
        try:
            if self.kinds[row] == RESTORE_KIND:
                self.restore = self.staff.restore_to_undo(self.ids[row])
                self.question.setText(
                    f"Undoing this restore puts back the backup taken just before it ({self.restore.name}): "
                    "all content and settings go back to that moment. The current state is backed up first."
                )
                self.confirm_button.setText("Restore it")
            else:
                self.plan = self.staff.plan_undo(self.ids[row])
                if self.plan.is_empty:
                    self.message("Nothing to undo: that change was already undone.", False)
                    return
                self.question.setText(self.plan.words)
                self.confirm_button.setText("Undo them together" if self.plan.later else "Undo it")
        except KioskError as error:
            self.message(str(error), True)
            return
        self.question.show()
        self.confirm_button.show()
        self.cancel_button.show()

    def confirm(self) -> None:
        if self.restore is not None:
            self.restore_requested.emit(self.restore)
            self.cancel()
            return
        plan = self.plan
        if plan is None:
            return
        if run(
            self.message,
            lambda: self.staff.undo(plan.changeset_id, with_later=bool(plan.later)),
            "Undone. Undo that too from here if it was a mistake.",
        ):
            self.undone.emit()
            self.refresh()
        else:
            self.cancel()

    def cancel(self) -> None:
        self.plan, self.restore = None, None
        self.question.hide()
        self.confirm_button.hide()
        self.cancel_button.hide()


class Stepper(QWidget):
    """A whole number between limits, changed with two large buttons (no 12-pixel arrows to hit)."""

    def __init__(self, minimum: int, maximum: int) -> None:
        super().__init__()
        self.minimum, self.maximum = minimum, maximum
        self._value: int = minimum
        span = maximum - minimum
        self.step = 10 if span > 200 else 5 if span > 60 else 1
        self.down = TouchButton("−")
        self.up = TouchButton("+")
        for button in (self.down, self.up):
            button.setObjectName("StepperButton")
        self.shown = label("", "body", wrap=False, name="StepperValue")
        self.shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.down.clicked.connect(lambda: self.setValue(self._value - self.step))
        self.up.clicked.connect(lambda: self.setValue(self._value + self.step))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.down)
        row.addWidget(self.shown, 1)
        row.addWidget(self.up)
        self.setValue(minimum)

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        self._value = max(self.minimum, min(self.maximum, value))
        self.shown.setText(str(self._value))
        self.down.setEnabled(self._value > self.minimum)
        self.up.setEnabled(self._value < self.maximum)


class Toggle(TouchButton):
    """On or off, as one large button that says which (instead of a 12-pixel check box)."""

    def __init__(self, on_text: str, off_text: str) -> None:
        super().__init__(off_text, "bar")
        self.on_text, self.off_text = on_text, off_text
        self.setCheckable(True)
        self.toggled.connect(self._show)

    def _show(self, on: bool) -> None:
        self.setText(self.on_text if on else self.off_text)
        set_prop(self, "active", on)

    def setChecked(self, on: bool) -> None:
        super().setChecked(on)
        self._show(on)


class SettingsPanel(QWidget):
    """The clinic's settings, built from their one declaration (`config.SETTINGS`): text fields, one per
    language where a setting has a text per language, large steppers for numbers and large toggles for yes/no
    and languages. Saving them is one undoable change. Also the signed-in person's own PIN and, for admins, the
    staff accounts."""

    changed = Signal()

    def __init__(self, staff: StaffSource, message: Message, tr: Callable[..., str]) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.translate = tr
        self.controls: dict[str, Any] = {}  # key -> its control(s)
        form = QFormLayout()
        self.captions: dict[str, QLabel] = {}
        for key, setting in SETTINGS.items():
            control: Any
            if setting.kind in ("text", "asset"):
                control = QLineEdit()
                control.setObjectName("StaffField")
                if setting.kind == "asset":
                    control.setPlaceholderText("the file name of a picture (see Pictures), or empty")
                widget: QWidget = control
            elif setting.kind == "localized":
                control = {lang: QLineEdit() for lang in SUPPORTED_LANGUAGES}
                widget = QWidget()
                column = QVBoxLayout(widget)
                column.setContentsMargins(0, 0, 0, 0)
                for lang, field in control.items():
                    field.setObjectName("StaffField")
                    field.setPlaceholderText(LANGUAGE_NAMES[lang])
                    column.addWidget(field)
            elif setting.kind == "int":
                control = Stepper(setting.minimum or 0, setting.maximum or 10_000)
                widget = control
            elif setting.kind == "bool":
                control = Toggle("Yes", "No")
                widget = control
            else:  # languages
                control = {
                    lang: Toggle(LANGUAGE_NAMES[lang], LANGUAGE_NAMES[lang]) for lang in SUPPORTED_LANGUAGES
                }
                widget = QWidget()
                row = QHBoxLayout(widget)
                row.setContentsMargins(0, 0, 0, 0)
                for toggle in control.values():
                    row.addWidget(toggle)
            widget.setToolTip(setting.description)
            caption = label("", "body")
            self.captions[key] = caption
            self.controls[key] = control
            form.addRow(caption, widget)
        self.clinic = QWidget()
        self.clinic.setLayout(form)
        self.save_button = TouchButton("Save settings", "primary")
        self.save_button.clicked.connect(self.save)
        self.admin_only = label("Only an admin changes the clinic's settings.", "muted")
        self.current_pin = QLineEdit()
        self.new_pin = QLineEdit()
        self.repeat_pin = QLineEdit()
        pin_form = QFormLayout()
        for caption_text, field in (
            ("Current PIN", self.current_pin),
            ("New PIN", self.new_pin),
            ("New PIN again", self.repeat_pin),
        ):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setObjectName("StaffField")
            pin_form.addRow(caption_text, field)
        self.pin_button = TouchButton("Change my PIN")
        self.pin_button.clicked.connect(self.change_pin)
        self.accounts = AccountsSection(staff, message)
        layout = QVBoxLayout(self)
        self.heading = label("Settings", "title")
        layout.addWidget(self.heading)
        layout.addWidget(self.admin_only)
        layout.addWidget(self.clinic)
        layout.addWidget(self.save_button)
        self.pin_heading = label("My PIN", "heading")
        layout.addWidget(self.pin_heading)
        layout.addLayout(pin_form)
        layout.addWidget(self.pin_button)
        layout.addWidget(self.accounts)
        layout.addStretch(1)

    def refresh(self) -> None:
        for key, caption in self.captions.items():
            caption.setText(self.translate(f"setting.{key}"))
        settings = self.staff.settings()
        for key, control in self.controls.items():
            value = getattr(settings, key)
            kind = SETTINGS[key].kind
            if kind in ("text", "asset"):
                control.setText(str(value))
            elif kind == "localized":
                for lang, field in control.items():
                    field.setText(value.get(lang, ""))
            elif kind in ("int", "bool"):
                control.setValue(int(value)) if kind == "int" else control.setChecked(bool(value))
            else:
                for lang, toggle in control.items():
                    toggle.setChecked(lang in value)
        account = self.staff._account()
        admin = account is not None and account.can("admin")
        self.clinic.setEnabled(admin)
        self.save_button.setVisible(admin)
        self.admin_only.setVisible(not admin)
        self.accounts.setVisible(admin)
        if admin:
            self.accounts.refresh()

    def values(self) -> dict[str, object]:
        """What the controls hold now, setting by setting."""
        found: dict[str, object] = {}
        for key, control in self.controls.items():
            kind = SETTINGS[key].kind
            if kind in ("text", "asset"):
                found[key] = control.text()
            elif kind == "localized":
                found[key] = {lang: field.text() for lang, field in control.items()}
            elif kind == "int":
                found[key] = control.value()
            elif kind == "bool":
                found[key] = control.isChecked()
            else:
                found[key] = [lang for lang, toggle in control.items() if toggle.isChecked()]
        return found

    def save(self) -> None:
        changes = self.values()
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
            "Your PIN is changed.",
        )
        for field in (self.current_pin, self.new_pin, self.repeat_pin):
            field.clear()


class AccountsSection(QWidget):
    """For admins: who can use the console, with which roles; add, remove, or set someone's PIN."""

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.list = QListWidget()
        self.name = QLineEdit()
        self.name.setObjectName("StaffField")
        self.name.setPlaceholderText("Name, as the login screen shows it (and the history names)")
        self.roles = {role: Toggle(role, role) for role in auth.ROLES}
        self.pin = QLineEdit()
        self.pin.setObjectName("StaffField")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("Their PIN: 4 to 8 digits")
        self.add_button = TouchButton("Add this person")
        self.add_button.clicked.connect(self.add)
        self.remove_button = TouchButton("Remove the selected person")
        self.remove_button.clicked.connect(self.remove)
        self.set_pin_button = TouchButton("Give the selected person this PIN")
        self.set_pin_button.clicked.connect(self.set_pin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label("Staff accounts", "heading"))
        layout.addWidget(self.list)
        layout.addWidget(self.name)
        roles = QHBoxLayout()
        for toggle in self.roles.values():
            roles.addWidget(toggle)
        layout.addLayout(roles)
        layout.addWidget(self.pin)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.set_pin_button, self.remove_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.names: list[str] = []

    def refresh(self) -> None:
        self.list.clear()
        accounts = self.staff.accounts()
        self.names = [a.name for a in accounts]
        for account in accounts:
            self.list.addItem(f"{account.name}  ({', '.join(account.roles)})")

    def _selected(self) -> str | None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.names):
            self.message("Choose a person in the list first.", True)
            return None
        return self.names[row]

    def add(self) -> None:
        roles = [role for role, toggle in self.roles.items() if toggle.isChecked()]
        name, pin = self.name.text(), self.pin.text()
        if run(
            self.message, lambda: self.staff.add_account(name, roles, pin), f"{name.strip()} can log in now."
        ):
            self.name.clear()
            self.pin.clear()
            self.refresh()

    def remove(self) -> None:
        name = self._selected()
        if name is not None and run(
            self.message, lambda: self.staff.remove_account(name), f"{name} can no longer log in."
        ):
            self.refresh()

    def set_pin(self) -> None:
        name, pin = self._selected(), self.pin.text()
        if name is not None and run(
            self.message, lambda: self.staff.reset_pin(name, pin), f"{name} has a new PIN."
        ):
            self.pin.clear()


class TransferPanel(QWidget):
    """Packs and folders for moving content, and backups. Imports show what they would change first.

    The work runs on a worker thread with a progress bar, so the screen (and the watchdog's heartbeat) never
    waits for it; Cancel stops it before it changes anything."""

    changed = Signal()

    def __init__(self, staff: StaffSource, message: Message) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.pending: tuple[str, Path] | None = None
        self.job: Job[Any] | None = None
        self.plan_view = QPlainTextEdit()
        self.plan_view.setReadOnly(True)
        self.apply_button = TouchButton("Import it", "primary")
        self.cancel_button = TouchButton("Cancel")
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setObjectName("StaffProgress")
        self.step = label("", "body", name="StaffStep")
        self.stop_button = TouchButton("Stop")
        self.stop_button.clicked.connect(self.stop)
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
        self.action_buttons: list[TouchButton] = []
        for caption, action in buttons.items():
            button = TouchButton(caption)
            button.clicked.connect(action)
            row.addWidget(button)
            self.action_buttons.append(button)
        self.backup_button = TouchButton("Back up now")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = TouchButton("Restore the selected backup…")
        self.restore_button.clicked.connect(self.review_restore)
        self.action_buttons += [self.backup_button, self.restore_button]
        layout = QVBoxLayout(self)
        layout.addWidget(label("Content packs, folders and backups", "title"))
        layout.addLayout(row)
        layout.addWidget(label("Before anything is imported or restored, you see what would change.", "body"))
        layout.addWidget(self.plan_view, 1)
        working = QHBoxLayout()
        working.addWidget(self.step)
        working.addWidget(self.progress, 1)
        working.addWidget(self.stop_button)
        layout.addLayout(working)
        confirm = QHBoxLayout()
        confirm.addWidget(self.apply_button)
        confirm.addWidget(self.cancel_button)
        layout.addLayout(confirm)
        backups_heading = label("Backups", "heading")
        layout.addWidget(backups_heading)
        layout.addWidget(self.backups, 1)
        backup_row = QHBoxLayout()
        backup_row.addWidget(self.backup_button)
        backup_row.addWidget(self.restore_button)
        layout.addLayout(backup_row)
        # Which clinic group's releases and signed packs this kiosk takes (docs/FLEET.md).
        group_heading = label("Clinic group", "heading")
        layout.addWidget(group_heading)
        self.group_status = label("", "body", name="StaffClinicGroup")
        layout.addWidget(self.group_status)
        #: On a hub, what stands where a kiosk's backups would be.
        self.kiosk_only = label(KIOSK_ONLY, "body", name="StaffKioskOnly")
        layout.addWidget(self.kiosk_only)
        office = staff.is_hub
        for widget in (backups_heading, self.backups, self.backup_button, self.restore_button, group_heading):
            widget.setVisible(not office)
        self.group_status.setVisible(not office)
        self.kiosk_only.setVisible(office)
        if office:
            self.action_buttons = self.action_buttons[:-2]  # never shown, so never enabled either
        self._show_working(False)
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
        if self.staff.is_hub:
            self.backup_files = []
            return
        self.group_status.setText("\n".join(self.staff.clinic_group()))
        self.backup_files = self.staff.backups()
        for item in self.backup_files:
            self.backups.addItem(f"{item.created:%Y-%m-%d %H:%M}  {item.reason}  ({item.size // 1024} KB)")

    # --- running work off the UI thread ------------------------------------------------------------------------

    def _show_working(self, working: bool) -> None:
        for widget in (self.progress, self.step, self.stop_button):
            widget.setVisible(working)
        for button in self.action_buttons:
            button.setEnabled(not working)
        if working:
            self.apply_button.setEnabled(False)
            self.cancel_button.setEnabled(False)

    def start(self, job: Job[Any], done: Callable[[Any], None], failed: str) -> Job[Any]:
        """Run `job`, showing its progress; `done(result)` when it worked, `failed: reason` when not."""
        self.job = job
        self.progress.setValue(0)
        self.step.setText("Starting…")
        self._show_working(True)
        job.progressed.connect(self._on_progress)

        def finished_ok(result: object) -> None:
            self.job = None
            self._show_working(False)
            done(result)

        def finished_badly(reason: str) -> None:
            self.job = None
            self._show_working(False)
            self.message(f"{failed}: {reason}", True)

        job.succeeded.connect(finished_ok)
        job.failed.connect(finished_badly)
        job.start()
        return job

    def _on_progress(self, step: str, fraction: float) -> None:
        self.step.setText(step[:1].upper() + step[1:] + "…")
        self.progress.setValue(round(fraction * 100))

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.step.setText("Stopping…")

    @property
    def busy(self) -> bool:
        return self.job is not None

    # --- what staff do -----------------------------------------------------------------------------------------

    def _show_plan(self, what: str, path: Path, plan: PlanView) -> None:
        lines = list(plan.lines) or ["Nothing would change."]
        self.plan_view.setPlainText(f"{what}: {printable(str(path))}\n{plan.summary}\n\n" + "\n".join(lines))
        self.pending = (what, path) if not plan.empty else None
        self.apply_button.setEnabled(self.pending is not None)
        self.cancel_button.setEnabled(True)

    def review_pack(self, path: Path) -> None:
        self.cancel()
        self.start(
            self.staff.pack_plan(path),
            lambda plan: self._show_plan("Content pack", path, plan),
            "The pack cannot be imported",
        )

    def review_folder(self, path: Path) -> None:
        self.cancel()
        self.start(
            self.staff.folder_plan(path),
            lambda plan: self._show_plan("Content folder", path, plan),
            "The folder cannot be imported",
        )

    def review_restore(self, path: Path | None = None, what: str = "") -> None:
        if path is None:
            row = self.backups.currentRow()
            if not 0 <= row < len(self.backup_files):
                self.message("Choose a backup first.", True)
                return
            chosen = self.backup_files[row]
            path, what = chosen.path, f"the backup of {chosen.created:%Y-%m-%d %H:%M} ({chosen.reason})"
        self.plan_view.setPlainText(
            f"Restore {what or path.name}?\n\n"
            "All content and settings go back to that moment. The current state is backed up first, and the "
            "restore can be undone from Recent changes. Staff accounts and PINs stay as they are."
        )
        self.pending = ("Backup", path)
        self.apply_button.setEnabled(True)
        self.cancel_button.setEnabled(True)

    def apply(self) -> None:
        if self.pending is None:
            return
        what, path = self.pending
        try:
            job: Job[Any]
            if what == "Content pack":
                job = self.staff.import_pack(path)
            elif what == "Content folder":
                job = self.staff.import_folder(path)
            else:
                job = self.staff.restore_backup(path)
        except KioskError as error:
            self.message(str(error), True)
            return

        def done(_result: Any) -> None:
            self.message(
                f"{what} applied." if self.staff.is_hub else f"{what} applied. A backup was taken first.",
                False,
            )
            self.cancel()
            self.refresh()
            self.changed.emit()

        self.start(job, done, f"{what} not applied")

    def cancel(self) -> None:
        self.pending = None
        self.plan_view.clear()
        self.apply_button.setEnabled(False)
        self.cancel_button.setEnabled(False)

    def export_pack(self, path: Path) -> None:
        if path.suffix.lower() != ".zip":
            path = path.with_suffix(".zip")
        self.start(
            self.staff.export_pack(path),
            lambda _n: self.message(f"Content pack saved as {path}.", False),
            "The pack was not saved",
        )

    def export_folder(self, path: Path) -> None:
        self.start(
            self.staff.export_folder(path),
            lambda _n: self.message(f"Content written to {path}.", False),
            "The content was not written",
        )

    def backup_now(self) -> None:
        def done(_path: object) -> None:
            self.message("Backup written.", False)
            self.refresh()

        self.start(self.staff.backup_now(), done, "No backup was written")


class FleetPanel(QWidget):
    """On a clinic group's hub, for admins: every enrolled kiosk, its group, the release it runs, when it was last
    seen and whether it is behind; the facts `kiosk hub status` prints, from the same service. A kiosk not seen
    for more than a day says so in plain words."""

    def __init__(self, staff: StaffSource, message: Message, tr: Callable[..., str]) -> None:
        super().__init__()
        self.staff = staff
        self.message = message
        self.words = tr
        self.title = label("", "title")
        self.about = label("", "body")
        self.summary = label("", "heading", name="FleetSummary")
        self.again_button = TouchButton("")
        self.again_button.clicked.connect(self.refresh)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(12)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.about)
        layout.addLayout(top)
        layout.addLayout(self.rows)
        layout.addStretch(1)
        #: What each kiosk's card says, in order (name line, release line, last seen line), and which are marked.
        self.shown: list[tuple[str, str, str]] = []
        self.marked: list[str] = []

    def refresh(self) -> None:
        tr = self.words
        self.title.setText(tr("console.fleet_title"))
        self.about.setText(tr("console.fleet_about"))
        self.again_button.setText(tr("console.look_again"))
        clear_layout(self.rows)
        self.shown, self.marked = [], []
        try:
            kiosks = self.staff.fleet()
        except KioskError as error:
            self.summary.setText("")
            self.message(str(error), True)
            return
        behind = sum(1 for kiosk in kiosks if kiosk.behind)
        self.summary.setText(
            tr("console.fleet_summary", count=len(kiosks), behind=behind)
            if kiosks
            else tr("console.fleet_none")
        )
        for kiosk in kiosks:
            name = tr("console.fleet_kiosk", name=kiosk.name, group=kiosk.group)
            if kiosk.revoked:
                release = tr("console.fleet_revoked")
            elif kiosk.behind:
                release = tr("console.fleet_behind", release=kiosk.release, latest=kiosk.latest)
            else:
                release = tr("console.fleet_current", release=kiosk.release)
            when = f"{kiosk.last_seen:%Y-%m-%d %H:%M} UTC" if kiosk.last_seen else ""
            silent = not kiosk.revoked and kiosk.out_of_touch()
            if kiosk.last_seen is None:
                seen = tr("console.fleet_never")
            else:
                seen = tr("console.fleet_unseen" if silent else "console.fleet_seen", when=when)
            card = QWidget()
            card.setObjectName("FleetKiosk")
            card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
            lines = QVBoxLayout(card)
            lines.setContentsMargins(16, 12, 16, 12)
            lines.addWidget(label(name, "heading"))
            release_line = label(release, "body", name="FleetNote")
            seen_line = label(seen, "body", name="FleetNote")
            set_prop(release_line, "attention", kiosk.behind)
            set_prop(seen_line, "attention", silent)
            set_prop(card, "attention", kiosk.behind or silent)
            lines.addWidget(release_line)
            lines.addWidget(seen_line)
            self.rows.addWidget(card)
            self.shown.append((name, release, seen))
            if kiosk.behind or silent:
                self.marked.append(kiosk.name)


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
