"""The real esptool command line, unmodified, against simulated chips on every transport."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from prodtool.families.esp.appimage import make_app_image
from prodtool.sim import ChipFarm
from tests.sim.simtools import Esptool, ShellClient, no_reset

pytestmark = pytest.mark.sim

FAST = ("-b", "921600")


def _prefix(transport: str, after: str = "no-reset") -> tuple[str, ...]:
    """Reset arguments: pty and socket have no lines; RFC 2217 gets the real sequence."""
    if transport == "rfc2217":
        return ("--after", after)
    return ("--before", "no-reset", "--after", after)


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["pty", "socket", "rfc2217"])
def test_esptool_commands_on_every_transport(
    transport: str,
    esptool: Esptool,
    farm_factory: Callable[..., ChipFarm],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if transport == "rfc2217" and not request.config.getoption("--soak"):
        # pyserial's RFC 2217 client waits >= 100 ms on every timeout change and esptool
        # changes it twice per command, so this matrix takes ~80 s there: soak runs only.
        # test_rfc2217_reset_lines_and_write below covers RFC 2217 in every run.
        pytest.skip("full esptool matrix over RFC 2217 runs with --soak")
    farm = farm_factory(count=1, transport=transport)
    chip, url = farm.chips[0], farm.urls[0]
    pre = _prefix(transport)

    run = esptool(url, *pre, "chip-id")
    assert run.returncode == 0, run.output
    assert "Detecting chip type... ESP32-C3" in run.output
    assert f"MAC:                {chip.mac}" in run.output
    assert "Stub flasher running." in run.output

    run = esptool(url, *pre, "--no-stub", "read-mac")
    assert run.returncode == 0, run.output
    assert "Chip type:          ESP32-C3 (QFN32) (revision v0.4)" in run.output
    assert run.output.count(chip.mac) >= 2  # the banner and read-mac

    image = make_app_image(version="3.1.4", size=64 * 1024)
    app = tmp_path / "app.bin"
    app.write_bytes(image)
    run = esptool(url, *pre, *FAST, "write-flash", "0x10000", str(app))
    assert run.returncode == 0, run.output
    assert "Hash of data verified." in run.output
    assert bytes(chip.flash[0x10000 : 0x10000 + len(image)]) == image
    assert chip.app_version() == "3.1.4"

    run = esptool(url, *pre, *FAST, "verify-flash", "0x10000", str(app))
    assert run.returncode == 0, run.output
    assert "Verification successful (digest matched)." in run.output

    back = tmp_path / "back.bin"
    run = esptool(url, *pre, *FAST, "read-flash", "0x10000", "0x10000", str(back))
    assert run.returncode == 0, run.output
    assert back.read_bytes() == image

    run = esptool(url, *pre, *FAST, "erase-region", "0x18000", "0x2000")
    assert run.returncode == 0, run.output
    assert bytes(chip.flash[0x18000:0x1A000]) == b"\xff" * 0x2000
    assert bytes(chip.flash[0x17000:0x18000]) == image[0x7000:0x8000]
    assert chip.app_version() is None  # the image is damaged now

    run = esptool(url, *pre, *FAST, "verify-flash", "0x10000", str(app))
    assert run.returncode != 0
    assert "A fatal error occurred: Verification failed." in run.output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stub", "compress"),
    [("--no-stub", "--no-compress"), ("--no-stub", "--compress"), ("", "--no-compress")],
)
def test_write_flash_paths(
    stub: str,
    compress: str,
    esptool: Esptool,
    farm_factory: Callable[..., ChipFarm],
    tmp_path: Path,
) -> None:
    farm = farm_factory(count=1, transport="socket")
    chip = farm.chips[0]
    data = make_app_image(version="1.0.0", size=12 * 1024)
    blob = tmp_path / "blob.bin"
    blob.write_bytes(data)
    # Not sector aligned: the ROM path pads from the sector start with 0xFF.
    chip.flash_memory.program(0x30000, b"\0" * 0x100)
    rom = stub == "--no-stub"
    args = [stub] if rom else []
    run = esptool(
        farm.urls[0], *no_reset(*args, *FAST, "write-flash", compress, "0x30100", str(blob))
    )
    assert run.returncode == 0, run.output
    assert bytes(chip.flash[0x30100 : 0x30100 + len(data)]) == data
    assert bytes(chip.flash[0x30000:0x30100]) == b"\xff" * 0x100  # erased before writing
    if compress == "--compress":
        assert "compressed" in run.output
    ops = chip.stats.by_opcode
    if rom and compress == "--no-compress":
        assert ops[0x03] == 13  # ROM FLASH_DATA in 1 KiB blocks (12 KiB + the 0x100 pad)
    elif rom:
        assert ops[0x11] >= 1 and ops[0x03] == 0  # FLASH_DEFL_DATA
    else:
        assert ops[0x03] == 1  # the stub takes one 16 KiB block


def test_esp32_profile_identifies_by_magic_word(
    esptool: Esptool, farm_factory: Callable[..., ChipFarm], tmp_path: Path
) -> None:
    farm = farm_factory(count=1, transport="socket", family="esp32", seed=3)
    chip = farm.chips[0]
    run = esptool(farm.urls[0], *no_reset("--no-stub", "read-mac"))
    assert run.returncode == 0, run.output
    assert "Detecting chip type... ESP32" in run.output
    assert "ESP32-D0WD-V3 (revision v3.0)" in run.output
    assert "Crystal frequency:  40MHz" in run.output
    assert chip.mac in run.output
    assert chip.stats.by_opcode[0x14] >= 1  # GET_SECURITY_INFO tried, refused like the ROM


@pytest.mark.slow
def test_esp32_write_with_stub_and_baud_change(
    esptool: Esptool, farm_factory: Callable[..., ChipFarm], tmp_path: Path
) -> None:
    farm = farm_factory(count=1, transport="pty", family="esp32")
    image = make_app_image(version="9.9.9", chip="esp32", size=32 * 1024)
    app = tmp_path / "app.bin"
    app.write_bytes(image)
    run = esptool(farm.urls[0], *no_reset(*FAST, "write-flash", "0x10000", str(app)))
    assert run.returncode == 0, run.output
    assert "Changing baud rate to 921600" in run.output
    assert farm.chips[0].app_version() == "9.9.9"


@pytest.mark.slow
def test_rfc2217_reset_lines_and_write(
    esptool: Esptool,
    farm_factory: Callable[..., ChipFarm],
    shell_client: Callable[..., ShellClient],
    tmp_path: Path,
) -> None:
    """Over RFC 2217 esptool's ClassicReset puts the chip in download mode by the lines."""
    farm = farm_factory(count=1, transport="rfc2217", app_version="1.0.0")
    chip = farm.chips[0]
    assert chip.app_running  # booted from flash at plug-in
    run = esptool(farm.urls[0], "--after", "no-reset", "--no-stub", "read-mac")
    assert run.returncode == 0, run.output
    assert run.output.count(chip.mac) >= 2
    assert chip.stats.boots == 2  # plug-in, then EN pulsed with IO0 low


