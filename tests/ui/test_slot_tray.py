"""The tray: with fixed slots a new adapter waits under the slots, nothing starts on it, and a
supervisor assigns it to a slot (the slot's own adapter then waits in the tray). No tile moves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QInputDialog, QWidget
from pytestqt.qtbot import QtBot

from prodtool.engine.slots import SlotBook
from prodtool.engine.station import Station
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


@dataclass
class Plugged:
    """What pyserial's port list says of one adapter."""

    device: str
    location: str
    description: str = "USB-Serial"
    vid: int | None = 0x1A86
    pid: int | None = 0x7523


def usb(index: int) -> Plugged:
    return Plugged(f"/dev/ttyUSB{index}", f"1-1.{index + 1}:1.0")


@pytest.fixture
def plugged() -> list[Plugged]:
    return [usb(0), usb(1)]


@pytest.fixture
def station(
    window: StationWindow, plugged: list[Plugged], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Station]:
    engine = Station(
        window.paths,
        window.settings.replace(job_processes=0, auto_start=True),
        comports=lambda: list(plugged),
    )
    monkeypatch.setattr(window.supervisor, "authorize", lambda *_a: True)
    try:
        window.attach(engine)
        yield engine
    finally:
        window.shutdown()
        engine.close()


def place(window: StationWindow, port: str) -> object:
    """(row, column, rows, columns) of `port`'s tile in the grid."""
    grid = window.grid._grid
    return grid.getItemPosition(grid.indexOf(window.grid.tiles[port]))


def scan(qtbot: QtBot, window: StationWindow, station: Station, done: Callable[[], bool]) -> None:
    station.scan_ports()
    qtbot.waitUntil(done)


def test_new_adapters_wait_in_the_tray_and_are_assigned_by_a_supervisor(
    qtbot: QtBot,
    window: StationWindow,
    station: Station,
    plugged: list[Plugged],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scan(qtbot, window, station, lambda: len(window.grid.tiles) == 2)
    assert not window.tray.isVisible()  # slots not fixed, nothing waits: no strip
    window.fix_slots_action.trigger()
    assert window.fix_slots_action.isChecked() and window.tray.isVisible()
    assert SlotBook(window.paths.root / "slots.json").fixed  # kept for the next start
    second = place(window, usb(1).device)

    plugged.append(usb(2))
    scan(qtbot, window, station, lambda: usb(2).device in window.tray.buttons)
    assert usb(2).device not in window.grid.tiles and window.grid.slot_count() == 2
    assert "ttyUSB2 · 1-1.3:1.0" in window.tray.buttons[usb(2).device].text()
    assert "not assigned to a slot" in station.why_not_start(usb(2).device)
    assert not station.start(usb(2).device)

    # slot 1's adapter died; the supervisor gives its place to the new one
    del plugged[0]
    scan(qtbot, window, station, lambda: 1 in window.grid.empty_slots)
    asked: list[int] = []

    def get_int(
        _parent: QWidget, _title: str, _label: str, value: int, *_a: int
    ) -> tuple[int, bool]:
        asked.append(value)
        return value, True

    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(get_int))
    window.tray.buttons[usb(2).device].click()
    assert asked == [1]  # the empty slot is offered first
    assert window.grid.tiles[usb(2).device].number == 1
    assert place(window, usb(2).device) == (0, 0, 1, 1) and not window.grid.empty_slots
    assert place(window, usb(1).device) == second  # the other tile did not move
    assert not window.tray.buttons and window.tray.isVisible()  # fixed: the strip stays
    assert "no package is loaded" in window.notice.text()  # auto-start tried it, as a slot

    # the dead adapter, replugged, has lost its slot: it waits in the tray
    plugged.insert(0, usb(0))
    scan(qtbot, window, station, lambda: usb(0).device in window.tray.buttons)
    assert usb(0).device not in window.grid.tiles

    # assigning it to slot 2 sends slot 2's adapter to the tray in its place
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *_a: (2, True)))
    window.tray.buttons[usb(0).device].click()
    assert window.grid.tiles[usb(0).device].number == 2
    assert place(window, usb(0).device) == second
    assert list(window.tray.buttons) == [usb(1).device]
    book = SlotBook(window.paths.root / "slots.json")
    assert [(e.key, e.number) for e in book.entries()] == [
        ("usb:1-1.3:1.0", 1),
        ("usb:1-1.1:1.0", 2),
    ]
    assert book.in_tray("usb:1-1.2:1.0")


def test_a_slots_adapter_is_sent_to_the_tray_and_its_place_stays(
    qtbot: QtBot, window: StationWindow, station: Station, plugged: list[Plugged]
) -> None:
    scan(qtbot, window, station, lambda: len(window.grid.tiles) == 2)
    first = usb(0).device
    window.send_to_tray(first)
    assert first in window.tray.buttons and first not in window.grid.tiles
    assert 1 in window.grid.empty_slots  # slot 1's place stays, empty
    assert "not assigned to a slot" in station.why_not_start(first)
    window.start_all_waiting()  # the tray's adapter is no slot: nothing starts on it
    assert first in window.tray.buttons
    del plugged[0]  # unplugged: it leaves the tray
    scan(qtbot, window, station, lambda: first not in window.tray.buttons)
    plugged.insert(0, usb(0))  # plugged in again: back to the tray (the book says so)
    scan(qtbot, window, station, lambda: first in window.tray.buttons)
    assert first not in window.grid.tiles and 1 in window.grid.empty_slots


def test_a_wrong_pin_leaves_the_slots_open(
    qtbot: QtBot, window: StationWindow, station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(window.supervisor, "authorize", lambda *_a: False)
    window.fix_slots_action.trigger()
    assert not window.fix_slots_action.isChecked()
    assert window.slot_book is not None and not window.slot_book.fixed
    assert "not changed" in window.notice.text()
