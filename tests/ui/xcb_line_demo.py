"""Child process of test_xcb_line_demo.py: the whole line on simulated chips, in the window on a
real X server. The operator signs in with a badge and the units' codes are scanned, both typed
as key events through the window system; the chips get their licenses and serial numbers
(written and read back by a stand-in device tool); labels go to the CUPS printer; the shift
report is exported from the window; the MES outbox is flushed. Prints one JSON line.

Usage: python -m tests.ui.xcb_line_demo DATA_DIR OUT_DIR MES_URL PRINTER WRITE_CMD READ_CMD
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from prodtool.engine.demo import build_demo_package
from prodtool.engine.operators import operator_book
from prodtool.engine.station import Station
from prodtool.flash.events import JobState
from prodtool.paths import station_paths
from prodtool.settings import Settings
from prodtool.sim import ChipFarm
from prodtool.ui.app import application, build_window

UNITS = 3
BADGE = "BADGE-00417"
TIMEOUT_MS = 60_000  # per step; the parent allows the whole run more


class StepTimeoutError(Exception):
    """A step's condition did not hold in time; the message names the step."""


def step(name: str, condition: Callable[[], bool], timeout_ms: int = TIMEOUT_MS) -> None:
    """Run the event loop until `condition` holds, or raise naming the step. Each step is
    printed as it starts, so a parent that has to kill this process still sees how far it got."""
    print(f"step: {name}", flush=True)
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise StepTimeoutError(name)
        QTest.qWait(20)


def type_on(widget: QWidget, text: str) -> None:
    """A keyboard-wedge scanner: each character a key press and release, then Enter, through
    the window system to whatever has the focus in `widget`'s window."""
    handle = widget.windowHandle()
    for char in text:
        QTest.keyClick(handle, ord(char))
    QTest.keyClick(handle, Qt.Key.Key_Return)


def type_into_dialog(text: str, deadline: float) -> None:
    """Type `text` into the modal dialog once it is on screen, re-checked every 20 ms from the
    dialog's own event loop; past the deadline the dialog is rejected so that the step after
    it fails with a reason instead of the dialog waiting forever."""
    dialog = QApplication.activeModalWidget()
    handle = dialog.windowHandle() if dialog is not None else None
    if dialog is not None and handle is not None and handle.isExposed():
        type_on(dialog, text)
    elif time.monotonic() > deadline:
        if dialog is not None:
            dialog.close()
    else:
        QTimer.singleShot(20, lambda: type_into_dialog(text, deadline))


def main(argv: list[str]) -> int:
    data_dir, out_dir, mes_url, printer, write_cmd, read_cmd = argv
    app = application()
    paths = station_paths(Path(data_dir)).ensure()
    operator_book(paths.root).add("Ana", badge=BADGE)
    settings = Settings(
        require_scan=True,
        code_pattern=r"UNIT-\d{4}",
        serial_write_command=write_cmd,
        serial_read_command=read_cmd,
        label_enabled=True,
        label_printer=printer,
        mes_url=mes_url,
        job_processes=0,
    )
    window = build_window(paths, settings, language="en")
    window.show()
    if not QTest.qWaitForWindowExposed(window, TIMEOUT_MS):
        print(json.dumps({"failed_at": "window exposed"}), flush=True)
        return 1
    print(f"window open ({QGuiApplication.platformName()})", flush=True)
    package, password = build_demo_package(
        Path(out_dir) / "pkg", licenses=8, fast_kdf=True, seed=19, firmware_size=16 * 1024
    )
    station = Station(paths, window.settings)
    result: dict[str, object] = {"platform": QGuiApplication.platformName()}
    try:
        window.attach(station)
        # the operator signs in: the badge, scanned into the sign-in dialog
        type_into_dialog(BADGE, time.monotonic() + TIMEOUT_MS / 1000)
        window.operator_action.trigger()  # runs the dialog until the badge is read
        result["operator"] = window.settings.operator
        step("operator signed in", lambda: not window.busy() and station.settings.operator == "Ana")
        station.load_package(package, password)
        station.set_serial_counter("PLUG-{n:06}", 1)
        with ChipFarm(count=UNITS, family="esp32c3", transport="socket") as farm:
            station.add_ports(farm.urls, start=True)
            tiles = window.grid.tiles
            step(
                "every port waits for a scan",
                lambda: len(tiles) == UNITS and all(p.waiting_for_scan for p in station.ports()),
            )
            said: list[str] = []
            for code in ("UNIT-0001", "UNIT-1", "UNIT-0002", "UNIT-0001", "UNIT-0003"):
                type_on(window, code)
                step(f"scan {code}", lambda: window.scan_desk.idle and not window.busy())
                said.append(window.scan_desk.bar.result.text())
            result["said"] = said
            done = lambda: all(  # noqa: E731
                t.state == JobState.REMOVE_CHIP and t.result == JobState.PASSED
                for t in tiles.values()
            )
            step("every chip passed", done)
            result["tile_codes"] = sorted(t.code_label.text() for t in tiles.values())
            held = [chip.read_credentials() for chip in farm.chips]
            result["authkeys"] = [pair[1] for pair in held if pair]  # for the secret check
        for name in ("shift.csv", "shift.pdf"):
            window.line_ui.export_shift_report(Path(out_dir) / name)
            step(f"export {name}", lambda: not window.busy())
        result["notice"] = window.notice.text()
        outbox = station.mes
        result["mes_flushed"] = outbox is not None and outbox.flush(30)
    except StepTimeoutError as failed:
        result["failed_at"] = str(failed)
        result["tiles"] = {
            p: [t.state.value, t.result.value if t.result else None]
            for p, t in window.grid.tiles.items()
        }
        result["notice"] = window.notice.text()
        result["scan_said"] = window.scan_desk.bar.result.text()
        result["operator_now"] = station.settings.operator
        result["modal"] = type(QApplication.activeModalWidget()).__name__
        print(json.dumps(result), flush=True)
        return 1
    finally:
        window.shutdown()
        station.close()  # prints the labels still queued
        window.close()
        app.processEvents()
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
