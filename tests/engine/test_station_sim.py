"""The write engine end to end on simulated chips: passes, faults, the ledger, the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records, verify_chain
from prodtool.families.esp.nvs import parse_nvs_record
from prodtool.flash.events import JobFinished, JobState, LicenseAssigned, LogLine, Reason
from prodtool.license.model import AuthMethod, DeliveryMode, LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm, parse_fault
from tests.engine.simhelp import Recorder, fast_settings, package

pytestmark = pytest.mark.sim


def _run(station: Station, urls: list[str], timeout: float = 60) -> Recorder:
    recorder = Recorder()
    unsubscribe = station.subscribe(recorder)
    station.add_ports(urls, start=True)
    assert station.wait_idle(timeout)
    unsubscribe()
    return recorder


def _counts(station: Station) -> dict[LicenseState, int]:
    manifest = station.manifest
    assert manifest is not None
    pid = station.summary().package_id
    return station.ledger.counts(pid)[pid]


def test_credential_package_passes_and_reuses_on_replug(
    station: Station, paths: StationPaths, tmp_path: Path
) -> None:
    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    with ChipFarm(count=3, family="esp32c3", transport="socket") as farm:
        recorder = _run(station, farm.urls)
        finished = recorder.finished()
        assert all(f.passed for f in finished.values()), finished
        held = [chip.read_credentials() for chip in farm.chips]
        assert all(h is not None for h in held)
        uuids = {h[0] for h in held if h}
        assert len(uuids) == 3
        assert _counts(station)[LicenseState.VERIFIED] == 3
        states = [
            e.state for e in recorder.events if e.port == farm.urls[0] and hasattr(e, "state")
        ]
        assert states[:3] == [JobState.CONNECTING, JobState.IDENTIFYING, JobState.CHECKING]
        assert states[-2:] == [JobState.PASSED, JobState.REMOVE_CHIP]

        # the same chip again: its license is reused, none is spent
        recorder = Recorder()
        station.subscribe(recorder)
        assert station.retry(farm.urls[0])
        assert station.wait_idle(30)
        assert recorder.finished()[farm.urls[0]].passed
        assigned = [e for e in recorder.events if isinstance(e, LicenseAssigned)]
        assert assigned and assigned[0].reused and assigned[0].uuid == held[0][0]  # type: ignore[index]
        assert _counts(station)[LicenseState.AVAILABLE] == 5
    records = list(read_records(paths.write_log))
    assert len(records) == 4 and verify_chain(records) == []
    assert records[-1]["license_reused"] is True and records[-1]["result"] == "passed"
    station.ledger.check_invariants()
    secrets = [
        station.ledger.authkey(r.license_id) for u in uuids if (r := station.ledger.find_uuid(u))
    ]
    everything = paths.write_log.read_text() + "".join(
        p.read_text() for p in paths.transcripts.glob("*.jsonl")
    )
    assert secrets and not any(s in everything for s in secrets)


@pytest.mark.parametrize(
    ("spec", "reason", "state"),
    [
        ("unplug@block=1", Reason.CABLE_PULLED, LicenseState.AVAILABLE),
        ("wrong-chip=esp32", Reason.WRONG_CHIP, None),
        ("auth-reject", Reason.AUTH_REJECTED, LicenseState.NEEDS_CHECK),
        ("flash-stuck@offset=0x10000", Reason.FIRMWARE_VERIFY_FAILED, LicenseState.AVAILABLE),
        ("block-error@block=1,count=all", Reason.LINK_ERRORS, LicenseState.AVAILABLE),
        ("no-download", Reason.NO_ANSWER, None),
    ],
)
def test_fault_ends_in_its_reason_with_the_ledger_right(
    station: Station, tmp_path: Path, spec: str, reason: Reason, state: LicenseState | None
) -> None:
    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        farm.chips[0].add_fault(parse_fault(spec))
        recorder = _run(station, farm.urls)
    finished = recorder.finished()[farm.urls[0]]
    assert not finished.passed
    assert finished.reason is reason, finished.detail
    counts = _counts(station)
    if state is None:
        assert counts[LicenseState.AVAILABLE] == 8
    else:
        assert counts[state] == (8 if state is LicenseState.AVAILABLE else 1)
    station.ledger.check_invariants()


def test_shell_noise_and_colour_still_pass(station: Station, tmp_path: Path) -> None:
    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
        farm.chips[0].add_fault(parse_fault("shell-noise"))
        farm.chips[1].add_fault(parse_fault("shell-ansi"))
        recorder = _run(station, farm.urls)
    assert all(f.passed for f in recorder.finished().values()), recorder.finished()


def test_nvs_method_writes_a_partition_that_reads_back(station: Station, tmp_path: Path) -> None:
    pkg, password = package(tmp_path, auth_method=AuthMethod.ESP_IDF_NVS)
    manifest = station.load_package(pkg, password)
    assert manifest.nvs is not None
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        recorder = _run(station, farm.urls)
        finished = recorder.finished()[farm.urls[0]]
        assert finished.passed, finished
        nvs = manifest.nvs
        data = bytes(farm.chips[0].flash[nvs.offset : nvs.offset + nvs.size])
    record = parse_nvs_record(data, namespace=nvs.namespace)
    assert record is not None and record.uuid == finished.uuid


def test_authorization_only_checks_the_app_version(station: Station, tmp_path: Path) -> None:
    pkg, password = package(
        tmp_path, mode=DeliveryMode.AUTHORIZATION_ONLY, min_firmware_version="1.2.0"
    )
    station.load_package(pkg, password)
    with (
        ChipFarm(count=1, family="esp32c3", transport="socket", app_version="1.2.3") as good,
        ChipFarm(count=1, family="esp32c3", transport="socket", app_version="1.1.0", seed=5) as old,
    ):
        recorder = _run(station, good.urls + old.urls)
    finished = recorder.finished()
    assert finished[good.urls[0]].passed, finished
    assert finished[old.urls[0]].reason is Reason.FIRMWARE_TOO_OLD
    assert _counts(station)[LicenseState.AVAILABLE] == 7


def test_license_list_on_chips_with_firmware(station: Station, tmp_path: Path) -> None:
    from prodtool.license.builder import demo_licenses

    csv_file = tmp_path / "licenses.csv"
    csv_file.write_text(
        "uuid,authkey\n" + "".join(f"{x.uuid},{x.authkey}\n" for x in demo_licenses(3, seed=3))
    )
    station.load_license_list(csv_file)
    with ChipFarm(count=2, family="esp32c3", transport="socket", app_version="1.0.0") as farm:
        recorder = _run(station, farm.urls)
    assert all(f.passed for f in recorder.finished().values()), recorder.finished()


def test_two_chips_with_one_mac_are_quarantined(station: Station, tmp_path: Path) -> None:
    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    with (
        ChipFarm(count=1, family="esp32c3", transport="socket", seed=9) as a,
        ChipFarm(count=1, family="esp32c3", transport="socket", seed=9) as b,
    ):
        assert a.chips[0].mac == b.chips[0].mac
        recorder = _run(station, a.urls + b.urls)
    finished = recorder.finished()
    assert [f.reason for f in finished.values()] == [Reason.DUPLICATE_CHIP] * 2, finished
    counts = _counts(station)
    assert counts[LicenseState.VERIFIED] == 0
    assert counts[LicenseState.QUARANTINED] == 1
    station.ledger.check_invariants()


def test_cancel_and_watchdog(paths: StationPaths, tmp_path: Path) -> None:
    pkg, password = package(tmp_path)
    with Station(paths, fast_settings(job_timeout_s=1.5), comports=list) as station:
        station.load_package(pkg, password)
        with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
            for chip in farm.chips:
                chip.add_fault(parse_fault("delay@op=0x13,ms=4000"))
            recorder = Recorder()
            station.subscribe(recorder)
            station.add_ports(farm.urls, start=True)
            station.cancel(farm.urls[1])
            assert station.wait_idle(20)
        finished = recorder.finished()
        assert finished[farm.urls[0]].reason is Reason.TIMEOUT
        assert finished[farm.urls[1]].reason is Reason.CANCELLED
        assert _counts(station)[LicenseState.AVAILABLE] == 8


def _jobs(recorder: Recorder) -> list[JobFinished]:
    return list(recorder.finished().values())


def test_json_events_are_serialisable(station: Station, tmp_path: Path) -> None:
    from prodtool.engine.console import event_dict

    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        recorder = _run(station, farm.urls)
    lines = [json.dumps(event_dict(e)) for e in recorder.events]
    assert any('"JobFinished"' in line for line in lines)


def test_a_chip_that_refuses_faster_baud_rates_passes_at_115200(
    station: Station, tmp_path: Path
) -> None:
    """The ESP32-C3's ROM changes baud before the stub goes up: when the chip acknowledges and
    keeps its rate, the link garbles, and the station retries one rate lower until it works."""
    pkg, password = package(tmp_path)
    station.load_package(pkg, password)
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        farm.chips[0].add_fault(parse_fault("no-baud-change"))
        recorder = _run(station, farm.urls)
    (finished,) = recorder.finished().values()
    assert finished.passed, finished
    retries = [e.text for e in recorder.events if isinstance(e, LogLine) and e.level == "warning"]
    assert any("retrying at 460800 baud" in t for t in retries), retries
    assert any("retrying at 115200 baud" in t for t in retries), retries
    (record,) = read_records(station.paths.write_log)
    assert record["baud"] == 115200
