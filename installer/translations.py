"""Regenerate the translation catalogue from the sources and compile it.

`python installer/translations.py` runs pyside6-lupdate over prodtool/ui (new strings appear in
resources/translations/prodtool_zh_CN.ts as unfinished; translations of unchanged strings are
kept) and pyside6-lrelease to make the .qm the window loads. The .qm is committed; a test fails
when it is older than the .ts or when a string lacks its translation.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "prodtool" / "ui"
CATALOGUES = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN",)


def tool(name: str) -> str:
    """A PySide6 tool from the same environment as this Python."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def ts_path(language: str) -> Path:
    return CATALOGUES / f"prodtool_{language}.ts"


def update(ts: Path) -> None:
    sources = sorted(str(path) for path in SOURCES.glob("*.py"))
    subprocess.run(
        [tool("pyside6-lupdate"), *sources, "-locations", "none", "-no-obsolete", "-ts", str(ts)],
        check=True,
        capture_output=True,
    )


def release(ts: Path, qm: Path) -> None:
    subprocess.run(
        [tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)],
        check=True,
        capture_output=True,
    )


def main() -> int:
    CATALOGUES.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        ts = ts_path(language)
        update(ts)
        release(ts, ts.with_suffix(".qm"))
        print(f"{ts.relative_to(ROOT)} -> {ts.with_suffix('.qm').name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
