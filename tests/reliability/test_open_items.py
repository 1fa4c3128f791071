"""The engine's open items, closed: a second chip with a cloned MAC gets no second license, a
damaged key of our own license is rewritten, settings apply to a running station, and the
supervisor's ledger commands (find, quarantined, quarantine, settle, reconcile)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records
from prodtool.flash.events import Reason
from prodtool.license.model import LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm, SimChip, kvstore
from tests.engine.simhelp import Recorder
from tests.reliability.harness import TINY_FIRMWARE, fast_settings

pytestmark = [pytest.mark.sim]
SEED = 41


def _run(station: Station, urls: list[str]) -> dict[str, Reason]:
    recorder = Recorder()
    unsubscribe = station.subscribe(recorder)
    for url in urls:
        assert station.start(url)
    assert station.wait_idle(30)
    unsubscribe()
    return {port: e.reason for port, e in recorder.finished().items()}


@pytest.fixture
def station(tmp_path: Path) -> Station:
    pkg, password = build_demo_package(
        tmp_path / "in", licenses=6, firmware_size=TINY_FIRMWARE, fast_kdf=True, seed=SEED
    )
    s = Station(StationPaths(tmp_path / "station"), fast_settings(), comports=list)
    s.load_package(pkg, password)
    return s


def test_a_cloned_mac_holding_another_license_gets_none_and_is_quarantined(
    station: Station,
) -> None:
    with station, ChipFarm(count=2, seed=SEED) as farm:
        station.add_ports(farm.urls, start=False)
        assert set(_run(station, farm.urls).values()) == {Reason.OK}
        first, other = farm.chips[0].read_credentials(), farm.chips[1].read_credentials()
        assert first and other
        # a second chip with chip 0's MAC, holding chip 1's license, on chip 0's port
        clone = SimChip("esp32c3", index=0, seed=SEED)
        clone_kv = clone.profile.kv_offset
        with clone.serve("socket") as server:
            station.add_ports([server.url], start=False)
            clone.flash_memory.program(0x10000, bytes(farm.chips[0].flash[0x10000:0x12000]))
            kvstore.write_credentials(clone.flash_memory, clone_kv, *other)
            reasons = _run(station, [server.url])
            assert reasons[server.url] is Reason.DUPLICATE_CHIP
            assert clone.read_credentials() == other  # nothing written
        quarantined = {r.uuid: r.note for r in station.ledger.quarantined()}
        assert set(quarantined) == {first[0], other[0]}
        assert "two chips with one MAC" in quarantined[first[0]]
        station.ledger.check_invariants()


def test_our_license_with_a_damaged_key_is_rewritten(station: Station) -> None:
    with station, ChipFarm(count=1, seed=SEED) as farm:
        station.add_ports(farm.urls, start=False)
        assert _run(station, farm.urls) == {farm.urls[0]: Reason.OK}
        held = farm.chips[0].read_credentials()
        assert held
        chip = farm.chips[0]
        assert isinstance(chip, SimChip)
        kv = chip.profile.kv_offset
        kvstore.write_credentials(farm.chips[0].flash_memory, kv, held[0], "X" * 32)
        assert _run(station, farm.urls) == {farm.urls[0]: Reason.OK}
        assert farm.chips[0].read_credentials() == held


def test_apply_settings_reaches_the_next_job(station: Station) -> None:
    with station:
        station.apply_settings(station.settings.replace(auto_start=True, operator="bea"))
        assert station.auto_start and station._job_config().settings.operator == "bea"


def test_supervisor_ledger_commands(station: Station, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(station.paths.root)
    with station, ChipFarm(count=2, seed=SEED) as farm:
        station.add_ports(farm.urls, start=False)
        _run(station, farm.urls)
        uuid, _ = farm.chips[0].read_credentials() or ("", "")
        mac = farm.chips[0].mac
        record = station.ledger.find_uuid(uuid)
        assert record is not None
        # the AuthKey went out, the job never confirmed it: needs_check (as after a crash)
        station.ledger.quarantine(record.license_id, reason="test")
        station.ledger.release_quarantine(record.license_id, reason="test")
        urls = list(farm.urls)
        station.stop()
        capsys.readouterr()
        assert main(["ledger", "find", mac, "--data-dir", root, "--json"]) == 0
        found = json.loads(capsys.readouterr().out)
        assert found[0]["uuid"] == uuid and found[0]["state"] == "needs_check"
        assert main(["ledger", "reconcile", "--ports", ",".join(urls), "--data-dir", root]) == 0
        out = capsys.readouterr().out
        assert f"verified   {uuid}" in out and "0 license(s) still need a check" in out
        # the write the job never confirmed is logged now, once, by the reconciliation
        logged = [r for r in read_records(station.paths.write_log) if r["uuid"] == uuid]
        assert [r["detail"].split(":")[0] for r in logged] == ["", "reconciled"]
        assert logged[-1]["result"] == "passed" and logged[-1]["mac"] == mac
        assert station.ledger.find_uuid(uuid).state is LicenseState.VERIFIED  # type: ignore[union-attr]
    assert main(["ledger", "quarantine", uuid, "--reason", "bad solder", "--data-dir", root]) == 0
    assert main(["ledger", "quarantined", "--data-dir", root]) == 0
    assert "bad solder" in capsys.readouterr().out
    assert main(["ledger", "settle", uuid, "--on-no-chip", "--data-dir", root]) == 2
    assert "cannot settle" in capsys.readouterr().err
    assert main(["ledger", "find", "nosuchuuid000000", "--data-dir", root]) == 2
    assert main(["ledger", "find", uuid, "--history", "--data-dir", root]) == 0
    history = capsys.readouterr().out
    assert "quarantine" in history and farm.chips[0].read_credentials()[1] not in history  # type: ignore[index]
