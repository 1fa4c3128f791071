"""Make the CRC-32 of a byte run come out at a chosen value by picking its last four bytes.

Tools recognise the flash bootloader by the CRC-32 of its first 256 (257 on the BootROM, whose
CheckCRC counts the end address) bytes. Our simulated modules and sim images carry a placeholder
bootloader of our own, never Beken's code, whose CRC is made to equal a known bootloader's, so a
third-party tool identifies the simulated chip as it would a real one. The method is the usual
one: run the reflected CRC register backwards from the wanted value through the table.
"""

from __future__ import annotations

import zlib


def _tables() -> tuple[list[int], dict[int, int]]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xEDB88320 if crc & 1 else crc >> 1
        table.append(crc)
    by_top = {entry >> 24: index for index, entry in enumerate(table)}
    return table, by_top


_TABLE, _BY_TOP = _tables()


def forge_tail(prefix: bytes, target: int) -> bytes:
    """Four bytes that make `zlib.crc32(prefix + tail) == target`."""
    register = target ^ 0xFFFFFFFF
    for _ in range(4):
        index = _BY_TOP[register >> 24]
        register = (((register ^ _TABLE[index]) << 8) & 0xFFFFFFFF) | index
    state = zlib.crc32(prefix) ^ 0xFFFFFFFF
    return (register ^ state).to_bytes(4, "little")


def with_crc(body: bytes, span: int, target: int) -> bytes:
    """`body` with bytes [span-4, span) set so that the CRC-32 of its first `span` is `target`."""
    if len(body) < span:
        body = body + b"\xff" * (span - len(body))
    head = body[: span - 4]
    return head + forge_tail(head, target) + body[span:]
