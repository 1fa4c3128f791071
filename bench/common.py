"""What every benchmark shares: the machine, demo packages, a station run, tables and results.

Each benchmark prints a table and writes `bench/results/<name>.json`; `python -m bench` reads
those files back for its summary, so a benchmark run alone and one run by `make bench` agree.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.simchild import SimChild
from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobFinished, PortEvent
from prodtool.paths import StationPaths
from prodtool.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
MIB = 1024 * 1024
KIB = 1024


def machine() -> dict[str, Any]:
    """Cores, CPU, Python and the library versions the figures depend on."""
    import esptool
    import serial

    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "esptool": esptool.__version__,
        "pyserial": serial.VERSION,
    }
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        info["pyside6"] = PySide6.__version__
        info["qt"] = qVersion()
    except ImportError:  # pragma: no cover - the GUI extra is always installed in .venv
        pass
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def write_results(name: str, data: dict[str, Any]) -> Path:
    path = RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"benchmark": name, "machine": machine(), **data}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def read_results(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table: first column left-aligned, the rest right-aligned."""
    text = [[str(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in text) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(text):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    peak = process_stat(os.getpid())[1]
    if peak:
        return peak
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_stat(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak resident MB) of a live process, from /proc (0 when it is gone)."""
    cpu, peak = 0.0, 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return cpu, peak


def station_cpu_s(station: Station) -> float:
    """CPU seconds used so far by this process and the station's worker processes."""
    times = os.times()
    own = times.user + times.system
    return own + sum(process_stat(pid)[0] for pid in station.worker_pids())


def workers_peak_rss_mb(station: Station) -> float:
    """The sum of the worker processes' peak resident memory, in MB."""
    return sum(process_stat(pid)[1] for pid in station.worker_pids())


def bench_settings(baud: int, **changes: Any) -> Settings:
    """A station as a factory would set it up, fixed to one baud rate for clean figures."""
    return Settings(station_id="bench", operator="bench", auto_start=False).replace(
        baud_rates=(baud,), **changes
    )


@dataclass
class Cycle:
    """One port's job as the station reported it."""

    port: str
    passed: bool
    reason: str
    seconds: float
    detail: str = ""
    job_id: str = ""


@dataclass
class _Collector:
    finished: list[JobFinished] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: PortEvent) -> None:
        if isinstance(event, JobFinished):
            with self.lock:
                self.finished.append(event)


class BenchStation:
    """A real `Station` in a temporary folder with a demo package of the given firmware size."""

    def __init__(self, folder: Path, station: Station) -> None:
        self.folder = folder
        self.station = station
        self._collector = _Collector()
        station.subscribe(self._collector)

    def run(self, urls: Sequence[str], timeout: float) -> tuple[list[Cycle], float]:
        """Start every port at once and wait for all; returns the cycles and the wall time."""
        with self._collector.lock:
            self._collector.finished.clear()
        self.station.warm_up(len(urls))  # worker processes start before the clock, like a shift
        started = time.monotonic()
        known = {p.port for p in self.station.ports()}
        new = [u for u in urls if u not in known]
        if new:
            self.station.add_ports(new, start=False)
        for url in urls:
            if not self.station.start(url):
                raise RuntimeError(f"the station would not start {url}")
        if not self.station.wait_idle(timeout):
            self.station.stop()
            raise TimeoutError(f"ports still busy after {timeout:.0f} s")
        wall = time.monotonic() - started
        with self._collector.lock:
            cycles = [
                Cycle(f.port, f.passed, f.reason.value, f.seconds, f.detail, f.job_id)
                for f in self._collector.finished
            ]
        return cycles, wall

    def records(self, job_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The write log's records (all, or those jobs'), seconds as floats."""
        path = self.station.paths.write_log
        lines = path.read_text().splitlines() if path.exists() else []
        out = []
        for line in lines:
            record: dict[str, Any] = json.loads(line)
            if job_ids is None or record.get("job_id") in job_ids:
                out.append(
                    {k: float(v) if k.startswith("seconds") else v for k, v in record.items()}
                )
        return out

    def forget(self, urls: Sequence[str]) -> None:
        for url in urls:
            self.station.remove_port(url)


@contextmanager
def station_folder(firmware_size: int, licenses: int = 64) -> Iterator[tuple[StationPaths, Any]]:
    """A temporary station folder and a demo package in it: (paths, (package, password))."""
    with tempfile.TemporaryDirectory(prefix="prodtool-bench-") as tmp:
        folder = Path(tmp)
        previous = os.environ.get("PRODTOOL_DATA_DIR")
        os.environ["PRODTOOL_DATA_DIR"] = str(folder / "station")  # crash logs stay in here
        try:
            package = build_demo_package(
                folder / "pkg", licenses=licenses, firmware_size=firmware_size, fast_kdf=True
            )
            yield StationPaths(folder / "station").ensure(), package
        finally:
            if previous is None:
                os.environ.pop("PRODTOOL_DATA_DIR", None)
            else:
                os.environ["PRODTOOL_DATA_DIR"] = previous


@contextmanager
def bench_station(
    firmware_size: int, baud: int, licenses: int = 64, **settings: Any
) -> Iterator[BenchStation]:
    """A station with a freshly built demo package loaded; everything removed afterwards."""
    with (
        station_folder(firmware_size, licenses) as (paths, (pkg, password)),
        Station(paths, bench_settings(baud, **settings), comports=list) as station,
    ):
        station.load_package(pkg, password)
        yield BenchStation(paths.root, station)


@contextmanager
def sim_chips(count: int, *, per_process: int = 16, seed: int = 0) -> Iterator[SimGroup]:
    """`count` chips in ceil(count / per_process) simulator processes (distinct MAC seeds)."""
    with ExitStack() as stack:
        children = []
        left, n = count, 0
        while left > 0:
            take = min(per_process, left)
            children.append(stack.enter_context(SimChild(take, seed=seed + n)))
            left -= take
            n += 1
        yield SimGroup(children)


class SimGroup:
    """Several simulator children seen as one list of chips."""

    def __init__(self, children: list[SimChild]) -> None:
        self.children = children

    @property
    def urls(self) -> list[str]:
        return [u for c in self.children for u in c.urls]

    @property
    def pids(self) -> list[int]:
        return [c.pid for c in self.children]

    def stats(self) -> list[dict[str, Any]]:
        return [s for c in self.children for s in c.stats()]


def firmware_image(size: int) -> bytes:
    """The demo package's image of that size (same bytes the station writes)."""
    from prodtool.engine.demo import DEMO_VERSION
    from prodtool.families import registry

    return registry.get(registry.DEFAULT_FAMILY).make_image(version=DEMO_VERSION, size=size)


def failures(cycles: Sequence[Cycle]) -> list[str]:
    return [f"{c.port}: {c.reason} {c.detail}" for c in cycles if not c.passed]
