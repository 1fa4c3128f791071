"""The window takes engine events in batches: one log update, one redraw per tile, counters once.

Events are posted from a worker thread that ends before the test lets the event loop run again,
so they all wait in the bridge and go over as one batch, as 32 ports changing state together do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, cast

import pytest
from pytestqt.qtbot import QtBot

from prodtool.engine.station import Station, Summary
from prodtool.flash.events import (
    ChipIdentified,
    JobFinished,
    JobState,
    LicenseAssigned,
    LogLine,
    PortAdded,
    PortEvent,
    Progress,
    Reason,
    StateChanged,
)
from prodtool.ui import bridge as bridge_module
from prodtool.ui.bridge import EventBatch, StationBridge
from prodtool.ui.port_tile import PortTile
from prodtool.ui.states import LOOKS, Look
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui

PORTS = [f"/dev/ttyUSB{index}" for index in range(4)]


def post_from_worker(bridge: StationBridge, events: Sequence[PortEvent]) -> None:
    """Post `events` from another thread and wait for it: they are all queued when this returns
    (the GUI thread has not run its event loop in between)."""

    def post_all() -> None:
        for event in events:
            bridge.post(event)

    worker = threading.Thread(target=post_all)
    worker.start()
    worker.join()


def batches_of(bridge: StationBridge) -> list[EventBatch]:
    seen: list[EventBatch] = []
    bridge.listen(seen.append)
    return seen


def add_ports(qtbot: QtBot, window: StationWindow, state: JobState | None = None) -> None:
    events: list[PortEvent] = [PortAdded(port=port) for port in PORTS]
    if state is not None:
        events += [StateChanged(port=port, state=state) for port in PORTS]
    post_from_worker(window.bridge, events)
    qtbot.waitUntil(lambda: set(window.grid.tiles) == set(PORTS))


def counting(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[Any]:
    """Replace `owner.name` by a wrapper that records the last positional argument of every call
    (the tile, for a method patched on the class; the batch's lines for `add_lines`)."""
    original: Callable[..., Any] = getattr(owner, name)
    calls: list[Any] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[-1] if args else None)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def test_state_changes_reach_the_log_as_one_update_in_order(
    qtbot: QtBot, window: StationWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_ports(qtbot, window)
    updates = counting(monkeypatch, window.log_panel, "add_lines")
    events: list[PortEvent] = []
    for step in range(3):
        for port in PORTS:
            events.append(
                StateChanged(port=port, state=JobState.WRITING_FIRMWARE, step=f"block {step}")
            )
            events.append(LogLine(port=port, level="info", text=f"engine says {step}"))
    post_from_worker(window.bridge, events)
    qtbot.waitUntil(lambda: len(updates) > 0)
    assert len(updates) == 1  # 24 events, one update of the log panel
    texts = [line.text for line in updates[0]]
    expected = [
        text
        for step in range(3)
        for _port in PORTS
        for text in (f"Writing: block {step}", f"engine says {step}")
    ]
    assert texts == expected
    assert [line.port for line in updates[0]] == [
        port for _ in range(3) for port in PORTS for _ in "ab"
    ]
    shown = [row for row in window.log_panel.text().splitlines() if "block" in row or "says" in row]
    assert [row.endswith(text) for row, text in zip(shown, expected, strict=True)] == [True] * 24


def test_progress_coalesces_to_the_newest_per_port(
    qtbot: QtBot, window: StationWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_ports(qtbot, window, JobState.WRITING_FIRMWARE)
    batches = batches_of(window.bridge)
    events: list[PortEvent] = [
        Progress(port=port, done=done, total=1000, phase=JobState.WRITING_FIRMWARE)
        for done in range(0, 500, 5)
        for port in PORTS
    ]
    events += [
        Progress(port=port, done=100 * (1 + index), total=1000, phase=JobState.WRITING_FIRMWARE)
        for index, port in enumerate(PORTS)
    ]
    post_from_worker(window.bridge, events)
    qtbot.waitUntil(lambda: any(batch.progress for batch in batches), timeout=2000)
    progress = [event for batch in batches for event in batch.progress]
    assert sorted((event.port, event.done) for event in progress) == [
        (port, 100 * (1 + index)) for index, port in enumerate(PORTS)
    ]
    assert [window.grid.tiles[port].progress.value() for port in PORTS] == [10, 20, 30, 40]


def test_a_tile_redraws_once_per_batch(
    qtbot: QtBot, window: StationWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_ports(qtbot, window)
    tile = window.grid.tiles[PORTS[0]]
    redrawn = counting(monkeypatch, PortTile, "redraw")
    post_from_worker(
        window.bridge,
        [
            StateChanged(port=PORTS[0], state=JobState.CONNECTING),
            StateChanged(port=PORTS[0], state=JobState.IDENTIFYING),
            ChipIdentified(port=PORTS[0], family="esp32c3", mac="84:f7:03:00:00:01", chip_id="1"),
            LicenseAssigned(port=PORTS[0], uuid="uuid-0001", reused=False),
            StateChanged(port=PORTS[0], state=JobState.WRITING_FIRMWARE, step="Writing firmware"),
            StateChanged(port=PORTS[1], state=JobState.CONNECTING),
        ],
    )
    qtbot.waitUntil(lambda: tile.state_label.text() == "Writing")
    assert sorted(redrawn.count(t) for t in (tile, window.grid.tiles[PORTS[1]])) == [1, 1]
    assert len(redrawn) == 2  # the other tiles had nothing new
    assert tile.step_label.text() == "Writing firmware"
    assert "84:f7:03:00:00:01" in tile.mac_label.text()
    assert "uuid-0001" in tile.uuid_label.text()
    assert tile.action_button.text() == "Stop"


def test_a_new_state_colours_the_card_not_the_whole_tile(
    qtbot: QtBot, window: StationWindow
) -> None:
    add_ports(qtbot, window)
    tile = window.grid.tiles[PORTS[0]]
    own_style = tile.styleSheet()

    def card_shows(look: Look) -> Callable[[], bool]:
        return lambda: look.background in tile.card.styleSheet()

    for state in (JobState.WRITING_FIRMWARE, JobState.PASSED):
        post_from_worker(window.bridge, [StateChanged(port=PORTS[0], state=state)])
        qtbot.waitUntil(card_shows(LOOKS[state]))
        assert LOOKS[state].border in tile.card.styleSheet()
        assert tile.styleSheet() == own_style  # its labels and buttons are not re-polished
    assert LOOKS[JobState.PASSED].border in tile.state_label.styleSheet()


def test_ports_plugged_together_are_laid_out_once(
    qtbot: QtBot, window: StationWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts: list[bool] = []
    relayout = window.grid.relayout

    def counted(force: bool = False) -> None:
        if force:  # a resize may ask too; that one does nothing unless the columns change
            layouts.append(force)
        relayout(force)

    monkeypatch.setattr(window.grid, "relayout", counted)
    ports = [f"/dev/ttyUSB{index}" for index in (10, 2, 1, 3, 0)]
    post_from_worker(window.bridge, [PortAdded(port=port) for port in ports])
    qtbot.waitUntil(lambda: len(window.grid.tiles) == len(ports))
    assert len(layouts) == 1
    grid = window.grid
    placed = []
    for index in range(len(ports)):
        item = grid._grid.itemAtPosition(index // grid._columns, index % grid._columns)
        assert item is not None
        placed.append(cast(PortTile, item.widget()).port)
    assert placed == sorted(ports, key=lambda port: int(port.removeprefix("/dev/ttyUSB")))


class FakeStation:
    """What the window asks a station on its timer; counts the ledger queries."""

    def __init__(self) -> None:
        self.summaries = 0
        self.lock = threading.Lock()

    def summary(self) -> Summary:
        with self.lock:
            self.summaries += 1
        return Summary(
            passed=0, failed=0, running=0, devices_per_hour=0.0, licenses_left=None, elapsed_s=0.0
        )

    def stop(self) -> None:
        pass

    def location(self, port: str) -> str:
        return ""


def test_counters_count_per_batch_and_the_rest_waits_for_the_timer(
    qtbot: QtBot, window: StationWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeStation()
    window.station = cast(Station, fake)
    add_ports(qtbot, window, JobState.WRITING_FIRMWARE)
    counts = counting(monkeypatch, window.counters, "refresh_counts")
    full = counting(monkeypatch, window.counters, "refresh")
    window._timer.stop()  # the once-a-second tick runs when the test says so
    window._summary_due = False
    finished: list[PortEvent] = []
    for round_ in range(3):
        for index, port in enumerate(PORTS):
            mac = f"84:f7:03:00:{round_:02x}:{index:02x}"  # twelve devices
            finished.append(
                JobFinished(port=port, passed=True, reason=Reason.OK, seconds=4, mac=mac)
            )
    finished.append(JobFinished(port=PORTS[0], passed=False, reason=Reason.CABLE_PULLED, seconds=1))
    post_from_worker(window.bridge, finished)
    qtbot.waitUntil(lambda: window.counters.passed.value.text() == "12")
    assert len(counts) == 1  # thirteen finished jobs, the counts refreshed once
    assert window.counters.failed.value.text() == "1"
    assert full == []  # the rate and the chart wait for the window's tick
    assert fake.summaries == 0  # and so does the ledger
    window._timer.start()
    qtbot.waitUntil(lambda: len(full) >= 1, timeout=3000)
    qtbot.waitUntil(lambda: fake.summaries >= 1 and not window.busy(), timeout=3000)
    assert fake.summaries == 1
    assert window.counters.rate.value.text() != ""


def test_the_bridge_keeps_order_across_batches_in_a_flood(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bridge_module, "MAX_BATCH", 7)
    bridge = StationBridge()
    batches = batches_of(bridge)
    events = [
        StateChanged(port=PORTS[i % 4], state=JobState.CONNECTING, step=str(i)) for i in range(30)
    ]
    post_from_worker(bridge, events)
    qtbot.waitUntil(lambda: sum(len(batch.events) for batch in batches) == 30)
    assert [event for batch in batches for event in batch.events] == events
    assert max(len(batch.events) for batch in batches) == 7
    bridge.stop()


def test_events_posted_on_the_gui_thread_go_over_together(qtbot: QtBot) -> None:
    bridge = StationBridge()
    batches = batches_of(bridge)
    events = [StateChanged(port=port, state=JobState.CONNECTING) for port in PORTS]
    for event in events:
        bridge.post(event)
    assert batches == []  # not during the post: at the next turn of the event loop
    qtbot.waitUntil(lambda: bool(batches))
    assert [batch.events for batch in batches] == [tuple(events)]
    bridge.stop()
