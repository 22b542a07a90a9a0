"""On-screen keys: a keyboard for typing questions (with Spanish letters) and a PIN keypad for staff.

The staff console uses the same keyboard with a full layout (`FULL_ROWS`): digits, punctuation and the Markdown
characters its formatting buttons do not cover, a Shift for capitals and Enter for a new line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from kiosk.ui.widgets import TouchButton, label

ROWS = ("1234567890", "qwertyuiop", "asdfghjklñ", "zxcvbnm¿?", "áéíóúü")
ACCENTS = ROWS[-1]
#: For staff: headings (#), emphasis (_ and *), quotes (>), code (`), numbered lists (1.) and the rest of
#: everyday punctuation, besides what the patients' keyboard has.
FULL_ROWS = ("1234567890-=", "qwertyuiop()", "asdfghjklñ[]", "zxcvbnm,.;:?", "áéíóúü¿¡!'\"/", "#*_>`@&%+{}|")


class Keyboard(QWidget):
    """Types into a line edit: digits, letters, the accented letters Spanish needs, and keys that say what they
    do in words: space, delete a letter, clear all, hide the keyboard."""

    hide_requested = Signal()

    def __init__(self, parent: QWidget | None = None, rows: tuple[str, ...] = ROWS) -> None:
        super().__init__(parent)
        self.setObjectName("Keyboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.target: QLineEdit | QPlainTextEdit | None = None
        self.keys: dict[str, TouchButton] = {}
        self.shifted = False
        layout = QVBoxLayout(self)
        self._layout = layout
        for row in rows:
            line = QHBoxLayout()
            line.addStretch(1)
            for char in row:
                button = TouchButton(char, "key", repeats=True)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.clicked.connect(lambda _=False, c=char: self.type(c))
                self.keys[char] = button
                line.addWidget(button, 2)
            line.addStretch(1)
            layout.addLayout(line)
        bottom = QHBoxLayout()
        self.clear_key = TouchButton("", "key")
        self.space_key = TouchButton("", "key", repeats=True)
        self.backspace_key = TouchButton("", "key", repeats=True)
        self.hide_key = TouchButton("", "key")
        for button in (self.clear_key, self.space_key, self.backspace_key, self.hide_key):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_key.clicked.connect(self.clear)
        self.space_key.clicked.connect(lambda: self.type(" "))
        self.backspace_key.clicked.connect(self.backspace)
        self.hide_key.clicked.connect(self.hide_requested.emit)
        # Shift and Enter: only where there is text to write, not a question to type (the full layout).
        self.shift_key = TouchButton("⇧", "key")
        self.enter_key = TouchButton("↵", "key")
        for button in (self.shift_key, self.enter_key):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setVisible(rows != ROWS)
        self.shift_key.clicked.connect(self.shift)
        self.enter_key.clicked.connect(lambda: self.type("\n"))
        bottom.addWidget(self.shift_key, 3)
        bottom.addWidget(self.clear_key, 4)
        bottom.addWidget(self.space_key, 6)
        bottom.addWidget(self.backspace_key, 5)
        bottom.addWidget(self.enter_key, 3)
        bottom.addWidget(self.hide_key, 5)
        layout.addLayout(bottom)

    def set_accents(self, shown: bool) -> None:
        """The row of accented letters, for languages that use them (a row less on a small screen otherwise)."""
        for char in ACCENTS:
            self.keys[char].setVisible(shown)

    def set_texts(self, clear: str, space: str, backspace: str, hide: str) -> None:
        self.clear_key.setText(clear)
        self.space_key.setText(space)
        self.backspace_key.setText(backspace)
        self.hide_key.setText(hide)

    def set_spacing(self, spacing: int) -> None:
        self._layout.setSpacing(spacing)
        self._layout.setContentsMargins(spacing, spacing, spacing, spacing)
        for index in range(self._layout.count()):
            item = self._layout.itemAt(index)
            row = item.layout() if item is not None else None
            if row is not None:
                row.setSpacing(spacing)

    def attach(self, target: QLineEdit | QPlainTextEdit) -> None:
        self.target = target
        # "Clear" empties a line; it is not offered for a whole page of text, where one tap would lose it all.
        self.clear_key.setVisible(isinstance(target, QLineEdit))

    def shift(self) -> None:
        """The next letter as a capital."""
        self.shifted = not self.shifted
        for char, key in self.keys.items():
            key.setText(char.upper() if self.shifted else char)

    def type(self, text: str) -> None:
        if self.shifted:
            text = text.upper()
            self.shift()
        if isinstance(self.target, QPlainTextEdit):
            self.target.insertPlainText(text)
        elif self.target is not None and text != "\n" and len(self.target.text()) < self.target.maxLength():
            self.target.insert(text)

    def backspace(self) -> None:
        if isinstance(self.target, QPlainTextEdit):
            self.target.textCursor().deletePreviousChar()
        elif self.target is not None:
            self.target.backspace()

    def clear(self) -> None:
        if self.target is not None:
            self.target.clear()


class Keypad(QWidget):
    """Digits for a staff PIN. The PIN is shown only as dots and handed over once, on Enter."""

    submitted = Signal(str)
    cancelled = Signal()
    MAX_DIGITS = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._digits = ""
        layout = QVBoxLayout(self)
        self.dots = label("", "title", wrap=False, name="PinDots")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.dots)
        grid = QGridLayout()
        self.buttons: dict[str, TouchButton] = {}
        for index, digit in enumerate("123456789"):
            self._add_digit(grid, digit, index // 3, index % 3)
        self.delete_key = TouchButton("", "pin", repeats=True)
        self.delete_key.clicked.connect(self.delete)
        grid.addWidget(self.delete_key, 3, 0)
        self._add_digit(grid, "0", 3, 1)
        self.enter_key = TouchButton("", "primary")
        self.enter_key.clicked.connect(self.submit)
        grid.addWidget(self.enter_key, 3, 2)
        layout.addLayout(grid)
        self.cancel_key = TouchButton("", "")
        self.cancel_key.clicked.connect(self.cancelled.emit)
        layout.addWidget(self.cancel_key)
        self._refresh()

    def _add_digit(self, grid: QGridLayout, digit: str, row: int, column: int) -> None:
        button = TouchButton(digit, "pin", repeats=True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda _=False, d=digit: self.press(d))
        self.buttons[digit] = button
        grid.addWidget(button, row, column)

    def set_texts(self, delete: str, enter: str, cancel: str) -> None:
        self.delete_key.setText(delete)
        self.enter_key.setText(enter)
        self.cancel_key.setText(cancel)

    def press(self, digit: str) -> None:
        if len(self._digits) < self.MAX_DIGITS:
            self._digits += digit
            self._refresh()

    def delete(self) -> None:
        self._digits = self._digits[:-1]
        self._refresh()

    def clear(self) -> None:
        self._digits = ""
        self._refresh()

    def submit(self) -> None:
        if self._digits:
            pin, self._digits = self._digits, ""
            self._refresh()
            self.submitted.emit(pin)

    def set_locked(self, locked: bool) -> None:
        for button in (*self.buttons.values(), self.delete_key, self.enter_key):
            button.setEnabled(not locked)
        if locked:
            self.clear()

    @property
    def entered(self) -> int:
        return len(self._digits)

    def _refresh(self) -> None:
        self.dots.setText("●" * len(self._digits) or " ")

    def keyPressEvent(self, event: QKeyEvent) -> None:  # a hardware keyboard works too
        if event.text().isdigit():
            self.press(event.text())
        elif event.key() == Qt.Key.Key_Backspace:
            self.delete()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        else:
            super().keyPressEvent(event)
