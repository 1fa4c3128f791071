"""The window at a jig: fixed slots, true tiles, the keyboard, and asking before a stop."""

from __future__ import annotations

from typing import Any, cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from prodtool.engine.station import Station
from prodtool.flash.events import (
    ChipIdentified,
    JobFinished,
    JobState,
    LicenseAssigned,
    PortAdded,
    PortEvent,
    PortRemoved,
    Reason,
    StateChanged,
)
from prodtool.settings import Settings
from prodtool.ui.port_grid import best_fit
from prodtool.ui.window import Running, StationWindow

pytestmark = pytest.mark.gui

PORTS = [f"/dev/ttyUSB{index}" for index in range(4)]


class FakeStation:
    """What the window asks of a station here: it records the verbs."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.settings = Settings()
        self.auto_start = True

    def __getattr__(self, verb: str) -> Any:
        if verb not in {"start", "retry", "cancel"}:
            raise AttributeError(verb)

        def call(port: str) -> bool:
            self.calls.append((verb, port))
            return True

        return call

    def location(self, port: str) -> str:
        return f"1-1.{port[-1]}:1.0"

    def set_auto_start(self, on: bool) -> None:
        self.auto_start = on

    def why_not_start(self, port: str) -> str:
        return ""

    def stop(self) -> None:
        pass


def feed(qtbot: QtBot, window: StationWindow, events: list[PortEvent]) -> None:
    for event in feed_all(window, events):
        window.bridge.post(event)
    window.bridge.flush()
    # a tile placed in the grid shows at the next turn of the event loop
    qtbot.waitUntil(lambda: all(t.isVisible() for t in window.grid.tiles.values()))


def attach(window: StationWindow) -> FakeStation:
    fake = FakeStation()
    window.station = cast(Station, fake)
    return fake


def feed_all(window: StationWindow, events: list[PortEvent]) -> list[PortEvent]:
    out: list[PortEvent] = []
    for event in events:
        out.append(event)
        if isinstance(event, JobFinished):
            out.append(StateChanged(port=event.port, state=JobState.REMOVE_CHIP))
    return out


def writing(port: str) -> list[PortEvent]:
    return [
        StateChanged(port=port, state=JobState.CONNECTING),
        ChipIdentified(port=port, family="esp32c3", mac="84:f7:03:00:00:01", chip_id="x"),
        LicenseAssigned(port=port, uuid="uuid-0001", reused=False),
        StateChanged(port=port, state=JobState.WRITING_FIRMWARE, step="writing"),
    ]


def test_slots_keep_their_places_and_numbers(qtbot: QtBot, window: StationWindow) -> None:
    attach(window)
    feed(qtbot, window, [PortAdded(port=port) for port in reversed(PORTS)])
    assert [window.grid.tiles[p].number for p in PORTS] == [1, 2, 3, 4]
    feed(qtbot, window, [PortRemoved(port=PORTS[1])])
    assert 2 in window.grid.empty_slots  # slot 2 keeps its place, empty
    place = window.grid._grid.getItemPosition(
        window.grid._grid.indexOf(window.grid.tiles[PORTS[2]])
    )
    feed(qtbot, window, [PortAdded(port=PORTS[1])])  # replugged in the same USB port
    assert window.grid.tiles[PORTS[1]].number == 2 and not window.grid.empty_slots
    grid = window.grid._grid
    assert grid.getItemPosition(grid.indexOf(window.grid.tiles[PORTS[2]])) == place
    assert window.slot_book is not None
    assert {e.key for e in window.slot_book.entries()} == {f"usb:1-1.{i}:1.0" for i in range(4)}


def test_32_slots_fit_1920x1080_and_16_fit_1366x768() -> None:
    # the grid's area in those windows (measured in the screenshots): no scrolling
    columns, width, height = best_fit(32, 1620, 770)
    assert columns * -(-770 // height) >= 32 or -(-32 // columns) * height <= 770
    assert -(-32 // columns) * height <= 770 and columns * width <= 1620
    columns, width, height = best_fit(16, 1070, 450)
    assert -(-16 // columns) * height <= 450 and columns * width <= 1070


def test_a_failed_tile_shows_only_what_is_true(qtbot: QtBot, window: StationWindow) -> None:
    port = PORTS[0]
    feed(qtbot, window, [PortAdded(port=port), *writing(port)])
    tile = window.grid.tiles[port]
    assert "uuid-0001" in tile.uuid_label.text()
    feed(qtbot, window, [JobFinished(port=port, passed=False, reason=Reason.CABLE_PULLED)])
    assert "uuid-0001" not in tile.uuid_label.text()  # released: never shown as held
    assert "uuid-0001" not in tile.toolTip()
    assert tile.reason_label.text().count("\n") == 1  # what happened, then one instruction
    assert "Remove" not in tile.reason_label.text() and not tile.step_label.isVisible()

    feed(qtbot, window, [*writing(port)[:3]])
    feed(
        qtbot,
        window,
        [
            JobFinished(
                port=port,
                passed=False,
                reason=Reason.HOLDS_OTHER_LICENSE,
                detail="the chip holds uuid-other-9",
            )
        ],
    )
    assert "uuid-other-9" in tile.uuid_label.text() and "uuid-0001" not in tile.uuid_label.text()

    feed(qtbot, window, [StateChanged(port=port, state=JobState.CONNECTING)])
    feed(
        qtbot,
        window,
        [
            JobFinished(
                port=port,
                passed=False,
                reason=Reason.WRONG_CHIP,
                detail="this chip is ESP32-S3, not esp32c3",
            )
        ],
    )
    assert "found ESP32-S3" in tile.reason_label.text()
    assert tile.family_label.text() == "ESP32-S3"


def test_a_stopped_write_says_half_written(qtbot: QtBot, window: StationWindow) -> None:
    port = PORTS[0]
    feed(qtbot, window, [PortAdded(port=port), *writing(port)])
    feed(qtbot, window, [JobFinished(port=port, passed=False, reason=Reason.CANCELLED)])
    tile = window.grid.tiles[port]
    assert "half-written" in tile.reason_label.text()
    assert tile.action_button.text() == "Retry"


def test_a_retry_keeps_the_first_failures_bundle(qtbot: QtBot, window: StationWindow) -> None:
    port = PORTS[0]
    feed(qtbot, window, [PortAdded(port=port), *writing(port)])
    feed(qtbot, window, [JobFinished(port=port, job_id="j1", passed=False, reason=Reason.NO_SHELL)])
    feed(
        qtbot,
        window,
        [*writing(port), JobFinished(port=port, job_id="j2", passed=True, reason=Reason.OK)],
    )
    tile = window.grid.tiles[port]
    assert tile.failed_job_id == "j1", tile.failed_job_id
    assert tile.support_button.isVisible()
    window.grid.support_requested.disconnect(window.choose_bundle)  # no file dialog here
    with qtbot.waitSignal(window.grid.support_requested) as asked:
        tile.support_button.click()
    assert asked.args == [port, "j1"]
    assert tile.action_button.text() == "Next"  # a pass: the next module


def test_stop_mid_write_asks_first(
    qtbot: QtBot, window: StationWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = attach(window)
    feed(qtbot, window, [PortAdded(port=PORTS[0]), *writing(PORTS[0])])
    answers = [Running.FINISH, Running.STOP]
    monkeypatch.setattr(
        StationWindow, "ask_running", lambda *_a, **_k: answers.pop(0) if answers else Running.STOP
    )
    tile = window.grid.tiles[PORTS[0]]
    tile.action_button.click()
    assert fake.calls == []  # "let it finish"
    tile.action_button.click()
    assert fake.calls == [("cancel", PORTS[0])]


def test_closing_while_writing_finishes_first(
    qtbot: QtBot, window: StationWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = attach(window)
    feed(qtbot, window, [PortAdded(port=port) for port in PORTS])
    feed(qtbot, window, writing(PORTS[0]))
    asked: list[int] = []

    def ask(_self: StationWindow, count: int, *, quitting: bool) -> Running:
        asked.append(count)
        return Running.FINISH

    monkeypatch.setattr(StationWindow, "ask_running", ask)
    assert not window.close()  # still open: the chip is finishing
    assert asked == [1] and window.isVisible() and not fake.auto_start
    window.start_all_waiting()
    assert fake.calls == []  # nothing new starts while quitting
    feed(qtbot, window, [JobFinished(port=PORTS[0], passed=True, reason=Reason.OK)])
    qtbot.waitUntil(lambda: not window.isVisible())


def test_start_all_waiting_retry_all_failed_and_the_keyboard(
    qtbot: QtBot, window: StationWindow
) -> None:
    fake = attach(window)
    feed(qtbot, window, [PortAdded(port=port) for port in PORTS])
    feed(qtbot, window, writing(PORTS[1]))
    feed(qtbot, window, [JobFinished(port=PORTS[1], passed=False, reason=Reason.NO_ANSWER)])
    assert "slot 2" in window.attention.text()
    window.start_all_waiting()
    assert fake.calls == [("start", PORTS[0]), ("start", PORTS[2]), ("start", PORTS[3])]
    fake.calls.clear()
    window.retry_all_failed()
    assert fake.calls == [("retry", PORTS[1])]
    fake.calls.clear()
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_4)  # handed on once it is clearly not a scan (80 ms)
    qtbot.waitUntil(lambda: window.focusWidget() is window.grid.tiles[PORTS[3]])
    QTest.keyClick(window.grid.tiles[PORTS[3]], Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: fake.calls == [("start", PORTS[3])])


def test_notices_do_not_move_the_slots(qtbot: QtBot, window: StationWindow) -> None:
    feed(qtbot, window, [PortAdded(port=PORTS[0])])
    tile = window.grid.tiles[PORTS[0]]
    before = tile.mapTo(window, tile.rect().topLeft())
    window.notice.say("A long error\nwith a hint on a second line", "error")
    qtbot.waitUntil(window.notice.isVisible)
    assert tile.mapTo(window, tile.rect().topLeft()) == before
    window.notice.close_button.click()
    qtbot.waitUntil(lambda: not window.notice.isVisible())
    assert "A long error" in window.notice.history_text()


def test_start_without_a_package_says_why(qtbot: QtBot, window: StationWindow) -> None:
    station = Station(window.paths, window.settings.replace(job_processes=0), comports=list)
    try:
        window.attach(station)
        station.add_ports(["socket://127.0.0.1:9"], start=False)
        qtbot.waitUntil(lambda: "socket://127.0.0.1:9" in window.grid.tiles)
        tile = window.grid.tiles["socket://127.0.0.1:9"]
        assert tile.action_button.text() == "Start"
        tile.action_button.click()
        assert "no package is loaded" in window.notice.text()
    finally:
        window.shutdown()
        station.close()
