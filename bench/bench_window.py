"""Window under load: how late the Qt event loop gets while 32 ports write.

The real StationWindow (offscreen) attached to a real Station, 32 simulated chips in simulator
processes, 256 KiB firmware at 921600 baud. A precise 10 ms QTimer measures its own lateness
(time since the last tick minus 10 ms); every stall of the GUI thread shows up there. Target:
never over 50 ms. Reports max, p99 and median lateness.

Run: QT_QPA_PLATFORM=offscreen python -m bench.bench_window [--quick] [--ports N]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer

from bench.common import (
    KIB,
    bench_settings,
    median,
    percentile,
    sim_chips,
    station_folder,
    table,
    write_results,
)
from prodtool.engine.station import Station
from prodtool.ui.app import application, build_window

TARGET_MS = 50.0
TICK_MS = 10
BAUD = 921600


class LatenessProbe:
    """A 10 ms precise timer recording how late each tick came."""

    def __init__(self) -> None:
        self.late_ms: list[float] = []
        self.at: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.late_ms.clear()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.late_ms.append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self.at.append(now)
        self._last = now


def measure(ports: int, size: int) -> dict[str, Any]:
    app = application()
    with station_folder(size, licenses=ports + 4) as (paths, (pkg, password)):
        settings = bench_settings(BAUD)
        window = build_window(paths, settings)
        station = Station(paths, settings, comports=list)
        try:
            window.attach(station)
            station.load_package(pkg, password)
            window.show()
            _spin(app, 0.5)  # let the window lay itself out
            probe = LatenessProbe()
            with sim_chips(ports, seed=3000) as sim:
                station.add_ports(sim.urls, start=False)
                _spin(app, 0.5)
                probe.start()
                started = time.monotonic()
                # Ports start off the GUI thread, as hot-plug auto-start does.
                starter = threading.Thread(target=lambda: [station.start(u) for u in sim.urls])
                starter.start()
                while starter.is_alive() or not station.wait_idle(0):
                    _spin(app, 0.1)
                    if time.monotonic() - started > 600:
                        raise TimeoutError("ports still busy after 600 s")
                starter.join()
                _spin(app, 0.3)  # the last events reach the window
                probe.timer.stop()
                wall = time.monotonic() - started
                passed = station.summary().passed
        finally:
            window.shutdown()
            station.close()
            window.close()
            window.deleteLater()
            _spin(app, 0.1)
    late = probe.late_ms
    return {
        "ports": ports,
        "passed": passed,
        "wall_s": wall,
        "ticks": len(late),
        "max_ms": max(late),
        "p99_ms": percentile(late, 0.99),
        "median_ms": median(late),
        "over_50ms": sum(1 for x in late if x > TARGET_MS),
        "target_ms": TARGET_MS,
    }


def _spin(app: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.001)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="8 ports")
    parser.add_argument("--ports", type=int, default=32)
    parser.add_argument("--size", type=int, default=256 * KIB, help="firmware bytes")
    args = parser.parse_args(argv)
    ports = 8 if args.quick else args.ports
    r = measure(ports, args.size)
    print(f"Window (offscreen) while {ports} ports write {args.size // KIB} KiB at {BAUD} Bd")
    print(
        table(
            ["ports", "passed", "ticks", "max ms", "p99 ms", "median ms", "over 50 ms"],
            [
                [
                    r["ports"],
                    r["passed"],
                    r["ticks"],
                    r["max_ms"],
                    r["p99_ms"],
                    r["median_ms"],
                    r["over_50ms"],
                ]
            ],
        )
    )
    print(f"largest stall <= {TARGET_MS:.0f} ms: {'ok' if r['max_ms'] <= TARGET_MS else 'MISS'}")
    print(f"written to {write_results('window', {'quick': args.quick, **r})}")
    return r


if __name__ == "__main__":
    main()
