"""Child process of test_line_cuts.py's scan cuts: a station whose product requires a scan,
with a stand-in scanner that answers each port's `ScanNeeded` with the code of the unit on it
(given by the parent, which knows which chip is where), serial numbers, the MES outbox and
labels from the saved settings. Runs until every port has finished one job; the parent kills
it at random moments.

Usage: python -m tests.reliability.line_scan_child DATA PACKAGE PASSWORD_FILE URL=CODE...
"""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path

from prodtool.engine.codes import ScanNeeded
from prodtool.engine.station import Station
from prodtool.errors import UserError
from prodtool.flash.events import JobFinished, PortEvent
from prodtool.paths import station_paths
from prodtool.settings import load_settings

DONE_S = 120.0


def main(argv: list[str]) -> int:
    data, package, password_file, *pairs = argv
    codes = dict(pair.rsplit("=", 1) for pair in pairs)
    paths = station_paths(Path(data))
    asked: queue.Queue[str] = queue.Queue()
    finished: set[str] = set()
    all_done = threading.Event()

    def listen(event: PortEvent) -> None:
        if isinstance(event, ScanNeeded) and event.port not in finished:
            asked.put(event.port)
        elif isinstance(event, JobFinished):
            finished.add(event.port)
            if finished >= set(codes):
                all_done.set()

    with Station(paths, load_settings(paths.settings)) as station:
        station.load_package(Path(package), Path(password_file).read_text().strip())
        station.set_serial_counter("SCAN-{n:05}{c}", 1)
        station.subscribe(listen)

        def scanner() -> None:  # the operator scans the unit on each port that asks
            while not all_done.is_set():
                try:
                    port = asked.get(timeout=0.2)
                except queue.Empty:
                    continue
                try:
                    station.bind_code(port, codes[port])
                except UserError as error:
                    print(f"scan refused on {port}: {error}", flush=True)

        thread = threading.Thread(target=scanner, name="scanner", daemon=True)
        thread.start()
        station.add_ports(list(codes), start=True)
        ok = all_done.wait(DONE_S) and station.wait_idle(60)
        thread.join(5)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
