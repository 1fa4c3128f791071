"""The headless CLI on simulated chips, the signed log round trip, and 32 chips at once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.station import Station
from prodtool.license.model import LicenseState
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from prodtool.sim import ChipFarm
from tests.engine.simhelp import Recorder, fast_settings, package

pytestmark = pytest.mark.sim


def test_run_then_export_and_verify(
    paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_settings(fast_settings(), paths.settings)
    pkg, password = package(tmp_path)
    secret = tmp_path / "password.txt"
    secret.write_text(password + "\n")
    with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
        code = main(
            [
                "run",
                "--package",
                str(pkg),
                "--password-file",
                str(secret),
                "--ports",
                ",".join(farm.urls),
                "--json",
                "--operator",
                "ana",
            ]
        )
    out = capsys.readouterr().out
    assert code == 0, out
    events = [json.loads(line) for line in out.splitlines()]
    assert events[-1]["event"] == "Summary" and events[-1]["passed"] == 2
    assert sum(1 for e in events if e["event"] == "JobFinished" and e["passed"]) == 2

    export = tmp_path / "log.csv"
    assert main(["log", "export", "--out", str(export)]) == 0
    assert main(["log", "verify", str(export)]) == 0
    assert "OK" in capsys.readouterr().out
    lines = export.read_text().splitlines()
    export.write_text("\n".join([lines[0], lines[2]]) + "\n")  # delete record 0
    assert main(["log", "verify", str(export)]) == 1
    out = capsys.readouterr().out
    assert "record 0 was deleted" in out and "FAILED" in out


def test_run_fails_with_nonzero_exit(
    paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prodtool.sim import parse_fault

    save_settings(fast_settings(), paths.settings)
    pkg, password = package(tmp_path)
    secret = tmp_path / "password.txt"
    secret.write_text(password)
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        farm.chips[0].add_fault(parse_fault("auth-reject"))
        code = main(
            ["run", "--package", str(pkg), "--password-file", str(secret), "--ports", farm.urls[0]]
        )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED (auth_rejected)" in out and "failed 1" in out


def test_run_refuses_a_baud_rate_no_chip_family_supports(
    paths: StationPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    save_settings(fast_settings(), paths.settings)
    missing = str(paths.root / "none.prodpkg")
    code = main(["run", "--package", missing, "--password-file", missing, "--baud", "250000"])
    err = capsys.readouterr().err
    assert code == 2
    assert "250000 baud, which no chip family supports" in err and len(err.splitlines()) <= 2


@pytest.mark.slow
def test_32_chips_in_one_run(paths: StationPaths, tmp_path: Path) -> None:
    pkg, password = package(tmp_path, licenses=32)
    with Station(paths, fast_settings(), comports=list) as station:
        station.load_package(pkg, password)
        recorder = Recorder()
        station.subscribe(recorder)
        with ChipFarm(count=32, family="esp32c3", transport="socket") as farm:
            started = time.monotonic()
            station.add_ports(farm.urls, start=True)
            assert station.wait_idle(120)
            seconds = time.monotonic() - started
            held = [chip.read_credentials() for chip in farm.chips]
        finished = recorder.finished()
        assert len(finished) == 32 and all(f.passed for f in finished.values()), [
            (f.port, f.reason, f.detail) for f in finished.values() if not f.passed
        ]
        uuids = [h[0] for h in held if h]
        assert len(uuids) == 32 and len(set(uuids)) == 32
        pid = station.summary().package_id
        assert station.ledger.counts(pid)[pid][LicenseState.VERIFIED] == 32
        station.ledger.check_invariants()
        print(f"32 chips in {seconds:.1f} s")
