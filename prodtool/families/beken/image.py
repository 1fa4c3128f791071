"""Beken firmware images: what a file is (QIO, UA, ESP...), which chip it is for, where it goes.

Tuya builds ship `*_QIO_*.bin` (the whole flash from 0x0: bootloader partition, then the app
partition at 0x11000) and `*_UA_*.bin` (the app partition alone, written at 0x11000). The app
partition is stored as 34-byte blocks: 32 bytes then their CRC16/CMS, big-endian. No flasher
transforms the image (encryption and CRC16 are the build's job), and neither do we.

Which chip an image is for:
- the bootloader partition of a QIO image is recognised by the CRC-32 of its first 256 bytes
  (257 for the BK7231N bootloader, which the BootROM tools read end-inclusive); the known values
  are data in `KNOWN_BOOTLOADERS` (values published with bk7231tools' bootloader table);
- our simulated-chip images (and any build that adds it) carry an app descriptor as the first
  payload bytes of the app partition: `BKAPPDSC`, chip, version, project, payload length and
  CRC-32. Real TuyaOpen images carry no descriptor: their chip is known only from the
  bootloader, and a UA image of unknown origin is accepted with its chip unknown.

`plan_regions` turns "this file at this offset" into what the driver writes for a variant: a
BK7231T keeps its bootloader, so a QIO image is written from 0x11000 on.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass
from enum import StrEnum

from prodtool.errors import UserError
from prodtool.families.beken import crc
from prodtool.families.beken.forge import with_crc
from prodtool.families.beken.variants import BOOTLOADER_SIZE, Variant, variant_for

DESC_MAGIC = b"BKAPPDSC"
_DESC_FMT = "<8s16s32s32sII"
DESC_LEN = struct.calcsize(_DESC_FMT)  # 96 bytes: three CRC16 blocks
ESP_MAGIC = 0xE9
SIM_BOOTLOADER_TEXT = b"prodtool simulated bootloader - not Beken code\x00"


class ImageKind(StrEnum):
    QIO = "qio"  # whole flash from 0x0
    UA = "ua"  # the app partition, written at 0x11000
    ESP = "esp"  # an Espressif image (magic 0xE9)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class KnownBootloader:
    crc32: int  # zlib CRC-32 of the first `span` bytes
    span: int
    chip: str  # variant name
    version: str


KNOWN_BOOTLOADERS: tuple[KnownBootloader, ...] = (
    KnownBootloader(0xE14191BA, 257, "bk7231n", "1.0.1"),
    KnownBootloader(0xC1ECA871, 256, "bk7231t", "1.0.1"),
    KnownBootloader(0x4B31E44D, 256, "bk7231t", "1.0.3"),
    KnownBootloader(0xBA54C1B8, 256, "bk7231t", "1.0.5"),
    KnownBootloader(0xE5CBC953, 256, "bk7231t", "1.0.6"),
)
# The bootloader our simulated modules of each variant carry (T3/T5: a marker, no CRC known).
SIM_BOOTLOADER_CRC: dict[str, tuple[int, int]] = {
    "bk7231n": (0xE14191BA, 257),
    "bk7231t": (0xBA54C1B8, 256),
}


class ImageError(UserError):
    """A firmware file that cannot go onto this chip; the message says why."""


@dataclass(frozen=True)
class AppDescriptor:
    chip: str
    version: str
    project: str
    length: int  # payload bytes after the descriptor
    crc32: int


@dataclass(frozen=True)
class ImageInfo:
    """What `read_image` found out about a file."""

    kind: ImageKind
    size: int
    chip: str | None  # variant name the image is built for, None when it does not say
    version: str | None
    project: str | None = None
    bootloader: str | None = None  # "bk7231t 1.0.5" when recognised
    app_ok: bool = True  # the app partition's CRCs check out (as far as looked)


def _cstr(value: str, size: int) -> bytes:
    raw = value.encode("ascii", "replace")[: size - 1]
    return raw + b"\x00" * (size - len(raw))


def _uncstr(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("ascii", "replace")


def _filler(seed: str, length: int) -> bytes:
    """Deterministic bytes that compress like code (~2/3), not to nothing."""
    rng = random.Random(seed)
    return bytes(rng.choices(range(40), k=length))


def make_app_partition(
    chip: str, version: str, project: str = "prodtool-sim", size: int = 0x40000
) -> bytes:
    """An app partition (CRC16 blocks) of about `size` bytes with our descriptor first."""
    payload_len = max(0, size * crc.CRC16_BLOCK // crc.CRC16_STRIDE - DESC_LEN)
    payload_len -= payload_len % crc.CRC16_BLOCK
    payload = _filler(f"{chip}:{version}:{project}", payload_len)
    desc = struct.pack(
        _DESC_FMT,
        DESC_MAGIC,
        _cstr(chip, 16),
        _cstr(version, 32),
        _cstr(project, 32),
        len(payload),
        zlib.crc32(payload),
    )
    packed = crc.pack_crc16_blocks(desc + payload)
    return packed + b"\xff" * max(0, size - len(packed))


def make_bootloader(chip: str) -> bytes:
    """The placeholder bootloader partition our simulated `chip` carries (0x11000 bytes)."""
    body = bytearray(b"\x00" * BOOTLOADER_SIZE)
    text = SIM_BOOTLOADER_TEXT + f"chip={chip}\x00".encode()
    body[: len(text)] = text
    body[0x1000 : 0x1000 + BOOTLOADER_SIZE - 0x1000] = _filler(
        "bl:" + chip, BOOTLOADER_SIZE - 0x1000
    )
    forged = SIM_BOOTLOADER_CRC.get(chip)
    if forged is not None:
        target, span = forged
        return with_crc(bytes(body), span, target)
    return bytes(body)


def make_qio_image(
    chip: str, version: str, project: str = "prodtool-sim", size: int = 0x100000
) -> bytes:
    """A whole-flash image: our bootloader partition, then the app partition (`size` in total)."""
    app = make_app_partition(chip, version, project, max(0x1000, size - BOOTLOADER_SIZE))
    return make_bootloader(chip) + app


def read_descriptor(app: bytes) -> AppDescriptor | None:
    """The descriptor at the start of an app partition, if it carries one."""
    head = crc.unpack_crc16_blocks(app, limit=DESC_LEN // crc.CRC16_BLOCK)
    if head is None or len(head) < DESC_LEN or not head.startswith(DESC_MAGIC):
        return None
    _magic, chip, version, project, length, crc32 = struct.unpack_from(_DESC_FMT, head)
    return AppDescriptor(_uncstr(chip), _uncstr(version), _uncstr(project), length, crc32)


def app_payload_ok(app: bytes, desc: AppDescriptor) -> bool:
    """The payload after the descriptor matches its length and CRC-32 (blocks' CRC16 unchecked)."""
    total = DESC_LEN + desc.length
    blocks = -(-total // crc.CRC16_BLOCK)
    raw = app[: blocks * crc.CRC16_STRIDE]
    if len(raw) < blocks * crc.CRC16_STRIDE:
        return False
    view = memoryview(raw)
    payload = b"".join(
        view[at : at + crc.CRC16_BLOCK] for at in range(0, len(raw), crc.CRC16_STRIDE)
    )[DESC_LEN:total]
    return zlib.crc32(payload) == desc.crc32


def identify_bootloader(data: bytes) -> KnownBootloader | None:
    for known in KNOWN_BOOTLOADERS:
        if len(data) >= known.span and zlib.crc32(data[: known.span]) == known.crc32:
            return known
    return None


def _sim_bootloader_chip(data: bytes) -> str | None:
    if not data.startswith(SIM_BOOTLOADER_TEXT):
        return None
    tail = data[len(SIM_BOOTLOADER_TEXT) : len(SIM_BOOTLOADER_TEXT) + 32]
    text = _uncstr(tail)
    return text[5:] if text.startswith("chip=") else None


def read_image(data: bytes) -> ImageInfo:
    """Look at a firmware file: its kind, the chip it is for and its version where it says."""
    size = len(data)
    if size > 24 and data[0] == ESP_MAGIC and 1 <= data[1] <= 16 and data[2] <= 5:
        return ImageInfo(ImageKind.ESP, size, None, None)
    desc = read_descriptor(data)
    if desc is not None:
        return ImageInfo(
            ImageKind.UA,
            size,
            desc.chip,
            desc.version,
            desc.project,
            app_ok=app_payload_ok(data, desc),
        )
    known = identify_bootloader(data)
    sim_chip = _sim_bootloader_chip(data)
    if known is not None or sim_chip is not None or size > BOOTLOADER_SIZE:
        app = data[BOOTLOADER_SIZE:]
        app_desc = read_descriptor(app)
        chip = app_desc.chip if app_desc else (known.chip if known else sim_chip)
        boot = f"{known.chip} {known.version}" if known else None
        if app_desc is not None:
            return ImageInfo(
                ImageKind.QIO,
                size,
                chip,
                app_desc.version,
                app_desc.project,
                boot,
                app_ok=app_payload_ok(app, app_desc),
            )
        if known is not None or sim_chip is not None or crc.blocks_valid(app):
            return ImageInfo(ImageKind.QIO, size, chip, None, None, boot, crc.blocks_valid(app))
    if crc.blocks_valid(data):
        return ImageInfo(ImageKind.UA, size, None, None)
    return ImageInfo(ImageKind.UNKNOWN, size, None, None)


@dataclass(frozen=True)
class PlannedRegion:
    """Bytes the driver writes at `offset` (already cut for the variant)."""

    offset: int
    data: bytes


def check_image(
    variant: Variant | str,
    data: bytes,
    offset: int,
    flash_size: int | None = None,
    name: str = "firmware",
) -> ImageInfo:
    """Refuse a file that cannot go onto `variant` at `offset`; ImageError says why."""
    chip = variant if isinstance(variant, Variant) else variant_for(variant)
    if not data:
        raise ImageError(f"{name} is empty", hint="pick the build's QIO or UA .bin file")
    info = read_image(data)
    if info.kind is ImageKind.ESP:
        raise ImageError(
            f"{name} is an Espressif image, not one for {chip.title}",
            hint="use the Beken build of the firmware (a *_QIO_*.bin or *_UA_*.bin file)",
        )
    if info.kind is ImageKind.UNKNOWN:
        raise ImageError(
            f"{name} is not a Beken firmware image (no bootloader, no CRC16 app blocks)",
            hint="use the build's *_QIO_*.bin (at 0x0) or *_UA_*.bin (at 0x11000)",
        )
    if info.chip is not None and info.chip != chip.name:
        other = variant_for(info.chip).title if _known(info.chip) else info.chip
        raise ImageError(
            f"{name} is built for {other}, not {chip.title}",
            hint="pick the firmware built for this module's chip",
        )
    if not info.app_ok:
        raise ImageError(f"{name} is damaged: its app partition fails its checksums")
    if info.kind is ImageKind.QIO and offset != 0:
        raise ImageError(f"{name} is a whole-flash (QIO) image: it goes at 0x0, not {offset:#x}")
    if info.kind is ImageKind.UA and offset != BOOTLOADER_SIZE:
        raise ImageError(
            f"{name} is an app (UA) image: it goes at {BOOTLOADER_SIZE:#x}, not {offset:#x}"
        )
    if info.kind is ImageKind.QIO and len(data) <= BOOTLOADER_SIZE and chip.write_floor:
        raise ImageError(f"{name} holds only a bootloader, which {chip.title} never rewrites")
    end = offset + len(data)
    if flash_size is not None and end > flash_size:
        raise ImageError(
            f"{name} ends at {end:#x} but {chip.title}'s flash holds {flash_size:#x}",
            hint="check that the module has the flash size the product needs",
        )
    return info


def _known(name: str) -> bool:
    try:
        variant_for(name)
    except ValueError:
        return False
    return True


def plan_regions(variant: Variant | str, data: bytes, offset: int) -> list[PlannedRegion]:
    """What to write for `data` at `offset`: on BK7231T, nothing below 0x11000."""
    chip = variant if isinstance(variant, Variant) else variant_for(variant)
    floor = chip.write_floor
    if offset >= floor:
        return [PlannedRegion(offset, data)]
    skip = floor - offset
    if skip >= len(data):
        return []
    return [PlannedRegion(floor, data[skip:])]
