"""The window over the real engine and simulated chips: load, write, fail, retry, export."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QFileDialog,
    QWidget,
)
from pytestqt.qtbot import QtBot

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobState
from prodtool.license.builder import demo_licenses
from prodtool.sim import ChipFarm, parse_fault
from prodtool.ui.demo import start_demo
from prodtool.ui.dialogs import PasswordDialog
from prodtool.ui.window import StationWindow
from tests.ui.uihelpers import visible_texts

pytestmark = [pytest.mark.gui, pytest.mark.sim]

SEED = 6
LICENSES = 8
JOB_TIMEOUT_MS = 45_000
FIRMWARE = 48 * 1024  # small: the simulated link runs at a real baud rate


def all_text(root: QWidget) -> str:
    """Every text a person could see or copy out of the window."""
    return "\n".join(visible_texts(root))


@pytest.fixture
def station(window: StationWindow) -> Iterator[Station]:
    with ExitStack() as stack:
        engine = Station(window.paths, window.settings)
        stack.callback(engine.close)
        stack.callback(window.shutdown)  # stop the jobs first
        window.attach(engine)
        yield engine


def load_through_dialogs(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow, tmp_path: Path
) -> None:
    package, password = build_demo_package(
        tmp_path / "pkg", licenses=LICENSES, fast_kdf=True, seed=SEED, firmware_size=FIRMWARE
    )
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(package), ""))
    )
    monkeypatch.setattr(
        PasswordDialog, "unlock", staticmethod(lambda parent, name, work: work(password))
    )
    window.load_action.trigger()
    qtbot.waitUntil(lambda: window.package is not None and not window.busy(), timeout=15_000)
    assert window.notice.tone == "good", window.notice.text()


def tiles_done(window: StationWindow, count: int) -> bool:
    tiles = list(window.grid.tiles.values())
    return len(tiles) == count and all(t.state == JobState.REMOVE_CHIP for t in tiles)


def test_four_chips_pass_and_the_log_exports(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    window: StationWindow,
    station: Station,
    tmp_path: Path,
) -> None:
    load_through_dialogs(qtbot, monkeypatch, window, tmp_path)
    assert "DEMO-0001" in all_text(window.package_panel)
    with ChipFarm(count=4, family="esp32c3", transport="socket") as farm:
        station.add_ports(farm.urls, start=True)
        qtbot.waitUntil(lambda: tiles_done(window, 4), timeout=JOB_TIMEOUT_MS)
        window.shutdown()
    tiles = window.grid.tiles.values()
    assert all(t.result == JobState.PASSED for t in tiles)
    assert all(t.uuid_label.text().startswith("UUID: uuid") for t in tiles)
    assert window.counters.passed.value.text() == "4"
    assert window.counters.yield_.value.text() == "100.0%"

    text = all_text(window)
    for license in demo_licenses(LICENSES, seed=SEED):
        assert license.authkey not in text

    out = tmp_path / "export" / "writelog.csv"
    out.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), ""))
    )
    window.export_action.trigger()
    qtbot.waitUntil(lambda: not window.busy(), timeout=10_000)
    assert window.notice.tone == "good", window.notice.text()
    assert out.exists() and out.with_name(out.name + ".sig").exists()
    assert "4 record" in window.notice.text()


def test_a_failed_tile_says_why_and_retry_passes(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    window: StationWindow,
    station: Station,
    tmp_path: Path,
) -> None:
    load_through_dialogs(qtbot, monkeypatch, window, tmp_path)
    with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
        farm.chips[0].add_fault(parse_fault("auth-reject@times=1"))
        station.add_ports(farm.urls, start=True)
        qtbot.waitUntil(lambda: tiles_done(window, 2), timeout=JOB_TIMEOUT_MS)
        tile = window.grid.tiles[farm.urls[0]]
        assert tile.shown_state() == JobState.FAILED
        assert tile.reason_label.text().startswith("The firmware refused the license")
        assert tile.action_button.isVisible() and tile.action_button.text() == "Retry"
        assert window.counters.failed.value.text() == "1"
        tile.action_button.click()
        qtbot.waitUntil(lambda: tile.state.is_busy, timeout=5_000)
        qtbot.waitUntil(lambda: tiles_done(window, 2), timeout=JOB_TIMEOUT_MS)
        assert tile.result == JobState.PASSED, tile.reason_label.text()
        window.shutdown()
    assert tile.reason_label.text() == ""
    assert window.counters.passed.value.text() == "2"


def test_demo_mode_loads_a_demo_package_and_writes(qtbot: QtBot, window: StationWindow) -> None:
    with ExitStack() as stack:
        start_demo(window, stack, ports=2, fast_kdf=True, firmware_size=FIRMWARE)
        qtbot.waitUntil(lambda: tiles_done(window, 2), timeout=JOB_TIMEOUT_MS)
        assert window.package is not None and window.package.demo
        assert window.package_panel.demo_banner.isVisible()
        assert "DEMO" in window.windowTitle()
    assert all(t.result == JobState.PASSED for t in window.grid.tiles.values())
