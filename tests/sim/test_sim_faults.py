"""Each fault makes the real esptool fail the way it fails on a real chip (its own words)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from prodtool.families.esp.appimage import make_app_image
from prodtool.sim import ChipFarm, parse_fault
from tests.sim.simtools import Esptool, no_reset

pytestmark = pytest.mark.sim

FAST = ("-b", "921600")
# What esptool 5.6 says when a response never comes (the second once its reader gave up).
NO_ANSWER = ("No serial data received.", "No more data to read from the serial port.")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    path = tmp_path / "app.bin"
    path.write_bytes(make_app_image(version="1.0.0", size=48 * 1024))
    return path


def _farm(farm_factory: Callable[..., ChipFarm], spec: str, **kw: object) -> ChipFarm:
    farm = farm_factory(count=1, transport=kw.pop("transport", "socket"), **kw)
    farm.chips[0].add_fault(parse_fault(spec))
    return farm


def _clean(output: str) -> None:
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("spec", "args", "message"),
    [
        (
            "block-error@count=all",
            ("--no-stub",),
            "Failed to write to target flash after seq 0 (result was 0107: Checksum error)",
        ),
        (
            "block-error@count=all",
            (),
            "Failed to write compressed data to flash after seq 0 "
            "(result was C100: Bad data checksum)",
        ),
        ("flash-rot@offset=0x12000", (), "MD5 of file does not match data in flash!"),
        (
            "flash-stuck@offset=0x10000,size=0xc000",
            (),
            "Write failed, the written flash region is empty.",
        ),
        ("flash-stuck@offset=0x11000", (), "MD5 of file does not match data in flash!"),
        ("drop@op=0x13", (), NO_ANSWER),
    ],
)
def test_write_faults(
    spec: str,
    args: tuple[str, ...],
    message: str | tuple[str, ...],
    esptool: Esptool,
    farm_factory: Callable[..., ChipFarm],
    app: Path,
) -> None:
    farm = _farm(farm_factory, spec)
    run = esptool(farm.urls[0], *no_reset(*args, *FAST, "write-flash", "0x10000", str(app)))
    assert run.returncode != 0
    messages = (message,) if isinstance(message, str) else message
    assert any(m in run.output for m in messages), run.output
    _clean(run.output)


def test_one_bad_block_is_retried_silently(
    esptool: Esptool, farm_factory: Callable[..., ChipFarm], app: Path
) -> None:
    farm = _farm(farm_factory, "block-error@block=3,count=1")
    run = esptool(farm.urls[0], *no_reset("--no-stub", *FAST, "write-flash", "0x10000", str(app)))
    assert run.returncode == 0, run.output
    assert farm.chips[0].app_version() == "1.0.0"
    assert farm.chips[0].stats.by_opcode[0x03] == 49  # 48 blocks + one retry


@pytest.mark.slow
def test_a_late_answer_within_the_timeout_is_fine_and_beyond_it_fails(
    esptool: Esptool, farm_factory: Callable[..., ChipFarm], app: Path
) -> None:
    farm = _farm(farm_factory, "delay@op=0x13,ms=300")
    run = esptool(farm.urls[0], *no_reset(*FAST, "write-flash", "0x10000", str(app)), timeout=1)
    assert run.returncode == 0, run.output
    farm.chips[0].add_fault(parse_fault("delay@op=0x13,ms=1500"))
    run = esptool(farm.urls[0], *no_reset(*FAST, "write-flash", "0x10000", str(app)), timeout=1)
    assert run.returncode != 0
    assert any(m in run.output for m in NO_ANSWER), run.output
    _clean(run.output)


@pytest.mark.parametrize(
    ("spec", "chip_arg", "message"),
    [
        (
            "wrong-chip=esp32s3",
            "esp32c3",
            "This chip is ESP32-S3, not ESP32-C3. Wrong chip argument?",
        ),
        ("wrong-chip=esp32", "esp32c3", "This chip is ESP32, not ESP32-C3. Wrong chip argument?"),
        ("no-download", "auto", "Failed to connect to Espressif device: No serial data received."),
    ],
)
def test_connect_faults(
    spec: str,
    chip_arg: str,
    message: str,
    esptool: Esptool,
    farm_factory: Callable[..., ChipFarm],
) -> None:
    farm = _farm(farm_factory, spec)
    run = esptool(farm.urls[0], *no_reset("--chip", chip_arg, "--no-stub", "read-mac"))
    assert run.returncode != 0
    assert message in run.output, run.output
    _clean(run.output)


@pytest.mark.parametrize("transport", ["socket", "pty"])
def test_a_refused_baud_change_garbles_the_link(
    transport: str, esptool: Esptool, farm_factory: Callable[..., ChipFarm], app: Path
) -> None:
    farm = _farm(farm_factory, "no-baud-change", transport=transport)
    run = esptool(farm.urls[0], *no_reset(*FAST, "write-flash", "0x10000", str(app)), timeout=1)
    assert run.returncode != 0
    assert "Changing baud rate to 921600" in run.output
    assert any(
        text in run.output for text in ("Invalid head of packet", "Serial data stream", *NO_ANSWER)
    ), run.output
    _clean(run.output)


@pytest.mark.slow
def test_corruption_on_the_wire(
    esptool: Esptool, farm_factory: Callable[..., ChipFarm], app: Path
) -> None:
    farm = _farm(farm_factory, "corrupt@rate=0.01,seed=3")
    run = esptool(farm.urls[0], *no_reset("--no-stub", "read-mac"), timeout=1)
    assert run.returncode != 0
    _clean(run.output)
    farm.chips[0].clear_faults()
    run = esptool(farm.urls[0], *no_reset("--no-stub", "read-mac"), timeout=1)
    assert run.returncode == 0, run.output


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["socket", "pty"])
def test_unplug_during_a_write(
    transport: str, esptool: Esptool, farm_factory: Callable[..., ChipFarm], app: Path
) -> None:
    farm = _farm(farm_factory, "unplug@block=5", transport=transport)
    run = esptool(
        farm.urls[0], *no_reset("--no-stub", *FAST, "write-flash", "0x10000", str(app)), timeout=1
    )
    assert run.returncode != 0
    assert not farm.is_plugged(0)
    assert "Lost connection, retrying..." in run.output, run.output
    assert "A serial exception error occurred" in run.output
    chip = farm.chips[0]
    image = app.read_bytes()
    assert bytes(chip.flash[0x10000 : 0x10000 + 5 * 1024]) == image[: 5 * 1024]
    assert bytes(chip.flash[0x10000 + 5 * 1024 : 0x10000 + 6 * 1024]) == b"\xff" * 1024
    url = farm.plug(0)
    run = esptool(url, *no_reset("--no-stub", "read-mac"))
    assert run.returncode == 0, run.output


def test_unplug_at_a_command(esptool: Esptool, farm_factory: Callable[..., ChipFarm]) -> None:
    farm = _farm(farm_factory, "unplug@op=0x0a,nth=3")
    run = esptool(farm.urls[0], *no_reset("--no-stub", "read-mac"), timeout=1)
    assert run.returncode != 0
    assert farm.wait_unplugged(0, 1.0)
