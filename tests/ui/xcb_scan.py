"""Child process of test_xcb_scan.py: the window on a real X server (xcb), scans typed as key
events through the window system (`QTest.keyClick` on the window's `QWindow`, which takes the
path a keyboard's events take: to the window's focus widget, through the application's
filters). Prints one JSON line of what the station and the scan bar ended with.

Usage: python -m tests.ui.xcb_scan DATA_DIR CODE [CODE...]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from prodtool.engine.station import Station
from prodtool.paths import station_paths
from prodtool.settings import Settings
from prodtool.ui.app import application, build_window

PORTS = ["socket://127.0.0.1:9001", "socket://127.0.0.1:9002", "socket://127.0.0.1:9003"]
TIMEOUT_MS = 20_000


def wait_for(condition: Callable[[], bool], timeout_ms: int) -> bool:
    """Run the event loop until `condition` holds (True) or the time is up (False)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(10)  # the event loop runs meanwhile: the bridge delivers the station's news
    return True


def type_on(window: object, text: str) -> None:
    """A keyboard-wedge scanner: each character as a key press and release, then Enter."""
    handle = window.windowHandle()  # type: ignore[attr-defined]
    for char in text:
        QTest.keyClick(handle, ord(char))
    QTest.keyClick(handle, Qt.Key.Key_Return)


def main(argv: list[str]) -> int:
    app = application()
    paths = station_paths(Path(argv[0])).ensure()
    settings = Settings(code_pattern=r"PCB-\d{4}", job_processes=0)
    window = build_window(paths, settings, language="en")
    window.show()
    if not QTest.qWaitForWindowExposed(window, TIMEOUT_MS):
        print("window not exposed", file=sys.stderr)
        return 1
    print(f"window open ({QGuiApplication.platformName()})", flush=True)
    station = Station(paths, settings)
    try:
        window.attach(station)
        station.add_ports(PORTS, start=False)
        if not wait_for(lambda: len(window.grid.tiles) == len(PORTS), TIMEOUT_MS):
            return 1
        said: list[str] = []
        for code in argv[1:]:
            type_on(window, code)
            if not wait_for(lambda: window.scan_desk.idle and not window.busy(), TIMEOUT_MS):
                return 1
            said.append(window.scan_desk.bar.result.text())
        bound = {p.port: p.code for p in station.ports() if p.code}
        shown = lambda: all(  # noqa: E731
            window.grid.tiles[port].code_label.text() == f"Code: {code}"
            for port, code in bound.items()
        )
        wait_for(shown, TIMEOUT_MS)
        result = {
            "platform": QGuiApplication.platformName(),
            "codes": {p.port: p.code for p in station.ports()},
            "tiles": {p: t.code_label.text() for p, t in window.grid.tiles.items()},
            "said": said,
        }
        print(json.dumps(result), flush=True)
    finally:
        window.shutdown()
        station.close()
        window.close()
        app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
