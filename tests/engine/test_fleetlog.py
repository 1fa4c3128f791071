"""The fleet's write log from the pool: `prodtool log export` writes every station's chain,
signed (one station's with --station), and `prodtool log verify` finds any edit in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.fleetlog import Outbox, verify_fleet
from prodtool.engine.writelog import WriteLog, WriteRecord
from prodtool.license.pg_store import PgLedger, init_pool
from prodtool.paths import StationPaths
from prodtool.settings import Settings, save_settings


def _station(root: Path, name: str, url: str, key_from: Path | None) -> StationPaths:
    paths = StationPaths(root / name).ensure()
    save_settings(Settings(station_id=name, ledger_url=url), paths.settings)
    if key_from is not None:
        (paths.keys / "pool.key").write_bytes(key_from.read_bytes())
    return paths


def _fill(paths: StationPaths, station: str, n: int) -> None:
    log = WriteLog(paths.write_log)
    for i in range(n):
        log.append(
            WriteRecord(
                job_id=f"{station}-job{i}",
                station_id=station,
                operator="ana",
                port=f"p{i}",
                chip_family="esp32c3",
                mac=f"aa:bb:cc:00:{len(station):02x}:{i:02x}",
                uuid=f"{station}uuid{i:012d}",
                result="passed",
                reason="ok",
            )
        )


@pytest.fixture
def fleet(pool_url: str, tmp_path: Path) -> tuple[StationPaths, StationPaths]:
    """Two stations of one pool, each with a write log shipped to it."""
    a = _station(tmp_path, "a", pool_url, None)
    init_pool(pool_url, a.keys / "pool.key")
    b = _station(tmp_path, "b", pool_url, a.keys / "pool.key")
    for paths, name, n in ((a, "a", 3), (b, "b", 2)):
        _fill(paths, name, n)
        with PgLedger.join_station(pool_url, paths) as pool:
            assert Outbox.ship_once(paths.write_log, pool, name) == n
    return a, b


def test_log_export_against_the_pool_is_the_fleet_and_verifies(
    fleet: tuple[StationPaths, StationPaths], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = fleet
    out = tmp_path / "fleet.json"
    assert main(["log", "export", "--out", str(out), "--data-dir", str(a.root)]) == 0
    assert "5 records of the fleet" in capsys.readouterr().out
    stations = json.loads(out.read_text())["stations"]
    assert {k: len(v) for k, v in stations.items()} == {"a": 3, "b": 2}
    # verified on another station (a different key: the signer is named, not trusted blindly)
    assert main(["log", "verify", str(out), "--data-dir", str(b.root)]) == 0
    said = capsys.readouterr().out
    assert "5 records" in said and "OK: the file is intact" in said
    one = tmp_path / "b.json"
    args = ["log", "export", "--out", str(one), "--station", "b", "--data-dir", str(a.root)]
    assert main(args) == 0
    assert list(json.loads(one.read_text())["stations"]) == ["b"]
    assert verify_fleet(one).ok


@pytest.mark.parametrize("cut", ["edit", "drop_last", "drop_station"])
def test_log_verify_finds_an_edit_in_a_fleet_export(
    fleet: tuple[StationPaths, StationPaths],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cut: str,
) -> None:
    a, _ = fleet
    out = tmp_path / "fleet.json"
    assert main(["log", "export", "--out", str(out), "--data-dir", str(a.root)]) == 0
    document = json.loads(out.read_text())
    if cut == "edit":
        document["stations"]["a"][1]["uuid"] = "forged"
    elif cut == "drop_last":
        document["stations"]["a"].pop()
    else:
        del document["stations"]["b"]
    out.write_text(json.dumps(document, indent=1))
    capsys.readouterr()
    assert main(["log", "verify", str(out), "--data-dir", str(a.root)]) == 1
    assert "FAILED" in capsys.readouterr().out
    report = verify_fleet(out)
    assert not report.ok and (report.problems or not report.signature_ok)


def test_log_verify_checks_the_signer_when_told_its_fingerprint(
    fleet: tuple[StationPaths, StationPaths], tmp_path: Path
) -> None:
    a, _ = fleet
    out = tmp_path / "fleet.json"
    assert main(["log", "export", "--out", str(out), "--data-dir", str(a.root)]) == 0
    report = verify_fleet(out)
    assert report.ok
    assert verify_fleet(out, expect_fingerprint=report.key_fingerprint).ok
    assert not verify_fleet(out, expect_fingerprint="0" * len(report.key_fingerprint)).ok


def test_local_export_of_a_pool_station_is_its_own_log(
    fleet: tuple[StationPaths, StationPaths], tmp_path: Path
) -> None:
    a, _ = fleet
    out = tmp_path / "own.csv"
    assert main(["log", "export", "--out", str(out), "--local", "--data-dir", str(a.root)]) == 0
    assert out.read_text().count("a-job") == 3
