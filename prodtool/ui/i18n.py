"""The window's language: English in the source, Simplified Chinese from a compiled catalogue.

Switching installs a new QTranslator; Qt then sends every widget a LanguageChange event and each
widget re-reads its texts (`retranslate`), so the switch is live.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from prodtool.ui.resources import translations_dir

LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
DEFAULT_LANGUAGE = "en"
_current = DEFAULT_LANGUAGE


def current_language() -> str:
    """The language the window speaks now (for text that comes from the engine in English)."""
    return _current


def system_language() -> str:
    """The supported language closest to the system locale."""
    name = QLocale.system().name()  # e.g. "zh_CN", "en_US"
    if name.startswith("zh"):
        return "zh_CN"
    return DEFAULT_LANGUAGE


def resolve_language(choice: str | None) -> str:
    """A setting or option ("", "system", a code) as a supported language code."""
    if not choice or choice == "system":
        return system_language()
    return choice if choice in LANGUAGES else DEFAULT_LANGUAGE


class Translations:
    """The translators installed in the application; one language at a time."""

    def __init__(self) -> None:
        self._installed: list[QTranslator] = []
        self.language = DEFAULT_LANGUAGE

    def switch(self, language: str) -> bool:
        """Install `language` ("en" removes translations). False if its catalogue is missing."""
        app = QCoreApplication.instance()
        assert app is not None, "create the QApplication first"
        for translator in self._installed:
            app.removeTranslator(translator)
        self._installed.clear()
        self.language = language
        _set_current(language)
        if language == DEFAULT_LANGUAGE:
            return True
        ours = QTranslator(app)
        if not ours.load(f"prodtool_{language}", str(translations_dir())):
            return False
        qt_own = QTranslator(app)  # Qt's own strings: OK, Cancel, the file dialog's "Look in"
        if any(qt_own.load(f"qtbase_{language}", folder) for folder in qt_translation_dirs()):
            app.installTranslator(qt_own)
            self._installed.append(qt_own)
        app.installTranslator(ours)
        self._installed.append(ours)
        return True


def qt_translation_dirs() -> list[str]:
    """Where Qt's own catalogues are: shipped next to ours (frozen app), else PySide6's."""
    return [
        str(translations_dir()),
        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
    ]


def _set_current(language: str) -> None:
    global _current  # noqa: PLW0603 - one application, one language at a time
    _current = language
