"""Hot-plug: an adapter that appears starts a job; one that vanishes mid-write ends it at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from prodtool.engine.station import Station
from prodtool.flash.events import JobState, PortRemoved, Reason
from prodtool.license.model import LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import FirstFirmwareProgress, Recorder, fast_settings, package

pytestmark = pytest.mark.sim


@dataclass(frozen=True)
class ListedPort:
    """What pyserial's `comports()` lists for one adapter."""

    device: str
    vid: int | None = 0x10C4  # a CP210x bridge: in the default USB ids
    pid: int | None = 0xEA60
    description: str = "CP2102 USB to UART Bridge"


def test_a_matching_adapter_starts_a_job_and_others_are_ignored(
    paths: StationPaths, tmp_path: Path
) -> None:
    listed: list[ListedPort] = []
    settings = fast_settings(auto_start=True)
    with (
        Station(paths, settings, comports=lambda: list(listed)) as station,
        ChipFarm(count=1, family="esp32c3", transport="pty") as farm,
    ):
        pkg, password = package(tmp_path)
        station.load_package(pkg, password)
        recorder = Recorder()
        station.subscribe(recorder)
        listed += [
            ListedPort(farm.urls[0]),
            ListedPort("/dev/ttyACM9", vid=0x1234, pid=0x5678),  # not an ESP bridge
            ListedPort("/dev/ttyS0"),  # denied by name
        ]
        station.scan_ports()
        assert [p.port for p in station.ports()] == [farm.urls[0]]
        assert station.wait_idle(60)
        (finished,) = recorder.finished().values()
        assert finished.passed, finished


@pytest.mark.parametrize("processes", [0, 1], ids=["threads", "worker"])
def test_an_adapter_vanishing_mid_write_ends_the_job_at_once(
    paths: StationPaths, tmp_path: Path, processes: int
) -> None:
    listed: list[ListedPort] = []
    settings = fast_settings(auto_start=True, job_processes=processes)
    with (
        Station(paths, settings, comports=lambda: list(listed)) as station,
        ChipFarm(count=1, family="esp32c3", transport="pty") as farm,
    ):
        pkg, password = package(tmp_path, firmware_size=512 * 1024)
        station.load_package(pkg, password)
        recorder, writing = Recorder(), FirstFirmwareProgress()
        station.subscribe(recorder)
        station.subscribe(writing)
        listed.append(ListedPort(farm.urls[0]))
        station.scan_ports()
        assert writing.started.wait(30)
        listed.clear()  # the adapter is gone from the system's list; the chip still answers
        station.scan_ports()
        assert station.wait_idle(30)
        (finished,) = recorder.finished().values()
        assert (finished.passed, finished.reason) == (False, Reason.CABLE_PULLED)
        assert "unplugged" in finished.detail
        pid = station.summary().package_id
        counts = station.ledger.counts(pid)[pid]
        assert counts[LicenseState.AVAILABLE] == 8  # the AuthKey never left: released
        assert [p.state for p in station.ports()] == [JobState.REMOVE_CHIP]
        station.scan_ports()  # still gone: the finished port is freed
        assert station.ports() == []
        assert any(isinstance(e, PortRemoved) for e in recorder.events)


def test_an_adapter_the_gate_holds_back_is_not_touched(paths: StationPaths, tmp_path: Path) -> None:
    """The window's tray: an unassigned adapter's hot-plug, auto-start and Start do nothing."""
    listed: list[ListedPort] = []
    waiting = {"/dev/ttyUSB7"}
    opened: list[str] = []

    def opener(url: str) -> object:
        opened.append(url)
        raise OSError("no such adapter here")

    asked: list[tuple[str, str]] = []

    def gate(port: str, location: str) -> bool:
        asked.append((port, location))
        return port not in waiting

    with Station(
        paths, fast_settings(auto_start=True), opener=opener, comports=lambda: list(listed)
    ) as station:
        pkg, password = package(tmp_path)
        station.load_package(pkg, password)
        station.set_start_gate(gate)
        listed.append(ListedPort("/dev/ttyUSB7"))
        station.scan_ports()  # auto-start asks the gate: held back
        assert station.wait_idle(10) and opened == []
        assert not station.start("/dev/ttyUSB7") and opened == []
        assert "not assigned to a slot" in station.why_not_start("/dev/ttyUSB7")
        assert ("/dev/ttyUSB7", "") in asked
        waiting.clear()  # a supervisor assigned it
        assert station.start("/dev/ttyUSB7")
        assert station.wait_idle(30) and opened == ["/dev/ttyUSB7"]
