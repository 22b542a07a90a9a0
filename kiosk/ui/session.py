"""What one patient changed (language, text size, contrast) and where they were in each chapter. A session
reset puts it all back."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.ui.i18n import tr
from kiosk.ui.theme import TEXT_SIZES


class PatientSession(QObject):
    """The patient's choices. `changed` fires after any of them changes, so screens restyle or retranslate."""

    changed = Signal()

    def __init__(self, default_lang: str, languages: tuple[str, ...]) -> None:
        super().__init__()
        self.default_lang = default_lang
        self.languages = languages
        self._lang = default_lang
        self._text_size = 0
        self._high_contrast = False
        #: The page this patient was on in each chapter they opened (the chapter's end counts as past its last).
        self.positions: dict[str, int] = {}

    @property
    def lang(self) -> str:
        return self._lang

    @property
    def text_size(self) -> int:
        """0 normal, 1 large, 2 largest (see `theme.TEXT_SIZES`)."""
        return self._text_size

    @property
    def high_contrast(self) -> bool:
        return self._high_contrast

    def set_lang(self, lang: str) -> None:
        if lang in self.languages and lang != self._lang:
            self._lang = lang
            self.changed.emit()

    def set_text_size(self, level: int) -> None:
        level = max(0, min(level, len(TEXT_SIZES) - 1))
        if level != self._text_size:
            self._text_size = level
            self.changed.emit()

    def set_high_contrast(self, on: bool) -> None:
        if on != self._high_contrast:
            self._high_contrast = on
            self.changed.emit()

    def set_languages(self, languages: tuple[str, ...]) -> None:
        """Staff changed which languages are offered; the first is the default."""
        self.languages = languages
        self.default_lang = languages[0]
        if self._lang not in languages:
            self._lang = self.default_lang
            self.changed.emit()

    def reset(self) -> None:
        self.positions = {}
        changed = (self._lang, self._text_size, self._high_contrast) != (self.default_lang, 0, False)
        self._lang, self._text_size, self._high_contrast = self.default_lang, 0, False
        if changed:
            self.changed.emit()

    def translate(self, key: str, **values: object) -> str:
        return tr(key, self._lang, **values)
