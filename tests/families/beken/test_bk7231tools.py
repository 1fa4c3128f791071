"""Third-party check: bk7231tools' command line against the simulated BK7231N and BK7231T.

bk7231tools is field-tested on real chips; if it identifies, reads and writes our simulated
chips as it does real ones, the simulator speaks the protocol, and what prodtool writes is what
another tool reads back byte for byte (and the other way round). It runs as people script it:
one process per command, resetting the chip through CEN (RTS, here over RFC 2217; the small
`bktools_cli.py` shim only lets it open a pyserial URL). The boot window is long (0.6 s) because
bk7231tools' first act after the reset, setting a 5 ms read timeout, costs four acknowledged
round trips on pyserial's RFC 2217 client.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prodtool.families.beken import image
from prodtool.families.beken.driver import BekenDriver
from prodtool.families.beken.sim.chip import BekenMode, BekenSimChip, SimTiming
from prodtool.families.driver import Region
from tests.families.beken.conftest import QUICK, served, wait_until

pytestmark = [
    pytest.mark.sim,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated:DeprecationWarning"),
]

SHIM = Path(__file__).with_name("bktools_cli.py")
ROOT = Path(__file__).parents[3]
EXPECT = {
    "bk7231n": ("Chip info: BK7231N", "Flash ID: eb 60 15", "Protocol: FULL"),
    "bk7231t": ("Chip info: BK7231S_1.0.5", "Flash size: 0x200000", "Protocol: BASIC_TUYA"),
}


def bk7231tools(url: str, *args: str) -> str:
    """Run one bk7231tools command; its output, after checking it did not fail."""
    command, rest = args[0], args[1:]
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
    done = subprocess.run(
        [sys.executable, str(SHIM), command, "-d", url, "-b", "921600", "--timeout", "5", *rest],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )
    # Its cli() prints a link timeout's traceback and still exits 0.
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    return done.stdout


def prodtool_cycle(url: str, family: str, regions: list[Region]) -> None:
    driver = BekenDriver(url, family=family, baud=921600, policy=QUICK)
    try:
        driver.identify()
        driver.write_regions(regions, lambda done, total: None)
        driver.verify_regions(regions)
        driver.reset_to_app()
    finally:
        driver.close()


@pytest.mark.parametrize("family", ["bk7231n", "bk7231t"])
def test_bk7231tools_reads_back_what_prodtool_wrote(family: str, tmp_path: Path) -> None:
    qio = image.make_qio_image(family, "4.5.6", size=0x11000 + 0x8000)
    regions = [Region(r.offset, r.data, "qio") for r in image.plan_regions(family, qio, 0)]
    chip = BekenSimChip(family, timing=SimTiming(window_s=0.6))
    with served(chip, "rfc2217") as server:
        prodtool_cycle(server.url, family, regions)
        assert wait_until(lambda: chip.state is BekenMode.APP)

        info = bk7231tools(server.url, "chip_info")
        for words in EXPECT[family]:
            assert words in info

        out = tmp_path / "read.bin"
        bk7231tools(server.url, "read_flash", "-s", "0x11000", "-l", "0x8000", str(out))
    assert out.read_bytes() == qio[0x11000:]


@pytest.mark.parametrize("family", ["bk7231n", "bk7231t"])
def test_prodtool_reads_back_what_bk7231tools_wrote(family: str, tmp_path: Path) -> None:
    payload = os.urandom(0x2800)  # not a whole number of sectors
    source = tmp_path / "data.bin"
    source.write_bytes(payload)
    chip = BekenSimChip(family, timing=SimTiming(window_s=0.6))
    with served(chip, "rfc2217") as server:
        out = bk7231tools(server.url, "write_flash", "-s", "0x30000", str(source))
        assert "OK!" in out
        driver = BekenDriver(server.url, family=family, baud=921600, policy=QUICK)
        try:
            driver.identify()
            assert driver.read(0x30000, len(payload)) == payload
            driver.verify_regions([Region(0x30000, payload, "theirs")])
        finally:
            driver.close()
