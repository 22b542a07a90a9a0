"""The staff console: a tree of everything on the kiosk beside whatever staff are working on.

It is a screen of the kiosk window (so kiosk mode never shows a desktop), usable by touch and by keyboard and
mouse. Every change goes through `StaffSource`, which reloads the patient screens, so a published edit is on
the kiosk at once. At a clinic group's office it runs on the hub, the same in every way but three: what it
saves reaches kiosks with the group's next release, backups are PostgreSQL's, and admins see the kiosks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.content.state import Key
from kiosk.errors import KioskError
from kiosk.services.staff import Status
from kiosk.ui.i18n import phrase
from kiosk.ui.keys import FULL_ROWS, Keyboard
from kiosk.ui.screens import Context, Screen
from kiosk.ui.staff.data import StaffSource
from kiosk.ui.staff.editor import ItemEditor, TextEditor
from kiosk.ui.staff.insights import InsightsPanel
from kiosk.ui.staff.panels import (
    AddPanel,
    ChangesPanel,
    FleetPanel,
    HistoryPanel,
    PickerPanel,
    PicturesPanel,
    SettingsPanel,
    TransferPanel,
)
from kiosk.ui.theme import Metrics, stylesheet
from kiosk.ui.widgets import TouchButton, kinetic, label, set_prop

ROLE = Qt.ItemDataRole.UserRole
log = logging.getLogger(__name__)


class StaffConsole(Screen):
    name = "staff-console"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.staff = StaffSource(ctx.source, lambda: ctx.staff)
        self.editing_lang = ctx.session.languages[0]
        self.title = label("Staff console", "title", wrap=False)
        self.language_buttons: dict[str, TouchButton] = {}
        # Landscape: everything side by side. Portrait: title above its buttons, tree above the panels.
        header = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        header.addWidget(self.title, 1)
        header_buttons = QHBoxLayout()
        for lang, caption in (("en", "Edit English"), ("es", "Editar español"), ("both", "Side by side")):
            button = TouchButton(caption, "bar")
            button.clicked.connect(lambda _=False, code=lang: self.guard(lambda: self.set_language(code)))
            self.language_buttons[lang] = button
            header_buttons.addWidget(button)
        self.back_button = TouchButton("Back to the staff menu", "primary")
        self.back_button.clicked.connect(lambda: self.guard(lambda: self.go("staff-menu")))
        header_buttons.addWidget(self.back_button)
        header.addLayout(header_buttons)
        self._header = header

        self.tree = QTreeWidget()
        self.tree.setObjectName("ContentTree")
        self.tree.setHeaderLabels(["Content", "Status"])
        self.tree.setColumnWidth(0, 380)
        # Touch: no 4-pixel expanders to hit. Everything is shown open, and each row is a full-height target.
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setIndentation(24)
        self.tree.setUniformRowHeights(True)
        kinetic(self.tree)
        self.tree.itemClicked.connect(self._on_tree_clicked)
        self.sections: dict[str, TouchButton] = {}
        side = QVBoxLayout()
        side.addWidget(self.tree, 1)
        self.add_chapter_button = TouchButton("Add a chapter")
        self.add_group_button = TouchButton("Add a question group")
        self.add_chapter_button.clicked.connect(lambda: self.guard(lambda: self.open_add("chapter", "")))
        self.add_group_button.clicked.connect(lambda: self.guard(lambda: self.open_add("faq_category", "")))
        grid = QGridLayout()
        grid.addWidget(self.add_chapter_button, 0, 0)
        grid.addWidget(self.add_group_button, 0, 1)
        office = self.staff.is_hub
        for index, (name, caption) in enumerate(
            (
                ("pictures", "Pictures"),
                ("settings", "Settings"),
                ("transfer", "Packs and folders" if office else "Packs and backups"),
                ("changes", "Recent changes"),
                ("insights", "Insights"),
                *((("fleet", "Kiosks"),) if office else ()),  # the clinic group's kiosks: on a hub only
            )
        ):
            button = TouchButton(caption)
            button.clicked.connect(lambda _=False, n=name: self.guard(lambda: self.show_panel(n)))
            self.sections[name] = button
            grid.addWidget(button, 1 + index // 2, index % 2)
        side.addLayout(grid)

        self.editor = ItemEditor(ctx, self.staff, self.message)
        self.editor.changed.connect(self._after_change)
        self.editor.open_history.connect(self.open_history)
        self.editor.picker_requested.connect(self.open_picker)
        self.editor.add_button.clicked.connect(self._add_child)
        self.history = HistoryPanel(self.staff, self.message)
        self.history.restored.connect(self._after_change)
        self.changes = ChangesPanel(self.staff, self.message)
        self.changes.undone.connect(self._after_change)
        self.changes.restore_requested.connect(self._undo_restore)
        self.settings_panel = SettingsPanel(self.staff, self.message, ctx.staff_tr)
        self.settings_panel.changed.connect(self._after_change)
        self.transfer = TransferPanel(self.staff, self.message)
        self.transfer.changed.connect(self._after_change)
        self.pictures = PicturesPanel(self.staff, self.message)
        self.pictures.changed.connect(self._after_change)
        self.picker = PickerPanel(self.staff)
        self.picker.chosen.connect(self._on_picked)
        self.picker.cancelled.connect(lambda: self.show_panel("editor"))
        self.insights = InsightsPanel(self.staff, self.message, lambda: self.editing_lang)
        self.adder = AddPanel(self.staff, self.message)
        self.adder.added.connect(self._on_added)
        self.fleet = FleetPanel(self.staff, self.message, ctx.staff_tr)
        self.welcome = label(
            "Choose a chapter, page, question group or question on the left to edit it. Changes you save are "
            "on the hub at once, and reach the kiosks with the group's next release; every change can be undone "
            "from its History or from Recent changes."
            if office
            else "Choose a chapter, page, question group or question on the left to edit it. Changes you save "
            "are on the kiosk at once; every change can be undone from its History or from Recent changes.",
            "body",
        )
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.panels = QStackedWidget()
        self.panel_names: dict[str, QWidget] = {
            "welcome": self.welcome,
            "editor": self.editor,
            "history": self.history,
            "changes": self.changes,
            "settings": self.settings_panel,
            "transfer": self.transfer,
            "pictures": self.pictures,
            "insights": self.insights,
            "picker": self.picker,
            "add": self.adder,
            "fleet": self.fleet,
        }
        self.scrolls: dict[str, QScrollArea] = {}
        for name, widget in self.panel_names.items():  # each scrolls, so none makes the window taller
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(widget)
            kinetic(scroll)
            self.scrolls[name] = scroll
            self.panels.addWidget(scroll)
        self.status = label("", "body", name="StaffMessage")
        self._picking_for: TextEditor | None = None
        self._tree: tuple[tuple[Status, ...], ...] = ((), ())
        self._statuses: dict[Key, Status] = {}
        self._groups: dict[Key, Key] = {}  # each question's group
        self._open_group: Key | None = None
        self.staff.tree_lang = lambda: self.editing_lang  # a long job reads the tree on its own thread too
        # Asked whenever typed text would be lost: Save, Discard or Keep editing.
        self.unsaved_bar = QWidget()
        self.unsaved_bar.setObjectName("UnsavedBar")
        bar = QHBoxLayout(self.unsaved_bar)
        self.unsaved_text = label("", "body")
        self.unsaved_save = TouchButton("", "primary")
        self.unsaved_discard = TouchButton("")
        self.unsaved_keep = TouchButton("")
        bar.addWidget(self.unsaved_text, 1)
        for button in (self.unsaved_save, self.unsaved_discard, self.unsaved_keep):
            bar.addWidget(button)
        self.unsaved_save.clicked.connect(lambda: self._answer_unsaved("save"))
        self.unsaved_discard.clicked.connect(lambda: self._answer_unsaved("discard"))
        self.unsaved_keep.clicked.connect(lambda: self._answer_unsaved("keep"))
        self.unsaved_bar.hide()
        self._pending: Callable[[], None] | None = None

        body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        body.addLayout(side, 2)
        body.addWidget(self.panels, 5)
        self._body = body
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.unsaved_bar)
        layout.addLayout(body, 1)
        layout.addWidget(self.status)
        # The patients' keyboard with every key staff need: it opens for whichever text field is being edited.
        self.keyboard = Keyboard(rows=FULL_ROWS)
        self.keyboard.hide()
        self.keyboard.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.keyboard.hide_requested.connect(self.hide_keyboard)
        layout.addWidget(self.keyboard)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        self._layout = layout

    # --- screen ------------------------------------------------------------------------------------------------

    def leave(self) -> None:
        self.keyboard.hide()

    def enter(self, **args: Any) -> None:
        self.editing_lang = (
            self.ctx.staff_lang
            if self.ctx.staff_lang in self.ctx.session.languages
            else (self.ctx.session.languages[0])
        )
        self._mark_language()
        fleet = self.sections.get("fleet")
        if fleet is not None:  # what every kiosk runs is for the group's admins
            fleet.setVisible(self.ctx.staff is not None and self.ctx.staff.can("admin"))
        self.reload_tree()
        self.show_panel("welcome")
        notices = self.ctx.source.notices
        self.message(" ".join(notices), bool(notices))
        self._retranslate()

    def reset(self) -> None:
        """Staff walked away, or left: nothing typed is lost (it is kept as a draft, never published), and the
        console forgets where it was."""
        self.keyboard.hide()
        self.keep_unsaved_as_drafts()
        self.unsaved_bar.hide()
        self._pending = None
        self.editor.status = None
        self.editor.build_texts()
        self.show_panel("welcome")

    def keep_unsaved_as_drafts(self) -> int:
        kept = 0
        if self.ctx.staff is None:
            return 0
        for editor in self.editor.editors.values():
            if editor.dirty:
                try:
                    self.staff.save_draft(editor.key, editor.fields())
                    kept += 1
                except KioskError as error:
                    log.warning("unsaved text could not be kept as a draft: %s", error)
                editor.dirty = False
        if kept:
            log.info("the console locked with unsaved text: kept as %d draft(s)", kept)
        return kept

    # --- the on-screen keyboard ------------------------------------------------------------------------------

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not self.isVisible() or new is None or not self.isAncestorOf(new):
            return
        if isinstance(new, QLineEdit | QPlainTextEdit) and not new.isReadOnly():
            self.keyboard.attach(new)
            self.keyboard.show()

    def hide_keyboard(self) -> None:
        self.keyboard.hide()
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            focused.clearFocus()

    # --- unsaved text ------------------------------------------------------------------------------------------

    def guard(self, then: Callable[[], None]) -> None:
        """Do `then`, unless it would lose typed text: then ask Save, Discard or Keep editing first."""
        dirty = [editor for editor in self.editor.editors.values() if editor.dirty]
        if not dirty or self.current_panel != "editor":
            then()
            return
        self._pending = then
        what = ", ".join(editor.key.describe() for editor in dirty)
        self.unsaved_text.setText(self.ctx.staff_tr("staff.unsaved", what=what))
        self.unsaved_bar.show()

    def _answer_unsaved(self, answer: str) -> None:
        pending, self._pending = self._pending, None
        self.unsaved_bar.hide()
        if answer == "keep" or pending is None:
            return
        for editor in self.editor.editors.values():
            if editor.dirty:
                if answer == "save" and not editor.save():
                    return  # the save was refused (the message says why): the text stays to be fixed
                editor.dirty = False
        pending()

    def translate(self) -> None:
        """Show every control's words in the staff member's language (`i18n.phrase`). Controls are made, and
        some changed later, in English; each remembers the English it was given, so this can run again."""
        lang = self.ctx.staff_lang
        for widget in self.findChildren(QLabel) + self.findChildren(QAbstractButton):
            shown, given = widget.property("shown_text"), widget.property("given_text")
            english = given if shown is not None and widget.text() == shown else widget.text()
            words = phrase(english, lang)
            if words != widget.text() or given is not None:
                widget.setProperty("given_text", english)
                widget.setText(words)
                widget.setProperty("shown_text", words)
        for field in self.findChildren(QLineEdit) + self.findChildren(QPlainTextEdit):
            shown, given = field.property("shown_hint"), field.property("given_hint")
            english = (
                given if shown is not None and field.placeholderText() == shown else field.placeholderText()
            )
            if english:
                field.setProperty("given_hint", english)
                field.setPlaceholderText(phrase(english, lang))
                field.setProperty("shown_hint", field.placeholderText())
        header = self.tree.headerItem()
        for column, english in enumerate(("Content", "Status")):
            header.setText(column, phrase(english, lang))

    def _retranslate(self) -> None:
        tr = self.ctx.staff_tr
        self.unsaved_save.setText(tr("staff.save"))
        self.unsaved_discard.setText(tr("staff.discard"))
        self.unsaved_keep.setText(tr("staff.keep_editing"))
        self.keyboard.set_texts(
            tr("keyboard.clear"), tr("keyboard.space"), tr("keyboard.backspace"), tr("keyboard.hide")
        )
        if self.current_panel == "insights":  # its charts are drawn, not labels: it says them itself
            self.insights.refresh()
        self.translate()

    def refresh(self) -> None:
        """The console is for working at: smaller text than the patient screens, same tap targets."""
        m = self.ctx.metrics
        dense = Metrics(scale=m.scale * 0.8, text=1.0)
        sheet = stylesheet(self.ctx.palette, dense)
        if sheet != self.styleSheet():  # setting it again restyles every widget in the console, for nothing
            self.setStyleSheet(sheet)
        self._layout.setContentsMargins(m.px(24), m.px(16), m.px(24), m.px(16))
        self.keyboard.set_spacing(m.px(6))
        portrait = self.ctx.portrait
        self._header.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        self._body.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        self._body.setStretch(0, 4 if portrait else 2)
        self._body.setStretch(1, 5)
        self._mark_language()

    # --- navigation --------------------------------------------------------------------------------------------

    def show_panel(self, name: str) -> None:
        panel = self.panel_names[name]
        refresh = getattr(panel, "refresh", None)
        if name in ("changes", "settings", "transfer", "pictures", "insights", "fleet") and callable(refresh):
            refresh()
        self.panels.setCurrentWidget(self.scrolls[name])
        for section, button in self.sections.items():
            set_prop(button, "active", section == name)
            button.setProperty("role", "bar")
        self.translate()

    @property
    def current_panel(self) -> str:
        widget = self.panels.currentWidget()
        return next(name for name, scroll in self.scrolls.items() if scroll is widget)

    def set_language(self, code: str) -> None:
        """The language staff edit in (and read the console in): theirs alone, never the patients'."""
        self.editor.side_by_side = code == "both"
        if code != "both":
            self.editing_lang = code
            self.ctx.staff_lang = code
            self.editor.editing_lang = code
            self._retranslate()
        self._mark_language()
        self.reload_tree()
        if self.editor.status is not None:
            self.editor.build_texts()
        self.translate()

    def _mark_language(self) -> None:
        current = "both" if self.editor.side_by_side else self.editing_lang
        for code, button in self.language_buttons.items():
            set_prop(button, "active", code == current)

    def reload_tree(self, tree: tuple[tuple[Status, ...], ...] | None = None) -> None:
        """Read the tree again (or take one a staff job read on its thread) and show it."""
        self._tree = tree if tree is not None else self.staff.tree(self.editing_lang)
        self._statuses = {}
        self._groups = {}
        for group in self._tree:
            for status in group:
                self._statuses[status.key] = status
                for child in status.children:
                    self._statuses[child.key] = child
                    self._groups[child.key] = status.key
        self._show_tree()

    def _show_tree(self) -> None:
        """Chapters with their pages; question groups with their questions only for the group that is open, so a
        kiosk with thousands of answers shows its tree at once."""
        selected = self.editor.key
        if selected is not None and selected in self._groups and selected.kind == "faq_entry":
            self._open_group = self._groups[selected]
        elif selected is not None and selected.kind == "faq_category":
            self._open_group = selected
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        chapters, categories = self._tree
        for caption, items in (("Chapters", chapters), ("Questions and answers", categories)):
            root = QTreeWidgetItem([phrase(caption, self.ctx.staff_lang), ""])
            self.tree.addTopLevelItem(root)
            for status in items:
                node = self._node(status)
                root.addChild(node)
                if status.key.kind == "chapter" or status.key == self._open_group:
                    node.addChildren([self._node(child) for child in status.children])
        self.tree.expandAll()
        self.tree.setUpdatesEnabled(True)
        if selected is not None:
            found = self.find_item(selected)
            if found is not None:
                self.tree.setCurrentItem(found)

    def _node(self, status: Status) -> QTreeWidgetItem:
        title = status.title
        if status.key.kind == "check":  # a teach-back question, listed after the chapter's pages
            title = f"{phrase('Check', self.ctx.staff_lang)}: {title}"
        badges = ", ".join(phrase(badge, self.ctx.staff_lang) for badge in status.badges)
        node = QTreeWidgetItem([title, badges])
        node.setData(0, ROLE, status)
        if status.deleted:
            font = node.font(0)
            font.setStrikeOut(True)
            node.setFont(0, font)
        return node

    def _tree_items(self) -> Iterator[tuple[QTreeWidgetItem, Status]]:
        """Every item shown in the tree with its status, depth first."""
        stack = [self.tree.topLevelItem(index) for index in range(self.tree.topLevelItemCount())][::-1]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            status = item.data(0, ROLE)
            if isinstance(status, Status):
                yield item, status
            stack.extend(item.child(i) for i in reversed(range(item.childCount())))

    def find_item(self, key: Key) -> QTreeWidgetItem | None:
        """The row for `key`, opening its question group if it is a question."""
        if key in self._groups and key.kind == "faq_entry" and self._open_group != self._groups[key]:
            self._open_group = self._groups[key]
            self._show_tree()
        return next((item for item, status in self._tree_items() if status.key == key), None)

    def statuses(self) -> dict[Key, Status]:
        """Every item's status, shown in the tree or not."""
        return dict(self._statuses)

    def _on_tree_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        status = item.data(0, ROLE)
        if isinstance(status, Status) and status.key != self.editor.key:
            self.guard(lambda: self.open_item(status.key))

    def open_item(self, key: Key) -> None:
        status = self.statuses().get(key)
        if status is None:
            self.reload_tree()
            status = self.statuses().get(key)
        if status is None:
            self.message(f"{key.describe()} is not there any more.", True)
            return
        self.editor.show_item(status)
        self.show_panel("editor")  # (in the staff member's language)
        if key.kind == "faq_category" and self._open_group != key:
            self._open_group = key
            self._show_tree()

    def open_history(self, status: Status) -> None:
        self.history.show_history(status)
        self.show_panel("history")

    def open_picker(self, kind: str, editor: TextEditor) -> None:
        self._picking_for = editor
        self.picker.open(kind, editor.key.lang or self.editing_lang)
        self.show_panel("picker")

    def _on_picked(self, kind: str, target: str, text: str, caption: str) -> None:
        editor = self._picking_for
        self.show_panel("editor")
        if editor is None:
            return
        if kind == "picture":
            editor.insert_picture(target, text, caption)
        else:
            editor.insert(f"[{text}]({'page' if kind == 'page' else 'faq'}:{target})")

    def open_add(self, kind: str, parent_id: str) -> None:
        self.adder.open(kind, parent_id, self.editing_lang)
        self.show_panel("add")

    def _add_child(self) -> None:
        key = self.editor.key
        if key is not None:
            self.open_add("page" if key.kind == "chapter" else "faq_entry", key.id)

    def _on_added(self, key: Key) -> None:
        self.reload_tree()
        self.open_item(key)

    def _after_change(self) -> None:
        self.reload_tree(self.staff.take_prepared_tree(self.editing_lang))
        key = self.editor.key
        if key is not None and self.current_panel == "editor":
            status = self.statuses().get(key)
            if status is not None:
                self.editor.show_item(status)
                self.translate()

    def _undo_restore(self, path: object) -> None:
        """Undoing a restore is restoring the backup taken just before it: shown, and confirmed, there."""
        from pathlib import Path

        if isinstance(path, Path):
            self.show_panel("transfer")
            self.transfer.review_restore(path, "the state before that restore")

    def message(self, text: str, problem: bool) -> None:
        self.status.setText(phrase(text, self.ctx.staff_lang))
        set_prop(self.status, "problem", problem)
