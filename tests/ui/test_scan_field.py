"""The scan field: a scanner's fast code+Enter typed at the window binds the code without a
click, to the next port or to the slot scanned first; refusals are shown with their reason."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobState
from prodtool.settings import ScanTarget
from prodtool.sim import ChipFarm
from prodtool.ui.window import StationWindow
from tests.engine.test_serial_scanner import FakeScanner

pytestmark = pytest.mark.gui

PORTS = ["socket://127.0.0.1:9001", "socket://127.0.0.1:9002", "socket://127.0.0.1:9003"]


def type_scan(window: StationWindow, text: str) -> None:
    """What a keyboard-wedge scanner does: the characters, fast, then Enter, to the window."""
    QTest.keyClicks(window, text)
    QTest.keyClick(window, Qt.Key.Key_Return)


@pytest.fixture
def station(window: StationWindow) -> Iterator[Station]:
    window.settings = window.settings.replace(code_pattern=r"PCB-\d{4}", job_processes=0)
    with ExitStack() as stack:
        engine = Station(window.paths, window.settings)
        stack.callback(engine.close)
        stack.callback(window.shutdown)
        window.attach(engine)
        yield engine


def codes(station: Station) -> dict[str, str]:
    return {p.port: p.code for p in station.ports()}


def test_scans_bind_to_the_next_port_and_refusals_say_why(
    qtbot: QtBot, window: StationWindow, station: Station
) -> None:
    station.add_ports(PORTS, start=False)
    qtbot.waitUntil(lambda: len(window.grid.tiles) == 3)
    bar = window.scan_desk.bar
    type_scan(window, "PCB-0001")
    qtbot.waitUntil(lambda: codes(station)[PORTS[0]] == "PCB-0001")
    qtbot.waitUntil(lambda: bar.result.text() == "PCB-0001 → slot 1")
    assert bar.good
    qtbot.waitUntil(lambda: window.grid.tiles[PORTS[0]].code_label.text() == "Code: PCB-0001")
    assert window.grid.tiles[PORTS[0]].code_label.isVisible()

    type_scan(window, "PCB-12")  # malformed
    qtbot.waitUntil(lambda: window.scan_desk.idle and not bar.good)
    assert bar.result.text() == r"Refused: PCB-12 is not this product's code (expected PCB-\d{4})."
    type_scan(window, "PCB-0001")  # a duplicate: would go to port 2, but port 1 holds it
    qtbot.waitUntil(lambda: "already bound" in bar.result.text())
    assert bar.result.text() == "Refused: PCB-0001 is already bound to slot 1."
    assert codes(station) == {PORTS[0]: "PCB-0001", PORTS[1]: "", PORTS[2]: ""}

    # the field itself, clicked and typed into at a person's pace
    QTest.mouseClick(bar.field, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is bar.field
    QTest.keyClicks(bar.field, "PCB-0002", delay=20)
    QTest.keyClick(bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: codes(station)[PORTS[1]] == "PCB-0002")
    assert bar.field.text() == ""


def test_slot_label_first_then_the_code(
    qtbot: QtBot, window: StationWindow, station: Station
) -> None:
    window.settings = window.settings.replace(scan_target=ScanTarget.SLOT_FIRST)
    station.add_ports(PORTS, start=False)
    qtbot.waitUntil(lambda: len(window.grid.tiles) == 3)
    bar = window.scan_desk.bar
    type_scan(window, "PCB-0005")
    qtbot.waitUntil(lambda: bar.result.text() == "PCB-0005: scan the slot's label first.")
    slot = window.grid.tiles[PORTS[2]].number
    type_scan(window, f"SLOT-{slot}")
    qtbot.waitUntil(lambda: bar.result.text() == f"Slot {slot}: now scan the unit's code.")
    type_scan(window, "PCB-0005")
    qtbot.waitUntil(lambda: codes(station)[PORTS[2]] == "PCB-0005")
    assert codes(station)[PORTS[0]] == ""


def test_keys_typed_slowly_still_pick_a_slot(
    qtbot: QtBot, window: StationWindow, station: Station
) -> None:
    station.add_ports(PORTS, start=False)
    qtbot.waitUntil(lambda: len(window.grid.tiles) == 3)
    tile = window.grid.tile_for_slot(2)
    assert tile is not None
    QTest.keyClick(window, Qt.Key.Key_2)  # a person picking slot 2: handed on after the gap
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tile)
    assert window.scan_desk.idle and window.scan_desk.bar.result.text() == ""
    assert codes(station) == dict.fromkeys(PORTS, "")


@pytest.mark.sim
def test_a_required_scan_starts_the_waiting_port(
    qtbot: QtBot, window: StationWindow, station: Station, tmp_path: Path
) -> None:
    window.settings = window.settings.replace(require_scan=True)
    station.settings = window.settings
    package, password = build_demo_package(
        tmp_path / "pkg", licenses=4, fast_kdf=True, seed=3, firmware_size=16 * 1024
    )
    station.load_package(package, password)
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        station.add_ports(farm.urls, start=True)
        port = farm.urls[0]
        qtbot.waitUntil(lambda: port in window.grid.tiles)
        tile = window.grid.tiles[port]
        qtbot.waitUntil(lambda: tile.step_label.text() == "Scan this unit's code")
        assert tile.state == JobState.WAITING
        type_scan(window, "PCB-0042")
        qtbot.waitUntil(lambda: tile.state == JobState.REMOVE_CHIP, timeout=60_000)
        assert tile.result == JobState.PASSED
        assert tile.code_label.text() == "Code: PCB-0042"


def test_a_scanner_on_a_serial_port_binds_codes_too(
    qtbot: QtBot, window: StationWindow, station: Station
) -> None:
    station.add_ports(PORTS, start=False)
    qtbot.waitUntil(lambda: len(window.grid.tiles) == 3)
    scanner = FakeScanner()
    try:
        reader = window.scan_desk.start_serial(scanner.url)
        conn = scanner.plugged()
        assert reader.connected.wait(10)
        conn.sendall(b"PCB-0009\r\n")
        qtbot.waitUntil(lambda: window.scan_desk.bar.result.text() == "PCB-0009 → slot 1")
        assert codes(station)[PORTS[0]] == "PCB-0009"
        conn.close()
        qtbot.waitUntil(lambda: "went away" in window.scan_desk.bar.result.text())
        assert not window.scan_desk.bar.good
    finally:
        window.scan_desk.remove()
        scanner.close()


def test_space_on_a_focused_button_still_clicks_it(
    qtbot: QtBot, window: StationWindow, station: Station
) -> None:
    """A held key's release is held too: the button gets press, then release, and clicks."""
    station.add_ports(PORTS, start=False)
    qtbot.waitUntil(lambda: len(window.grid.tiles) == 3)
    button = window.grid.tiles[PORTS[0]].action_button
    button.setFocus()
    assert window.focusWidget() is button
    with qtbot.waitSignal(button.clicked, timeout=2000):
        QTest.keyClick(button, Qt.Key.Key_Space)
    assert window.scan_desk.idle and window.scan_desk.bar.result.text() == ""
