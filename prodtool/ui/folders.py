"""Where the window's file dialogs open, and what file names they suggest.

A file dialog opens in the folder last used for that kind of file (kept in the station folder,
so it survives a restart), else in the user's Documents, never in the program's folder. A
default name is made safe (`L3/S7` must not become a folder), and a name typed without an
extension gets the one of the chosen filter.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_FILTER_EXT = re.compile(r"\*(\.[A-Za-z0-9]+)")


def safe_file_name(text: str) -> str:
    """`text` as one file name: path separators and characters Windows refuses become "-"."""
    name = _UNSAFE.sub("-", text).strip(" .-")
    return name or "prodtool"


def with_extension(path: Path, name_filter: str) -> Path:
    """`path` with the first extension of `name_filter` added when it has none of them."""
    extensions = _FILTER_EXT.findall(name_filter)
    if not extensions or path.suffix.lower() in {e.lower() for e in extensions}:
        return path
    return path.with_name(path.name + extensions[0])


def documents() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()


class Folders:
    """The last folder per kind of file ("package", "export", ...), kept in a small JSON file."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def start(self, kind: str, name: str = "") -> str:
        """The path a dialog for `kind` opens at: the last folder (if it still exists) + `name`."""
        last = Path(self._read().get(kind, ""))
        folder = last if last.is_absolute() and last.is_dir() else documents()
        return str(folder / safe_file_name(name)) if name else str(folder)

    def used(self, kind: str, path: Path) -> None:
        """Remember the folder of `path` for the next dialog of `kind` (best effort)."""
        data = self._read()
        data[kind] = str(path.parent if path.suffix or not path.is_dir() else path)
        with contextlib.suppress(OSError):  # a folder not remembered is no reason to stop
            self.file.write_text(json.dumps(data, indent=1), encoding="utf-8")


def ask_save_path(
    parent: QWidget, folders: Folders | None, kind: str, *, title: str, name: str, filters: str
) -> Path | None:
    """A save dialog for a file of `kind`: it opens in that kind's last folder with `name`,
    remembers the folder chosen, and adds the chosen filter's extension when the name has none.
    None when the user cancels."""
    start = folders.start(kind, name) if folders is not None else ""
    path, chosen = QFileDialog.getSaveFileName(parent, title, start, filters)
    if not path:
        return None
    if folders is not None:
        folders.used(kind, Path(path))
    return with_extension(Path(path), chosen or filters)
