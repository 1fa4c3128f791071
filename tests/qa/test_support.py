"""Support bundles (no secret in any byte) and replays of failed writes on simulated chips."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.qa_transcript import first_divergence, infer_setup, job_steps
from prodtool.engine.replay import replay
from prodtool.engine.station import Station
from prodtool.engine.support import build_bundle, bundle_bytes, read_bundle
from prodtool.license.model import AuthMethod
from prodtool.paths import StationPaths
from prodtool.settings import hash_pin, save_settings
from prodtool.sim import ChipFarm, parse_fault
from tests.engine.simhelp import fast_settings
from tests.qa.qahelp import make_package, write_chips

pytestmark = pytest.mark.sim


def _assert_no_secret(path: Path, secrets: list[str]) -> None:
    data = bundle_bytes(path)
    for secret in secrets:
        assert secret.encode() not in data
        assert secret.encode().hex().encode() not in data


def _failed_job(station: Station) -> str:
    [port] = [p for p in station.ports() if p.reason is not None and p.reason.value != "ok"]
    return port.job_id


@pytest.mark.slow
def test_an_unplug_bundle_replays_to_the_same_failure_at_the_same_step(
    station: Station, paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = fast_settings(supervisor_pin_hash=hash_pin("4711"))
    save_settings(settings, paths.settings)
    pkg = make_package(tmp_path, seed=21)
    station.load_package(pkg.path, pkg.password)
    with ChipFarm(count=1) as farm:
        farm.chips[0].add_fault(parse_fault("unplug@block=2"))
        write_chips(station, farm.urls)
    job_id = _failed_job(station)
    out = tmp_path / "bundle.zip"
    assert main(["support", "bundle", job_id, "--out", str(out)]) == 0

    _assert_no_secret(out, pkg.secrets)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        info = json.loads(archive.read("bundle.json"))
        stored = json.loads(archive.read("settings.json"))
        log = archive.read("log.txt").decode()
    assert names == {
        "bundle.json",
        "record.json",
        "transcript.jsonl",
        "manifest.json",
        "settings.json",
        "license-history.json",
        "log.txt",
    }
    assert "supervisor_pin_hash" not in stored and stored["station_id"] == "test-station"
    assert info["port"] == {"port": farm.urls[0], "kind": "url"}
    assert {"prodtool", "esptool", "pyserial", "PySide6", "python", "os"} <= set(info["versions"])
    assert "cable_pulled" in log

    bundle = read_bundle(out)
    assert bundle.record["reason"] == "cable_pulled"
    result = replay(bundle)
    assert result.setup.faults == ("unplug@block=2",)
    assert result.reproduced, result.to_dict()
    assert "writing_firmware: block 2" in result.replayed_steps
    assert result.sentence() == (
        "Reproduced: the replay failed the same way (cable_pulled) at the same step "
        "(writing_firmware: block 2)"
    )
    capsys.readouterr()


def test_an_auth_reject_bundle_holds_no_secret_and_replays(
    station: Station, paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = make_package(tmp_path, seed=22, auth_method=AuthMethod.TUYAOPEN_SHELL)
    station.load_package(pkg.path, pkg.password)
    with ChipFarm(count=1) as farm:
        farm.chips[0].add_fault(parse_fault("auth-reject"))
        write_chips(station, farm.urls)
    job_id = _failed_job(station)
    settings = fast_settings(  # URLs with passwords: the pool's and the MES's
        ledger_url="postgresql://station:Pool5ecret@db.local/prodtool",
        mes_url="https://line:Mes5ecret@mes.local/records",
    )
    out = build_bundle(paths, job_id, tmp_path / "b.zip", settings=settings, ledger=station.ledger)
    _assert_no_secret(out, [*pkg.secrets, "Pool5ecret", "Mes5ecret"])
    shown = json.loads(zipfile.ZipFile(out).read("settings.json"))
    assert shown["ledger_url"] == "postgresql://station:<hidden>@db.local/prodtool"
    history = json.loads(zipfile.ZipFile(out).read("license-history.json"))
    assert [e["to_state"] for e in history][-1] == "needs_check"

    code = main(["support", "replay", str(out), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert result["faults"] == ["auth-reject"] and result["reproduced"]
    assert result["replayed_reason"] == "auth_rejected"


def test_a_replay_that_differs_says_where() -> None:
    steps = ["state: connecting", "state: identifying", "state: checking", "finished: ok"]
    other = ["state: connecting", "state: identifying", "state: failed", "finished: wrong_chip"]
    divergence = first_divergence(steps, other)
    assert divergence is not None and divergence.index == 2
    assert divergence.sentence() == (
        "step 3: the recorded run did 'state: checking', the replay 'state: failed'"
    )
    assert first_divergence(steps, steps) is None


@pytest.mark.parametrize(
    ("records", "faults"),
    [
        (
            [{"dir": "step", "text": "finished", "reason": "wrong_chip",
              "detail": "this chip is ESP32-S3, not esp32c3"}],
            ("wrong-chip=esp32s3",),
        ),
        (
            [{"dir": "tx", "hex": "c000082400"}, {"dir": "step", "text": "finished",
              "reason": "no_answer", "detail": "Failed to connect"}],
            ("no-download",),
        ),
        (
            [{"dir": "rx", "text": "Authorization write failure.\n"},
             {"dir": "step", "text": "finished", "reason": "auth_rejected"}],
            ("auth-reject",),
        ),
        (
            [{"dir": "step", "text": "finished", "reason": "firmware_verify_failed",
              "detail": "MD5 of app.bin at 0x10000 differs"}],
            ("flash-stuck@offset=0x10000",),
        ),
    ],
)  # fmt: skip
def test_faults_are_inferred_from_transcripts(
    records: list[dict[str, object]], faults: tuple[str, ...]
) -> None:
    setup = infer_setup(records)
    assert setup.faults == faults
    for spec in faults:
        parse_fault(spec)  # the simulator accepts what we infer
    assert job_steps(records)[-1].startswith("finished: ")
