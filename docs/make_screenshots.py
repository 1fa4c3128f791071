"""Render screenshots of the station window into docs/screenshots/ (`make screenshots`).

Runs the real window on 32 simulated chips in a real X11 window (Qt's xcb platform) at
1920x1080, on a private Xvfb server started here on a free display (`-displayfd`) unless
$DISPLAY is set; the pictures are read back from the X server, as a screen grab would. Shots:
the empty window, the demo while it writes (tiles in several states), all done with one failure
(its reason, the "needs attention" strip and its log), the same in Simplified Chinese, and 16
slots at 1366x768. One chip is the wrong family, so exactly one slot fails.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from PySide6.QtWidgets import QApplication

from prodtool.flash.events import JobState
from prodtool.sim import ChipFarm, parse_fault
from prodtool.paths import station_paths
from prodtool.settings import Settings
from prodtool.ui.app import application, build_window
from prodtool.ui.demo import start_demo
from prodtool.ui.window import StationWindow

OUT = Path(__file__).resolve().parent / "screenshots"
SIZE = (1920, 1080)
SMALL = (1366, 768)
PORTS = 32
FAULTS = {
    5: ["wrong-chip=esp32s3"],  # the wrong module in the jig: the one failed slot
    6: ["delay@nth=4,ms=4000"],  # slow to answer: still busy when others are done
    13: ["delay@nth=6,ms=5000"],
    22: ["delay@nth=5,ms=4000"],
}


@contextmanager
def x_server() -> Iterator[None]:
    """A private Xvfb at 1920x1080 unless a display is already given."""
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    if os.environ.get("DISPLAY"):
        yield
        return
    if shutil.which("Xvfb") is None:
        raise SystemExit("make_screenshots: install Xvfb (apt install xvfb) or set DISPLAY")
    read, write = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{SIZE[0]}x{SIZE[1]}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read], [], [], 30)
            chunk = os.read(read, 16) if ready else b""
            if not chunk:
                raise SystemExit("make_screenshots: Xvfb did not start")
            number += chunk
        os.environ["DISPLAY"] = f":{number.decode().strip()}"
        yield
    finally:
        os.close(read)
        server.terminate()
        server.wait(10)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the state to photograph")
        QApplication.processEvents()
        time.sleep(0.02)


def grab(window: StationWindow, name: str) -> None:
    """What the X server shows of the window (not a re-render of the widgets)."""
    for _ in range(10):
        QApplication.processEvents()
    path = OUT / name
    window.screen().grabWindow(window.winId()).save(str(path))
    print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def states(window: StationWindow) -> list[JobState]:
    return [tile.state for tile in window.grid.tiles.values()]


def mixed(window: StationWindow) -> bool:
    """Some tiles finished while others still write: the picture that shows the most."""
    now = states(window)
    done = [t for t in window.grid.tiles.values() if t.result == JobState.PASSED]
    return bool(done) and sum(s.is_busy for s in now) >= 2


def place(window: StationWindow, size: tuple[int, int]) -> None:
    """Xvfb has no window manager: put the window on the whole screen ourselves."""
    window.setGeometry(0, 0, *size)
    window.show()
    wait_until(lambda: window.isVisible() and window.grid.viewport().height() > 0)


def run_station(
    stack: ExitStack, tmp: str, ports: int, size: tuple[int, int], faults: dict[int, list[str]]
) -> StationWindow:
    paths = station_paths(Path(tmp) / f"station-{ports}").ensure()
    settings = Settings(station_id="line-3", operator="Wang Fang")
    window = build_window(paths, settings, language="en")
    place(window, size)
    farm = stack.enter_context(ChipFarm(count=ports, family="esp32c3", transport="socket"))
    for index, specs in faults.items():
        for spec in specs:
            farm.chips[index].add_fault(parse_fault(spec))
    start_demo(window, stack, farm=farm, fast_kdf=True)
    return window


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with x_server():
        application()
        with tempfile.TemporaryDirectory(prefix="prodtool-shots-") as tmp, ExitStack() as stack:
            paths = station_paths(Path(tmp) / "empty").ensure()
            empty = build_window(paths, Settings(station_id="line-3"), language="en")
            place(empty, SIZE)
            grab(empty, "station-empty.png")
            empty.close()

            window = run_station(stack, tmp, PORTS, SIZE, FAULTS)
            wait_until(lambda: len(window.grid.tiles) == PORTS and mixed(window))
            grab(window, "station-running.png")

            def done() -> bool:
                return window.stats.passed + window.stats.failed == PORTS and not any(
                    s.is_busy for s in states(window)
                )

            wait_until(done, timeout=180)
            failed = window.grid.failed_tiles()
            if failed:
                window.log_panel.show_port(failed[0].port)
            grab(window, "station-failure.png")
            window.switch_language("zh_CN")
            grab(window, "station-zh_CN.png")
            window.switch_language("en")
            window.close()

        with tempfile.TemporaryDirectory(prefix="prodtool-shots-") as tmp, ExitStack() as stack:
            small = run_station(stack, tmp, 16, SMALL, {3: ["wrong-chip=esp32s3"]})
            wait_until(lambda: len(small.grid.tiles) == 16 and small.stats.passed >= 15, 180)
            grab(small, "station-16-at-1366x768.png")
            small.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
