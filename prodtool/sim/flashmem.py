"""NOR flash as a byte array with real erase semantics.

Erasing sets whole 4 KiB sectors to 0xFF; programming can only clear bits (new = old AND data),
so writing without erasing first corrupts data exactly as a real chip does. Fault hooks make
regions that do not program ("stuck") or that change after writing ("rot").
"""

from __future__ import annotations

import hashlib
import threading

SECTOR = 0x1000


class FlashError(Exception):
    """An access outside the chip's flash."""


class Flash:
    """The whole flash of one chip. `data` is the live bytearray (tests inspect it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data = bytearray(b"\xff" * size)
        self.lock = threading.Lock()  # the loop writes, tests and the shell read
        self.stuck: list[tuple[int, int]] = []  # (start, end): programming leaves 0xFF
        self.rot: list[tuple[int, int]] = []  # (start, end): a bit flips after programming

    def _check(self, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise FlashError(f"access {offset:#x}+{length:#x} beyond {self.size:#x}")

    def erase(self, offset: int, length: int) -> None:
        """Erase every sector touched by [offset, offset + length)."""
        if length <= 0:
            return
        start = offset - offset % SECTOR
        end = min(self.size, -(-(offset + length) // SECTOR) * SECTOR)
        self._check(start, end - start)
        with self.lock:
            self.data[start:end] = b"\xff" * (end - start)

    def program(self, offset: int, chunk: bytes) -> None:
        """Program `chunk` at `offset`: bits can only go from 1 to 0."""
        if not chunk:
            return
        self._check(offset, len(chunk))
        end = offset + len(chunk)
        with self.lock:
            old = int.from_bytes(self.data[offset:end], "little")
            new = old & int.from_bytes(chunk, "little")
            self.data[offset:end] = new.to_bytes(len(chunk), "little")
            for s_start, s_end in self.stuck:
                lo, hi = max(s_start, offset), min(s_end, end)
                if lo < hi:
                    self.data[lo:hi] = _old_bytes(old, offset, lo, hi)
            for r_start, r_end in self.rot:
                if r_start < end and offset < r_end:
                    at = max(r_start, offset)
                    self.data[at] ^= 0x01

    def read(self, offset: int, length: int) -> bytes:
        self._check(offset, length)
        with self.lock:
            return bytes(self.data[offset : offset + length])

    def view(self, offset: int, length: int) -> memoryview:
        """A read-only window on the flash, without a copy (a bootloader looking for an image's
        end reads up to the whole flash). Only for the simulator's own thread: a program or
        erase after this call shows through it."""
        self._check(offset, length)
        return memoryview(self.data)[offset : offset + length].toreadonly()

    def md5(self, offset: int, length: int) -> bytes:
        self._check(offset, length)
        with self.lock:
            return hashlib.md5(  # noqa: S324 - the protocol is MD5
                memoryview(self.data)[offset : offset + length]
            ).digest()


def _old_bytes(old: int, base: int, lo: int, hi: int) -> bytes:
    """The bytes [lo, hi) of the little-endian integer `old` that started at `base`."""
    shift = (lo - base) * 8
    return ((old >> shift) & ((1 << ((hi - lo) * 8)) - 1)).to_bytes(hi - lo, "little")


class EraseTracker:
    """Erase-as-you-go for the stub: it erases each sector just before writing into it."""

    def __init__(self, flash: Flash, offset: int, size: int) -> None:
        self.flash = flash
        self.next_erase = offset - offset % SECTOR
        self.limit = offset + size

    def before_write(self, offset: int, length: int) -> None:
        end = offset + length
        if end > self.next_erase:
            new_end = -(-end // SECTOR) * SECTOR
            self.flash.erase(self.next_erase, new_end - self.next_erase)
            self.next_erase = new_end
