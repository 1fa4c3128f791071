"""The window driven by hand-made engine events: tiles, counters, log, notices, language."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from prodtool.flash.events import (
    REASON_TEXT,
    ChipIdentified,
    JobFinished,
    JobState,
    LicenseAssigned,
    LogLine,
    PortAdded,
    PortRemoved,
    Progress,
    Reason,
    StateChanged,
)
from prodtool.ui.package_info import DeliveryKind, Feature, PackageInfo
from prodtool.ui.reasons import EXTRACTED
from prodtool.ui.shift import ShiftStats, licenses_low
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui

PORT = "/dev/ttyUSB3"


def visible_text(root: QWidget) -> str:
    return "\n".join(label.text() for label in root.findChildren(QLabel) if label.isVisible())


def test_reason_table_is_extracted_for_translation() -> None:
    engine = {text for pair in REASON_TEXT.values() for text in pair if text}
    assert {str(text) for text in EXTRACTED} == engine


def test_ports_come_and_go_from_a_worker_thread(qtbot: QtBot, window: StationWindow) -> None:
    def plug() -> None:
        for index in range(4):
            window.bridge.post(PortAdded(port=f"/dev/ttyUSB{index}"))
        window.bridge.post(PortRemoved(port="/dev/ttyUSB1"))

    worker = threading.Thread(target=plug)
    worker.start()
    worker.join()
    qtbot.waitUntil(
        lambda: set(window.grid.tiles) == {"/dev/ttyUSB0", "/dev/ttyUSB2", "/dev/ttyUSB3"}
    )
    assert not window.grid.empty_label.isVisible()


def test_a_tile_follows_its_job_and_says_why_it_failed(qtbot: QtBot, window: StationWindow) -> None:
    post = window.bridge.post
    post(PortAdded(port=PORT))
    qtbot.waitUntil(lambda: PORT in window.grid.tiles)
    tile = window.grid.tiles[PORT]
    assert tile.state_label.text() == "Waiting"
    post(
        StateChanged(port=PORT, state=JobState.WRITING_FIRMWARE, step="Writing firmware at 0x10000")
    )
    post(ChipIdentified(port=PORT, family="esp32c3", mac="84:f7:03:12:34:56", chip_id="1"))
    post(LicenseAssigned(port=PORT, uuid="uuid-0001", reused=False))
    for done in range(0, 101, 5):  # coalesced: the tile sees the newest
        post(Progress(port=PORT, done=done, total=200, phase=JobState.WRITING_FIRMWARE))
    qtbot.waitUntil(lambda: tile.progress.value() == 50)
    assert tile.state_label.text() == "Writing"
    assert "0x10000" in tile.step_label.text()
    assert "84:f7:03:12:34:56" in tile.mac_label.text()
    assert "uuid-0001" in tile.uuid_label.text()
    assert tile.action_button.text() == "Stop"
    post(StateChanged(port=PORT, state=JobState.FAILED))
    post(JobFinished(port=PORT, passed=False, reason=Reason.CABLE_PULLED, seconds=12))
    qtbot.waitUntil(lambda: tile.reason_label.text() != "")
    assert tile.state_label.text() == "FAILED"
    assert "unplugged during the write" in tile.reason_label.text()
    assert tile.action_button.text() == "Retry"
    assert tile.elapsed_label.text() == "12.0 s"  # a quick failure is not "0:00"
    assert window.counters.failed.value.text() == "1"
    assert window.counters.yield_.value.text() == "0.0%"


def test_progress_is_coalesced(qtbot: QtBot, window: StationWindow) -> None:
    seen: list[object] = []
    window.bridge.progressed.connect(seen.append)
    for done in range(1000):
        window.bridge.post(
            Progress(port=PORT, done=done, total=1000, phase=JobState.WRITING_FIRMWARE)
        )
    with qtbot.waitSignal(window.bridge.progressed, timeout=2000):
        pass
    assert len(seen) == 1


def test_log_filters_by_port(qtbot: QtBot, window: StationWindow) -> None:
    for port in ("/dev/ttyUSB0", "/dev/ttyUSB1"):
        window.bridge.post(LogLine(port=port, level="info", text=f"hello from {port}"))
    qtbot.waitUntil(lambda: "ttyUSB1" in window.log_panel.text())
    window.log_panel.show_port("/dev/ttyUSB0")
    assert "hello from /dev/ttyUSB0" in window.log_panel.text()
    assert "hello from /dev/ttyUSB1" not in window.log_panel.text()


def demo_info(left: int = 100) -> PackageInfo:
    return PackageInfo(
        file_name="order.prodpkg",
        delivery=DeliveryKind.AUTHORIZATION_ONLY,
        license_count=left,
        order_number="PO-1",
        pickup_list="PL-7",
        product_name="Smart plug",
        product_id="p1",
        features=(Feature(code="ota", name="OTA", paid=True, required=False),),
        min_firmware_version="1.2.0",
        demo=True,
    )


def test_package_panel_says_what_the_package_cannot_do(window: StationWindow) -> None:
    window.show_package(demo_info())
    text = visible_text(window.package_panel)
    assert "DEMO PACKAGE" in text
    assert "writes no firmware" in text
    assert "PO-1" in text and "PL-7" in text
    assert "OTA (paid, optional)" in text
    assert "DEMO" in window.windowTitle()


def test_licenses_running_out_warns(window: StationWindow) -> None:
    window.show_package(demo_info(200))
    window.set_licenses_left(15)
    assert "Running out" in visible_text(window.package_panel)
    assert window.notice.tone == "warn"
    assert licenses_low(19, 100) and licenses_low(50, 1000) and not licenses_low(150, 1000)


def test_shift_arithmetic() -> None:
    now = [1000.0]
    stats = ShiftStats(clock=lambda: now[0])
    for at in range(10):
        stats.record(True, 1000.0 + at * 60)
    stats.record(False, 1600.0)
    now[0] = 1000.0 + 1800
    assert stats.yield_percent == pytest.approx(100 * 10 / 11)
    assert stats.devices_per_hour() == pytest.approx(20.0)
    size, passes, failures = stats.buckets(24)
    assert size == 120.0 and sum(passes) == 10 and sum(failures) == 1


def test_32_writing_ports_keep_the_window_responsive(qtbot: QtBot, window: StationWindow) -> None:
    ports = [f"/dev/ttyUSB{index}" for index in range(32)]
    for port in ports:
        window.bridge.post(PortAdded(port=port))
        window.bridge.post(StateChanged(port=port, state=JobState.WRITING_FIRMWARE))
    qtbot.waitUntil(lambda: len(window.grid.tiles) == 32)
    updates: list[object] = []
    window.bridge.progressed.connect(updates.append)
    stop = threading.Event()

    def flood(chunk: list[str]) -> None:  # each port reports a block every millisecond or so
        done = 0
        while not stop.wait(0.001):
            done = (done + 1) % 1000
            for port in chunk:
                window.bridge.post(
                    Progress(port=port, done=done, total=1000, phase=JobState.WRITING_FIRMWARE)
                )

    workers = [threading.Thread(target=flood, args=(ports[i::4],)) for i in range(4)]
    for worker in workers:
        worker.start()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    started = time.monotonic()
    timer.start()
    try:
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=3000)  # 1 s of ticks, late by < 2 s
    finally:
        timer.stop()
        stop.set()
        for worker in workers:
            worker.join()
    elapsed = time.monotonic() - started
    assert max(b - a for a, b in itertools.pairwise([started, *ticks])) < 0.5
    assert len(updates) <= 32 * (elapsed / 0.1 + 2)  # coalesced to about ten a second
    assert all(0 < tile.progress.value() < 100 for tile in window.grid.tiles.values())
