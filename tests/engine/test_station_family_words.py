"""What the station tells a tile about the family: the link step while the driver links, and
the package's family with a failure even when no chip answered (whose hint the tile shows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobState, LogLine, Reason, StateChanged
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm, parse_fault
from tests.engine.simhelp import Recorder, fast_settings

pytestmark = pytest.mark.sim


@pytest.mark.parametrize(
    ("family", "step"),
    [("bk7231n", "linking (reset module / CEN)"), ("esp32c3", "connecting (hold BOOT, tap EN)")],
)
def test_a_chip_that_never_links_fails_with_its_familys_step_and_family(
    data_dir: Path, tmp_path: Path, family: str, step: str
) -> None:
    pkg, password = build_demo_package(
        tmp_path, licenses=2, firmware_size=16 * 1024, chip_family=family, fast_kdf=True
    )
    settings = fast_settings(connect_attempts=1, retries=0)
    with (
        Station(StationPaths(data_dir), settings, comports=list) as station,
        ChipFarm(count=1, family=family, transport="socket") as farm,
    ):
        station.load_package(pkg, password)
        farm.chips[0].add_fault(parse_fault("no-download"))
        recorder = Recorder()
        station.subscribe(recorder)
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
    (finished,) = recorder.finished().values()
    assert finished.reason is Reason.NO_ANSWER
    assert (finished.family, finished.chip_family) == (family, "")  # no chip answered
    steps = [e.step for e in recorder.events if isinstance(e, StateChanged)]
    assert step in steps
    identifying = [
        e.step
        for e in recorder.events
        if isinstance(e, StateChanged) and e.state is JobState.IDENTIFYING
    ]
    assert identifying == [step]
    logged = [e.text for e in recorder.events if isinstance(e, LogLine)]
    assert any(("CEN" if family == "bk7231n" else "BOOT") in text for text in logged), logged
