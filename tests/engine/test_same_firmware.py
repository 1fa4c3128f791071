"""A chip that already holds the package's firmware is not written again (the family's digest
says so), still verified, and the skip is said in the log and the job's transcript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobFinished, JobState, LogLine, StateChanged
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import SMALL_FIRMWARE, Recorder, fast_settings

pytestmark = pytest.mark.sim
SKIPPED = "firmware already present, skipped"


def _run_once(station: Station, port: str, *, first: bool) -> Recorder:
    recorder = Recorder()
    unsubscribe = station.subscribe(recorder)
    try:
        if first:
            station.add_ports([port], start=True)
        else:
            assert station.retry(port)
        assert station.wait_idle(60)
    finally:
        unsubscribe()
    return recorder


def _transcript_steps(paths: StationPaths, job_id: str) -> list[dict[str, object]]:
    lines = (paths.transcripts / f"{job_id}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("family", ["esp32c3", "bk7231n"])
def test_the_same_firmware_is_checked_not_rewritten(
    family: str, paths: StationPaths, tmp_path: Path
) -> None:
    pkg, password = build_demo_package(
        tmp_path, licenses=4, firmware_size=SMALL_FIRMWARE, chip_family=family, fast_kdf=True
    )
    with (
        Station(paths, fast_settings(), comports=list) as station,
        ChipFarm(count=1, family=family, transport="socket") as farm,
    ):
        manifest = station.load_package(pkg, password)
        image = manifest.firmware[0]
        app = range(image.offset, image.offset + image.size)
        erased: list[int] = []
        memory = farm.chips[0].flash_memory
        erase = memory.erase

        def counting_erase(offset: int, length: int) -> None:
            if offset in app:
                erased.append(offset)
            erase(offset, length)

        memory.erase = counting_erase  # type: ignore[method-assign]
        port = farm.urls[0]

        first = _run_once(station, port, first=True)
        assert first.finished()[port].passed
        assert erased, "the blank chip's firmware was written"
        assert not [e for e in first.events if isinstance(e, LogLine) and SKIPPED in e.text]

        erased.clear()
        again = _run_once(station, port, first=False)  # the same chip: its firmware is there
        finished: JobFinished = again.finished()[port]
        assert finished.passed
        assert erased == [], "the firmware the chip held was written again"
        said = [e.text for e in again.events if isinstance(e, LogLine) and SKIPPED in e.text]
        assert len(said) == 1 and "same digest" in said[0]
        states = [e.state for e in again.events if isinstance(e, StateChanged)]
        assert JobState.VERIFYING_FIRMWARE in states  # still verified
        steps = _transcript_steps(paths, finished.job_id)
        assert any(SKIPPED in str(step.get("detail", "")) for step in steps)

        # another firmware in flash: written in full again
        memory.erase = erase  # type: ignore[method-assign]
        memory.erase(image.offset, 4096)
        memory.erase = counting_erase  # type: ignore[method-assign]
        third = _run_once(station, port, first=False)
        assert third.finished()[port].passed
        assert erased
        assert not [e for e in third.events if isinstance(e, LogLine) and SKIPPED in e.text]
