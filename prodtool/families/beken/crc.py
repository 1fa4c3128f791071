"""The two checksums of the Beken world: the ROM's CRC-32 and the image's CRC16/CMS.

CheckCRC answers CRC-32 (poly 0xEDB88320, init 0xFFFFFFFF) *without* the final XOR, so the
host compares it with `zlib.crc32(data) ^ 0xFFFFFFFF` (`chip_crc`). A blank 4 KiB sector gives
0xF154670A in zlib's convention (`BLANK_4K_CRC`).

BK7231 application partitions carry a CRC16/CMS (poly 0x8005, init 0xFFFF, not reflected,
stored big-endian) after every 32 bytes: 34-byte blocks. `crc16_cms` is table-driven; checking
a whole 1 MiB image in Python takes ~0.3 s, so callers sample blocks where speed matters.
"""

from __future__ import annotations

import zlib

BLANK_4K_CRC = 0xF154670A  # zlib.crc32(b"\xff" * 4096)
CRC16_BLOCK = 32  # payload bytes per block
CRC16_STRIDE = 34  # payload + 2 CRC bytes


def chip_crc(data: bytes, state: int | None = None) -> int:
    """What CheckCRC answers for `data`: CRC-32 without the final XOR.

    `state` continues a previous `chip_crc` (the ROM's running value) over more bytes.
    """
    start = 0 if state is None else state ^ 0xFFFFFFFF
    return zlib.crc32(data, start) ^ 0xFFFFFFFF


def _table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return table


_TABLE16 = _table()


def crc16_cms(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CMS of `data` (check value of b"123456789": 0xAEE7)."""
    table = _TABLE16
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc


def pack_crc16_blocks(payload: bytes) -> bytes:
    """`payload` (padded with 0xFF to 32-byte blocks) with each block's CRC16 appended."""
    pad = -len(payload) % CRC16_BLOCK
    payload += b"\xff" * pad
    out = bytearray()
    for at in range(0, len(payload), CRC16_BLOCK):
        block = payload[at : at + CRC16_BLOCK]
        out += block + crc16_cms(block).to_bytes(2, "big")
    return bytes(out)


def unpack_crc16_blocks(data: bytes, limit: int | None = None) -> bytes | None:
    """The payload of 34-byte blocks, or None if a checked block's CRC16 is wrong.

    With `limit`, only the first `limit` blocks are read (a quick look at a header).
    """
    blocks = len(data) // CRC16_STRIDE
    if limit is not None:
        blocks = min(blocks, limit)
    out = bytearray()
    for index in range(blocks):
        at = index * CRC16_STRIDE
        block = data[at : at + CRC16_BLOCK]
        if crc16_cms(block).to_bytes(2, "big") != data[at + CRC16_BLOCK : at + CRC16_STRIDE]:
            return None
        out += block
    return bytes(out)


def blocks_valid(data: bytes, sample: int = 64) -> bool:
    """True if `data` looks like CRC16 blocks: the first and last `sample` blocks check out."""
    blocks = len(data) // CRC16_STRIDE
    if blocks == 0:
        return False
    indices = list(range(min(sample, blocks))) + list(range(max(0, blocks - sample), blocks))
    for index in sorted(set(indices)):
        at = index * CRC16_STRIDE
        block = data[at : at + CRC16_BLOCK]
        stored = data[at + CRC16_BLOCK : at + CRC16_STRIDE]
        if block == b"\xff" * CRC16_BLOCK and stored == b"\xff\xff":
            continue  # erased tail inside a partition
        if crc16_cms(block).to_bytes(2, "big") != stored:
            return False
    return True
