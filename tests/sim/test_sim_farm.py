"""The farm: many chips, hot-plug, live faults, the `prodtool sim serve` process."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import serial

from prodtool.cli.main import main
from prodtool.families import registry
from prodtool.families.esp.sim.rom import SYNC_PAYLOAD
from prodtool.families.family import UnknownFamilyError
from prodtool.flash.serialport import open_serial
from prodtool.sim import ChipFarm, ChipMode, SimChip, parse_fault
from prodtool.sim.process import SimProcess, SimProcessError
from tests.sim.simtools import ShellClient, SlipClient

pytestmark = pytest.mark.sim


def test_chips_have_unique_macs_and_ports(farm_factory: Callable[..., ChipFarm]) -> None:
    farm = farm_factory(count=6, transport="socket", app_version="1.2.3", seed=5)
    assert len(set(farm.urls)) == 6
    assert all(url.startswith("socket://127.0.0.1:") for url in farm.urls)
    macs = [chip.mac for chip in farm.chips]
    assert len(set(macs)) == 6
    assert all(chip.app_version() == "1.2.3" and chip.family == "esp32c3" for chip in farm.chips)
    again = ChipFarm(count=6, seed=5)
    assert [chip.mac for chip in again.chips] == macs  # stable per (seed, index)
    assert [chip.mac for chip in ChipFarm(count=6, seed=6).chips] != macs


def test_socket_unplug_refuses_connections_and_replug_keeps_the_url(
    farm_factory: Callable[..., ChipFarm],
) -> None:
    farm = farm_factory(count=2, transport="socket")
    url = farm.urls[1]
    port = int(url.rsplit(":", 1)[1])
    farm.unplug(1)
    assert not farm.is_plugged(1)
    assert farm.chips[1].mode is ChipMode.UNPLUGGED
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert farm.plug(1) == url
    assert farm.wait_plugged(1, 1.0)
    client = SlipClient(url)
    try:
        client.send(0x08, SYNC_PAYLOAD)
        assert client.frame()[:2] == b"\x01\x08"
    finally:
        client.close()


def test_a_second_host_on_the_same_port_is_refused(
    farm_factory: Callable[..., ChipFarm],
) -> None:
    farm = farm_factory(count=1, transport="socket", app_version="1.0")
    port = int(farm.urls[0].rsplit(":", 1)[1])
    first = serial.serial_for_url(farm.urls[0], timeout=0.2)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as second:
            assert second.recv(100) == b""  # closed at once: the port is busy
    finally:
        first.close()


def test_pty_unplug_gives_the_host_an_io_error(farm_factory: Callable[..., ChipFarm]) -> None:
    farm = farm_factory(count=1, transport="pty", app_version="1.0")
    path = farm.urls[0]
    assert path.startswith("/dev/")
    host = serial.Serial(path, 115200, timeout=0.2)
    try:
        farm.unplug(0)
        with pytest.raises(serial.SerialException):
            host.read(100)
            host.read(100)
    finally:
        host.close()
    new_path = farm.plug(0)
    assert farm.urls[0] == new_path


def test_replace_puts_a_fresh_chip_in_the_slot(
    farm_factory: Callable[..., ChipFarm], shell_client: Callable[..., ShellClient]
) -> None:
    farm = farm_factory(count=2, transport="socket", app_version="1.0")
    old = farm.chips[0]
    fresh = farm.replace(0)
    assert farm.chips[0] is fresh and fresh is not old
    assert fresh.mac not in {old.mac, farm.chips[1].mac}
    assert fresh.app_version() == "1.0"
    blank = farm.replace(1, app_version=None)
    assert blank.app_version() == "1.0"  # the farm's default applies
    shell = shell_client(farm.urls[0])
    assert shell.command("read_mac") == [f"mac: {fresh.mac}"]


def test_faults_can_be_added_and_removed_on_a_live_chip(
    farm_factory: Callable[..., ChipFarm], shell_client: Callable[..., ShellClient]
) -> None:
    farm = farm_factory(count=1, transport="socket", app_version="1.0")
    chip = farm.chips[0]
    shell = shell_client(farm.urls[0])
    fault = parse_fault("auth-reject")
    chip.add_fault(fault)
    assert shell.command("auth uuid0123456789abcdef " + "k" * 32) == [
        "Authorization write failure."
    ]
    chip.remove_fault(fault)
    assert shell.command("auth uuid0123456789abcdef " + "k" * 32)[0] == (
        "Authorization write succeeds."
    )
    assert chip.stats.bytes_in > 0 and chip.stats.bytes_out > 0


def test_one_chip_served_alone() -> None:
    chip = SimChip("esp32", index=3, app_version="2.2")
    with chip.serve("socket") as server:
        client = ShellClient(server.url)
        try:
            client.ready()
            assert client.command("sys_version") == ["2.2"]
        finally:
            client.close()
    assert chip.mode is ChipMode.UNPLUGGED


def test_farm_refuses_unknown_settings() -> None:
    with pytest.raises(ValueError, match="unknown transport"):
        ChipFarm(transport="usb")
    with pytest.raises(UnknownFamilyError, match="unknown chip family"):
        ChipFarm(family="esp8266")


@pytest.mark.slow
def test_sim_serve_in_its_own_process() -> None:
    with SimProcess(chips=3, transport="socket", app_version="3.0", seed=2) as sim:
        assert len(sim.urls) == 3
        client = ShellClient(sim.urls[2])
        try:
            client.ready()
            assert client.command("sys_version") == ["3.0"]
        finally:
            client.close()
    assert sim.returncode == 0


def test_sim_serve_mixes_families_in_the_order_given() -> None:
    with SimProcess(mix=[(1, "esp32"), (2, "esp32c3")], app_version="3.1") as sim:
        seen = []
        for url in sim.urls:
            port = open_serial(url)
            try:
                family = registry.get("esp32")  # the ESP driver identifies any ESP chip
                seen.append(family.open_driver(port, baud=115200).identify().family)
            finally:
                port.close()
    assert seen == ["esp32", "esp32c3", "esp32c3"]


def test_a_farm_mixes_families_and_replaces_a_chip_with_its_own_kind() -> None:
    with ChipFarm(families=["esp32c3", "ESP32"]) as farm:
        assert [chip.family for chip in farm.chips] == ["esp32c3", "esp32"]
        assert farm.replace(1).family == "esp32"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--chips", "2", "--family", "esp32", "--family", "esp32c3"], "one --family per --chips"),
        (["--family", "ln882h"], "unknown chip family 'ln882h'"),
        (["--chips", "0"], "--chips must be at least 1"),
    ],
)
def test_sim_serve_refuses_bad_pairs_in_one_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sim", "serve", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_sim_image_boots_in_a_simulated_chip_with_its_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "app.bin"
    argv = ["sim", "image", "--family", "esp32", "--version", "4.5.6", "--size", "32768"]
    assert main([*argv, "--out", str(out)]) == 0
    assert "esp32 image, version 4.5.6, 32768 bytes" in capsys.readouterr().out
    family = registry.get("esp32")
    chip = family.sim_chip()
    image = out.read_bytes()
    chip.flash_memory.erase(family.app_offset, len(image))
    chip.flash_memory.program(family.app_offset, image)
    assert chip.app_version() == "4.5.6"
    assert main([*argv[:-2], "--size", "7", "--out", str(out)]) == 2
    assert "multiple of 16" in capsys.readouterr().err


def test_sim_serve_refuses_a_bad_fault_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "prodtool", "sim", "serve", "--fault", "explode"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("prodtool: bad --fault: unknown fault 'explode'")
    assert "Traceback" not in result.stderr
    with pytest.raises(SimProcessError, match="bad --fault"), SimProcess(faults=["nope"]):
        pass
