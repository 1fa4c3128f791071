"""Take esptool's trace formatting off the write path (it costs more CPU than the write itself).

esptool 5 builds its `--trace` messages with f-strings before `trace()` checks whether tracing
is on, so every command hex-dumps its whole payload through `HexFormatter` even when nobody
reads it: about 20 ms of CPU per 16 KiB flash block, twice (the command and the SLIP write).
On one port that is ~10 % of a 1 MiB write at 921600 baud; on 32 ports sharing two cores it is
most of the CPU. prodtool never turns esptool's trace on (support reads our own transcript), so
`install()` swaps the formatter esptool's loader uses for one that only states the size.

It also swaps esptool's block checksum (the ROM's XOR of every byte, computed by a Python loop
over each byte: ~35 ms of CPU per MiB sent) for `xor_checksum`, the same value folded in C.
"""

from __future__ import annotations

import threading

from esptool import loader

from prodtool.families.esp.appimage import CHECKSUM_SEED, xor_checksum


class SizeOnly:
    """Stands in for esptool's `HexFormatter`: `<16554 bytes>` instead of a hex dump."""

    __slots__ = ("_size",)

    def __init__(self, binary_string: bytes, auto_split: bool = True) -> None:
        self._size = len(binary_string)

    def __str__(self) -> str:
        return f"<{self._size} bytes>"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


esptool_checksum = loader.ESPLoader.checksum  # esptool's own, kept to test against
assert loader.ESPLoader.ESP_CHECKSUM_MAGIC == CHECKSUM_SEED
_checksum = staticmethod(xor_checksum)
_lock = threading.Lock()


def install() -> None:
    """Make esptool's loader use `SizeOnly` and `xor_checksum` (idempotent, process-wide like
    esptool's logger)."""
    with _lock:
        if loader.HexFormatter is not SizeOnly:
            loader.HexFormatter = SizeOnly
        if loader.ESPLoader.__dict__["checksum"] is not _checksum:
            loader.ESPLoader.checksum = _checksum
