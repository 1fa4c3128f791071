"""eFuse words read once per connection: esptool's helpers ask for the same ones again and again.

Identifying a chip reads its MAC and its description (package, major and minor revision), and
writing checks the image against the chip's revision: on an ESP32-C3 ten READ_REG round trips
for six words, each a command and an answer on the wire. eFuse read registers hold what was burnt
into the chip, loaded at power-on; nothing prodtool does burns eFuses, so within one connection a
word read once is the word. Only those read registers are kept: block 0 (security flags), the
MAC and block 1 (system data); the eFuse controller's own registers are never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WORDS_PER_BLOCK = 6  # the words esptool's identity and security helpers read in each block


def efuse_words(esp: Any) -> frozenset[int]:
    """The register addresses of this chip's eFuse read words that may be kept (none for a
    chip esptool describes without eFuse read bases, the ESP8266)."""
    bases = [
        getattr(esp, name, None)
        for name in ("EFUSE_RD_REG_BASE", "EFUSE_BLOCK1_ADDR", "MAC_EFUSE_REG")
    ]
    return frozenset(
        base + 4 * word
        for base in bases
        if isinstance(base, int)
        for word in range(WORDS_PER_BLOCK)
    )


def cache_efuse_reads(esp: Any, kept: dict[int, int]) -> None:
    """Answer `esp.read_reg` for eFuse words from `kept` (filled on first read). Installed on
    each loader object: the stub's replaces the ROM's, and `kept` carries over between them."""
    words = efuse_words(esp)
    if not words:
        return
    ask: Callable[..., int] = type(esp).read_reg.__get__(esp)  # the class's, not a copied one

    def read_reg(addr: int, *args: Any, **kwargs: Any) -> int:
        if addr not in words:
            return ask(addr, *args, **kwargs)
        if addr not in kept:
            kept[addr] = ask(addr, *args, **kwargs)
        return kept[addr]

    esp.read_reg = read_reg
