"""A throwaway chip family, to prove a family plugs in from one folder without touching any
other file: a text-line ROM protocol (not SLIP), its own image format, its own baud rates.

The "toy" ROM, on one UART (a line is ASCII ending in LF; replies end in LF):
    TOY?               -> TOY <family> <mac> <flash size>   (also from the app: enters the ROM)
    BAUD <n>           -> OK, then the ROM talks at n baud
    BEGIN <off> <len>  -> OK, after erasing [off, off + len)
    BLOCK <n>          -> n raw bytes follow; OK once programmed
    CRC <off> <len>    -> CRC <crc32 in hex>
    READ <off> <len>   -> DATA <hex>
    RUN                -> OK, then the app boots at 115200 into the TuyaOpen shell
Every reply line ends in " #" and the CRC-32 of the text before it, in hex.
An image: b"TOY!", u32 total length, 16-byte version, u32 CRC-32 of the payload, payload.
"""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import serial

from prodtool.families.driver import (
    CancelToken,
    ChipDriver,
    ChipInfo,
    DriverError,
    ProgressFn,
    Region,
)
from prodtool.families.family import ChipFamily, ImageError, ImageInfo, ShellAccess
from prodtool.flash.events import Reason

if TYPE_CHECKING:
    from prodtool.sim.chip import SimulatedChip
    from prodtool.sim.faults import Fault

MAGIC = b"TOY!"
HEADER = struct.Struct("<4sI16sI")
ROM_BAUD = 115200
BLOCK = 4096
REPLY_SECONDS = 3.0  # per reply line (a READ of 16 KiB is 32 KiB of hex)


def make_toy_image(version: str, size: int = 8192) -> bytes:
    payload_len = max(0, size - HEADER.size)
    payload = bytes((i * 7 + len(version)) & 0xFF for i in range(payload_len))
    head = HEADER.pack(MAGIC, HEADER.size + payload_len, version.encode()[:16], zlib.crc32(payload))
    return head + payload


def parse_toy_image(data: bytes) -> tuple[str, int] | None:
    """(version, length) of a whole, intact image at the start of `data`, else None."""
    if len(data) < HEADER.size or data[:4] != MAGIC:
        return None
    _magic, length, version, crc = HEADER.unpack_from(data)
    if length > len(data) or zlib.crc32(data[HEADER.size : length]) != crc:
        return None
    return version.rstrip(b"\0").decode("ascii", "replace"), length


