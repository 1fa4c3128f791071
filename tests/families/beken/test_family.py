"""Beken as a registered family: names, image hooks, and the station writing simulated modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.writelog import read_records
from prodtool.families import registry
from prodtool.families.beken import image
from prodtool.families.beken.sim.chip import BekenSimChip
from prodtool.families.family import ImageError
from prodtool.paths import StationPaths


def test_every_alias_names_its_variant() -> None:
    assert registry.get("T2").name == "bk7231n"
    assert registry.get("cb3s").name == "bk7231n"
    assert registry.get("WB3S").name == "bk7231t"
    assert registry.get("bk7236").name == "t3"
    assert registry.get("BK7258").name == "t5"
    assert registry.get("t5").shell.baud == 460800
    assert registry.get("t2").shell.baud == 115200
    assert "CEN" in registry.get("t2").guide


def test_image_hooks() -> None:
    t2 = registry.get("t2")
    app = t2.make_image(version="5.6.7", size=0x8000)
    assert t2.read_image(app, name="app.bin").version == "5.6.7"
    assert t2.image_version(app[: t2.version_probe]) == "5.6.7"
    qio = image.make_qio_image("bk7231n", "5.6.8", size=0x20000)
    info = t2.check_region(0, qio, name="QIO.bin")
    assert info is not None and info.version == "5.6.8"
    with pytest.raises(ImageError, match="built for BK7231N / T2, not BK7231T"):
        registry.get("bk7231t").check_region(0, qio, name="QIO.bin")
    with pytest.raises(ImageError, match="empty"):
        t2.check_region(0x11000, b"", name="UA.bin")


def test_a_made_image_boots_in_a_simulated_module() -> None:
    t3 = registry.get("t3")
    chip = t3.sim_chip(app_version=None)
    assert isinstance(chip, BekenSimChip)
    chip.flash_memory.program(0x11000, t3.make_image(version="3.3.3", size=0x4000))
    assert chip.app_version() == "3.3.3"


@pytest.mark.sim
def test_the_demo_writes_beken_modules(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = StationPaths(data_dir).ensure()
    code = main(
        ["demo", "--headless", "--family", "t2", "--ports", "2", "--data-dir", str(data_dir)]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "passed 2, failed 0" in out
    records = list(read_records(paths.write_log))
    assert len(records) == 2
    assert all(r["chip_family"] == "bk7231n" for r in records), records
    macs = {r["mac"] for r in records}
    assert len(macs) == 2 and all(str(m).startswith("c8:47:8c") for m in macs)
