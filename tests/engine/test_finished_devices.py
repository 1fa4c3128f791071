"""Finished devices put back on the line with another package (issue 15 item 2): recognised
before anything is flashed, nothing quarantined, no license spent; a supervisor may overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobFinished, LogLine, Reason
from prodtool.license.model import AuthMethod, LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import SMALL_FIRMWARE, Recorder, fast_settings

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
