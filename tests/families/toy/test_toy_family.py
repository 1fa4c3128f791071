"""A throwaway family from this folder alone (driver, simulated chip, registry entry) through
the driver contract, the station (in threads and in worker processes) and the command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.station import Station
from prodtool.families import registry
from prodtool.flash.events import JobFinished
from prodtool.flash.serialport import open_serial
from prodtool.license.builder import build_package, demo_licenses, demo_signing_key
from prodtool.license.model import AuthMethod, DeliveryMode, LicenseState, ScryptParams
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import Recorder, fast_settings
from tests.families.contract import DriverContract, Target, farm_target
from tests.families.toy.family import TOY

pytestmark = pytest.mark.sim
PASSWORD = "toy-password-1"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _toy_registered() -> Iterator[None]:
    with registry.registered(TOY):
        yield


class TestToyContract(DriverContract):
    WRONG_CHIP_FAULT = "wrong-chip=esp32c3"

    @pytest.fixture
    def target(self, _toy_registered: None) -> Iterator[Target]:
        yield from farm_target(TOY)


def test_the_registry_knows_it_by_every_name() -> None:
    assert registry.get("TOY1") is TOY and "toy" in registry.names()


def test_one_farm_serves_toy_and_esp_chips_each_speaking_its_own_protocol() -> None:
    with ChipFarm(families=["toy", "esp32c3", "toy"]) as farm:
        for url, chip in zip(farm.urls, farm.chips, strict=True):
            family = registry.get(chip.family)
            port = open_serial(url)
            try:
                info = family.open_driver(port, baud=family.rom_baud).identify(family.name)
            finally:
                port.close()
            assert (info.family, info.mac) == (chip.family, chip.mac)


def _package(folder: Path, licenses: int = 4) -> Path:
    path = folder / "toy.prodpkg"
    image = TOY.make_image(version="2.0.0", size=20_000)
    build_package(
        path,
        password=PASSWORD,
        licenses=demo_licenses(licenses, seed=11),
        mode=DeliveryMode.CREDENTIAL,
        firmware=[(image, TOY.app_offset, "2.0.0")],
        signing_key=demo_signing_key()[1],
        demo=True,
        kdf=ScryptParams.TEST,
        chip_family="toy",
        auth_method=AuthMethod.TUYAOPEN_SHELL,
    )
    return path


@pytest.mark.parametrize("processes", [0, 1], ids=["threads", "worker-process"])
def test_the_station_writes_toy_chips(tmp_path: Path, data_dir: Path, processes: int) -> None:
    settings = fast_settings(job_processes=processes)
    with (
        Station(StationPaths(data_dir), settings, comports=list) as station,
        ChipFarm(count=2, family="toy", app_version="1.0.0") as farm,
    ):
        station.load_package(_package(tmp_path), PASSWORD)
        recorder = Recorder()
        station.subscribe(recorder)
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
        finished = recorder.finished()
        assert all(f.passed for f in finished.values()), finished
        assert [chip.app_version() for chip in farm.chips] == ["2.0.0", "2.0.0"]
        held = [chip.read_credentials() for chip in farm.chips]
        assert all(held) and len({h[0] for h in held if h}) == 2
        pid = station.summary().package_id
        assert station.ledger.counts(pid)[pid][LicenseState.VERIFIED] == 2
        assert all(isinstance(e, JobFinished) for e in finished.values())


def test_the_command_line_builds_and_runs_a_toy_package(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image, pw, pkg = tmp_path / "toy.bin", tmp_path / "pw.txt", tmp_path / "toy.prodpkg"
    pw.write_text(PASSWORD)
    made = main(["sim", "image", "--family", "toy1", "--version", "3.0.0", "--out", str(image)])
    assert made == 0
    assert main(
        [
            "package", "build", "--out", str(pkg), "--password-file", str(pw), "--chip", "toy",
            "--demo-licenses", "2", "--demo", "--kdf-test-cost", "4",
            "--firmware", f"{image}@{TOY.app_offset:#x}", "--firmware-version", "3.0.0",
        ]
    ) == 0  # fmt: skip
    with ChipFarm(count=1, family="toy") as farm:
        code = main(
            ["run", "--package", str(pkg), "--password-file", str(pw), "--ports", farm.urls[0],
             "--count", "1"]
        )  # fmt: skip
        assert farm.chips[0].app_version() == "3.0.0"
    out = capsys.readouterr().out
    assert code == 0, out
    assert "(credential, toy)" in out


def test_a_plugin_module_reaches_the_simulator_child_process() -> None:
    """`PRODTOOL_FAMILIES` names a module that registers the family in any prodtool process."""
    env = dict(os.environ, PRODTOOL_FAMILIES="tests.families.toy.plugin", PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "prodtool", "sim", "image", "--family", "toy", "--version", "1.2",
         "--out", os.devnull],
        capture_output=True, text=True, env=env, timeout=60, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "toy image, version 1.2" in done.stdout
