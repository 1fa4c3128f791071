"""The next module on the same adapter: after a pass the port watches, without a reset, for a
module with another MAC and starts it; with no license left it waits without touching chips."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from prodtool.engine import jig
from prodtool.engine.codes import ScanNeeded
from prodtool.engine.demo import build_demo_package
from prodtool.engine.job import open_port
from prodtool.engine.station import Station
from prodtool.families import registry
from prodtool.families.family import ChipFamily
from prodtool.flash.events import JobFinished, JobState, PortEvent, StateChanged
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import fast_settings, package

pytestmark = pytest.mark.sim


class Finishes:
    """Counts finished jobs per port and lets a test wait for the n-th."""

    def __init__(self) -> None:
        self.events: list[PortEvent] = []
        self.changed = threading.Condition()

    def __call__(self, event: PortEvent) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def finished(self) -> list[JobFinished]:
        return [e for e in self.events if isinstance(e, JobFinished)]

    def wait(self, predicate: Callable[[], bool], timeout: float = 60) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)


def test_probe_reads_the_mac_without_a_reset() -> None:
    esp = registry.get("esp32c3")
    assert jig.can_probe(esp)
    with ChipFarm(count=1) as farm:
        assert jig.probe(farm.urls[0], open_port, esp) == farm.chips[0].mac
        assert farm.chips[0].stats.boots == 1  # no reset: the chip was powered on once
    assert jig.probe("socket://127.0.0.1:9", open_port, esp) is None  # nothing there


def test_a_family_that_cannot_probe_never_opens_the_port() -> None:
    plain = ChipFamily(name="plain", title="Plain")
    opened: list[str] = []

    def opener(port: str) -> object:
        opened.append(port)
        raise AssertionError("a family without probe_identity must not open the port")

    assert not jig.can_probe(plain)
    assert plain.probe_identity(object()) is None
    assert jig.probe("socket://127.0.0.1:9", opener, plain) is None
    assert opened == []


def test_the_next_module_starts_without_a_replug(paths: StationPaths, tmp_path: Path) -> None:
    path, password = package(tmp_path, licenses=4)
    seen = Finishes()
    with (
        ChipFarm(count=1) as farm,
        Station(paths, fast_settings(auto_start=True), comports=list) as station,
    ):
        station.jig_interval = 0.05
        station.load_package(path, password)
        station.subscribe(seen)
        station.add_ports(farm.urls)
        assert seen.wait(lambda: len(seen.finished()) == 1)
        first = seen.finished()[0]
        # JobFinished comes before the watch starts: wait for it (notified once it runs)
        assert first.passed and station.wait_for(lambda: station.watching(farm.urls[0]), 10)
        # the same chip stays in the jig: it is not written again
        assert not seen.wait(lambda: len(seen.finished()) > 1, timeout=0.5)
        new = farm.replace(0)  # the technician swaps the module; the adapter stays
        assert seen.wait(lambda: len(seen.finished()) == 2)
        second = seen.finished()[1]
        assert second.passed and second.mac == new.mac != first.mac
        assert second.uuid != first.uuid


def test_without_auto_start_the_new_module_waits_for_start(
    paths: StationPaths, tmp_path: Path
) -> None:
    path, password = package(tmp_path, licenses=4)
    seen = Finishes()
    with ChipFarm(count=1) as farm, Station(paths, fast_settings(), comports=list) as station:
        station.jig_interval = 0.05
        station.load_package(path, password)
        station.subscribe(seen)
        station.add_ports(farm.urls, start=True)
        assert seen.wait(lambda: len(seen.finished()) == 1)
        new = farm.replace(0)

        def waiting() -> bool:
            return any(
                isinstance(e, StateChanged) and e.state is JobState.WAITING and new.mac in e.step
                for e in seen.events
            )

        assert seen.wait(waiting)
        assert len(seen.finished()) == 1 and not station.watching(farm.urls[0])
        assert station.start(farm.urls[0])
        assert station.wait_idle(60)
        assert seen.finished()[-1].passed


def test_with_no_license_left_ports_wait_untouched(paths: StationPaths, tmp_path: Path) -> None:
    path, password = package(tmp_path / "one", licenses=1)
    seen = Finishes()
    with ChipFarm(count=2) as farm, Station(paths, fast_settings(), comports=list) as station:
        station.load_package(path, password)
        station.subscribe(seen)
        station.add_ports(farm.urls[:1], start=True)
        assert station.wait_idle(60)
        assert station.licenses_left() == 0
        station.add_ports(farm.urls[1:], start=True)
        assert station.why_not_start(farm.urls[1]).startswith("no licenses left")
        assert farm.chips[1].stats.bytes_in == 0  # never opened, never counted as a failure
        assert [f.port for f in seen.finished()] == [farm.urls[0]]
        paused = [e for e in seen.events if isinstance(e, StateChanged) and e.port == farm.urls[1]]
        assert paused[-1].state is JobState.WAITING and "no licenses" in paused[-1].step
        station.set_auto_start(True)
        more, more_password = build_demo_package(  # other UUIDs: the ledger refuses duplicates
            tmp_path / "two", licenses=2, fast_kdf=True, seed=8
        )
        station.load_package(more, more_password)  # the waiting port starts now
        assert seen.wait(lambda: len(seen.finished()) == 2)
        assert seen.finished()[-1].port == farm.urls[1] and seen.finished()[-1].passed


def test_with_scans_required_the_next_module_waits_for_its_scan(
    paths: StationPaths, tmp_path: Path
) -> None:
    path, password = package(tmp_path, licenses=4)
    seen = Finishes()
    settings = fast_settings(auto_start=True, require_scan=True, code_pattern=r"PCB-\d{4}")
    with ChipFarm(count=1) as farm, Station(paths, settings, comports=list) as station:
        station.jig_interval = 0.05
        station.load_package(path, password)
        station.subscribe(seen)
        port = farm.urls[0]
        station.add_ports(farm.urls, start=True)  # waits for the first unit's scan
        station.bind_code(port, "PCB-0001")
        assert seen.wait(lambda: len(seen.finished()) == 1)
        assert seen.finished()[0].code == "PCB-0001"
        assert station.wait_for(lambda: station.watching(port), 10)
        new = farm.replace(0)
        assert seen.wait(lambda: sum(isinstance(e, ScanNeeded) for e in seen.events) == 2)
        assert station.ports()[0].waiting_for_scan and not station.watching(port)
        assert len(seen.finished()) == 1  # nothing written without its scan
        station.bind_code(port, "PCB-0002")
        assert seen.wait(lambda: len(seen.finished()) == 2)
        second = seen.finished()[1]
        assert second.passed and second.mac == new.mac and second.code == "PCB-0002"
        assert not any(  # it asked for the scan, never for Start
            isinstance(e, StateChanged) and new.mac in e.step for e in seen.events
        )
