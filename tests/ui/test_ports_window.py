"""'Add port…' takes COM names and socket:// / rfc2217:// URLs and refuses nonsense; an empty
window says how many plugged-in serial ports the filter ignores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from prodtool.engine.station import Station
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


@dataclass
class FakePort:
    device: str
    vid: int | None
    pid: int | None


PRESENT = [FakePort("/dev/ttyS0", None, None), FakePort("/dev/ttyACM3", 0x1234, 0x5678)]


@pytest.fixture
def station(monkeypatch: pytest.MonkeyPatch, window: StationWindow) -> Iterator[Station]:
    monkeypatch.setattr("prodtool.engine.port_names.list_ports.comports", lambda: PRESENT)
    with ExitStack() as stack:
        engine = Station(window.paths, window.settings.replace(auto_start=False), comports=list)
        stack.callback(engine.close)
        stack.callback(window.shutdown)
        window.attach(engine)
        yield engine


def answer(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("prodtool.ui.window.QInputDialog.getText", lambda *a, **k: (text, True))


def test_hidden_ports_are_said_when_the_window_is_empty(
    window: StationWindow, station: Station
) -> None:
    assert window.notice.text() == (
        "1 serial port(s) ignored by your filter (Supervisor > Settings): /dev/ttyACM3 (1234:5678)"
    )


def test_add_port_takes_urls_and_refuses_nonsense(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow, station: Station
) -> None:
    answer(monkeypatch, "hello")
    window.add_port_action.trigger()
    assert "hello is not a serial port" in window.notice.text()
    assert station.ports() == []
    answer(monkeypatch, " socket://127.0.0.1:7001 ")
    window.add_port_action.trigger()
    qtbot.waitUntil(lambda: "socket://127.0.0.1:7001" in window.grid.tiles)
    assert [p.port for p in station.ports()] == ["socket://127.0.0.1:7001"]


def test_qa_this_slot_from_a_tile(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow, station: Station
) -> None:
    answer(monkeypatch, "socket://127.0.0.1:7002")
    window.add_port_action.trigger()
    qtbot.waitUntil(lambda: "socket://127.0.0.1:7002" in window.grid.tiles)
    tile = window.grid.tiles["socket://127.0.0.1:7002"]
    qtbot.waitUntil(tile.isVisible)
    label = tile.state_label
    where = label.rect().center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, label.mapToGlobal(where))
    popped: list[object] = []
    monkeypatch.setattr(window.slot_menu.menu, "popup", popped.append)  # offscreen: no popups
    QApplication.sendEvent(label, event)
    assert popped and window.slot_menu.port == "socket://127.0.0.1:7002"
    assert window.slot_menu.qa_action.text() == "QA this slot…"
    window.slot_menu.qa_action.trigger()
    assert window.qa_page.port_box.currentText() == "socket://127.0.0.1:7002"
    window.qa_page.close()
    # the same menu renames or renumbers the slot, behind the supervisor's PIN
    assert window.slot_menu.edit_action.text() == "Rename or renumber this slot…"
    asked: list[str] = []

    def refuse(_parent: object, why: str) -> bool:
        asked.append(why)
        return False

    monkeypatch.setattr(window.supervisor, "authorize", refuse)
    window.slot_menu.edit_action.trigger()
    assert asked == ["Changing a slot"]
    assert "Wrong PIN" in window.notice.history_text()
