"""esptool's hot spots, replaced process-wide: the same values, without the Python loops."""

from __future__ import annotations

import random

import pytest
from esptool import loader

from prodtool.families.esp import esptune
from prodtool.families.esp.appimage import xor_checksum

ESPTOOL_CHECKSUM = esptune.esptool_checksum


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 4095, 16384, 16385, 181_242])
def test_xor_checksum_matches_esptool(size: int) -> None:
    assert ESPTOOL_CHECKSUM is not xor_checksum
    data = random.Random(size).randbytes(size)
    for state in (loader.ESPLoader.ESP_CHECKSUM_MAGIC, 0, 0x5A):
        assert xor_checksum(data, state) == ESPTOOL_CHECKSUM(data, state)


def test_install_swaps_the_checksum_and_the_formatter_once() -> None:
    esptune.install()
    esptune.install()
    assert loader.HexFormatter is esptune.SizeOnly
    assert loader.ESPLoader.checksum(b"\x01\x02") == loader.ESPLoader.ESP_CHECKSUM_MAGIC ^ 3
    stub_class = loader.ESPLoader  # subclasses (ROM and stub loaders) inherit it
    assert "checksum" not in vars(stub_class.__subclasses__()[0])
    assert str(loader.HexFormatter(b"x" * 5)) == "<5 bytes>"
