"""The ROM's CRC-32 variant, CRC16/CMS, CRC forging, the flash ID table and the variant table."""

from __future__ import annotations

import os
import zlib

import pytest

from prodtool.families.beken import crc
from prodtool.families.beken.flashids import SrWrite, lookup
from prodtool.families.beken.forge import forge_tail, with_crc
from prodtool.families.beken.variants import (
    BK7231N,
    BK7231T,
    T3,
    T5,
    UnknownVariantError,
    variant_for,
)


def test_chip_crc_is_crc32_without_the_final_xor() -> None:
    assert crc.chip_crc(b"\xff" * 4096) == crc.BLANK_4K_CRC ^ 0xFFFFFFFF
    data = os.urandom(1000)
    assert crc.chip_crc(data) ^ 0xFFFFFFFF == zlib.crc32(data)
    assert crc.chip_crc(data[500:], crc.chip_crc(data[:500])) == crc.chip_crc(data)


def test_crc16_cms_check_value_and_blocks() -> None:
    assert crc.crc16_cms(b"123456789") == 0xAEE7
    packed = crc.pack_crc16_blocks(b"A" * 70)
    assert len(packed) == 3 * 34
    assert crc.unpack_crc16_blocks(packed) == b"A" * 70 + b"\xff" * 26
    assert crc.blocks_valid(packed)
    damaged = bytearray(packed)
    damaged[40] ^= 1
    assert crc.unpack_crc16_blocks(bytes(damaged)) is None
    assert not crc.blocks_valid(bytes(damaged))


@pytest.mark.parametrize("span", [256, 257])
def test_forged_tail_gives_the_wanted_crc(span: int) -> None:
    body = with_crc(os.urandom(600), span, 0xE14191BA)
    assert zlib.crc32(body[:span]) == 0xE14191BA
    assert len(body) == 600
    assert zlib.crc32(b"prefix" + forge_tail(b"prefix", 0x12345678)) == 0x12345678


def test_flash_table() -> None:
    chip = lookup(bytes.fromhex("eb6015"))
    assert chip is not None
    assert (chip.name, chip.size, chip.sr_bytes, chip.protect_mask) == (
        "TH25Q16HB",
        0x200000,
        2,
        0x407C,
    )
    one = lookup(bytes.fromhex("1c7015"))
    assert one is not None and one.sr_write is SrWrite.ONE and one.protect_mask == 0x7C
    assert lookup(b"\x00\x00\x00") is None


def test_variants_and_aliases() -> None:
    assert variant_for("T2") is BK7231N
    assert variant_for("wb3s") is BK7231T
    assert variant_for("bk7236") is T3
    assert variant_for("t5") is T5
    assert BK7231N.crc_end_inclusive and not BK7231T.crc_end_inclusive
    assert BK7231T.write_floor == 0x11000 and BK7231N.write_floor == 0
    assert (BK7231N.shell_baud, T3.shell_baud, T5.shell_baud) == (115200, 460800, 460800)
    with pytest.raises(UnknownVariantError, match="esp32c3"):
        variant_for("esp32c3")
