"""Build and read minimal ESP application images, the way ESP-IDF lays them out.

The engine, QA and the simulated chips share this module: the engine reads the version of the
firmware in a package, the simulated bootloader decides whether flash at 0x10000 holds a
bootable app, and tests build images of any size. An image is what `esptool image-info` and
`esptool.bin_image.LoadFirmwareImage` accept:

- a 24-byte header: magic 0xE9, segment count, SPI mode, SPI size/frequency, entry point, then
  the extended header (chip id, revisions, "hash appended" flag);
- segments (`<II load address, length>` + data). The first segment is DROM and starts with the
  `esp_app_desc_t` (magic 0xABCD5432), at offset 0x20 of the image as ESP-IDF places it;
- zero padding so the checksum byte (0xEF XOR every segment byte) ends a 16-byte line;
- a SHA-256 digest of everything before it.

Filler is deterministic pseudo-random bytes over a small alphabet, so a 1 MiB image compresses
to about two thirds of its size with zlib, like real firmware (not to a few bytes).
"""

from __future__ import annotations

import hashlib
import random
import struct
from dataclasses import dataclass

IMAGE_MAGIC = 0xE9
APP_DESC_MAGIC = 0xABCD5432
CHECKSUM_SEED = 0xEF
APP_OFFSET = 0x10000  # where the application sits in flash on ESP32 and ESP32-C3

_HEADER_LEN = 24
_SEGMENT_HEADER_LEN = 8
_DIGEST_LEN = 32
_APP_DESC_LEN = 256
_APP_DESC_FMT = "<II8s32s32s16s16s32s32sHHB3s72s"
_SPI_MODE_DIO = 2
_SPI_SIZE_4MB_40M = 0x20
_FILLER_ALPHABET = 40  # log2(40) ~ 5.3 bits per byte: zlib keeps ~66 %

# Per-family layout constants: image chip id, DROM and IROM load bases, entry point.
_CHIPS: dict[str, tuple[int, int, int, int]] = {
    "esp32c3": (5, 0x3C000000, 0x42000000, 0x40380080),
    "esp32": (0, 0x3F400000, 0x400D0000, 0x40081000),
}
_MIN_IMAGE_LEN = _HEADER_LEN + 2 * _SEGMENT_HEADER_LEN + _APP_DESC_LEN + 16 + _DIGEST_LEN


@dataclass(frozen=True)
class AppDescriptor:
    """The `esp_app_desc_t` of an application image: what the firmware says it is."""

    version: str
    project: str
    secure_version: int
    time: str
    date: str
    idf_ver: str
    app_elf_sha256: bytes


def _cstr(value: str, size: int) -> bytes:
    raw = value.encode("utf-8")[: size - 1]
    return raw + b"\0" * (size - len(raw))


