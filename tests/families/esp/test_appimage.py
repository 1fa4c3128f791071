"""Application images: what esptool's image parser accepts and what the bootloader checks."""

from __future__ import annotations

import zlib

import pytest
from esptool.bin_image import LoadFirmwareImage

from prodtool.families.esp.appimage import (
    APP_DESC_MAGIC,
    make_app_image,
    read_app_descriptor,
    verify_app_image,
)

pytestmark = pytest.mark.sim


@pytest.mark.parametrize("chip", ["esp32c3", "esp32"])
def test_esptool_parses_the_image_and_its_checksum_and_digest(chip: str) -> None:
    image = make_app_image(version="1.2.3", project="demo", size=64 * 1024, chip=chip)
    assert len(image) == 64 * 1024
    parsed = LoadFirmwareImage(chip, image)
    parsed.verify()  # raises on a bad checksum or digest
    assert parsed.checksum == parsed.calculate_checksum()
    assert parsed.stored_digest == parsed.calc_digest
    assert len(parsed.segments) == 2


def test_descriptor_sits_at_offset_0x20_like_esp_idf() -> None:
    image = make_app_image(version="2.0.1-rc1", project="tuyaopen-app")
    assert int.from_bytes(image[0x20:0x24], "little") == APP_DESC_MAGIC
    desc = read_app_descriptor(image)
    assert desc is not None
    assert (desc.version, desc.project, desc.idf_ver) == ("2.0.1-rc1", "tuyaopen-app", "v5.4.1")
    assert len(desc.app_elf_sha256) == 32


def test_a_megabyte_image_compresses_like_real_firmware() -> None:
    image = make_app_image(version="1.0.0", size=1 << 20)
    ratio = len(zlib.compress(image, 9)) / len(image)
    assert 0.6 <= ratio <= 0.75
    assert image == make_app_image(version="1.0.0", size=1 << 20)  # deterministic
    assert image != make_app_image(version="1.0.1", size=1 << 20)


def test_damage_anywhere_makes_the_image_unbootable() -> None:
    image = bytearray(make_app_image(version="1.0.0", size=8192))
    assert verify_app_image(bytes(image))
    image[5000] ^= 0x40
    assert not verify_app_image(bytes(image))
    assert read_app_descriptor(bytes(image)) is not None  # the descriptor itself is intact


def test_not_an_image() -> None:
    assert read_app_descriptor(b"\xff" * 4096) is None
    assert read_app_descriptor(b"") is None
    assert not verify_app_image(b"\xe9" + b"\0" * 100)


@pytest.mark.parametrize("size", [1000, 100])
def test_sizes_must_align_to_16_bytes_and_hold_the_descriptor(size: int) -> None:
    with pytest.raises(ValueError, match="multiple of 16"):
        make_app_image(version="1", size=size)


def test_unknown_chip_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown chip"):
        make_app_image(version="1", chip="esp8266")
