"""Window under load: how late the Qt event loop gets while 32 ports write.

The real StationWindow (offscreen) attached to a real Station, 32 simulated chips in simulator
processes, 256 KiB firmware at 921600 baud. A precise 10 ms QTimer measures its own lateness
(time since the last tick minus 10 ms); every stall of the GUI thread shows up there. Target:
never over 50 ms. Reports max, p99 and median lateness.

The GUI thread runs a Qt event loop (`QEventLoop.exec`), as the window does under `app.exec()`:
it waits in Qt without the GIL and enters Python only for the window's own slots and timers; a
helper thread waits for the jobs to end. `--spin` uses the first version's polling loop instead
(`processEvents`, then a 1 ms sleep: the GIL taken back about a thousand times a second), kept to
compare with figures measured with it; the two loops give similar figures.

Run: QT_QPA_PLATFORM=offscreen python -m bench.bench_window [--quick] [--ports N] [--spin]
     [--job-processes N]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal

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
from prodtool.ui.app import application, build_window, settle_heap

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


def measure(
    ports: int, size: int, *, spin: bool = False, job_processes: int | None = None
) -> dict[str, Any]:
    app = application()
    run = _spin_until if spin else _loop_until
    with station_folder(size, licenses=ports + 4) as (paths, (pkg, password)):
        extra = {} if job_processes is None else {"job_processes": job_processes}
        settings = bench_settings(BAUD, **extra)
        window = build_window(paths, settings)
        station = Station(paths, settings, comports=list)
        try:
            window.attach(station)
            station.load_package(pkg, password)
            window.show()
            _settle(app, 0.5)  # let the window lay itself out
            probe = LatenessProbe()
            with sim_chips(ports, seed=3000) as sim:
                station.add_ports(sim.urls, start=False)
                _settle(app, 0.5)
                settle_heap()  # as `prodtool gui` does before its event loop
                probe.start()
                started = time.monotonic()
                # Ports start off the GUI thread, as hot-plug auto-start does; another thread
                # waits for the end, so the GUI thread does nothing the window would not do.
                done = _Done()

                def drive() -> None:
                    for url in sim.urls:
                        station.start(url)
                    done.finish(station.wait_idle(600))

                driver = threading.Thread(target=drive)
                driver.start()
                run(app, done, 610)
                driver.join()
                if not done.idle:
                    raise TimeoutError("ports still busy after 600 s")
                run(app, _Done(), 0.3)  # the last events reach the window
                probe.timer.stop()
                wall = time.monotonic() - started
                passed = station.summary().passed
        finally:
            window.shutdown()
            station.close()
            window.close()
            window.deleteLater()
            _settle(app, 0.1)
    late = probe.late_ms
    return {
        "ports": ports,
        "loop": "spin" if spin else "exec",
        "job_processes": settings.job_processes,
        "passed": passed,
        "wall_s": wall,
        "ticks": len(late),
        "max_ms": max(late),
        "p99_ms": percentile(late, 0.99),
        "median_ms": median(late),
        "over_50ms": sum(1 for x in late if x > TARGET_MS),
        "target_ms": TARGET_MS,
    }


class _Done(QObject):
    """Set from any thread; quits a running event loop without the GUI thread polling for it."""

    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.idle = False
        self._set = threading.Event()

    def finish(self, idle: bool) -> None:
        self.idle = idle
        self._set.set()
        self.finished.emit()

    def is_set(self) -> bool:
        return self._set.is_set()


def _loop_until(app: Any, done: _Done, timeout: float) -> None:
    """Run a Qt event loop, as `app.exec()` does, until `done` is finished or `timeout` s pass.
    Nothing of the bench runs on the GUI thread meanwhile but the probe."""
    loop = QEventLoop()
    done.finished.connect(loop.quit)  # queued from the driver thread, a C++ slot
    limit = QTimer()
    limit.setSingleShot(True)
    limit.setInterval(int(timeout * 1000))
    limit.timeout.connect(loop.quit)
    limit.start()
    if not done.is_set():
        loop.exec()
    limit.stop()
    done.finished.disconnect(loop.quit)


def _spin_until(app: Any, done: _Done, timeout: float) -> None:
    """The first version's loop: poll with processEvents and a 1 ms sleep (see `--spin`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done.is_set():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.001)


def _settle(app: Any, seconds: float) -> None:
    """Let the event loop run for `seconds` (before and after the measurement)."""
    _loop_until(app, _Done(), seconds)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="8 ports")
    parser.add_argument("--ports", type=int, default=32)
    parser.add_argument("--size", type=int, default=256 * KIB, help="firmware bytes")
    parser.add_argument(
        "--spin", action="store_true", help="poll with processEvents and sleep (first version)"
    )
    parser.add_argument(
        "--job-processes", type=int, default=None, help="worker processes (0: jobs in threads)"
    )
    args = parser.parse_args(argv)
    ports = 8 if args.quick else args.ports
    r = measure(ports, args.size, spin=args.spin, job_processes=args.job_processes)
    print(
        f"Window (offscreen) while {ports} ports write {args.size // KIB} KiB at {BAUD} Bd"
        f" ({r['loop']} loop, job processes: {r['job_processes']})"
    )
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
