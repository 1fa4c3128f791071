"""QA, support bundles and replay on simulated Beken modules.

`prodtool check` on a Beken port identifies the module by the shell's `read_mac` (the loader
cannot say it) and reads the license back over the shell; a failed Beken write's bundle holds
its transcript, whose steps are Beken frames (4 KiB writes), not SLIP, and replays.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.demo import build_demo_package
from prodtool.engine.qa import Verdict, check_port
from prodtool.engine.qa_transcript import infer_setup, job_steps, parse_transcript
from prodtool.engine.replay import replay
from prodtool.engine.station import Station
from prodtool.engine.support import build_bundle, bundle_bytes, read_bundle
from prodtool.families import registry
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm, parse_fault
from tests.engine.simhelp import fast_settings
from tests.qa.qahelp import write_chips

pytestmark = [
    pytest.mark.sim,
    # pyserial's RFC 2217 client still calls Thread.setDaemon/setName.
    pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated:DeprecationWarning"),
]
FIRMWARE = 0x6000  # six 4 KiB writes


def _package(folder: Path, seed: int) -> tuple[Path, str]:
    return build_demo_package(
        folder, licenses=3, firmware_size=FIRMWARE, fast_kdf=True, seed=seed, chip_family="t2"
    )


def test_check_reads_a_beken_module_back_over_its_shell(
    station: Station, paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg, password = _package(tmp_path, seed=31)
    manifest = station.load_package(pkg, password)
    with ChipFarm(count=1, family="bk7231n", transport="socket", seed=2) as farm:
        write_chips(station, farm.urls)
        chip = farm.chips[0]
        held = chip.read_credentials()
        assert held is not None
        report = check_port(farm.urls[0], station.ledger, manifest, write_log=paths.write_log)
        assert report.verdict is Verdict.PASS, report.checks
        assert report.mac == chip.mac and report.uuid == held[0]
        assert any(c.code.value == "authkey" for c in report.checks)

        code = main(["check", "--port", farm.urls[0], "--json"])
        out = capsys.readouterr().out
    assert code == 0, out
    data = json.loads(out)
    assert data["verdict"] == "pass" and data["uuid"] == held[0]
    assert password not in out and held[1] not in out


def test_check_fails_a_module_whose_license_the_ledger_binds_elsewhere(
    station: Station, tmp_path: Path
) -> None:
    pkg, password = _package(tmp_path, seed=32)
    manifest = station.load_package(pkg, password)
    with ChipFarm(count=2, family="bk7231n", transport="socket", seed=3) as farm:
        write_chips(station, farm.urls)
        a, b = farm.chips
        offset = 0x1D3000  # the simulated firmware's key-value sector (sim/chip.py kv_offset)
        sector = bytes(a.flash[offset : offset + 0x1000])
        b.flash_memory.erase(offset, 0x1000)
        b.flash_memory.program(offset, sector)  # b now holds a's license
        report = check_port(farm.urls[1], station.ledger, manifest)
    assert report.verdict is Verdict.FAIL
    assert report.mac == b.mac
    failed = {c.code.value for c in report.checks if c.status.value == "fail"}
    assert "binding" in failed, report.checks


@pytest.mark.slow
def test_a_failed_beken_write_bundles_and_replays(
    station: Station, paths: StationPaths, tmp_path: Path
) -> None:
    pkg, password = _package(tmp_path, seed=33)
    station.load_package(pkg, password)
    with ChipFarm(count=1, family="bk7231n", transport="socket", seed=4) as farm:
        farm.chips[0].add_fault(parse_fault("unplug@block=2"))
        write_chips(station, farm.urls)
    [port] = [p for p in station.ports() if p.reason is not None and p.reason.value != "ok"]
    out = build_bundle(
        paths, port.job_id, tmp_path / "b.zip", settings=fast_settings(), ledger=station.ledger
    )
    data = bundle_bytes(out)
    assert password.encode() not in data
    bundle = read_bundle(out)
    assert bundle.record["reason"] == "cable_pulled"
    assert bundle.record["chip_family"] == "bk7231n"

    family = registry.get("t2")
    records = parse_transcript(bundle.transcript)
    steps = job_steps(records, family)
    assert [s for s in steps if ": block " in s] == [
        "writing_firmware: block 0",
        "writing_firmware: block 1",
        "writing_firmware: block 2",
    ]
    assert infer_setup(records, family).faults == ("unplug@block=2",)

    result = replay(bundle)
    assert result.setup.faults == ("unplug@block=2",)
    assert result.reproduced, result.to_dict()
    assert result.sentence().endswith("at the same step (writing_firmware: block 2)")


def test_a_beken_module_that_never_answers_replays_as_no_download(
    station: Station, paths: StationPaths, tmp_path: Path
) -> None:
    pkg, password = _package(tmp_path, seed=34)
    station.load_package(pkg, password)
    # a module running its app, which ignores the reboot paths: its shell echoes what the host
    # types, so the host did receive bytes, just never a LinkCheck reply
    with ChipFarm(
        count=1, family="bk7231n", transport="socket", seed=5, app_version="1.0.0"
    ) as farm:
        farm.chips[0].add_fault(parse_fault("no-download"))
        write_chips(station, farm.urls)
    [port] = [p for p in station.ports() if p.reason is not None and p.reason.value != "ok"]
    bundle = read_bundle(
        build_bundle(
            paths, port.job_id, tmp_path / "n.zip", settings=fast_settings(), ledger=station.ledger
        )
    )
    assert bundle.record["reason"] == "no_answer"
    records = parse_transcript(bundle.transcript)
    assert any(r.get("dir") == "rx" for r in records)
    assert infer_setup(records, registry.get("t2")).faults == ("no-download",)
