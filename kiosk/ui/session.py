"""What one patient changed: language, text size and contrast. A session reset puts them back."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.ui.i18n import tr


class PatientSession(QObject):
    """The patient's choices. `changed` fires after any of them changes, so screens restyle or retranslate."""

    changed = Signal()

    def __init__(self, default_lang: str, languages: tuple[str, ...]) -> None:
        super().__init__()
        self.default_lang = default_lang
        self.languages = languages
        self._lang = default_lang
        self._large_text = False
        self._high_contrast = False

    @property
    def lang(self) -> str:
        return self._lang

    @property
    def large_text(self) -> bool:
        return self._large_text

    @property
    def high_contrast(self) -> bool:
        return self._high_contrast

    def set_lang(self, lang: str) -> None:
        if lang in self.languages and lang != self._lang:
            self._lang = lang
            self.changed.emit()

    def set_large_text(self, on: bool) -> None:
        if on != self._large_text:
            self._large_text = on
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
        changed = (self._lang, self._large_text, self._high_contrast) != (self.default_lang, False, False)
        self._lang, self._large_text, self._high_contrast = self.default_lang, False, False
        if changed:
            self.changed.emit()

    def translate(self, key: str, **values: object) -> str:
        return tr(key, self._lang, **values)
