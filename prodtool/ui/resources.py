"""Where the window's data files (icons, translations) live: source tree or frozen app.

The files sit in the repository's `resources/` folder; PyInstaller copies that folder next to the
frozen program (`sys._MEIPASS/resources`), so one function finds them in both cases.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def icon_path() -> Path:
    return resources_dir() / "icons" / "prodtool.svg"


def translations_dir() -> Path:
    return resources_dir() / "translations"
