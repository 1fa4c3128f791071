"""Fixtures for the window's tests: one window per test, shut down (engine stopped, tasks
joined) before the leaked-thread check runs; English unless a test switches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from prodtool.paths import station_paths
from prodtool.settings import Settings
from prodtool.ui.app import build_window
from prodtool.ui.window import Running, StationWindow


@pytest.fixture
def window(
    qtbot: QtBot, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StationWindow]:
    # pytest-qt closes the window before this fixture ends: a question box would wait forever.
    # Tests of the question replace this answer.
    monkeypatch.setattr(StationWindow, "ask_running", lambda *_a, **_k: Running.STOP)
    paths = station_paths(data_dir).ensure()
    win = build_window(paths, Settings(), language="en")
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()
    win.translations.switch("en")