def _uncstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def xor_checksum(data: bytes, state: int = CHECKSUM_SEED) -> int:
    """The ROM's checksum (esptool's `ESPLoader.checksum`): `state` XOR every byte of `data`.

    The one implementation: images, the flasher's data packets (esptune) and the simulated
    bootloader use it. The bytes become one integer folded in halves (rounded to whole bytes)
    until one byte is left, in C-speed big-integer steps; XOR-ing byte-aligned halves keeps the
    XOR of all bytes.
    """
    value = int.from_bytes(data, "little")
    width = len(data) * 8
    while width > 8:
        half = -(-width // 16) * 8  # bits in the upper half's byte count, rounded up
        value = (value >> half) ^ (value & ((1 << half) - 1))
        width = half
    return state ^ value


def _filler(seed: str, length: int) -> bytes:
    """Deterministic bytes over a small alphabet: compressible like code, never trivially."""
    rng = random.Random(seed)
    table = bytes((i * 97 + 13) % 256 for i in range(_FILLER_ALPHABET))
    mapping = bytes(table[i % _FILLER_ALPHABET] for i in range(256))
    return rng.randbytes(length).translate(mapping)


def _app_desc(version: str, project: str) -> bytes:
    elf_sha = hashlib.sha256(f"{project}/{version}".encode()).digest()
    return struct.pack(
        _APP_DESC_FMT,
        APP_DESC_MAGIC,
        0,
        b"\0" * 8,
        _cstr(version, 32),
        _cstr(project, 32),
        _cstr("08:00:00", 16),
        _cstr("Nov 23 2025", 16),
        _cstr("v5.4.1", 32),
        elf_sha,
        0,
        199,
        0,
        b"\0" * 3,
        b"\0" * 72,
    )


def make_app_image(
    *,
    version: str,
    project: str = "tuyaopen-app",
    size: int | None = None,
    chip: str = "esp32c3",
) -> bytes:
    """An application image for `chip` carrying `version`, exactly `size` bytes if given.

    `size` must be a multiple of 16 (the image format aligns the checksum to 16 bytes). Without
    it the image is 64 KiB.
    """
    if chip not in _CHIPS:
        raise ValueError(f"unknown chip {chip!r}: expected one of {sorted(_CHIPS)}")
    total = 0x10000 if size is None else size
    if total % 16 or total < _MIN_IMAGE_LEN:
        raise ValueError(f"image size must be a multiple of 16 and at least {_MIN_IMAGE_LEN}")
    chip_id, drom_base, irom_base, entry = _CHIPS[chip]
    # Segment bytes: everything but header, 2 segment headers, 16-byte checksum line, digest.
    payload_len = total - _HEADER_LEN - 2 * _SEGMENT_HEADER_LEN - 16 - _DIGEST_LEN
    payload_len -= payload_len % 4
    filler = _filler(f"{chip}/{project}/{version}/{total}", payload_len - _APP_DESC_LEN)
    drom_len = _APP_DESC_LEN + (len(filler) // 3) // 4 * 4
    drom = _app_desc(version, project) + filler[: drom_len - _APP_DESC_LEN]
    irom = filler[drom_len - _APP_DESC_LEN :]
    irom_file_offset = _HEADER_LEN + _SEGMENT_HEADER_LEN + len(drom) + _SEGMENT_HEADER_LEN

    header = struct.pack("<BBBBI", IMAGE_MAGIC, 2, _SPI_MODE_DIO, _SPI_SIZE_4MB_40M, entry)
    # Extended header: wp pin, drive settings, chip id, min rev, min/max full rev, 4 reserved
    # bytes, hash appended.
    header += struct.pack("<B3sHBHH4sB", 0xEE, b"\0" * 3, chip_id, 0, 0, 0xFFFF, b"\0" * 4, 1)
    body = bytearray(header)
    body += struct.pack("<II", drom_base + _HEADER_LEN + _SEGMENT_HEADER_LEN, len(drom)) + drom
    body += struct.pack("<II", irom_base + (irom_file_offset & 0xFFFF), len(irom)) + irom
    checksum = xor_checksum(irom, xor_checksum(drom))
    while len(body) % 16 != 15:
        body.append(0)
    body.append(checksum)
    body += hashlib.sha256(body).digest()
    if len(body) != total:  # pragma: no cover - layout arithmetic guard
        raise AssertionError(f"built {len(body)} bytes, wanted {total}")
    return bytes(body)


def read_app_descriptor(data: bytes) -> AppDescriptor | None:
    """The app descriptor of the image at the start of `data`, or None if it has none."""
    if len(data) < _HEADER_LEN + _SEGMENT_HEADER_LEN + _APP_DESC_LEN or data[0] != IMAGE_MAGIC:
        return None
    if data[1] == 0 or data[1] > 16:
        return None
    _load, seg_len = struct.unpack_from("<II", data, _HEADER_LEN)
    if seg_len < _APP_DESC_LEN:
        return None
    start = _HEADER_LEN + _SEGMENT_HEADER_LEN
    fields = struct.unpack_from(_APP_DESC_FMT, data, start)
    if fields[0] != APP_DESC_MAGIC:
        return None
    return AppDescriptor(
        version=_uncstr(fields[3]),
        project=_uncstr(fields[4]),
        secure_version=fields[1],
        time=_uncstr(fields[5]),
        date=_uncstr(fields[6]),
        idf_ver=_uncstr(fields[7]),
        app_elf_sha256=fields[8],
    )


def image_length(data: bytes | memoryview) -> int | None:
    """Length of the well-formed image at the start of `data` (digest included), else None."""
    if len(data) < _HEADER_LEN or data[0] != IMAGE_MAGIC or not 0 < data[1] <= 16:
        return None
    pos = _HEADER_LEN
    for _ in range(data[1]):
        if pos + _SEGMENT_HEADER_LEN > len(data):
            return None
        _load, seg_len = struct.unpack_from("<II", data, pos)
        pos += _SEGMENT_HEADER_LEN + seg_len
        if pos > len(data):
            return None
    pos = pos - pos % 16 + 16  # the checksum byte ends the 16-byte line
    if data[23] == 1:
        pos += _DIGEST_LEN
    return pos if pos <= len(data) else None


def verify_app_image(data: bytes) -> bool:
    """True when the image at the start of `data` has a descriptor, checksum and digest intact.

    This is what the second-stage bootloader checks before it runs an app; a rotted byte
    anywhere in the image makes it refuse to boot.
    """
    if read_app_descriptor(data) is None:
        return False
    length = image_length(data)
    if length is None:
        return False
    pos = _HEADER_LEN
    state = CHECKSUM_SEED
    for _ in range(data[1]):
        _load, seg_len = struct.unpack_from("<II", data, pos)
        pos += _SEGMENT_HEADER_LEN
        state = xor_checksum(data[pos : pos + seg_len], state)
        pos += seg_len
    end = length - (_DIGEST_LEN if data[23] == 1 else 0)
    if data[end - 1] != state:
        return False
    if data[23] == 1:
        return hashlib.sha256(data[:end]).digest() == data[end:length]
    return True