class ToyDriver(ChipDriver):
    """The toy ROM over a serial object: one command line, one reply line."""

    def __init__(self, port: Any, *, baud: int, attempts: int, cancel: CancelToken | None) -> None:
        super().__init__(baud=ROM_BAUD, cancel=cancel)
        self._port = port
        self._wanted = baud
        self._attempts = attempts

    def _ask(self, line: str, expect: str, data: bytes = b"", *, phase: Reason) -> str:
        """Send `line` (and `data`), return the reply from `expect` on; `phase` if none comes."""
        self.cancel.check()
        try:
            self._port.write(line.encode() + b"\n" + data)
            deadline = time.monotonic() + REPLY_SECONDS + len(data) * 20 / self._baud
            pending = b""
            while time.monotonic() < deadline:
                self.cancel.check()
                chunk: bytes = self._port.read_until(b"\n")  # a short read returns what came
                pending += chunk
                if not pending.endswith(b"\n"):
                    continue
                text, pending = pending.decode("ascii", "replace"), b""
                if expect in text:
                    reply, _sep, crc = text[text.index(expect) :].strip().rpartition(" #")
                    if crc != f"{zlib.crc32(reply.encode()):08x}":
                        name = line.split(maxsplit=1)[0]
                        raise DriverError(Reason.LINK_ERRORS, f"garbled reply to {name}")
                    return reply
        except (serial.SerialException, OSError) as error:
            self.cancel.check()
            if self.info is None:
                raise DriverError(Reason.NO_ANSWER, str(error)) from None
            raise DriverError(Reason.CABLE_PULLED, str(error)) from None
        raise DriverError(phase, f"no '{expect}' reply to {line.split(maxsplit=1)[0]}")

    def identify(self, expect_family: str | None = None) -> ChipInfo:
        reply = ""
        for _attempt in range(max(1, self._attempts)):
            try:
                reply = self._ask("TOY?", "TOY ", phase=Reason.NO_ANSWER)
                break
            except DriverError as error:
                if error.reason is not Reason.NO_ANSWER:
                    raise
        if not reply:
            raise DriverError(Reason.NO_ANSWER, "the toy ROM did not answer TOY?")
        parts = reply.split()
        if len(parts) != 4:
            raise DriverError(Reason.LINK_ERRORS, f"garbled identity {reply!r}")
        _tag, family, mac, size = parts
        if expect_family is not None and family != expect_family:
            raise DriverError(Reason.WRONG_CHIP, f"this chip is {family}, not {expect_family}")
        if self._wanted != ROM_BAUD:
            self._ask(f"BAUD {self._wanted}", "OK", phase=Reason.NO_ANSWER)
            self._port.baudrate = self._wanted
            self._baud = self._wanted
            try:
                self._ask("TOY?", "TOY ", phase=Reason.LINK_ERRORS)
            except DriverError as error:
                detail = f"silent at {self._wanted} baud: {error.detail}"
                raise DriverError(Reason.LINK_ERRORS, detail) from None
        self.info = ChipInfo(family, mac, mac.replace(":", ""), int(size))
        return self.info

    def write_regions(self, regions: Sequence[Region], progress: ProgressFn) -> None:
        self.check_fits(regions)
        total, base = sum(len(r.data) for r in regions), 0
        for region in regions:
            begin = f"BEGIN {region.offset} {len(region.data)}"
            self._ask(begin, "OK", phase=Reason.FLASH_WRITE_FAILED)
            for at in range(0, len(region.data), BLOCK):
                chunk = region.data[at : at + BLOCK]
                self._ask(f"BLOCK {len(chunk)}", "OK", chunk, phase=Reason.FLASH_WRITE_FAILED)
                progress(base + at + len(chunk), total)
            base += len(region.data)

    def verify_regions(self, regions: Sequence[Region]) -> None:
        for region in regions:
            reply = self._ask(
                f"CRC {region.offset} {len(region.data)}", "CRC ", phase=Reason.LINK_ERRORS
            )
            if int(reply.split()[1], 16) != zlib.crc32(region.data):
                raise DriverError(
                    Reason.FIRMWARE_VERIFY_FAILED, f"CRC of {region.name or 'region'} differs"
                )

    def read(self, offset: int, length: int) -> bytes:
        reply = self._ask(f"READ {offset} {length}", "DATA ", phase=Reason.LINK_ERRORS)
        try:
            return bytes.fromhex(reply.split()[1])
        except (IndexError, ValueError):
            raise DriverError(Reason.LINK_ERRORS, "garbled DATA reply") from None

    def reset_to_app(self) -> None:
        self._ask("RUN", "OK", phase=Reason.NO_SHELL)


@dataclass(frozen=True)
class ToyFamily(ChipFamily):
    def open_driver(
        self,
        serial: Any,
        *,
        baud: int,
        connect_attempts: int = 3,
        cancel: CancelToken | None = None,
        stub_baud: int = 0,  # no flasher stub in this family: nothing is left at a fast rate
    ) -> ChipDriver:
        return ToyDriver(serial, baud=baud, attempts=connect_attempts, cancel=cancel)

    def read_image(self, data: bytes, *, name: str = "image") -> ImageInfo:
        if not data:
            raise ImageError(f"{name} is empty (0 bytes)")
        if data[:4] != MAGIC:
            raise ImageError(f"{name} is not a toy image")
        parsed = parse_toy_image(data)
        if parsed is None:
            raise ImageError(f"{name} is truncated or damaged")
        return ImageInfo(chip=self.name, version=parsed[0], size=parsed[1])

    def image_version(self, head: bytes) -> str | None:
        if len(head) < HEADER.size or head[:4] != MAGIC:
            return None
        version: bytes = HEADER.unpack_from(head)[2]
        return version.rstrip(b"\0").decode("ascii", "replace")

    def make_image(self, *, version: str, size: int | None = None) -> bytes:
        return make_toy_image(version, size or 8192)

    def sim_chip(
        self,
        *,
        index: int = 0,
        seed: int = 0,
        app_version: str | None = None,
        faults: Sequence[Fault] = (),
        shell_echo: bool = True,
    ) -> SimulatedChip:
        from tests.families.toy.chip import ToyChip

        return ToyChip(
            self.name, index=index, seed=seed, app_version=app_version, faults=list(faults)
        )


TOY = ToyFamily(
    name="toy",
    title="Toy",
    aliases=("toy1",),
    rom_baud=ROM_BAUD,
    baud_rates=(460800, 115200),
    app_offset=0x8000,
    version_probe=HEADER.size,
    shell=ShellAccess(baud=115200),
    reset_to_loader="type TOY? on its UART",
    reset_to_app="RUN",
    guide="TX, RX and GND; nothing else",
)
