"""Application mode: boot, the TuyaOpen shell, credentials that survive resets and re-plugs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import serial

from prodtool.families.esp.sim.rom import SYNC_PAYLOAD
from prodtool.sim import ChipFarm, ChipMode, parse_fault
from tests.sim.simtools import ShellClient, SlipClient

pytestmark = pytest.mark.sim

UUID = "uuid0123456789abcdef"
KEY = "0123456789abcdef0123456789abcdef"


def test_boot_log_and_every_command(
    farm_factory: Callable[..., ChipFarm], shell_client: Callable[..., ShellClient]
) -> None:
    farm = farm_factory(count=1, transport="socket", app_version="1.2.3")
    chip = farm.chips[0]
    shell = shell_client(farm.urls[0])
    assert shell.command("") == []  # an empty line: just a prompt
    assert shell.command("read_mac") == [f"mac: {chip.mac}"]
    assert shell.command("auth-read") == ["Authorization read failure."]
    assert shell.command("auth") == [
        "Use like: auth uuidxxxxxxxxxxxxxxxx keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    ]
    assert shell.command(f"auth {UUID} short") == [
        "uuid length must be 20/16, authkey length must be 32"
    ]
    assert shell.command(f"auth {UUID} {KEY}") == [
        "Authorization write succeeds.",
        "Please reset the device to make the authorization take effect.",
    ]
    assert shell.command("auth-read") == [UUID, KEY]
    assert chip.read_credentials() == (UUID, KEY)
    assert shell.command("sys_version") == ["1.2.3"]
    assert shell.command("sys_log_enable off") == []
    assert shell.command("auth-reset") == ["Authorization reset succeeds."]
    assert shell.command("auth-read") == ["Authorization read failure."]
    assert shell.command("frobnicate") == ["frobnicate: command not found"]
    assert chip.mode is ChipMode.APP


def test_credentials_survive_a_replug_on_a_pty(
    farm_factory: Callable[..., ChipFarm], shell_client: Callable[..., ShellClient]
) -> None:
    farm = farm_factory(count=1, transport="pty", app_version="2.0.0")
    old_url = farm.urls[0]
    shell = shell_client(old_url)
    assert shell.command(f"auth {UUID[:16]} {KEY}")[0] == "Authorization write succeeds."
    farm.unplug(0)
    with pytest.raises(serial.SerialException):
        shell.port.write(b"read_mac\r\n")
        shell.port.read(100)
    new_url = farm.plug(0)
    assert farm.urls[0] == new_url
    fresh = shell_client(new_url, ready=False)
    boot = fresh.ready()
    assert b"SPI_FAST_FLASH_BOOT" in boot and b"version 2.0.0" in boot
    assert fresh.command("auth-read") == [UUID[:16], KEY]


def test_no_valid_app_means_no_shell(farm_factory: Callable[..., ChipFarm]) -> None:
    farm = farm_factory(count=1, transport="socket")
    chip = farm.chips[0]
    assert str(chip.mode) == "download"  # blank flash: waiting for download
    client = SlipClient(farm.urls[0])
    try:
        client.send_raw(b"read_mac\r\n")  # "reset" into the app: there is none
        out = client.text(0.5)
        assert b"invalid header: 0xffffffff" in out
        assert b"tuya>" not in out
        assert chip.mode is ChipMode.BOOT_LOOP
        client.send(0x08, SYNC_PAYLOAD)  # a SYNC still gets it into download mode
        assert client.frame()[:2] == b"\x01\x08"
    finally:
        client.close()


def test_the_esp32_profile_boots_too(
    farm_factory: Callable[..., ChipFarm], shell_client: Callable[..., ShellClient]
) -> None:
    farm = farm_factory(count=1, transport="socket", family="esp32", app_version="0.9")
    shell = shell_client(farm.urls[0])
    assert shell.command("sys_version") == ["0.9"]
    assert shell.command("read_mac") == [f"mac: {farm.chips[0].mac}"]
    assert farm.chips[0].mac.startswith("24:0a:c4")


def test_a_host_at_the_wrong_baud_reads_garbage(farm_factory: Callable[..., ChipFarm]) -> None:
    farm = farm_factory(count=1, transport="pty", app_version="1.0")
    port = serial.Serial(farm.urls[0], 921600, timeout=0.3)
    try:
        port.reset_input_buffer()
        port.write(b"read_mac\r\n")
        reply = port.read(200)
        assert b"mac:" not in reply
    finally:
        port.close()


@pytest.mark.parametrize(
    ("spec", "command", "check"),
    [
        (
            "auth-reject",
            f"auth {UUID} {KEY}",
            lambda lines: lines == ["Authorization write failure."],
        ),
        ("shell-ansi", "read_mac", lambda lines: lines[0].startswith("\x1b[0;32mmac: ")),
        (
            "shell-noise",
            "auth-read",
            lambda lines: (
                len(lines) == 3 and lines[1].startswith("[11-23 ") and " ty W][" in lines[1]
            ),
        ),
    ],
)
def test_shell_faults(
    spec: str,
    command: str,
    check: Callable[[list[str]], bool],
    farm_factory: Callable[..., ChipFarm],
    shell_client: Callable[..., ShellClient],
) -> None:
    farm = farm_factory(count=1, transport="socket", app_version="1.0")
    chip = farm.chips[0]
    shell = shell_client(farm.urls[0])
    shell.command(f"auth {UUID} {KEY}")
    chip.add_fault(parse_fault(spec))
    lines = shell.command(command)
    assert check(lines), lines
    chip.clear_faults()
    assert not check(shell.command(command))
    if spec == "auth-reject":
        assert chip.read_credentials() == (UUID, KEY)  # the earlier write stands
