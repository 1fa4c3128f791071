"""QA checks on simulated chips: a clean chip passes; each kind of wrong chip gets its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.qa import CheckCode, Status, Verdict, check_port, choose_manifest
from prodtool.engine.station import Station
from prodtool.errors import UserError
from prodtool.families.esp.nvs import AuthRecord
from prodtool.license.model import AuthMethod, LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.qa.qahelp import (
    CLOUD,
    copy_credentials,
    install_app,
    install_nvs_record,
    make_package,
    write_chips,
)

pytestmark = pytest.mark.sim


def _failed(report_checks: tuple[object, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for check in report_checks:
        if check.status is Status.FAIL:  # type: ignore[attr-defined]
            out.setdefault(check.code.value, []).append(check.text)  # type: ignore[attr-defined]
    return out


def test_a_written_chip_checks_clean_and_one_rolled_back_is_too_old(
    station: Station, paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = make_package(tmp_path, seed=1, min_firmware_version="1.2.0", features=(CLOUD,))
    manifest = station.load_package(pkg.path, pkg.password)
    with ChipFarm(count=1) as farm:
        write_chips(station, farm.urls)
        report = check_port(farm.urls[0], station.ledger, manifest, write_log=paths.write_log)
        assert report.verdict is Verdict.PASS, report.checks
        texts = [c.text for c in report.checks]
        uuid = farm.chips[0].read_credentials()[0]  # type: ignore[index]
        assert f"UUID {uuid} belongs to order DEMO-0001, product Demo smart plug" in texts
        assert "Firmware 1.2.0 (minimum 1.2.0)" in texts
        assert "Required features present: Cloud storage" in texts

        code = main(["check", "--port", farm.urls[0], "--json"])
        out = capsys.readouterr().out

        install_app(farm.chips[0], "1.1.0")  # rolled back after the write: below the minimum
        old = check_port(farm.urls[0], station.ledger, manifest)
    assert _failed(old.checks) == {
        "firmware": [
            "Firmware 1.1.0 is older than the package's minimum 1.2.0: "
            "devices shipped below it lose Cloud storage"
        ]
    }
    assert old.firmware_version == "1.1.0"
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "pass" and data["uuid"] == uuid
    assert {c["code"] for c in data["checks"]} >= {"package", "binding", "authkey", "firmware"}
    assert not any(s in out for s in pkg.secrets)


def test_a_uuid_the_ledger_gives_to_another_chip(station: Station, tmp_path: Path) -> None:
    pkg = make_package(tmp_path, seed=2)
    manifest = station.load_package(pkg.path, pkg.password)
    with ChipFarm(count=2, app_version="1.2.0") as farm:
        write_chips(station, farm.urls[:1])
        copy_credentials(farm.chips[0], farm.chips[1])  # a cloned module
        report = check_port(farm.urls[1], station.ledger, manifest)
    failed = _failed(report.checks)
    assert report.verdict is Verdict.FAIL
    assert failed == {
        "binding": [
            f"This UUID was written to chip {farm.chips[0].mac}, not this one ({farm.chips[1].mac})"
        ]
    }


def test_a_license_of_another_package(
    station: Station, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_package(tmp_path / "a", seed=3)
    second = make_package(tmp_path / "b", seed=4)
    station.load_package(first.path, first.password)
    with ChipFarm(count=1) as farm:
        write_chips(station, farm.urls)
        other = station.load_package(second.path, second.password)
        with pytest.raises(UserError, match="several packages"):
            choose_manifest(station.ledger, None)
        report = check_port(farm.urls[0], station.ledger, other)
        code = main(["check", "--port", farm.urls[0], "--package-id", other.package_id])
    failed = _failed(report.checks)
    assert list(failed) == ["package"], failed
    assert "belongs to package" in failed["package"][0]
    assert "(order DEMO-0003, product Demo smart plug)" in failed["package"][0]
    assert f"not to package {other.package_id} (order DEMO-0004" in failed["package"][0]
    assert code == 1
    assert "FAIL" in capsys.readouterr().out


def test_a_chip_missing_a_required_feature(station: Station, tmp_path: Path) -> None:
    pkg = make_package(tmp_path, seed=6, auth_method=AuthMethod.ESP_IDF_NVS, features=(CLOUD,))
    manifest = station.load_package(pkg.path, pkg.password)
    with ChipFarm(count=1) as farm:
        write_chips(station, farm.urls)
        clean = check_port(farm.urls[0], station.ledger, manifest)
        assert clean.passed, clean.checks
        record = station.ledger.find_uuid(clean.uuid)
        assert record is not None
        install_nvs_record(
            farm.chips[0],
            AuthRecord(
                uuid=record.uuid,
                authkey=station.ledger.authkey(record.license_id),
                product_id="demo-plug",
                features=(),
            ),
        )
        report = check_port(farm.urls[0], station.ledger, manifest)
    failed = _failed(report.checks)
    assert failed == {
        "features": [
            "Required feature Cloud storage (cloud-storage) is missing from the license record"
        ]
    }


def test_needs_check_is_settled_only_with_settle(station: Station, tmp_path: Path) -> None:
    pkg = make_package(tmp_path, seed=8)
    manifest = station.load_package(pkg.path, pkg.password)
    with ChipFarm(count=1) as farm:
        write_chips(station, farm.urls)
        uuid = farm.chips[0].read_credentials()[0]  # type: ignore[index]
        record = station.ledger.find_uuid(uuid)
        assert record is not None
        station.ledger.quarantine(record.license_id, reason="test")
        station.ledger.release_quarantine(record.license_id, reason="test")  # → needs_check
        plain = check_port(farm.urls[0], station.ledger, manifest)
        assert station.ledger.record(record.license_id).state is LicenseState.NEEDS_CHECK
        settled = check_port(farm.urls[0], station.ledger, manifest, settle=True)
    assert [c.code for c in plain.checks if c.status is Status.FAIL] == [CheckCode.LEDGER_STATE]
    assert "--settle" in plain.failures()[0].text
    assert settled.passed and settled.settled
    assert station.ledger.record(record.license_id).state is LicenseState.VERIFIED


def test_a_blank_chip_and_an_unreadable_port(station: Station, tmp_path: Path) -> None:
    pkg = make_package(tmp_path, seed=9)
    manifest = station.load_package(pkg.path, pkg.password)
    with ChipFarm(count=1, app_version="1.2.0") as farm:
        blank = check_port(farm.urls[0], station.ledger, manifest)
        farm.unplug(0)
        gone = check_port(farm.urls[0], station.ledger, manifest, connect_attempts=1)
    assert _failed(blank.checks) == {"license": ["The chip holds no license (auth-read is empty)"]}
    assert gone.verdict is Verdict.FAIL
    assert gone.failures()[0].code is CheckCode.READ
    assert gone.failures()[0].text.startswith("Could not read the chip: no_answer")
