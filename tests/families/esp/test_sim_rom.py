"""The ROM and stub protocols byte by byte, with a bare SLIP client (no esptool)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterator

import pytest

from prodtool.families.esp.appimage import make_app_image, xor_checksum
from prodtool.families.esp.sim.rom import SYNC_PAYLOAD, SYNC_VALUE
from prodtool.sim import ChipFarm, SimChip
from tests.sim.simtools import SlipClient

pytestmark = pytest.mark.sim


@pytest.fixture
def rom() -> Iterator[tuple[SimChip, SlipClient]]:
    chip = SimChip("esp32c3", seed=1)
    with chip.serve("socket") as server:
        client = SlipClient(server.url)
        try:
            yield chip, client
        finally:
            client.close()


def _reply(client: SlipClient) -> tuple[int, int, bytes]:
    frame = client.frame()
    direction, op, length, value = struct.unpack_from("<BBHI", frame)
    assert direction == 1
    assert length == len(frame) - 8
    return op, value, frame[8:]


def _start_stub(client: SlipClient) -> None:
    client.send(0x08, SYNC_PAYLOAD)
    for _ in range(8):
        _reply(client)
    text = b"\x13\x00" * 64
    client.send(0x05, struct.pack("<IIII", len(text), 1, 0x1800, 0x40380000))
    assert _reply(client)[2] == b"\0\0\0\0"
    client.send(0x07, struct.pack("<IIII", len(text), 0, 0, 0) + text, xor_checksum(text))
    assert _reply(client)[2] == b"\0\0\0\0"
    client.send(0x06, struct.pack("<II", 0, 0x40380004))
    assert _reply(client)[2] == b"\0\0\0\0"
    assert client.frame() == b"OHAI"


def test_sync_is_answered_eight_times_with_a_non_zero_value(
    rom: tuple[SimChip, SlipClient],
) -> None:
    _chip, client = rom
    client.send(0x08, SYNC_PAYLOAD)
    replies = [_reply(client) for _ in range(8)]
    assert replies == [(0x08, SYNC_VALUE, b"\0\0\0\0")] * 8


def test_unknown_and_stub_only_commands_are_refused_like_the_rom(
    rom: tuple[SimChip, SlipClient],
) -> None:
    _chip, client = rom
    client.send(0x08, SYNC_PAYLOAD)
    for _ in range(8):
        _reply(client)
    for op in (0x55, 0xD2, 0xD0):
        client.send(op, b"\0" * 16)
        assert _reply(client) == (op, 0, b"\x01\x05\x00\x00")


def test_security_info_reads_and_register_reads(rom: tuple[SimChip, SlipClient]) -> None:
    chip, client = rom
    client.send(0x14)
    op, _value, data = _reply(client)
    assert op == 0x14 and len(data) == 24
    fields = struct.unpack("<IBBBBBBBBII", data[:20])
    assert fields[9] == 5 and data[20:] == b"\0\0\0\0"
    client.send(0x0A, struct.pack("<I", 0x60008844))
    _op, mac0, _ = _reply(client)
    client.send(0x0A, struct.pack("<I", 0x60008848))
    _op, mac1, _ = _reply(client)
    mac = struct.pack(">II", mac1, mac0)[2:]
    assert ":".join(f"{b:02x}" for b in mac) == chip.mac


def test_flash_id_through_the_spi_command_engine(rom: tuple[SimChip, SlipClient]) -> None:
    _chip, client = rom
    base = 0x60002000

    def write(addr: int, value: int) -> None:
        client.send(0x09, struct.pack("<IIII", addr, value, 0xFFFFFFFF, 0))
        assert _reply(client)[2] == b"\0\0\0\0"

    write(base + 0x28, 23)  # MISO_DLEN: 24 bits
    write(base + 0x18, 1 << 31 | 1 << 28)  # USR: command + MISO
    write(base + 0x20, (7 << 28) | 0x9F)  # USR2: RDID
    write(base + 0x58, 0)
    write(base + 0x00, 1 << 18)  # go
    client.send(0x0A, struct.pack("<I", base))
    assert _reply(client)[1] & (1 << 18) == 0  # done
    client.send(0x0A, struct.pack("<I", base + 0x58))
    assert _reply(client)[1] == 0x1640EF


def test_rom_flash_write_checksums_md5_and_slow_read(rom: tuple[SimChip, SlipClient]) -> None:
    chip, client = rom
    data = bytes(range(256)) * 4
    client.send(0x02, struct.pack("<IIIII", 0x1000, 1, 0x400, 0x20000, 0))
    assert _reply(client)[2] == b"\0\0\0\0"
    block = struct.pack("<IIII", len(data), 0, 0, 0) + data
    client.send(0x03, block, xor_checksum(data) ^ 1)
    assert _reply(client)[2] == b"\x01\x07\x00\x00"  # checksum error, esptool shows 0x107
    client.send(0x03, block, xor_checksum(data))
    assert _reply(client)[2] == b"\0\0\0\0"
    assert bytes(chip.flash[0x20000:0x20400]) == data
    client.send(0x13, struct.pack("<IIII", 0x20000, 0x400, 0, 0))
    _op, _v, reply = _reply(client)
    assert reply[:32] == hashlib.md5(data).hexdigest().encode()
    client.send(0x0E, struct.pack("<II", 0x20010, 16))
    _op, _v, reply = _reply(client)
    assert reply[:64] == data[16:32] + b"\0" * 48 and reply[64:] == b"\0\0\0\0"


def test_stub_greets_reads_flash_with_acks_and_md5(rom: tuple[SimChip, SlipClient]) -> None:
    chip, client = rom
    chip.flash_memory.program(0, bytes(range(256)) * 64)
    _start_stub(client)
    client.send(0x55)
    assert _reply(client) == (0x55, 0, b"\xff\x00")  # stub: 2 status bytes, not implemented
    client.send(0x13, struct.pack("<IIII", 0, 0x4000, 0, 0))
    _op, _v, reply = _reply(client)
    assert reply == hashlib.md5(bytes(chip.flash[:0x4000])).digest() + b"\0\0"
    client.send(0xD2, struct.pack("<IIII", 0, 0x3000, 0x1000, 2))
    assert _reply(client)[2] == b"\0\0"
    got = b""
    while len(got) < 0x3000:
        got += client.frame()
        client.send_raw(b"\xc0" + struct.pack("<I", len(got)) + b"\xc0")
    assert got == bytes(chip.flash[:0x3000])
    assert client.frame() == hashlib.md5(got).digest()


def test_stub_erase_region_and_deflate_write(rom: tuple[SimChip, SlipClient]) -> None:
    import zlib

    chip, client = rom
    _start_stub(client)
    image = make_app_image(version="5.0", size=0x2000)
    packed = zlib.compress(image)
    client.send(0x10, struct.pack("<IIIII", len(image), 1, 0x4000, 0x10000, 0))
    assert _reply(client)[2] == b"\0\0"
    client.send(0x11, struct.pack("<IIII", len(packed), 0, 0, 0) + packed, xor_checksum(packed))
    assert _reply(client)[2] == b"\0\0"
    client.send(0x12, struct.pack("<I", 1))
    assert _reply(client)[2] == b"\0\0"
    assert chip.app_version() == "5.0"
    client.send(0xD1, struct.pack("<II", 0x10000, 0x1000))
    assert _reply(client)[2] == b"\0\0"
    assert bytes(chip.flash[0x10000:0x11000]) == b"\xff" * 0x1000
    client.send(0xD1, struct.pack("<II", 0x10001, 0x1000))
    assert _reply(client)[2][0] != 0  # not sector aligned


def test_a_text_line_in_download_mode_resets_into_the_app(
    farm_factory: Callable[..., ChipFarm],
) -> None:
    farm = farm_factory(count=1, transport="socket", app_version="7.0")
    client = SlipClient(farm.urls[0])
    try:
        client.send(0x08, SYNC_PAYLOAD)  # the app hears a SYNC: download mode
        assert _reply(client)[0] == 0x08
        client.text(0.3)
        client.send_raw(b"sys_version\r\n")
        out = client.text(0.6)
        assert b"waiting for download" not in out
        assert b"sys_version\r\n7.0\r\ntuya>" in out
    finally:
        client.close()
