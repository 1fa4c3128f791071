"""The download-mode command set of a simulated Beken chip: BootROM or BK7231T bootloader.

Pure command semantics; the chip (`sim/chip.py`) owns the modes, the wire and the clock. Each
handler returns the reply frame (or None), how long the chip is busy before sending it, and
optionally an action for the chip (reboot, change baud, brown-out, unplug).

Flash rules follow the reference: addresses wrap modulo the flash size (tools reach the
BK7231T's bootloader area that way); the T bootloader ignores writes and erases below 0x11000
and, after a CheckCRC, ignores them until the next LinkCheck; a BootROM chip ignores them while
the status register's protect bits are set. Ignored means status 0 and nothing done, as on the
chips: only a CRC shows it. Protection is modelled for the whole array (BP bits set or, with
CMP, clear), not per block.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import TYPE_CHECKING

from prodtool.families.beken import crc, frames
from prodtool.families.beken.frames import Frame
from prodtool.families.beken.sim.faults import BekenFaultKind as K
from prodtool.families.beken.variants import BOOTLOADER_SIZE, Dialect
from prodtool.sim.faults import FaultKind

if TYPE_CHECKING:
    from prodtool.families.beken.sim.chip import BekenSimChip

SECTOR = 0x1000
BLOCK64 = 0x10000
STATUS_OK = 0
STATUS_PARAM = 6
STATUS_UNKNOWN = 7


class Short:
    LINK_CHECK = 0x00
    WRITE_REG = 0x01
    READ_REG = 0x03
    REBOOT = 0x0E
    SET_BAUD = 0x0F
    CHECK_CRC = 0x10
    BOOT_VERSION = 0x11


class Long:
    WRITE = 0x06
    WRITE_4K = 0x07
    READ_4K = 0x09
    ERASE_ALL = 0x0A
    ERASE_4K = 0x0B
    READ_SR = 0x0C
    WRITE_SR = 0x0D
    GET_MID = 0x0E
    ERASE = 0x0F


class Action(Enum):
    NONE = auto()
    REBOOT = auto()
    SET_BAUD = auto()
    BROWNOUT = auto()
    UNPLUG = auto()


@dataclass
class Outcome:
    """What a command does: the reply, after `busy` seconds, and an action for the chip."""

    reply: bytes | None = None
    busy: float = 0.0
    action: Action = Action.NONE
    baud: int = 0
    delay: float = 0.0


_BOOTROM_SHORT = {
    Short.LINK_CHECK,
    Short.WRITE_REG,
    Short.READ_REG,
    Short.REBOOT,
    Short.SET_BAUD,
    Short.CHECK_CRC,
}
_BOOTLOADER_SHORT = {
    Short.LINK_CHECK,
    Short.REBOOT,
    Short.SET_BAUD,
    Short.CHECK_CRC,
    Short.BOOT_VERSION,
}
_BOOTROM_LONG = {
    Long.WRITE,
    Long.WRITE_4K,
    Long.READ_4K,
    Long.ERASE_ALL,
    Long.ERASE_4K,
    Long.READ_SR,
    Long.WRITE_SR,
    Long.GET_MID,
    Long.ERASE,
}
_BOOTLOADER_LONG = {Long.WRITE, Long.WRITE_4K, Long.READ_4K, Long.ERASE}


class Rom:
    """Answers download-protocol commands for one chip."""

    def __init__(self, chip: BekenSimChip) -> None:
        self.chip = chip
        self.crc_locked = False  # T bootloader: after CheckCRC, until a LinkCheck
        self.registers: dict[int, int] = {}
        self.blocks_written = 0  # 4 KiB writes this session: `unplug@block=N` counts them

    def reset(self) -> None:
        self.crc_locked = False
        self.registers = {}
        self.blocks_written = 0

    # ---------------------------------------------------------------- dispatch

    def handle(self, frame: Frame) -> Outcome:
        variant = self.chip.variant
        bootrom = variant.dialect is Dialect.BOOTROM
        if frame.long:
            known = _BOOTROM_LONG if bootrom else _BOOTLOADER_LONG
            if frame.cmd not in known:
                return Outcome()  # unknown commands go unanswered
            status_fault = self.chip.beken_faults.fire(K.STATUS, op=frame.cmd)
            if status_fault is not None:
                echo = frame.payload[: 5 if frame.cmd == Long.ERASE else 4]
                return Outcome(self._long(frame.cmd, bytes([status_fault.code]) + echo))
            handler = self._long_handlers().get(frame.cmd)
        else:
            known = _BOOTROM_SHORT if bootrom else _BOOTLOADER_SHORT
            if frame.cmd not in known:
                return Outcome()
            handler = self._short_handlers().get(frame.cmd)
        if handler is None:
            return Outcome()
        try:
            return handler(frame.payload)
        except (struct.error, IndexError):
            return Outcome()  # a truncated command: the ROM waits for more and times out

    def _short_handlers(self) -> dict[int, Callable[[bytes], Outcome]]:
        return {
            Short.LINK_CHECK: self._link_check,
            Short.WRITE_REG: self._write_reg,
            Short.READ_REG: self._read_reg,
            Short.REBOOT: self._reboot,
            Short.SET_BAUD: self._set_baud,
            Short.CHECK_CRC: self._check_crc,
            Short.BOOT_VERSION: self._boot_version,
        }

    def _long_handlers(self) -> dict[int, Callable[[bytes], Outcome]]:
        return {
            Long.WRITE: self._write,
            Long.WRITE_4K: self._write_4k,
            Long.READ_4K: self._read_4k,
            Long.ERASE_ALL: self._erase_all,
            Long.ERASE_4K: self._erase_4k,
            Long.READ_SR: self._read_sr,
            Long.WRITE_SR: self._write_sr,
            Long.GET_MID: self._get_mid,
            Long.ERASE: self._erase,
        }

    @staticmethod
    def _short(cmd: int, payload: bytes) -> bytes:
        return frames.encode_reply(cmd, payload)

    @staticmethod
    def _long(cmd: int, payload: bytes) -> bytes:
        return frames.encode_reply(cmd, payload, long=True)

    # ---------------------------------------------------------------- short commands

    def _link_check(self, _payload: bytes) -> Outcome:
        self.crc_locked = False
        return Outcome(self._short(0x01, b"\x00"))

    def _write_reg(self, payload: bytes) -> Outcome:
        addr, value = struct.unpack_from("<II", payload)
        self.registers[addr] = value
        return Outcome(self._short(Short.WRITE_REG, payload[:8]))

    def _read_reg(self, payload: bytes) -> Outcome:
        (addr,) = struct.unpack_from("<I", payload)
        variant = self.chip.identity()
        if variant is None:
            value = 0  # a foreign chip's ROM (a wrong-chip fault naming a non-Beken chip)
        elif addr == variant.chip_id_reg:
            value = variant.chip_id
        else:
            value = self.registers.get(addr, 0)
        echo = addr + 1 if self.chip.beken_faults.persistent(K.REG_ECHO) else addr
        return Outcome(self._short(Short.READ_REG, struct.pack("<II", echo, value)))

    def _reboot(self, payload: bytes) -> Outcome:
        if payload[:1] != b"\xa5":
            return Outcome()
        return Outcome(action=Action.REBOOT)

    def _set_baud(self, payload: bytes) -> Outcome:
        baud, delay_ms = struct.unpack_from("<IB", payload)
        if baud < 9600 or baud > 6_000_000:
            return Outcome()
        if self.chip.beken_faults.persistent(K.BAUD_REFUSED) or self.chip.faults.persistent(
            FaultKind.NO_BAUD_CHANGE
        ):
            return Outcome()
        reply = self._short(Short.SET_BAUD, payload[:5])
        return Outcome(reply, action=Action.SET_BAUD, baud=baud, delay=delay_ms / 1000)

    def _check_crc(self, payload: bytes) -> Outcome:
        start, end = struct.unpack_from("<II", payload)
        variant = self.chip.variant
        length = end - start + (1 if variant.crc_end_inclusive else 0)
        if length <= 0 or length > 0x4000000:
            return Outcome(self._short(Short.CHECK_CRC, struct.pack("<I", 0)))
        value = crc.chip_crc(self.chip.read_wrapped(start, length))
        if variant.crc_locks_flash:
            self.crc_locked = True
        slow = self.chip.beken_faults.persistent(K.SLOW_CRC)
        bps = slow.bps if slow is not None else self.chip.timing.crc_bps
        busy = length / bps if bps else 0.0
        return Outcome(self._short(Short.CHECK_CRC, struct.pack("<I", value)), busy)

    def _boot_version(self, _payload: bytes) -> Outcome:
        variant = self.chip.identity()
        if variant is not None and not variant.boot_version:
            return Outcome()  # a BootROM does not know the command
        text = variant.boot_version.encode("ascii") if variant is not None else b"FOREIGN-ROM"
        return Outcome(self._short(Short.BOOT_VERSION, text))

    # ---------------------------------------------------------------- long commands

    def _writable(self, addr: int) -> bool:
        """May a write or erase at host address `addr` change the flash?"""
        variant = self.chip.variant
        if addr < variant.write_floor:
            return False  # the bootloader guards itself (an address past the end wraps past this)
        if variant.crc_locks_flash and self.crc_locked:
            return False
        return not self.chip.protected()

    def _write(self, payload: bytes) -> Outcome:
        (addr,) = struct.unpack_from("<I", payload)
        data = payload[4:260]
        if self._writable(addr):
            self.chip.program_wrapped(addr, data)
        reply = self._long(Long.WRITE, bytes([STATUS_OK]) + payload[:4] + bytes([len(data) & 0xFF]))
        return Outcome(reply, self.chip.timing.program_4k * len(data) / SECTOR)

    def _write_4k(self, payload: bytes) -> Outcome:
        (addr,) = struct.unpack_from("<I", payload)
        data = payload[4 : 4 + SECTOR]
        reply = self._long(Long.WRITE_4K, bytes([STATUS_OK]) + payload[:4])
        if len(data) != SECTOR:
            return Outcome(self._long(Long.WRITE_4K, bytes([STATUS_PARAM]) + payload[:4]))
        faults = self.chip.beken_faults
        block = self.blocks_written
        self.blocks_written += 1
        if faults.fire(K.UNPLUG, offset=addr % self.chip.flash_size) is not None:
            return Outcome(action=Action.UNPLUG)
        if self.chip.faults.on_block(FaultKind.UNPLUG, block) is not None:
            return Outcome(action=Action.UNPLUG)
        brownout = faults.fire(K.BROWNOUT, offset=addr % self.chip.flash_size)
        if brownout is not None:
            if self._writable(addr):
                self.chip.program_wrapped(addr, data[: SECTOR // 2])
            return Outcome(action=Action.BROWNOUT, delay=brownout.ms / 1000)
        if self._writable(addr):
            self.chip.program_wrapped(addr, data)
        return Outcome(reply, self.chip.timing.program_4k)

    def _read_4k(self, payload: bytes) -> Outcome:
        (addr,) = struct.unpack_from("<I", payload)
        data = self.chip.read_wrapped(addr, SECTOR)
        return Outcome(self._long(Long.READ_4K, bytes([STATUS_OK]) + payload[:4] + data))

    def _erase_all(self, _payload: bytes) -> Outcome:
        chip = self.chip
        if not chip.protected() and chip.variant.write_floor == 0:
            chip.erase_wrapped(0, chip.flash_size)
        busy = chip.timing.erase_64k * chip.flash_size / BLOCK64
        return Outcome(self._long(Long.ERASE_ALL, bytes([STATUS_OK])), busy)

    def _erase_4k(self, payload: bytes) -> Outcome:
        (addr,) = struct.unpack_from("<I", payload)
        if self._writable(addr):
            self.chip.erase_wrapped(addr - addr % SECTOR, SECTOR)
        reply = self._long(Long.ERASE_4K, bytes([STATUS_OK]) + payload[:4])
        return Outcome(reply, self.chip.timing.erase_4k)

    def _erase(self, payload: bytes) -> Outcome:
        size_op, addr = struct.unpack_from("<BI", payload)
        sizes = {0x20: SECTOR, 0x52: 0x8000, 0xD8: BLOCK64}
        size = sizes.get(size_op)
        if size is None:
            return Outcome(self._long(Long.ERASE, bytes([STATUS_PARAM]) + payload[:5]))
        if self._writable(addr):
            self.chip.erase_wrapped(addr - addr % size, size)
        timing = self.chip.timing
        busy = timing.erase_4k if size == SECTOR else timing.erase_64k * size / BLOCK64
        return Outcome(self._long(Long.ERASE, bytes([STATUS_OK]) + payload[:5]), busy)

    def _read_sr(self, payload: bytes) -> Outcome:
        op = payload[0]
        chip = self.chip
        values = {0x05: chip.status_register & 0xFF, 0x35: chip.status_register >> 8, 0x15: 0}
        if op not in values:
            return Outcome(self._long(Long.READ_SR, bytes([STATUS_PARAM, op, 0])))
        return Outcome(self._long(Long.READ_SR, bytes([STATUS_OK, op, values[op]])))

    def _write_sr(self, payload: bytes) -> Outcome:
        op, values = payload[0], payload[1:3]
        chip = self.chip
        if op not in (0x01, 0x31) or not values:
            return Outcome(self._long(Long.WRITE_SR, bytes([STATUS_PARAM, op]) + values))
        if not chip.beken_faults.persistent(K.SR_STUCK):
            sr = chip.status_register
            if op == 0x01:
                sr = (sr & 0xFF00) | values[0]
                if len(values) > 1:
                    sr = (sr & 0x00FF) | (values[1] << 8)
            else:
                sr = (sr & 0x00FF) | (values[0] << 8)
            chip.status_register = sr
        return Outcome(self._long(Long.WRITE_SR, bytes([STATUS_OK, op]) + values))

    def _get_mid(self, _payload: bytes) -> Outcome:
        chip = self.chip
        mid = b"\x00\x00\x00" if chip.beken_faults.persistent(K.UNKNOWN_MID) else chip.flash_mid
        body = bytes([STATUS_OK, 0x9F]) + mid
        if chip.beken_faults.persistent(K.MID_LEN):
            body += b"\x00"
        return Outcome(self._long(Long.GET_MID, body))


def is_boot_area(addr: int) -> bool:
    return addr < BOOTLOADER_SIZE
