"""The frozen one-folder app starts: `--version`, and `gui --self-test` opens and closes the
window offscreen, all without a word on stderr. Builds dist/ once if it is missing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from prodtool import __version__
from tests.ui.uihelpers import installer_module

build = installer_module("build")
pytestmark = [pytest.mark.slow, pytest.mark.gui]


@pytest.fixture(scope="session")
def frozen_app() -> Path:
    if build.is_stale():
        build.build()
    return Path(build.APP)


def run(app: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PRODTOOL_DATA_DIR=str(data_dir))
    return subprocess.run(
        [str(app), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_frozen_version(frozen_app: Path, data_dir: Path) -> None:
    result = run(frozen_app, data_dir, "--version")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == f"prodtool {__version__}"


def test_frozen_window_opens_and_closes(frozen_app: Path, data_dir: Path) -> None:
    result = run(frozen_app, data_dir, "gui", "--self-test", "--lang", "zh_CN")
    assert result.stderr == ""
    assert result.returncode == 0
    assert "self-test passed" in result.stdout


def test_frozen_demo_writes_in_worker_processes(frozen_app: Path, data_dir: Path) -> None:
    """Jobs run in worker processes (multiprocessing spawn): the frozen app must start them."""
    result = run(frozen_app, data_dir, "demo", "--headless", "--ports", "2", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["passed"], summary["failed"]) == (2, 0)


def test_frozen_app_ships_the_udev_rule(frozen_app: Path) -> None:
    """The rule a held port's message points to is in the app folder, as in the sources."""
    rule = Path(build.ROOT) / "installer" / "70-prodtool-serial.rules"
    (bundled,) = frozen_app.parent.rglob(rule.name)
    assert bundled.read_bytes() == rule.read_bytes()
