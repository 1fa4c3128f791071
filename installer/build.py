"""Build the one-folder app in dist/prodtool with PyInstaller (`make installer`).

Compiles the translations first so the app ships the current catalogue, then runs the spec.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
APP = DIST / "prodtool" / ("prodtool.exe" if sys.platform == "win32" else "prodtool")


def is_stale() -> bool:
    """True when dist/ is missing or older than a source or resource it bundles."""
    if not APP.exists():
        return True
    built = APP.stat().st_mtime
    sources = [
        *(ROOT / "prodtool").rglob("*.py"),
        *(ROOT / "resources").rglob("*"),
        *(ROOT / "installer").glob("*"),  # the spec, and the files it ships (the udev rule)
    ]
    return any(path.stat().st_mtime > built for path in sources if path.is_file())


def build() -> Path:
    subprocess.run([sys.executable, str(ROOT / "installer" / "translations.py")], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(ROOT / "build" / "pyinstaller"),
            str(ROOT / "installer" / "prodtool.spec"),
        ],
        check=True,
        cwd=ROOT,
    )
    return APP


if __name__ == "__main__":
    print(build())
