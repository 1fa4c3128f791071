"""The station writing simulated Beken modules: the MAC comes from the firmware's shell.

Beken loaders cannot say the MAC, so the job flashes first, asks the shell (`read_mac`), and
only then reserves the license by that MAC: the write log carries the real MAC, and the same
module written again reuses its license.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records, verify_chain
from prodtool.flash.events import ChipIdentified, JobState, LicenseAssigned, Reason, StateChanged
from prodtool.license.model import DeliveryMode, LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm, parse_fault
from tests.engine.simhelp import Recorder, fast_settings

pytestmark = pytest.mark.sim


def _run(station: Station, urls: list[str]) -> Recorder:
    recorder = Recorder()
    unsubscribe = station.subscribe(recorder)
    station.add_ports(urls, start=True)
    assert station.wait_idle(60)
    unsubscribe()
    return recorder


def test_the_license_is_bound_to_the_mac_the_shell_says(data_dir: Path, tmp_path: Path) -> None:
    paths = StationPaths(data_dir).ensure()
    pkg, password = build_demo_package(
        tmp_path, licenses=4, firmware_size=0x4000, fast_kdf=True, seed=3, chip_family="t2"
    )
    with (
        Station(paths, fast_settings(), comports=list) as station,
        ChipFarm(count=2, family="bk7231n", transport="socket", seed=5) as farm,
    ):
        station.load_package(pkg, password)
        recorder = _run(station, farm.urls)
        finished = recorder.finished()
        assert all(f.passed for f in finished.values()), finished
        for chip, url in zip(farm.chips, farm.urls, strict=True):
            named = [
                e.mac for e in recorder.events if isinstance(e, ChipIdentified) and e.port == url
            ]
            assert named == ["", chip.mac]  # the loader's word, then the shell's
            states = [
                e.state for e in recorder.events if isinstance(e, StateChanged) and e.port == url
            ]
            assert states.index(JobState.WRITING_FIRMWARE) < states.index(JobState.WRITING_AUTH)
            held = chip.read_credentials()
            assert held is not None
            record = station.ledger.find_uuid(held[0])
            assert record is not None and record.state is LicenseState.VERIFIED
            assert record.chip_mac == chip.mac

        # the same module again: flashed again, its license reused (found by the shell's MAC)
        recorder = Recorder()
        station.subscribe(recorder)
        assert station.retry(farm.urls[0])
        assert station.wait_idle(60)
        assert recorder.finished()[farm.urls[0]].passed
        assigned = [e for e in recorder.events if isinstance(e, LicenseAssigned)]
        assert assigned and assigned[0].reused
        pid = station.summary().package_id
        assert station.ledger.counts(pid)[pid][LicenseState.AVAILABLE] == 2
    records = list(read_records(paths.write_log))
    assert verify_chain(records) == []
    assert {r["mac"] for r in records} == {c.mac for c in farm.chips}
    assert records[-1]["mac"] == farm.chips[0].mac
    assert all(r["chip_id"] == str(r["mac"]).replace(":", "") for r in records)
    assert records[-1]["license_reused"] is True


def test_a_module_that_fails_before_its_shell_spends_no_license(
    data_dir: Path, tmp_path: Path
) -> None:
    paths = StationPaths(data_dir).ensure()
    pkg, password = build_demo_package(
        tmp_path, licenses=2, firmware_size=0x4000, fast_kdf=True, seed=4, chip_family="t2"
    )
    with (
        Station(paths, fast_settings(), comports=list) as station,
        ChipFarm(count=1, family="bk7231n", transport="socket", seed=6) as farm,
    ):
        farm.chips[0].add_fault(parse_fault("flash-stuck@offset=0x12000,size=0x1000"))
        station.load_package(pkg, password)
        finished = _run(station, farm.urls).finished()[farm.urls[0]]
        assert finished.reason is Reason.FIRMWARE_VERIFY_FAILED
        pid = station.summary().package_id
        counts = station.ledger.counts(pid)[pid]
        assert counts[LicenseState.AVAILABLE] == 2 and counts[LicenseState.RESERVED] == 0
    (record,) = read_records(paths.write_log)
    assert record["mac"] == "" and record["result"] != "passed"


def test_an_authorization_only_package_identifies_by_the_shell(
    data_dir: Path, tmp_path: Path
) -> None:
    paths = StationPaths(data_dir).ensure()
    pkg, password = build_demo_package(
        tmp_path,
        licenses=2,
        mode=DeliveryMode.AUTHORIZATION_ONLY,
        fast_kdf=True,
        seed=8,
        chip_family="t2",
    )
    with (
        Station(paths, fast_settings(), comports=list) as station,
        ChipFarm(
            count=1, family="bk7231n", transport="socket", seed=7, app_version="1.0.0"
        ) as farm,
    ):
        station.load_package(pkg, password)
        finished = _run(station, farm.urls).finished()[farm.urls[0]]
        assert finished.passed, finished
        held = farm.chips[0].read_credentials()
        assert held is not None
        record = station.ledger.find_uuid(held[0])
        assert record is not None and record.chip_mac == farm.chips[0].mac
