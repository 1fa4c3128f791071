"""A license as an ESP-IDF NVS partition, and back: for firmware that reads its UUID from NVS.

`build_nvs_record` makes a per-chip partition image with Espressif's own generator
(esp-idf-nvs-partition-gen), from the same CSV rows a factory engineer would write by hand:
one namespace, then string keys `uuid`, `authkey`, `product_id` and `features` (advanced-feature
codes, comma-separated). `parse_nvs_record` reads such an image back (QA and the engine's
verification need it) with a small reader of the NVS page format that checks every CRC.
It is ESP's format, so it lives with the ESP family (it was `prodtool.license.authrecord`):
plain strings in, bytes out. Like every family module it imports neither the license package
nor the engine (import-linter checks it); the job passes the license's UUID and AuthKey as text.
"""

from __future__ import annotations

import csv
import io
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from esp_idf_nvs_partition_gen import nvs_partition_gen as nvs_gen

PAGE_SIZE = 4096
ENTRY_SIZE = 32
ENTRIES_PER_PAGE = 126
FIRST_ENTRY = 64
TYPE_U8 = 0x01
TYPE_STR = 0x21
PAGE_ACTIVE = 0xFFFFFFFE
PAGE_FULL = 0xFFFFFFFC
MIN_SIZE = 0x3000

KEY_UUID = "uuid"
KEY_AUTHKEY = "authkey"
KEY_PRODUCT = "product_id"
KEY_FEATURES = "features"


class AuthRecordError(ValueError):
    """The partition could not be made or read; the message never holds the AuthKey."""


@dataclass(frozen=True)
class AuthRecord:
    """What the firmware reads from NVS. `authkey` is a secret: never log or print it."""

    uuid: str
    authkey: str
    product_id: str = ""
    features: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"AuthRecord(uuid={self.uuid!r}, authkey=<hidden>, product_id={self.product_id!r}, "
            f"features={self.features!r})"
        )


def nvs_csv(record: AuthRecord, namespace: str, extra: Mapping[str, str] | None = None) -> str:
    """The generator's CSV input for this record (also what a person could write by hand).
    `extra`: more string keys in the namespace (the unit's serial number)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "type", "encoding", "value"])
    writer.writerow([namespace, "namespace", "", ""])
    writer.writerow([KEY_UUID, "data", "string", record.uuid])
    writer.writerow([KEY_AUTHKEY, "data", "string", record.authkey])
    writer.writerow([KEY_PRODUCT, "data", "string", record.product_id])
    writer.writerow([KEY_FEATURES, "data", "string", ",".join(record.features)])
    for key, value in (extra or {}).items():
        if key in {KEY_UUID, KEY_AUTHKEY, KEY_PRODUCT, KEY_FEATURES} or not 0 < len(key) <= 15:
            raise AuthRecordError(f"NVS key {key!r} is taken or not 1 to 15 characters")
        writer.writerow([key, "data", "string", value])
    return out.getvalue()


def build_nvs_record(
    record: AuthRecord, *, namespace: str, size: int, extra: Mapping[str, str] | None = None
) -> bytes:
    """A complete NVS partition image of `size` bytes holding the record."""
    if size % PAGE_SIZE or size < MIN_SIZE:
        raise AuthRecordError(f"an NVS partition must be a multiple of 4 KiB and >= 12 KiB: {size}")
    if not 0 < len(namespace) <= 15:
        raise AuthRecordError(f"NVS namespace {namespace!r} must be 1 to 15 characters")
    out = io.BytesIO()
    rows = csv.DictReader(io.StringIO(nvs_csv(record, namespace, extra)))
    try:
        nvs = nvs_gen.nvs_open(out, size - PAGE_SIZE, version=nvs_gen.Page.VERSION2)
        for row in rows:
            nvs_gen.write_entry(nvs, row["key"], row["type"], row["encoding"], row["value"])
        nvs_gen.nvs_close(nvs)
    except (nvs_gen.InputError, nvs_gen.InsufficientSizeError, nvs_gen.PageFullError) as error:
        raise AuthRecordError(f"cannot build the NVS partition: {type(error).__name__}") from None
    data = out.getvalue()
    if len(data) != size:  # pragma: no cover - the generator pads to the size it was given
        raise AuthRecordError(f"the NVS generator made {len(data)} bytes, expected {size}")
    return data


def _crc(data: bytes) -> int:
    return zlib.crc32(data, 0xFFFFFFFF) & 0xFFFFFFFF


def read_nvs_strings(data: bytes) -> dict[tuple[str, str], str]:
    """Every string entry in an NVS image, keyed by (namespace, key). CRCs are checked."""
    namespaces: dict[int, str] = {}
    found: list[tuple[int, str, str]] = []
    for base in range(0, len(data) - PAGE_SIZE + 1, PAGE_SIZE):
        page = data[base : base + PAGE_SIZE]
        state = struct.unpack_from("<I", page, 0)[0]
        if state not in (PAGE_ACTIVE, PAGE_FULL):
            continue
        if struct.unpack_from("<I", page, 28)[0] != _crc(page[4:28]):
            raise AuthRecordError(f"NVS page at {base:#x} has a bad header CRC")
        bitmap = page[32:64]
        index = 0
        while index < ENTRIES_PER_PAGE:
            bits = (bitmap[index // 4] >> ((index % 4) * 2)) & 0b11
            start = FIRST_ENTRY + index * ENTRY_SIZE
            entry = page[start : start + ENTRY_SIZE]
            if bits != 0b10:  # empty or erased
                index += 1
                continue
            ns, kind, span = entry[0], entry[1], max(entry[2], 1)
            if struct.unpack_from("<I", entry, 4)[0] != _crc(entry[0:4] + entry[8:32]):
                raise AuthRecordError(f"NVS entry {index} at {base:#x} has a bad CRC")
            key = entry[8:24].split(b"\0", 1)[0].decode("ascii", errors="replace")
            if ns == 0 and kind == TYPE_U8:
                namespaces[entry[24]] = key
            elif kind == TYPE_STR:
                length, data_crc = struct.unpack_from("<H2xI", entry, 24)
                body = page[start + ENTRY_SIZE : start + ENTRY_SIZE + length]
                if len(body) != length or _crc(body) != data_crc:
                    raise AuthRecordError(f"NVS string {key!r} has a bad data CRC")
                found.append((ns, key, body.rstrip(b"\0").decode("utf-8", errors="replace")))
            index += span
    return {(namespaces.get(ns, f"#{ns}"), key): value for ns, key, value in found}


def parse_nvs_record(data: bytes, *, namespace: str) -> AuthRecord | None:
    """The record stored in `namespace`, or None when the image holds no UUID there."""
    strings = read_nvs_strings(data)
    uuid = strings.get((namespace, KEY_UUID))
    if uuid is None:
        return None
    authkey = strings.get((namespace, KEY_AUTHKEY), "")
    features = strings.get((namespace, KEY_FEATURES), "")
    return AuthRecord(
        uuid=uuid,
        authkey=authkey,
        product_id=strings.get((namespace, KEY_PRODUCT), ""),
        features=tuple(f for f in features.split(",") if f),
    )


def feature_codes(codes: Sequence[str]) -> tuple[str, ...]:
    """Feature codes as stored: order kept, duplicates dropped."""
    return tuple(dict.fromkeys(codes))
