"""The station writes each chip at the rates its family supports, met with the settings' and
the port's adapter's: a rate one family lacks is skipped, an adapter's ceiling caps the list, and
a family with nothing in common writes at its default after saying why."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records
from prodtool.families import registry
from prodtool.flash.events import LogLine
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import Recorder, fast_settings
from tests.families.toy.family import TOY

pytestmark = pytest.mark.sim
FIRMWARE = 32 * 1024


def _package(folder: Path, family: str) -> tuple[Path, str]:
    return build_demo_package(
        folder, licenses=4, firmware_size=FIRMWARE, chip_family=family, fast_kdf=True, seed=5
    )


def _write(
    station: Station, folder: Path, family: str, *, comports: list[object] | None = None
) -> tuple[Recorder, dict[str, object]]:
    pkg, password = _package(folder, family)
    station.load_package(pkg, password)
    recorder = Recorder()
    station.subscribe(recorder)
    with ChipFarm(count=1, family=family, transport="socket") as farm:
        if comports is None:
            station.add_ports(farm.urls, start=True)
        else:
            comports.append(_Comport(farm.urls[0], vid=0x10C4, pid=0xEA60))  # a CP2102
            station.scan_ports()
            station.start(farm.urls[0])
        assert station.wait_idle(60)
    (finished,) = recorder.finished().values()
    assert finished.passed, finished
    (record,) = read_records(station.paths.write_log)
    return recorder, record


@dataclass
class _Comport:
    """What pyserial's port list says about one adapter."""

    device: str
    vid: int | None = None
    pid: int | None = None
    description: str = "USB serial"
    location: str = ""


def _lines(recorder: Recorder, level: str) -> list[str]:
    return [e.text for e in recorder.events if isinstance(e, LogLine) and e.level == level]


def test_a_beken_variant_without_2000000_is_written_at_the_next_rate(
    data_dir: Path, tmp_path: Path
) -> None:
    settings = fast_settings(baud_rates=(2000000, 921600, 115200))
    with Station(StationPaths(data_dir), settings, comports=list) as station:
        recorder, record = _write(station, tmp_path, "bk7231t")
    assert record["baud"] == 921600
    assert not _lines(recorder, "warning")


def test_the_ports_adapter_caps_the_rate(data_dir: Path, tmp_path: Path) -> None:
    ports: list[object] = []
    settings = fast_settings(baud_rates=(2000000, 921600, 115200))
    with Station(StationPaths(data_dir), settings, comports=lambda: ports) as station:
        recorder, record = _write(station, tmp_path, "bk7231n", comports=ports)
    assert record["baud"] == 921600
    assert (
        "Silicon Labs CP2102/CP2104 reaches at most 921600 baud: 2000000 left out"
        in _lines(recorder, "info")
    )


@pytest.fixture
def _toy() -> Iterator[None]:
    with registry.registered(TOY):
        yield


@pytest.mark.usefixtures("_toy")
def test_a_family_with_nothing_in_common_writes_at_its_default_and_says_why(
    data_dir: Path, tmp_path: Path
) -> None:
    settings = fast_settings(baud_rates=(2000000, 921600))  # the toy supports 460800 and 115200
    with Station(StationPaths(data_dir), settings, comports=list) as station:
        recorder, record = _write(station, tmp_path, "toy")
    assert record["baud"] == TOY.default_baud == 115200
    assert _lines(recorder, "warning") == [
        "none of the station's baud rates (2000000, 921600) is one Toy supports (460800, 115200):"
        " writing at Toy's default 115200 baud"
    ]


@pytest.mark.parametrize("family", ["esp32c3", "esp32"])
def test_esp_chips_are_written_at_2000000(data_dir: Path, tmp_path: Path, family: str) -> None:
    """ESP32-C3's ROM switches before the stub goes up, ESP32's stub switches after it."""
    settings = fast_settings(baud_rates=(2000000, 921600, 115200))
    with Station(StationPaths(data_dir), settings, comports=list) as station:
        recorder, record = _write(station, tmp_path, family)
    assert record["baud"] == 2000000
    assert not _lines(recorder, "warning")


def test_esp_falls_back_on_its_own_when_2000000_does_not_hold(
    data_dir: Path, tmp_path: Path
) -> None:
    """The chip acknowledges the rate change and keeps its rate: the link garbles at 2,000,000
    and at 921,600, and the job steps down to 115,200 by itself."""
    from prodtool.sim import parse_fault

    settings = fast_settings(baud_rates=(2000000, 921600, 115200))
    pkg, password = _package(tmp_path, "esp32c3")
    with (
        Station(StationPaths(data_dir), settings, comports=list) as station,
        ChipFarm(count=1, family="esp32c3", transport="socket") as farm,
    ):
        station.load_package(pkg, password)
        farm.chips[0].add_fault(parse_fault("no-baud-change"))
        recorder = Recorder()
        station.subscribe(recorder)
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
        (finished,) = recorder.finished().values()
        assert finished.passed, finished
        (record,) = read_records(station.paths.write_log)
    warnings = _lines(recorder, "warning")
    assert any("retrying at 921600 baud" in t for t in warnings), warnings
    assert any("retrying at 115200 baud" in t for t in warnings), warnings
    assert record["baud"] == 115200