@pytest.mark.slow
# pyserial's RFC 2217 client still calls Thread.setDaemon/setName.
@pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated:DeprecationWarning")
def test_hard_reset_over_rfc2217_reaches_the_shell(
    esptool: Esptool,
    farm_factory: Callable[..., ChipFarm],
    shell_client: Callable[..., ShellClient],
    tmp_path: Path,
) -> None:
    farm = farm_factory(count=1, transport="rfc2217")
    app = tmp_path / "app.bin"
    app.write_bytes(make_app_image(version="4.5.6", size=32 * 1024))
    run = esptool(farm.urls[0], "--after", "hard-reset", *FAST, "write-flash", "0x10000", str(app))
    assert run.returncode == 0, run.output
    assert "Hard resetting via RTS pin" in run.output
    shell = shell_client(farm.urls[0])
    assert shell.command("sys_version") == ["4.5.6"]
    assert shell.command("read_mac") == [f"mac: {farm.chips[0].mac}"]


def test_pty_warns_that_lines_cannot_be_set(
    esptool: Esptool, farm_factory: Callable[..., ChipFarm]
) -> None:
    farm = farm_factory(count=1, transport="pty")
    run = esptool(farm.urls[0], "--no-stub", "read-mac")  # default reset: fails on a pty
    assert run.returncode == 0, run.output
    assert "Chip was NOT reset" in run.output
    assert farm.chips[0].mac in run.output
