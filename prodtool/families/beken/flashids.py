"""SPI NOR flash chips found on Beken modules, as data: JEDEC ID -> size and status register.

The BootROM only forwards status-register reads and writes (0x05/0x35 read, 0x01/0x31 write);
which bits protect what depends on the flash chip, so an ID missing here cannot be unprotected
safely and the driver stops with the ID in the message (add a line and it works). Size comes
from the ID's third byte (2^n bytes), as the JEDEC capacity code says.

Status register bits (2-byte layout): SR1 = SRP0 BP4 BP3 BP2 BP1 BP0 WEL WIP, SR2 = SUS CMP
HPF - - LB QE SRP1. The protect bits are BP0-BP4 (mask 0x7C) and, with a second register, CMP
(bit 14): clearing them leaves the whole array writable. QE (bit 9) must stay as it is, or
quad-mode boot stops working.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SrWrite(StrEnum):
    """How the status register is written."""

    ONE = "one"  # 0x01 with SR1 only
    BOTH = "both"  # 0x01 with SR1 and SR2 (16 bits)
    SPLIT = "split"  # 0x01 for SR1, 0x31 for SR2


@dataclass(frozen=True)
class FlashChip:
    """One flash part: vendor name, JEDEC ID and its status register layout."""

    mid: bytes
    name: str
    sr_bytes: int  # 1 or 2
    sr_write: SrWrite

    @property
    def size(self) -> int:
        return 1 << self.mid[2]

    @property
    def protect_mask(self) -> int:
        return 0x407C if self.sr_bytes == 2 else 0x7C


def _chip(mid: str, name: str, sr_bytes: int, write: SrWrite | None = None) -> FlashChip:
    default = SrWrite.BOTH if sr_bytes == 2 else SrWrite.ONE
    return FlashChip(bytes.fromhex(mid), name, sr_bytes, write or default)


FLASH_CHIPS: tuple[FlashChip, ...] = (
    _chip("eb6015", "TH25Q16HB", 2),
    _chip("cd6014", "TH25Q80HB", 2),
    _chip("c84015", "GD25Q16", 2),
    _chip("c84016", "GD25Q32", 2),
    _chip("c84017", "GD25Q64", 2, SrWrite.SPLIT),
    _chip("c86515", "GD25WQ16", 2),
    _chip("c86516", "GD25WQ32", 2),
    _chip("c86517", "GD25WQ64", 2, SrWrite.SPLIT),
    _chip("856015", "P25Q16", 2),
    _chip("856016", "P25Q32", 2),
    _chip("856017", "P25Q64", 2, SrWrite.SPLIT),
    _chip("0b4015", "XT25F16", 2),
    _chip("0b4016", "XT25F32", 2),
    _chip("1c7015", "EN25QH16", 1),
    _chip("1c7016", "EN25QH32", 1),
    _chip("204016", "XM25QH32", 2),
    _chip("5e4014", "ZB25VQ80", 1),
    _chip("514014", "MD25D80", 1),
    _chip("e04014", "BG25Q80", 1),
    _chip("c22315", "MX25V16", 2),
    _chip("ef4016", "W25Q32", 2),
    _chip("ef4017", "W25Q64", 2, SrWrite.SPLIT),
    _chip("ef4018", "W25Q128", 2, SrWrite.SPLIT),
)

_BY_MID = {chip.mid: chip for chip in FLASH_CHIPS}


def lookup(mid: bytes) -> FlashChip | None:
    """The flash part with JEDEC ID `mid` (3 bytes), or None when it is not in the table."""
    return _BY_MID.get(bytes(mid[:3]))
