"""Jobs in worker processes: they pass, cancel, and a worker that dies loses no license."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prodtool.engine.job import ActiveChips
from prodtool.engine.station import Station
from prodtool.engine.workers import LOST_DETAIL, Services
from prodtool.engine.writelog import read_records, verify_chain
from prodtool.errors import UserError
from prodtool.flash.events import JobState, Reason
from prodtool.license.model import LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import FirstFirmwareProgress, Recorder, fast_settings, package

pytestmark = pytest.mark.sim


@pytest.fixture
def station(paths: StationPaths) -> Iterator[Station]:
    with Station(paths, fast_settings(job_processes=2), comports=list) as station:
        yield station


def _counts(station: Station) -> dict[LicenseState, int]:
    pid = station.summary().package_id
    return station.ledger.counts(pid)[pid]


def test_jobs_run_in_worker_processes_and_pass(station: Station, tmp_path: Path) -> None:
    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    recorder = Recorder()
    station.subscribe(recorder)
    with ChipFarm(count=3, family="esp32c3", transport="socket") as farm:
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
        held = [chip.read_credentials() for chip in farm.chips]
    pids = station.worker_pids()
    assert len(pids) == 1  # three ports fit in one worker
    assert os.getpid() not in pids
    finished = recorder.finished()
    assert len(finished) == 3
    assert all(f.passed for f in finished.values()), finished
    assert len({h[0] for h in held if h}) == 3
    assert _counts(station)[LicenseState.VERIFIED] == 3
    records = list(read_records(station.paths.write_log))
    assert [r["result"] for r in records] == ["passed"] * 3
    assert verify_chain(records) == []
    # the events came over the pipe in the job's order
    states = [getattr(e, "state", None) for e in recorder.events if e.port == farm.urls[0]]
    states = [s for s in states if s is not None]
    assert states[:3] == [JobState.CONNECTING, JobState.IDENTIFYING, JobState.CHECKING]
    assert states[-2:] == [JobState.PASSED, JobState.REMOVE_CHIP]


def test_cancel_reaches_the_worker_and_releases_the_license(
    station: Station, tmp_path: Path
) -> None:
    pkg, password = package(tmp_path, firmware_size=256 * 1024)
    station.load_package(pkg, password)
    recorder = Recorder()
    station.subscribe(recorder)
    station.subscribe(FirstFirmwareProgress(lambda event: station.cancel(event.port)))
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
    (finished,) = recorder.finished().values()
    assert finished.reason is Reason.CANCELLED
    assert _counts(station).get(LicenseState.RESERVED, 0) == 0
    assert _counts(station)[LicenseState.AVAILABLE] == 8


def test_a_worker_killed_mid_firmware_releases_the_license_and_the_next_job_passes(
    station: Station, tmp_path: Path
) -> None:
    pkg, password = package(tmp_path, firmware_size=256 * 1024)
    station.load_package(pkg, password)
    recorder = Recorder()
    station.subscribe(recorder)
    station.subscribe(FirstFirmwareProgress(lambda _e: os.kill(station.worker_pids()[0], 9)))
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
        (finished,) = recorder.finished().values()
        assert (finished.passed, finished.reason, finished.detail) == (
            False,
            Reason.INTERNAL,
            LOST_DETAIL,
        )
        assert finished.mac  # the station knew the chip from the events it had seen
        counts = _counts(station)
        assert counts[LicenseState.AVAILABLE] == 8  # the AuthKey never left: released
        (record,) = read_records(station.paths.write_log)
        assert (record["reason"], record["mac"]) == ("internal", finished.mac)

        # a fresh worker takes the retry, and the same chip passes
        recorder.events.clear()
        assert station.retry(farm.urls[0])
        assert station.wait_idle(60)
        (again,) = recorder.finished().values()
        assert again.passed, again
    assert _counts(station)[LicenseState.VERIFIED] == 1
    assert verify_chain(list(read_records(station.paths.write_log))) == []


def test_a_worker_killed_after_the_authkey_left_holds_the_license_for_a_check(
    station: Station, tmp_path: Path
) -> None:
    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    pool = station._pool
    assert pool is not None
    services = pool.services
    real_call = services.call

    def call_then_kill(target: str, method: str, args: Any, kwargs: Any) -> Any:
        value = real_call(target, method, args, kwargs)
        if method == "mark_sending":
            os.kill(station.worker_pids()[0], signal.SIGKILL)
        return value

    services.call = call_then_kill  # type: ignore[method-assign]
    recorder = Recorder()
    station.subscribe(recorder)
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
    (finished,) = recorder.finished().values()
    assert finished.reason is Reason.INTERNAL
    assert _counts(station)[LicenseState.NEEDS_CHECK] == 1


def test_workers_answer_only_the_calls_a_job_makes(paths: StationPaths) -> None:
    with Station(paths, fast_settings(job_processes=1), comports=list) as station:
        pool = station._pool
        assert pool is not None
        services: Services = pool.services
        assert services.call("chips", "claim", ("aa:bb", "p1"), {}) == []
        with pytest.raises(UserError, match="may not call"):
            services.call("ledger", "close", (), {})
        with pytest.raises(UserError, match="may not call"):
            services.call("paths", "ensure", (), {})
    assert isinstance(services.chips, ActiveChips)


_STATION_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from prodtool.engine.station import Station
    from prodtool.flash.events import JobState, Progress
    from prodtool.sim import ChipFarm
    from prodtool.paths import StationPaths
    from tests.engine.simhelp import fast_settings, package

    if __name__ == "__main__":
        folder = Path(sys.argv[1])
        pkg, password = package(folder / "pkg", firmware_size=1024 * 1024)
        station = Station(
            StationPaths(folder / "station"), fast_settings(job_processes=1), comports=list
        )
        station.load_package(pkg, password)
        writing = threading.Event()
        station.subscribe(
            lambda e: isinstance(e, Progress)
            and e.phase is JobState.WRITING_FIRMWARE
            and writing.set()
        )
        with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
            station.add_ports(farm.urls, start=True)
            writing.wait(60)
            print(station.worker_pids()[0], flush=True)
            threading.Event().wait(120)  # until the test kills this process
    """
)


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in {"Z", "X"}  # a zombie has exited


def test_workers_exit_when_the_station_is_killed(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    station = subprocess.Popen(
        [sys.executable, "-c", _STATION_SCRIPT, str(tmp_path)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert station.stdout is not None
        worker = int(station.stdout.readline())
        assert not _gone(worker)
        station.kill()
        station.wait(30)
        stopped = threading.Event()
        for _ in range(300):  # the worker sees its pipe close and ends its jobs
            if _gone(worker):
                break
            stopped.wait(0.1)
        assert _gone(worker)
        # its job's last calls to the dead station failed: a quiet end, not a crash log
        assert list(StationPaths(tmp_path / "station").logs.glob("crash-*")) == []
    finally:
        station.kill()
        station.wait(30)
        if station.stdout is not None:
            station.stdout.close()


def test_warmed_workers_ready_themselves_for_the_loaded_package(
    station: Station, tmp_path: Path
) -> None:
    """Before the first chip: the workers 16 ports need start, take the plan and answer that
    they are ready for it (the family's libraries imported, the images compressed)."""
    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    station.warm_up(16, timeout=60)
    workers = station._pool._live() if station._pool is not None else []
    assert len(workers) == 2
    assert all(w.ready.is_set() and w.prepared.is_set() for w in workers)
    with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
    assert [r["result"] for r in read_records(station.paths.write_log)] == ["passed"] * 2
