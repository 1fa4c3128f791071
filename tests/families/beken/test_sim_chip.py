"""The simulated chip, driven with raw frames over a real pty: what a BootROM or bootloader does."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator

import pytest
import serial

from prodtool.families.beken import crc, image
from prodtool.families.beken.frames import Frame, FrameReader, encode_command
from prodtool.families.beken.sim.chip import BekenMode, BekenSimChip, SimTiming
from prodtool.families.beken.sim.faults import (
    BekenFault,
    BekenFaultKind,
    BekenFaultSpecError,
    parse_beken_fault,
)
from tests.families.beken.conftest import served, wait_until

pytestmark = pytest.mark.sim


class Raw:
    """A bare host: send frames, wait for replies of a given code."""

    def __init__(self, url: str) -> None:
        self.port = serial.serial_for_url(url, baudrate=115200, timeout=0.01)
        self.reader = FrameReader()

    def close(self) -> None:
        self.port.close()

    def ask(
        self,
        cmd: int,
        payload: bytes = b"",
        *,
        long: bool = False,
        reply: int | None = None,
        timeout: float = 1.0,
    ) -> Frame | None:
        self.port.write(encode_command(cmd, payload, long=long))
        want = cmd if reply is None else reply
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for frame in self.reader.feed(self.port.read(4200)):
                if frame.cmd == want and frame.long == long:
                    return frame
        return None

    def link(self) -> None:
        assert self.ask(0x00, reply=0x01) == Frame(0x01, b"\x00")

    def crc(self, start: int, end: int) -> int:
        frame = self.ask(0x10, struct.pack("<II", start, end))
        assert frame is not None
        return int(struct.unpack("<I", frame.payload)[0])

    def write4k(self, addr: int, data: bytes) -> int:
        frame = self.ask(0x07, struct.pack("<I", addr) + data, long=True)
        assert frame is not None
        return frame.payload[0]

    def erase4k(self, addr: int) -> None:
        assert self.ask(0x0F, bytes([0x20]) + struct.pack("<I", addr), long=True) is not None

    def unprotect(self) -> None:
        assert self.ask(0x0D, bytes([0x01, 0x00, 0x02]), long=True) is not None


@pytest.fixture
def blank_n() -> Iterator[tuple[BekenSimChip, Raw]]:
    chip = BekenSimChip("bk7231n")
    with served(chip) as server:
        raw = Raw(server.url)
        raw.link()
        yield chip, raw
        raw.close()


def test_identity_commands(blank_n: tuple[BekenSimChip, Raw]) -> None:
    chip, raw = blank_n
    reg = raw.ask(0x03, struct.pack("<I", 0x800000))
    assert reg is not None and struct.unpack("<II", reg.payload) == (0x800000, 0x7231C)
    mid = raw.ask(0x0E, bytes([0x9F, 0, 0, 0]), long=True)
    assert mid is not None and mid.payload == bytes.fromhex("009feb6015")
    assert chip.state is BekenMode.DOWNLOAD


def test_nor_flash_program_is_and_and_erase_is_ff(blank_n: tuple[BekenSimChip, Raw]) -> None:
    chip, raw = blank_n
    raw.unprotect()
    addr = 0x20000
    raw.erase4k(addr)
    assert raw.write4k(addr, b"\xf0" * 4096) == 0
    assert raw.write4k(addr, b"\x3c" * 4096) == 0  # no erase between: bits only clear
    assert bytes(chip.flash[addr : addr + 4096]) == b"\x30" * 4096
    raw.erase4k(addr)
    assert bytes(chip.flash[addr : addr + 4096]) == b"\xff" * 4096


def test_crc_end_is_inclusive_on_the_bootrom(blank_n: tuple[BekenSimChip, Raw]) -> None:
    chip, raw = blank_n
    data = bytes(chip.flash[0:0x101])
    assert raw.crc(0, 0x100) == crc.chip_crc(data)  # 257 bytes
    assert zlib_crc(data) == 0xE14191BA  # the module's bootloader, as tools know it


def zlib_crc(data: bytes) -> int:
    return crc.chip_crc(data) ^ 0xFFFFFFFF


def test_protected_flash_ignores_writes_but_answers_ok(blank_n: tuple[BekenSimChip, Raw]) -> None:
    chip, raw = blank_n
    assert chip.protected()
    assert raw.write4k(0x30000, b"\x00" * 4096) == 0
    assert bytes(chip.flash[0x30000:0x31000]) == b"\xff" * 4096


def test_addresses_wrap_modulo_flash_size(blank_n: tuple[BekenSimChip, Raw]) -> None:
    chip, raw = blank_n
    raw.unprotect()
    raw.erase4k(0x200000 + 0x5000)
    raw.write4k(0x200000 + 0x5000, b"\x11" * 4096)
    assert bytes(chip.flash[0x5000:0x6000]) == b"\x11" * 4096


def test_bk7231t_bootloader_rules() -> None:
    chip = BekenSimChip("bk7231t")
    boot = bytes(chip.flash[:0x11000])
    with served(chip) as server:
        raw = Raw(server.url)
        raw.link()
        version = raw.ask(0x11)
        assert version is not None and version.payload == b"BK7231S_1.0.5"
        assert raw.ask(0x03, struct.pack("<I", 0x800000), timeout=0.2) is None  # no registers
        assert raw.crc(0, 0x100) == crc.chip_crc(boot[:0x100])  # end exclusive
        # Locked after the CRC: the write answers OK and does nothing, until a LinkCheck.
        assert raw.write4k(0x12000, b"\x00" * 4096) == 0
        assert bytes(chip.flash[0x12000:0x13000]) == b"\xff" * 4096
        raw.link()
        raw.write4k(0x12000, b"\x00" * 4096)
        assert bytes(chip.flash[0x12000:0x13000]) == b"\x00" * 4096
        # Below 0x11000 nothing changes; past the end it wraps onto the bootloader.
        raw.write4k(0x1000, b"\x00" * 4096)
        assert bytes(chip.flash[:0x11000]) == boot
        raw.erase4k(0x200000 + 0x1000)
        assert bytes(chip.flash[0x1000:0x2000]) == b"\xff" * 4096
        raw.close()


def test_boot_window_then_app_and_the_reboot_frame() -> None:
    chip = BekenSimChip("t3", app_version="3.0.1", timing=SimTiming(window_s=0.05))
    with served(chip) as server:
        raw = Raw(server.url)
        raw.port.baudrate = 460800
        deadline = time.monotonic() + 3
        seen = b""
        while b"tuya>" not in seen and time.monotonic() < deadline:
            seen += raw.port.read(256)
        assert b"version 3.0.1" in seen and chip.state is BekenMode.APP
        raw.port.write(encode_command(0xFE, b"\x95\x27\x95\x27"))
        # The frame must reach the chip at 460800 before the host changes rate.
        assert wait_until(lambda: chip.stats.boots == 2)
        raw.port.baudrate = 115200
        reply = None
        deadline = time.monotonic() + 2
        while reply is None and time.monotonic() < deadline:
            reply = raw.ask(0x00, reply=0x01, timeout=0.01)
        assert reply is not None
        assert mode_of(chip) is BekenMode.DOWNLOAD
        assert chip.stats.boots == 2
        raw.close()


def mode_of(chip: BekenSimChip) -> BekenMode:
    return chip.state


def test_an_image_for_another_chip_does_not_boot() -> None:
    chip = BekenSimChip("bk7231n")
    app = image.make_app_partition("bk7231t", "1.0", size=0x8000)
    chip.flash_memory.program(0x11000, app)
    assert chip.app_version() is None
    chip.load_app("1.1")
    assert chip.app_version() == "1.1"


def test_fault_specs_parse_and_print() -> None:
    fault = parse_beken_fault("status@op=0x07,code=6,nth=3")
    assert fault == BekenFault(BekenFaultKind.STATUS, op=7, code=6, nth=3)
    assert parse_beken_fault(str(fault)) == fault
    assert parse_beken_fault("no-link").firings is None
    assert parse_beken_fault("brownout@offset=0x40000").firings == 1
    with pytest.raises(BekenFaultSpecError, match="unknown Beken fault"):
        parse_beken_fault("melt")
    with pytest.raises(BekenFaultSpecError, match="does not take"):
        parse_beken_fault("sr-stuck@offset=1")
