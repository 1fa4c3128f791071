"""Chips an earlier run left behind, and reasons naming the real cause (issue 15 items 23, 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.station import Station
from prodtool.flash.events import LogLine, Reason
from prodtool.sim import ChipFarm, parse_fault
from tests.engine.simhelp import FirstFirmwareProgress, Recorder, package

pytestmark = pytest.mark.sim


def _finish(station: Station, port: str, *, retry: bool = False) -> Recorder:
    recorder = Recorder()
    unsubscribe = station.subscribe(recorder)
    if retry:
        assert station.retry(port)
    else:
        station.add_ports([port], start=True)
    assert station.wait_idle(90)
    unsubscribe()
    return recorder


def test_a_stub_left_at_the_fast_rate_is_found_on_a_port_without_reset_lines(
    station: Station, tmp_path: Path
) -> None:
    """A pty has no DTR/RTS: after an interrupted run the chip still runs the flasher stub at
    921600 and no reset brings back the ROM. The next job finds it there."""
    pkg, password = package(tmp_path, licenses=2)
    station.load_package(pkg, password)
    with ChipFarm(count=1, family="esp32c3", transport="pty") as farm:
        (url,) = farm.urls
        stop = station.subscribe(FirstFirmwareProgress(lambda event: station.cancel(event.port)))
        first = _finish(station, url).finished()[url]
        stop()
        assert first.reason is Reason.CANCELLED
        second = _finish(station, url, retry=True).finished()[url]
        assert second.reason is Reason.OK, second
        assert farm.chips[0].read_credentials() is not None


def test_a_retry_that_cannot_reach_the_chip_keeps_the_first_cause(
    station: Station, tmp_path: Path
) -> None:
    """The write fails on the link, the retry at a lower rate gets no answer at all: the tile
    names the link errors, not "no answer"."""
    pkg, password = package(tmp_path, licenses=2)
    station.load_package(pkg, password)
    faults = [parse_fault(spec) for spec in ("block-error@block=1,count=all", "drop@op=0x08,nth=2")]
    with ChipFarm(count=1, family="esp32c3", transport="pty", faults=faults) as farm:
        (url,) = farm.urls
        finished = _finish(station, url).finished()[url]
    assert finished.reason is Reason.LINK_ERRORS, finished
    assert "then no answer at" in finished.detail


def test_the_retry_at_a_lower_rate_finds_the_stub_the_first_attempt_left(
    station: Station, tmp_path: Path
) -> None:
    """On a pty the failed attempt's stub still listens at 921600: the retry reaches it there,
    moves it to the lower rate and writes the chip."""
    pkg, password = package(tmp_path, licenses=2)
    station.load_package(pkg, password)
    faults = [parse_fault("block-error@block=1,count=3")]  # esptool retries a block 3 times
    with ChipFarm(count=1, family="esp32c3", transport="pty", faults=faults) as farm:
        (url,) = farm.urls
        recorder = _finish(station, url)
    finished = recorder.finished()[url]
    assert finished.reason is Reason.OK, finished
    retried = [e for e in recorder.events if isinstance(e, LogLine) and "retrying at" in e.text]
    assert len(retried) == 1, retried
