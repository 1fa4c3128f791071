"""Finished devices put back on the line with another package (issue 15 item 2): recognised
before anything is flashed, nothing quarantined, no license spent; a supervisor may overwrite.
Also a finished device from another station (a UUID this ledger never held), read from its NVS
partition before anything is reserved."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.job import license_in_partition
from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records
from prodtool.families.esp.nvs import AuthRecord, build_nvs_record
from prodtool.flash.events import JobFinished, LicenseAssigned, LogLine, Reason
from prodtool.license.model import AuthMethod, LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import SMALL_FIRMWARE, Recorder, fast_settings
from tests.reliability.harness import scan_files

pytestmark = pytest.mark.sim


def _package(folder: Path, seed: int, auth_method: AuthMethod) -> tuple[Path, str]:
    return build_demo_package(
        folder,
        licenses=3,
        firmware_size=SMALL_FIRMWARE,
        version=f"1.0.{seed}",
        auth_method=auth_method,
        fast_kdf=True,
        seed=seed,
    )


def _job(station: Station, url: str, *, overwrite_by: str = "") -> tuple[JobFinished, Recorder]:
    recorder = Recorder()
    unsubscribe = station.subscribe(recorder)
    if url in {p.port for p in station.ports()}:
        assert station.retry(url, overwrite_by=overwrite_by)
    else:
        station.add_ports([url], start=True)
    assert station.wait_idle(90)
    unsubscribe()
    return recorder.finished()[url], recorder


@pytest.mark.parametrize("auth_method", [AuthMethod.TUYAOPEN_SHELL, AuthMethod.ESP_IDF_NVS])
def test_a_finished_device_is_recognised_and_left_alone(
    station: Station, tmp_path: Path, auth_method: AuthMethod
) -> None:
    first, first_password = _package(tmp_path / "a", 31, auth_method)
    second, second_password = _package(tmp_path / "b", 32, auth_method)
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        (url,) = farm.urls
        manifest_a = station.load_package(first, first_password)
        done, _ = _job(station, url)
        assert done.reason is Reason.OK
        held_uuid = done.uuid
        flash_before = bytes(farm.chips[0].flash)

        manifest_b = station.load_package(second, second_password)
        again, recorder = _job(station, url)
        assert again.reason is Reason.ALREADY_WRITTEN, again
        assert again.detail == (
            f"already written for order {manifest_a.order_number or manifest_a.package_id},"
            f" uuid {held_uuid}"
        )
        assert bytes(farm.chips[0].flash) == flash_before  # nothing flashed over it
        record = station.ledger.find_uuid(held_uuid)
        assert record is not None and record.state is LicenseState.VERIFIED  # not quarantined
        counts = station.ledger.counts(manifest_b.package_id)[manifest_b.package_id]
        assert counts[LicenseState.AVAILABLE] == 3  # no license of the new package spent
        assert not station.ledger.quarantined()

        # a supervisor's choice overwrites it, and says so
        over, recorder = _job(station, url, overwrite_by="Mia")
        assert over.reason is Reason.OK, over
        assert over.uuid != held_uuid
        said = [e.text for e in recorder.events if isinstance(e, LogLine)]
        assert any("supervisor Mia chose to overwrite" in text for text in said), said
        (old,) = station.ledger.quarantined()
        assert old.uuid == held_uuid and "supervisor Mia" in old.note


def test_a_finished_device_is_recognised_by_a_worker_process(
    paths: StationPaths, tmp_path: Path
) -> None:
    first, first_password = _package(tmp_path / "a", 41, AuthMethod.TUYAOPEN_SHELL)
    second, second_password = _package(tmp_path / "b", 42, AuthMethod.TUYAOPEN_SHELL)
    with (
        Station(paths, fast_settings(job_processes=1), comports=list) as station,
        ChipFarm(count=1, family="esp32c3", transport="socket") as farm,
    ):
        (url,) = farm.urls
        station.load_package(first, first_password)
        assert _job(station, url)[0].reason is Reason.OK
        station.load_package(second, second_password)
        again, _ = _job(station, url)
        assert again.reason is Reason.ALREADY_WRITTEN, again
        assert not station.ledger.quarantined()


def test_a_finished_device_of_another_station_is_read_before_anything_is_reserved(
    station: Station, tmp_path: Path
) -> None:
    """The chip holds a license this ledger never held: stopped before a reservation or a
    flash, its AuthKey kept out of the transcript; a supervisor's overwrite is recorded."""
    first, first_password = _package(tmp_path / "a", 51, AuthMethod.ESP_IDF_NVS)
    second, second_password = _package(tmp_path / "b", 52, AuthMethod.ESP_IDF_NVS)
    with (
        Station(StationPaths(tmp_path / "other").ensure(), fast_settings(), comports=list) as other,
        ChipFarm(count=1, family="esp32c3", transport="socket") as farm,
    ):
        (url,) = farm.urls
        other.load_package(first, first_password)
        done, _ = _job(other, url)
        assert done.reason is Reason.OK
        held = other.ledger.find_uuid(done.uuid)
        assert held is not None
        foreign_key = other.ledger.authkey(held.license_id)
        flash_before = bytes(farm.chips[0].flash)

        manifest = station.load_package(second, second_password)
        again, recorder = _job(station, url)
        assert again.reason is Reason.ALREADY_WRITTEN, again
        assert again.detail == (
            f"holds license {done.uuid} from another station or order;"
            " overwriting it needs a supervisor"
        )
        assert not [e for e in recorder.events if isinstance(e, LicenseAssigned)]  # no reserve
        assert bytes(farm.chips[0].flash) == flash_before
        counts = station.ledger.counts(manifest.package_id)[manifest.package_id]
        assert counts[LicenseState.AVAILABLE] == 3
        assert station.ledger.find_uuid(done.uuid) is None and not station.ledger.quarantined()
        assert scan_files([station.paths.transcripts], [foreign_key])[1] == []

        over, recorder = _job(station, url, overwrite_by="Mia")
        assert over.reason is Reason.OK, over
        said = [e.text for e in recorder.events if isinstance(e, LogLine)]
        assert any("supervisor Mia chose to overwrite" in text for text in said), said
        last = list(read_records(station.paths.write_log))[-1]
        assert last["result"] == "passed"
        assert last["detail"] == (
            f"overwrote license {done.uuid} (another station's or order's) by supervisor Mia"
        )
        assert farm.chips[0].flash != flash_before
        assert scan_files([station.paths.transcripts], [foreign_key])[1] == []


def test_a_license_is_found_in_any_namespace_of_a_partition() -> None:
    record = AuthRecord(uuid="uuid0123456789abcdef", authkey="A" * 16 + "b" * 16)
    image = build_nvs_record(record, namespace="otherorder", size=0x6000)
    held = license_in_partition(image)
    assert held is not None and (held.uuid, held.authkey) == (record.uuid, record.authkey)
    assert license_in_partition(b"\xff" * 0x6000) is None  # blank
    damaged = bytearray(image)
    damaged[8] ^= 0xFF  # the first page's header no longer matches its CRC
    assert license_in_partition(bytes(damaged)) is None
