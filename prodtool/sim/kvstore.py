"""The firmware's key-value sector, where the shell keeps the UUID and AuthKey.

One 4 KiB flash sector at `ChipProfile.kv_offset` (flash end - 16 KiB). Layout, little-endian:
`b"TYKV"`, u16 entry count, then per entry u8 key length, key, u16 value length, value. An erased
sector (all 0xFF) is an empty store. Writes erase the sector and program it again, through the
simulated flash, so flash faults reach it and it survives resets and re-plugs.
"""

from __future__ import annotations

import struct

from prodtool.sim.flashmem import SECTOR, Flash

MAGIC = b"TYKV"
UUID_KEY = "UUID_TUYAOPEN"
AUTHKEY_KEY = "AUTHKEY_TUYAOPEN"


def load(flash: Flash, offset: int) -> dict[str, bytes]:
    """The entries stored at `offset`; empty if the sector is erased or damaged."""
    raw = flash.read(offset, SECTOR)
    if raw[:4] != MAGIC:
        return {}
    try:
        (count,) = struct.unpack_from("<H", raw, 4)
        pos = 6
        entries: dict[str, bytes] = {}
        for _ in range(count):
            klen = raw[pos]
            key = raw[pos + 1 : pos + 1 + klen].decode("ascii")
            pos += 1 + klen
            (vlen,) = struct.unpack_from("<H", raw, pos)
            pos += 2
            value = raw[pos : pos + vlen]
            if len(value) != vlen:
                return {}
            entries[key] = value
            pos += vlen
        return entries
    except (IndexError, struct.error, UnicodeDecodeError):
        return {}


def save(flash: Flash, offset: int, entries: dict[str, bytes]) -> None:
    """Erase the sector and program `entries` into it."""
    body = bytearray(MAGIC + struct.pack("<H", len(entries)))
    for key, value in entries.items():
        k = key.encode("ascii")
        body += bytes([len(k)]) + k + struct.pack("<H", len(value)) + value
    if len(body) > SECTOR:
        raise ValueError("key-value store full")
    flash.erase(offset, SECTOR)
    flash.program(offset, bytes(body))


def read_credentials(flash: Flash, offset: int) -> tuple[str, str] | None:
    """(UUID, AuthKey) as the firmware would read them, or None when not both are stored."""
    entries = load(flash, offset)
    uuid = entries.get(UUID_KEY)
    key = entries.get(AUTHKEY_KEY)
    if not uuid or not key:
        return None
    try:
        return uuid.decode("ascii"), key.decode("ascii")
    except UnicodeDecodeError:
        return None


def write_credentials(flash: Flash, offset: int, uuid: str, authkey: str) -> None:
    entries = load(flash, offset)
    entries[UUID_KEY] = uuid.encode("ascii")
    entries[AUTHKEY_KEY] = authkey.encode("ascii")
    save(flash, offset, entries)


def reset_credentials(flash: Flash, offset: int) -> None:
    entries = load(flash, offset)
    entries.pop(UUID_KEY, None)
    entries.pop(AUTHKEY_KEY, None)
    save(flash, offset, entries)
