"""Beken chips over our own implementation of the download protocol: identify, write, verify.

One `BekenDriver` per connection, owned by one job (not thread-safe). The steps:
- `identify`: the link policy (`link.py`), then who answers (chip id register on the BootROMs,
  ReadBootVersion on the BK7231T bootloader), the flash ID (BootROMs), and the fast baud rate
  with a check at the new rate and a fall back to lower ones.
- `write_regions`: status-register unprotect (BootROMs; the flash ID must be in the table),
  64 KiB erases where a whole block is written and 4 KiB at the edges, 4 KiB sector writes
  (all-0xFF sectors are only erased). Nothing is written below the variant's floor (0x11000 on
  BK7231T). Progress per sector, cancel between commands.
- `flash_matches`: the same CheckCRC before a write: a chip holding the image is not written.
- `verify_regions`: one CheckCRC per region (end inclusive or exclusive per variant); on a
  mismatch, CRCs per 64 KiB and 4 KiB find the first bad sector for the message. After a CRC the
  BK7231T bootloader re-protects its flash until a LinkCheck, so one follows.
- `reset_to_app`: re-protect what was unprotected, Reboot, and the port at the shell's baud.

Errors a technician can act on leave as `DriverError(Reason, detail)`.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from typing import Any

import serial

from prodtool.families.beken import crc
from prodtool.families.beken.flashids import FlashChip, SrWrite, lookup
from prodtool.families.beken.frames import Frame, encode_command
from prodtool.families.beken.link import (
    CEN_HINT,
    ROM_BAUD,
    Linker,
    LinkPolicy,
    LinkStep,
    has_lines,
)
from prodtool.families.beken.transport import PortGoneError, ReplyTimeoutError, Transport
from prodtool.families.beken.variants import (
    VARIANTS,
    Dialect,
    Variant,
    is_beken,
    variant_for,
)
from prodtool.families.driver import (
    CancelToken,
    ChipDriver,
    ChipInfo,
    DriverError,
    ProgressFn,
    Region,
)
from prodtool.flash.events import Reason
from prodtool.flash.serialport import open_serial

SECTOR = 0x1000
BLOCK = 0x10000
BAUD_DELAY_MS = 20
T_FLASH_SIZE = 0x200000  # the BK7231T bootloader cannot say; its modules carry 2 MiB
CRC_FLOOR_BPS = 100_000  # the slowest CRC we wait for (bk7231tools assumes 400 kB/s)
REBOOT = encode_command(0x0E, b"\xa5")


@dataclass(frozen=True)
class Timeouts:
    command: float = 0.5
    probe: float = 0.25  # a command the chip may not know (identification)
    erase_4k: float = 1.0
    erase_64k: float = 3.0
    write_4k: float = 1.0
    crc_base: float = 1.0


def open_port(url: str) -> Any:
    """Open like every job does; RFC 2217 without a write timeout (pyserial has none there)."""
    if url.lower().startswith("rfc2217://"):
        return serial.serial_for_url(url, exclusive=True, timeout=0.05)
    return open_serial(url)


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


class BekenDriver(ChipDriver):
    """One download-mode connection to one Beken chip."""

    def __init__(
        self,
        port: str | Any,
        *,
        family: str = "bk7231n",
        baud: int = 921600,
        cancel: CancelToken | None = None,
        policy: LinkPolicy | None = None,
        timeouts: Timeouts | None = None,
        shell_baud: int | None = None,
    ) -> None:
        super().__init__(baud=ROM_BAUD, cancel=cancel)
        self.variant: Variant = variant_for(family)
        self._port_arg = port
        self._owns_port = isinstance(port, str)
        self._want_baud = baud
        self._policy = policy or LinkPolicy()
        self._timeouts = timeouts or Timeouts()
        self.shell_baud = shell_baud or self.variant.shell_baud
        self._t: Transport | None = None
        self._lines = False
        self.flash: FlashChip | None = None
        self.flash_id = b""
        self.flash_size: int | None = None
        self.link_step: LinkStep | None = None
        self._saved_sr: int | None = None

    # ---------------------------------------------------------------- connection

    def _open(self) -> Transport:
        if self._t is not None:
            return self._t
        try:
            port: Any = open_port(self._port_arg) if self._owns_port else self._port_arg
            port.baudrate = ROM_BAUD
        except (serial.SerialException, OSError, ValueError) as error:
            raise DriverError(Reason.NO_ANSWER, f"cannot open the port: {error}") from None
        if hasattr(port, "set_buffer_size"):  # Windows: a 4111-byte read reply needs room
            with suppress(serial.SerialException, OSError, ValueError):
                port.set_buffer_size(rx_size=16384, tx_size=16384)
        self._lines = has_lines(port)
        self._t = Transport(port, self._cancel.check)
        return self._t

    def _need(self) -> Transport:
        if self._t is None or self.info is None:
            raise DriverError(Reason.INTERNAL, "identify() must run first")
        return self._t

    def identify(self, expect_family: str | None = None) -> ChipInfo:
        """Link, check the chip is the variant expected, read its flash ID, go to the fast rate."""
        if expect_family is not None:
            if not is_beken(expect_family):
                raise DriverError(Reason.WRONG_CHIP, f"this is a Beken chip, not {expect_family}")
            self.variant = variant_for(expect_family)
        self._cancel.check()
        t = self._open()
        try:
            stranded = tuple(dict.fromkeys((self._want_baud, *self.variant.fast_bauds)))
            linker = Linker(
                t,
                self._policy,
                self.shell_baud,
                self._cancel.wait,
                self._lines,
                fast_bauds=tuple(b for b in stranded if b != ROM_BAUD),
            )
            step = linker.link()
            self._cancel.check()
            if step is None:
                tried = ", ".join(dict.fromkeys(linker.attempts))
                raise DriverError(
                    Reason.NO_ANSWER,
                    f"no LinkCheck answer from {self.variant.title} (tried: {tried}); {CEN_HINT}",
                )
            self.link_step = step
            chip_id = self._check_variant(t)
            self._read_flash_id(t)
            self._baud = self._fast_baud(t, linker)
        except PortGoneError as error:
            self._cancel.check()
            raise DriverError(Reason.CABLE_PULLED, str(error)) from None
        except ReplyTimeoutError as error:
            self._cancel.check()
            raise DriverError(Reason.LINK_ERRORS, f"during identification: {error}") from None
        flash = self.flash
        flash_text = (
            f"flash {flash.name} ({self.flash_id.hex(' ')})" if flash is not None else "flash ?"
        )
        self.info = ChipInfo(
            family=self.variant.name,
            # Neither loader can say the MAC, and no public source pins down where a firmware
            # keeps it (docs/beken.md, "The MAC"): the job asks the app's shell (`read_mac`)
            # once the firmware runs. The ROM's chip id is the same on every chip of a variant,
            # so it is no identity either: it stays in the description.
            mac="",
            chip_id="",
            flash_size=self.flash_size,
            description=(
                f"{self.variant.title} ({chip_id}), {flash_text}, linked by {step.value}, "
                f"{self._baud} baud"
            ),
        )
        return self.info

    def _check_variant(self, t: Transport) -> str:
        """The chip's own id ("0x7231c", "BK7231S_1.0.5"); WRONG_CHIP for another variant."""
        want = self.variant
        if want.dialect is Dialect.BOOTROM:
            value = self._probe_register(t, want.chip_id_reg or 0)
            if value is not None and value == want.chip_id:
                return f"{value:#x}"
            if value is not None and self._probe_register(t, want.chip_id_reg or 0) != value:
                # A reply has no checksum: two reads that differ are the link, not the chip.
                raise DriverError(Reason.LINK_ERRORS, "the chip id reads differently twice")
            other = self._who_else(t)
            reg = want.chip_id_reg or 0
            if other:
                raise DriverError(Reason.WRONG_CHIP, f"this chip is {other}, not {want.title}")
            if value is not None:
                raise DriverError(
                    Reason.WRONG_CHIP, f"chip id {value:#x} at {reg:#x}, expected {want.chip_id:#x}"
                )
            raise DriverError(Reason.LINK_ERRORS, f"linked, but no answer to ReadReg {reg:#x}")
        version = self._probe_boot_version(t)
        if version is not None and version.startswith("BK72"):
            return version
        if version is not None:
            raise DriverError(
                Reason.WRONG_CHIP, f"the bootloader says {version!r}, not a {want.title} one"
            )
        other = self._who_else(t)
        if other:
            raise DriverError(Reason.WRONG_CHIP, f"this chip is {other}, not {want.title}")
        raise DriverError(Reason.LINK_ERRORS, "linked, but no answer to ReadBootVersion")

    def _probe_register(self, t: Transport, addr: int) -> int | None:
        def accept(frame: Frame) -> bool:
            if frame.long or frame.cmd != 0x03 or len(frame.payload) < 8:
                return False
            (echo,) = struct.unpack_from("<I", frame.payload)
            return echo in (addr, addr + 1)  # some ROMs echo addr + 1

        t.send(0x03, _u32(addr))
        try:
            frame = t.wait_for(accept, self._timeouts.probe)
        except ReplyTimeoutError:
            return None
        return int(struct.unpack_from("<I", frame.payload, 4)[0])

    def _probe_boot_version(self, t: Transport) -> str | None:
        try:
            frame = t.command(0x11, timeout=self._timeouts.probe)
        except ReplyTimeoutError:
            return None
        text = frame.payload.split(b"\x00", 1)[0].decode("ascii", "replace").strip()
        return text or None

    def _who_else(self, t: Transport) -> str | None:
        """Which other Beken chip answers here, for a WRONG_CHIP message."""
        for other in VARIANTS:
            if other is self.variant:
                continue
            if other.dialect is Dialect.BOOTROM and other.chip_id_reg is not None:
                if self._probe_register(t, other.chip_id_reg) == other.chip_id:
                    return other.title
            elif (self._probe_boot_version(t) or "").startswith("BK72"):
                return other.title
        return None

    def _read_flash_id(self, t: Transport) -> None:
        if not self.variant.has_registers:
            self.flash_size = T_FLASH_SIZE
            return
        frame = t.command(0x0E, bytes([0x9F, 0, 0, 0]), long=True, timeout=self._timeouts.command)
        payload = frame.payload
        if len(payload) < 5 or payload[0] != 0:
            raise DriverError(Reason.LINK_ERRORS, f"GetMID answered {payload.hex(' ')}")
        self.flash_id = bytes(payload[2:5])  # status, echo of 0x9F, then the 3-byte ID
        self.flash = lookup(self.flash_id)
        if self.flash is not None:
            self.flash_size = self.flash.size
        elif 0x10 <= self.flash_id[2] <= 0x19:
            self.flash_size = 1 << self.flash_id[2]  # size still readable; protection is not

    # ---------------------------------------------------------------- baud rate

    def _fast_baud(self, t: Transport, linker: Linker) -> int:
        """Switch to the wanted rate, checking it; one rate lower on failure, down to 115200."""
        if self._want_baud == ROM_BAUD:
            return ROM_BAUD
        ladder = [self._want_baud] + [b for b in self.variant.fast_bauds if b < self._want_baud]
        for baud in ladder:
            self._cancel.check()
            # A second try at the same rate: a command garbled by a late switch on the host
            # side is not the adapter's limit.
            if self._try_baud(t, baud) or (
                self._relink_at_rom_baud(t, linker) and self._try_baud(t, baud)
            ):
                return baud
            if not self._relink_at_rom_baud(t, linker):
                raise DriverError(
                    Reason.LINK_ERRORS,
                    f"no answer at {baud} baud, and none at {ROM_BAUD} after it",
                )
        return ROM_BAUD

    def _try_baud(self, t: Transport, baud: int) -> bool:
        payload = _u32(baud) + bytes([BAUD_DELAY_MS])
        t.send(0x0F, payload)
        t.wait_sent(11, margin=BAUD_DELAY_MS / 2000)
        t.set_baud(baud)
        t.reader.clear()
        with suppress(ReplyTimeoutError):
            t.wait_for(
                lambda f: not f.long and f.cmd == 0x0F and f.payload[:5] == payload,
                0.1 + BAUD_DELAY_MS / 1000,
            )
        # The echo may be lost or garbled; the check is a LinkCheck answered at the new rate.
        for _ in range(3):
            with suppress(ReplyTimeoutError):
                t.command(0x00, reply_cmd=0x01, timeout=0.05)
                t.drain(0.005, 0.05)
                return True
        t.set_baud(ROM_BAUD)
        return False

    def _relink_at_rom_baud(self, t: Transport, linker: Linker) -> bool:
        """After a failed change: the chip stayed at 115200, or it needs a reset to get back."""
        t.set_baud(ROM_BAUD)
        t.drain(0.01, 0.1)
        for _ in range(3):
            with suppress(ReplyTimeoutError):
                t.command(0x00, reply_cmd=0x01, timeout=0.05)
                t.drain(0.005, 0.05)
                return True
        return linker.link() is not None

    # ---------------------------------------------------------------- flash

    def planned(self, regions: Sequence[Region]) -> list[Region]:
        """The regions as this variant writes them: nothing below its floor (BK7231T: 0x11000).

        A whole-flash (QIO) image at 0x0 is written from 0x11000 on a BK7231T; a region that lies
        wholly below the floor (a bootloader) is left out.
        """
        floor = self.variant.write_floor
        out: list[Region] = []
        for region in regions:
            end = region.offset + len(region.data)
            if region.offset >= floor:
                out.append(region)
            elif end > floor:
                cut = floor - region.offset
                out.append(Region(floor, region.data[cut:], region.name, region.secret))
        return out

    def check_fits(self, regions: Sequence[Region]) -> None:
        size = self.flash_size
        for region in regions:
            end = region.offset + len(region.data)
            if size is not None and end > size:
                raise DriverError(
                    Reason.FIRMWARE_TOO_LARGE,
                    f"{region.name or 'image'} ends at {end:#x}, the flash holds {size:#x}",
                )

    def write_regions(self, regions: Sequence[Region], progress: ProgressFn) -> None:
        t = self._need()
        self.check_fits(regions)
        regions = self.planned(regions)
        total = sum(len(r.data) for r in regions)
        done = 0
        try:
            self._unprotect(t)
            for region in regions:
                with self._secret(region):
                    done = self._write_region(t, region, done, total, progress)
        except PortGoneError as error:
            self._cancel.check()
            raise DriverError(Reason.CABLE_PULLED, str(error)) from None
        progress(total, total)

    def _sectors(self, t: Transport, region: Region) -> tuple[int, bytes]:
        """The region widened to whole sectors: the first sector's address and the bytes."""
        start = region.offset - region.offset % SECTOR
        data = region.data
        if region.offset != start:
            data = self._read_sector(t, start)[: region.offset - start] + data
        tail = -len(data) % SECTOR
        if tail:
            last = start + len(data) - len(data) % SECTOR
            data += self._read_sector(t, last)[SECTOR - tail :]
        return start, data

    def _write_region(
        self, t: Transport, region: Region, done: int, total: int, progress: ProgressFn
    ) -> int:
        start, data = self._sectors(t, region)
        end = start + len(data)
        lead = region.offset - start
        addr = start
        while addr < end:
            self._cancel.check()
            if addr % BLOCK == 0 and addr + BLOCK <= end:
                self._erase(t, addr, 0xD8, self._timeouts.erase_64k)
                block_end = addr + BLOCK
            else:
                self._erase(t, addr, 0x20, self._timeouts.erase_4k)
                block_end = addr + SECTOR
            for sector in range(addr, block_end, SECTOR):
                self._cancel.check()
                chunk = data[sector - start : sector - start + SECTOR]
                if chunk.count(0xFF) != SECTOR:
                    self._write_sector(t, sector, chunk)
                written = min(len(region.data), sector + SECTOR - start - lead)
                progress(done + max(0, written), total)
            addr = block_end
        return done + len(region.data)

    def _erase(self, t: Transport, addr: int, op: int, timeout: float) -> None:
        payload = bytes([op]) + _u32(addr)
        try:
            frame = t.command(0x0F, payload, long=True, timeout=timeout, echo=payload, echo_at=1)
        except ReplyTimeoutError:
            raise DriverError(
                Reason.LINK_ERRORS,
                f"no reply to erase at {addr:#x}: the chip reset or the link dropped",
            ) from None
        self._status(frame, f"erase at {addr:#x}")

    def _write_sector(self, t: Transport, addr: int, chunk: bytes) -> None:
        try:
            frame = t.command(
                0x07,
                _u32(addr) + chunk,
                long=True,
                timeout=self._timeouts.write_4k,
                echo=_u32(addr),
                echo_at=1,
            )
        except ReplyTimeoutError:
            raise DriverError(
                Reason.LINK_ERRORS,
                f"no reply to the write at {addr:#x}: the chip reset (brown-out? check the "
                "3.3 V supply) or the link dropped",
            ) from None
        self._status(frame, f"write at {addr:#x}")

    @staticmethod
    def _status(frame: Frame, what: str) -> None:
        status = frame.payload[0] if frame.payload else 0xFF
        if status == 0:
            return
        names = {
            1: "busy",
            2: "SPI timeout",
            3: "flash timeout",
            4: "bad payload length",
            5: "bad packet length",
            6: "bad parameter",
            7: "unknown command",
        }
        raise DriverError(
            Reason.FLASH_WRITE_FAILED, f"{what}: status {status} ({names.get(status, 'unknown')})"
        )

    def _read_sector(self, t: Transport, addr: int) -> bytes:
        try:
            frame = t.command(
                0x09,
                _u32(addr),
                long=True,
                timeout=self._timeouts.command,
                echo=_u32(addr),
                echo_at=1,
            )
        except ReplyTimeoutError:
            raise DriverError(Reason.LINK_ERRORS, f"no reply to the read at {addr:#x}") from None
        self._status(frame, f"read at {addr:#x}")
        data = frame.payload[5:]
        if len(data) != SECTOR:
            raise DriverError(Reason.LINK_ERRORS, f"read at {addr:#x}: {len(data)} bytes")
        return data

    def _secret(self, region: Region) -> AbstractContextManager[None]:
        """A secret region's bytes stay out of the port's transcript (recorded by size)."""
        transcript = getattr(self._port_arg, "transcript", None)
        if region.secret and transcript is not None:
            opaque: AbstractContextManager[None] = transcript.opaque()
            return opaque
        return nullcontext()

    # ---------------------------------------------------------------- status register

    def _read_sr(self, t: Transport, flash: FlashChip) -> int:
        value = 0
        ops = (0x05, 0x35) if flash.sr_bytes == 2 else (0x05,)
        for shift, op in enumerate(ops):
            frame = t.command(
                0x0C,
                bytes([op]),
                long=True,
                timeout=self._timeouts.command,
                echo=bytes([op]),
                echo_at=1,
            )
            self._status(frame, f"status register read {op:#04x}")
            value |= frame.payload[2] << (8 * shift)
        return value

    def _write_sr(self, t: Transport, flash: FlashChip, value: int) -> None:
        if flash.sr_write is SrWrite.ONE:
            writes = [(0x01, bytes([value & 0xFF]))]
        elif flash.sr_write is SrWrite.BOTH and not self.variant.sr2_split:
            writes = [(0x01, bytes([value & 0xFF, value >> 8]))]
        else:
            writes = [(0x01, bytes([value & 0xFF])), (0x31, bytes([value >> 8]))]
        for op, data in writes:
            frame = t.command(
                0x0D,
                bytes([op]) + data,
                long=True,
                timeout=self._timeouts.command,
                echo=bytes([op]),
                echo_at=1,
            )
            self._status(frame, f"status register write {op:#04x}")

    def _unprotect(self, t: Transport) -> None:
        if not self.variant.has_registers:
            return
        flash = self.flash
        if flash is None:
            raise DriverError(
                Reason.FLASH_WRITE_FAILED,
                f"unknown flash ID {self.flash_id.hex(' ')}: its write protection cannot be "
                "cleared safely (add it to prodtool/families/beken/flashids.py)",
            )
        try:
            before = self._read_sr(t, flash)
            wanted = before & ~flash.protect_mask
            if wanted != before:
                self._write_sr(t, flash, wanted)
                after = self._read_sr(t, flash)
                if after & flash.protect_mask != wanted & flash.protect_mask:
                    raise DriverError(
                        Reason.FLASH_WRITE_FAILED,
                        f"flash stays write-protected: status register {after:#06x} after writing "
                        f"{wanted:#06x} (WP pin or SRP set)",
                    )
                self._saved_sr = before
        except ReplyTimeoutError as error:
            raise DriverError(Reason.LINK_ERRORS, f"status register: {error}") from None

    def _reprotect(self, t: Transport) -> None:
        if self._saved_sr is None or self.flash is None:
            return
        with suppress(ReplyTimeoutError, DriverError):
            self._write_sr(t, self.flash, self._saved_sr)
        self._saved_sr = None

    # ---------------------------------------------------------------- verify and read

    def chip_crc(
        self, start: int, length: int, late: Reason = Reason.FIRMWARE_VERIFY_FAILED
    ) -> int:
        """CheckCRC over [start, start+length): the ROM's value (CRC-32 without final XOR).

        `late`: the reason when no answer comes (verifying: the flash; reading: the link).
        """
        t = self._need()
        end = start + length - (1 if self.variant.crc_end_inclusive else 0)
        timeout = self._timeouts.crc_base + length / CRC_FLOOR_BPS
        try:
            frame = t.command(0x10, _u32(start) + _u32(end), timeout=timeout)
        except ReplyTimeoutError:
            raise DriverError(
                late, f"CheckCRC over {start:#x}+{length:#x} did not answer within {timeout:.1f} s"
            ) from None
        if len(frame.payload) < 4:
            raise DriverError(Reason.LINK_ERRORS, "short CheckCRC reply")
        if self.variant.crc_locks_flash:
            # The bootloader re-protects its flash after a CRC until the next LinkCheck.
            with suppress(ReplyTimeoutError):
                t.command(0x00, reply_cmd=0x01, timeout=self._timeouts.command)
        return int(struct.unpack_from("<I", frame.payload)[0])

    def flash_matches(self, region: Region) -> bool | None:
        """The ROM's CheckCRC over the part of `region` this variant writes, against the
        region's: one CRC command, no bytes read back. None for a region this variant does
        not write at all (below its floor): there is nothing to skip."""
        self._need()
        parts = self.planned([region])
        if not parts:
            return None
        try:
            for part in parts:
                self._cancel.check()
                if part.data and self.chip_crc(part.offset, len(part.data)) != crc.chip_crc(
                    part.data
                ):
                    return False
        except PortGoneError as error:
            self._cancel.check()
            raise DriverError(Reason.CABLE_PULLED, str(error)) from None
        return True

    def verify_regions(self, regions: Sequence[Region]) -> None:
        self._need()
        try:
            for region in self.planned(regions):
                self._cancel.check()
                if not region.data:
                    continue
                if self.chip_crc(region.offset, len(region.data)) == crc.chip_crc(region.data):
                    continue
                where = self._first_bad(region)
                raise DriverError(
                    Reason.FIRMWARE_VERIFY_FAILED,
                    f"CRC of {region.name or 'region'} differs{where}",
                )
        except PortGoneError as error:
            self._cancel.check()
            raise DriverError(Reason.CABLE_PULLED, str(error)) from None

    def _first_bad(self, region: Region) -> str:
        """Narrow a CRC mismatch down to a 4 KiB piece, for the message."""
        for step in (BLOCK, SECTOR):
            base = region.offset
            for at in range(0, len(region.data), step):
                piece = region.data[at : at + step]
                if self.chip_crc(base + at, len(piece)) != crc.chip_crc(piece):
                    if step == SECTOR:
                        return f" at {base + at:#x}-{base + at + len(piece) - 1:#x}"
                    region = Region(base + at, piece, region.name)
                    break
            else:
                return ""
        return ""

    def read(self, offset: int, length: int) -> bytes:
        t = self._need()
        out = bytearray()
        start = offset - offset % SECTOR
        try:
            for addr in range(start, offset + length, SECTOR):
                self._cancel.check()
                out += self._read_checked(t, addr)
        except PortGoneError as error:
            self._cancel.check()
            raise DriverError(Reason.CABLE_PULLED, str(error)) from None
        skip = offset - start
        return bytes(out[skip : skip + length])

    def _read_checked(self, t: Transport, addr: int, tries: int = 3) -> bytes:
        """A sector whose bytes match the chip's own CRC of it (a read reply has no checksum)."""
        for _ in range(tries):
            data = self._read_sector(t, addr)
            if self.chip_crc(addr, SECTOR, Reason.LINK_ERRORS) == crc.chip_crc(data):
                return data
        raise DriverError(
            Reason.LINK_ERRORS, f"read at {addr:#x}: the bytes differ from the chip's CRC {tries}x"
        )

    # ---------------------------------------------------------------- leaving

    def reset_to_app(self) -> None:
        """Re-protect, reboot into the app, and leave the port at the shell's rate."""
        t = self._need()
        try:
            self._reprotect(t)
            # Twice, as Beken's own tools do: a Reboot lost to a late rate change on the host
            # side leaves the chip in download mode; a second one after a reboot is noise in
            # the boot window. Both must be out before the port goes to the shell's rate: one
            # write and one wait for both (each wait has a 20 ms margin for a pty's queue).
            t.write(REBOOT * 2)
            t.wait_sent(len(REBOOT) * 2)
            t.set_baud(self.shell_baud)
            t.reader.clear()
        except PortGoneError as error:
            self._cancel.check()
            raise DriverError(Reason.CABLE_PULLED, str(error)) from None
        self._baud = ROM_BAUD

    def close(self) -> None:
        if self._t is not None and self._owns_port:
            with suppress(serial.SerialException, OSError):
                self._t.port.close()
        self._t = None
