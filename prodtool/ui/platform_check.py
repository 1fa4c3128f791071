"""Can Qt open a window here? Asked before any QApplication exists, so it imports no Qt.

On a fresh Linux desktop Qt's xcb plugin fails to load when a library it links against is
missing, and Qt's own message then names the wrong one (it blames libxcb-cursor0 for any missing
xcb library) before aborting the process. We ask the dynamic loader instead (`ldd` on the plugin)
and name every missing library, with the Debian/Ubuntu package that brings it, in one line.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# Sonames Qt 6's xcb plugin links against, and the Debian/Ubuntu package of each.
XCB_PACKAGES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)

Runner = Callable[[list[str]], str]


def uses_xcb(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will pick its xcb plugin: Linux, X11, and no other platform asked for."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":", 1)[0] == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def _ldd(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    return done.stdout


def missing_libraries(plugin: Path, run: Runner = _ldd) -> list[str]:
    """The sonames the loader cannot find for `plugin` (and for what it links), sorted."""
    if shutil.which("ldd") is None and run is _ldd:
        return []  # no loader to ask: let Qt try
    return sorted(set(_NOT_FOUND.findall(run(["ldd", str(plugin)]))))


def describe_missing(missing: list[str]) -> str:
    """One line: what is missing and the packages that bring it."""
    packages = [XCB_PACKAGES.get(name, name) for name in missing]
    return (
        f"the window cannot open: Qt's X11 (xcb) platform needs {', '.join(missing)}"
        f" (Debian/Ubuntu: apt install {' '.join(dict.fromkeys(packages))})"
    )


def window_problem(
    environ: Mapping[str, str] = os.environ, run: Runner = _ldd, plugin: Path | None = None
) -> str:
    """Why a window cannot open here, in one line; empty when nothing is known to be wrong."""
    if not uses_xcb(environ):
        return ""
    plugin = plugin if plugin is not None else xcb_plugin()
    if plugin is None:
        return ""
    missing = missing_libraries(plugin, run)
    return describe_missing(missing) if missing else ""
