"""Render screenshots of the station window into docs/screenshots/ (`make screenshots`).

Runs the real window on simulated chips, offscreen, at 1400x900: the empty window, the demo
while it writes (tiles in several states), a failure with its reason and log, and the same
window in Simplified Chinese. Faults are injected on some chips so that every state shows.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from prodtool.flash.events import JobState
from prodtool.sim import ChipFarm, parse_fault
from prodtool.paths import station_paths
from prodtool.settings import Settings
from prodtool.ui.app import application, build_window
from prodtool.ui.demo import start_demo
from prodtool.ui.window import StationWindow

OUT = Path(__file__).resolve().parent / "screenshots"
SIZE = (1400, 900)
FAULTS = {
    2: ["unplug@block=6"],  # cable pulled mid-write: fails, then passes on retry
    5: ["wrong-chip=esp32s3"],  # the wrong module in the tray
    6: ["delay@nth=4,ms=5000"],  # slow to answer: still busy when others are done
    7: ["delay@nth=6,ms=7000"],
}


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the state to photograph")
        QApplication.processEvents()
        time.sleep(0.02)


def grab(window: StationWindow, name: str) -> None:
    for _ in range(5):
        QApplication.processEvents()
    path = OUT / name
    window.grab().save(str(path))
    print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def states(window: StationWindow) -> list[JobState]:
    return [tile.state for tile in window.grid.tiles.values()]


def mixed(window: StationWindow) -> bool:
    """Some tiles finished while others still write: the picture that shows the most."""
    now = states(window)
    done = [t for t in window.grid.tiles.values() if t.result == JobState.PASSED]
    return bool(done) and sum(s.is_busy for s in now) >= 2


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    application()
    with tempfile.TemporaryDirectory(prefix="prodtool-shots-") as tmp, ExitStack() as stack:
        paths = station_paths(tmp).ensure()
        settings = Settings(station_id="line-3", operator="Wang Fang")
        window = build_window(paths, settings, language="en")
        window.resize(*SIZE)
        window.show()
        grab(window, "station-empty.png")

        farm = stack.enter_context(ChipFarm(count=8, family="esp32c3", transport="socket"))
        for index, specs in FAULTS.items():
            for spec in specs:
                farm.chips[index].add_fault(parse_fault(spec))
        start_demo(window, stack, farm=farm, fast_kdf=True)
        wait_until(lambda: len(window.grid.tiles) == 8 and mixed(window))
        grab(window, "station-running.png")

        wait_until(lambda: all(s == JobState.REMOVE_CHIP for s in states(window)), timeout=120)
        wait_until(lambda: window.stats.passed + window.stats.failed == 8)
        failed = [t for t in window.grid.tiles.values() if t.result == JobState.FAILED]
        if failed:
            window.log_panel.show_port(failed[0].port)
        grab(window, "station-failure.png")

        window.switch_language("zh_CN")
        grab(window, "station-zh_CN.png")
        window.switch_language("en")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
