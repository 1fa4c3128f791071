"""Chips an earlier run left behind, and reasons naming the real cause (issue 15 items 23, 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.station import Station
from prodtool.flash.events import Reason
from prodtool.flash.sim import ChipFarm
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
