"""The package's outer shell: version, help, error handling and the architecture contract."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from importlib.metadata import version
from pathlib import Path

import pytest

from prodtool import __version__
from prodtool.cli.main import main
from prodtool.errors import UserError
from prodtool.redact import fingerprint, redact_text

ROOT = Path(__file__).resolve().parents[1]


def test_version_comes_from_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"prodtool {version('prodtool')}"
    assert __version__ == version("prodtool")


def test_module_entry_point_prints_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "prodtool", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "usage: prodtool" in result.stdout
    assert result.stderr == ""


def test_user_error_is_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(_args: object) -> int:
        raise UserError("the package is damaged", hint="download it again", code="tampered")

    import prodtool.cli.main as cli_main

    parser = cli_main.build_parser()
    monkeypatch.setattr(cli_main, "build_parser", lambda: parser)
    parser.set_defaults(func=refuse)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err == "prodtool: the package is damaged (download it again)\n"


def test_a_bug_goes_to_the_crash_log_not_the_screen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    def crash(_args: object) -> int:
        raise RuntimeError("auth uuid123 SECRETKEY")

    import prodtool.cli.main as cli_main

    parser = cli_main.build_parser()
    monkeypatch.setattr(cli_main, "build_parser", lambda: parser)
    parser.set_defaults(func=crash)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    assert main([]) == 70
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "internal error (RuntimeError)" in err
    logs = list((data_dir / "logs").glob("crash-*.txt"))
    assert len(logs) == 1
    text = logs[0].read_text()
    assert "Traceback" in text
    assert "SECRETKEY" not in text
    assert logs[0].stat().st_mode & 0o077 == 0


def test_fingerprint_hides_the_secret() -> None:
    key = "0123456789abcdef0123456789abcdef"
    shown = fingerprint(key)
    assert key not in shown and key[:8] not in shown
    assert shown == fingerprint(key) and shown != fingerprint(key[::-1])
    line = redact_text(f"> auth uuid00000000000001 {key}\r\n", [key])
    assert line == f"> auth uuid00000000000001 {shown}\r\n"
    assert redact_text(line, [key]) == line


def test_core_importing_qt_breaks_the_import_contract(tmp_path: Path) -> None:
    """import-linter, run on a copy of the tree with a Qt import planted in the core, fails."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed in this environment")
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT / "prodtool", copy / "prodtool", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    env = {"PYTHONPATH": str(copy), "PATH": str(Path(sys.executable).parent)}
    clean = subprocess.run(
        [str(lint_imports)], cwd=copy, env=env, capture_output=True, text=True, check=False
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    planted = copy / "prodtool" / "license" / "_planted.py"
    planted.write_text("from PySide6 import QtCore  # deliberately forbidden\n")
    broken = subprocess.run(
        [str(lint_imports)], cwd=copy, env=env, capture_output=True, text=True, check=False
    )
    assert broken.returncode != 0
    assert "imports no Qt" in broken.stdout


def test_output_cut_short_by_its_reader_is_not_a_crash(data_dir: Path) -> None:
    """`prodtool --help | head -1`: the closed pipe ends the command quietly, with no crash log."""
    script = "import sys; sys.stdout.close()"  # a reader that goes away at once
    reader = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE)
    writer = subprocess.run(
        [sys.executable, "-c", LOTS_OF_OUTPUT],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert reader.stdin is not None
    reader.stdin.close()
    reader.wait(timeout=30)
    assert "internal error" not in writer.stderr
    assert "Traceback" not in writer.stderr
    assert writer.returncode == 141
    assert not list((data_dir / "logs").glob("crash-*.txt"))


LOTS_OF_OUTPUT = """
import argparse, sys
import prodtool.cli.main as m
parser = m.build_parser()
def flood(_args):
    for _ in range(200000):
        print("x" * 80)
    return 0
parser.set_defaults(func=flood)
m.build_parser = lambda: parser
sys.exit(m.main([]))
"""
