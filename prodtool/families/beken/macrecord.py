"""Where a Beken module keeps its MAC in flash, as the simulated modules lay it out.

Neither the BootROM nor the BK7231T bootloader can say the MAC; Beken firmware reads it from a
configuration area in flash that the factory writes (the RF-calibration partition of the Tuya
layouts: 0x1D0000 on BK7231N, 0x1E0000 on BK7231T). The exact record there is not in any
public source we have, so this is **our** record, which our simulated modules carry and the
driver reads: `MACREC\\0\\0`, the 6 MAC bytes, their CRC16/CMS big-endian. On a real module the
driver finds no such record and reports no MAC; `pytest -m hardware` (the driver contract:
the shell's `read_mac` against `identify`'s) is where a real layout would be checked.
"""

from __future__ import annotations

from prodtool.families.beken.crc import crc16_cms
from prodtool.families.beken.variants import Variant

MAGIC = b"MACREC\x00\x00"
RECORD_LEN = len(MAGIC) + 6 + 2


def mac_offset(variant: Variant, flash_size: int) -> int:
    """The configuration sector holding the MAC record."""
    if variant.name == "bk7231n":
        return 0x1D0000
    if variant.name == "bk7231t":
        return 0x1E0000
    return flash_size - 0x40000


def encode(mac: bytes) -> bytes:
    return MAGIC + mac + crc16_cms(mac).to_bytes(2, "big")


def decode(sector: bytes) -> str | None:
    """ "aa:bb:cc:dd:ee:ff" from the start of the sector, or None when no valid record is there."""
    if len(sector) < RECORD_LEN or not sector.startswith(MAGIC):
        return None
    mac = sector[len(MAGIC) : len(MAGIC) + 6]
    if crc16_cms(mac).to_bytes(2, "big") != sector[len(MAGIC) + 6 : RECORD_LEN]:
        return None
    return ":".join(f"{b:02x}" for b in mac)
