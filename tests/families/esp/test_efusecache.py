"""eFuse words are read from the chip once per connection; every other register each time."""

from __future__ import annotations

from collections import Counter
from typing import Any

from esptool.targets import ESP32C3ROM, ESP8266ROM

from prodtool.families.esp.efusecache import cache_efuse_reads, efuse_words

OTHER_REG = 0x60000078  # not an eFuse word: a chip register that may change between reads


class CountingC3(ESP32C3ROM):  # type: ignore[misc]  # esptool is untyped
    """esptool's ESP32-C3 helpers over a register file that counts what it is asked."""

    def __init__(self, asked: Counter[int]) -> None:  # no port: only read_reg is used
        self.asked = asked

    def read_reg(self, addr: int, timeout: Any = None) -> int:
        self.asked[addr] += 1
        return (addr * 2654435761) & 0xFFFFFFFF  # a value per address


def test_identity_and_revision_read_each_efuse_word_once() -> None:
    asked: Counter[int] = Counter()
    kept: dict[int, int] = {}
    rom = CountingC3(asked)
    cache_efuse_reads(rom, kept)
    mac = rom.read_mac()
    description = rom.get_chip_description()
    assert rom.get_chip_revision() == rom.get_chip_revision()
    assert max(asked.values()) == 1
    assert set(asked) <= efuse_words(rom)

    stub = CountingC3(asked)  # the stub's loader object replaces the ROM's: same words
    cache_efuse_reads(stub, kept)
    before = sum(asked.values())
    assert stub.read_mac() == mac and stub.get_chip_description() == description
    assert sum(asked.values()) == before

    plain = CountingC3(Counter())  # without the cache: the same answers, more round trips
    assert plain.read_mac() == mac and plain.get_chip_description() == description
    assert sum(plain.asked.values()) > len(asked)


def test_other_registers_are_read_every_time() -> None:
    asked: Counter[int] = Counter()
    esp = CountingC3(asked)
    cache_efuse_reads(esp, {})
    esp.read_reg(OTHER_REG)
    esp.read_reg(OTHER_REG)
    assert asked[OTHER_REG] == 2


def test_a_chip_without_efuse_bases_is_left_alone() -> None:
    class Counting8266(ESP8266ROM):  # type: ignore[misc]
        def __init__(self) -> None:
            pass

    esp = Counting8266()
    assert efuse_words(esp) == frozenset()
    cache_efuse_reads(esp, {})
    assert "read_reg" not in vars(esp)
