"""Beken firmware files: kind, chip, version, the refusals, and what is written where."""

from __future__ import annotations

import pytest

from prodtool.errors import UserError
from prodtool.families.beken import crc, image
from prodtool.families.beken.image import ImageError, ImageKind, check_image, plan_regions
from prodtool.families.esp import appimage

QIO_N = image.make_qio_image("bk7231n", "1.2.3", size=0x40000)
QIO_T = image.make_qio_image("bk7231t", "2.0.0", size=0x40000)
UA_T3 = image.make_app_partition("t3", "3.1.0", size=0x20000)


def test_read_image_tells_kind_chip_and_version() -> None:
    info = image.read_image(QIO_N)
    assert (info.kind, info.chip, info.version, info.bootloader) == (
        ImageKind.QIO,
        "bk7231n",
        "1.2.3",
        "bk7231n 1.0.1",
    )
    assert image.read_image(QIO_T).bootloader == "bk7231t 1.0.5"
    ua = image.read_image(UA_T3)
    assert (ua.kind, ua.chip, ua.version) == (ImageKind.UA, "t3", "3.1.0")
    assert len(QIO_N) == 0x40000


def test_an_image_without_descriptor_is_known_by_its_bootloader() -> None:
    bare = image.make_bootloader("bk7231t") + crc.pack_crc16_blocks(b"\x12" * 4096)
    info = image.read_image(bare)
    assert (info.kind, info.chip, info.version) == (ImageKind.QIO, "bk7231t", None)


def test_check_accepts_the_right_image() -> None:
    assert check_image("t2", QIO_N, 0, 0x200000).chip == "bk7231n"
    assert check_image("bk7231t", QIO_T, 0, 0x200000).chip == "bk7231t"
    assert check_image("t3", UA_T3, 0x11000, 0x400000).kind is ImageKind.UA


@pytest.mark.parametrize(
    ("variant", "data", "offset", "size", "message"),
    [
        ("t2", b"", 0, None, "is empty"),
        ("t2", appimage.make_app_image(version="1.0", chip="esp32c3"), 0, None, "Espressif"),
        ("bk7231t", QIO_N, 0, None, "built for BK7231N / T2, not BK7231T"),
        ("t2", QIO_T, 0, None, "built for BK7231T"),
        ("t5", UA_T3, 0x11000, None, "built for T3"),
        ("t2", QIO_N, 0, 0x20000, "ends at 0x40000"),
        ("t2", QIO_N, 0x11000, None, "goes at 0x0"),
        ("t3", UA_T3, 0, None, "goes at 0x11000"),
        ("t2", b"\x00" * 5000, 0, None, "not a Beken firmware image"),
    ],
)
def test_check_refuses_with_a_reason(
    variant: str, data: bytes, offset: int, size: int | None, message: str
) -> None:
    with pytest.raises(ImageError, match=message) as caught:
        check_image(variant, data, offset, size)
    assert isinstance(caught.value, UserError)


def test_a_damaged_app_is_refused() -> None:
    damaged = bytearray(QIO_N)
    damaged[0x11000 + 34 * 50] ^= 0xFF  # inside the payload, after the descriptor
    with pytest.raises(ImageError, match="damaged"):
        check_image("t2", bytes(damaged), 0)


def test_plan_keeps_the_bk7231t_bootloader() -> None:
    [region] = plan_regions("bk7231t", QIO_T, 0)
    assert region.offset == 0x11000
    assert region.data == QIO_T[0x11000:]
    [whole] = plan_regions("t2", QIO_N, 0)
    assert (whole.offset, whole.data) == (0, QIO_N)
    assert plan_regions("bk7231t", QIO_T[:0x1000], 0) == []
