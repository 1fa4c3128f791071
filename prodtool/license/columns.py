"""Compact columns for a million licenses: fixed-width ASCII in one buffer, not a million objects.

A Python str of 32 characters takes 81 bytes plus its list slot; here an AuthKey takes 32. The
License List import keeps its AuthKeys this way (docs/credential-package.md: a 1,000,000-row
list imports in under 300 MB).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import overload


class FixedColumn(Sequence[str]):
    """Append-only ASCII strings of one width, read back as `str`."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._data = bytearray()

    def append(self, value: str) -> None:
        raw = value.encode("ascii")
        if len(raw) != self.width:
            raise ValueError(f"a value of this column has {self.width} characters")
        self._data += raw

    def pop(self) -> None:
        """Drop the last value (one found to repeat an earlier one)."""
        del self._data[-self.width :]

    def raw(self, index: int) -> bytes:
        start = index * self.width
        return bytes(self._data[start : start + self.width])

    def __len__(self) -> int:
        return len(self._data) // self.width

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("column index out of range")
        return self.raw(index).decode("ascii")

    def __iter__(self) -> Iterator[str]:
        width, data = self.width, self._data
        for start in range(0, len(data), width):
            yield data[start : start + width].decode("ascii")


class RepeatIndex:
    """Finds a repeated value among numbered rows without a set of a million strings: an open
    addressing table of row indices (8 bytes a slot), compared by value on a hash match.
    `value(index)` gives row `index`'s value (bytes of a `FixedColumn`, a folded UUID)."""

    def __init__(self, value: Callable[[int], Hashable]) -> None:
        self._value = value
        self._slots = array("q", [-1]) * 1024
        self._used = 0

    def add(self, index: int, value: Hashable | None = None) -> int | None:
        """Record row `index` (its value may be given, to save looking it up); the earlier
        index with the same value, or None."""
        if 2 * (self._used + 1) > len(self._slots):
            self._grow()
        slot, held = self._probe(self._value(index) if value is None else value)
        if held != -1:
            return held
        self._slots[slot] = index
        self._used += 1
        return None

    def find(self, value: Hashable) -> int | None:
        """The index of the row recorded with `value`, or None."""
        held = self._probe(value)[1]
        return None if held == -1 else held

    def _probe(self, value: Hashable) -> tuple[int, int]:
        """The slot of the row holding `value` and that row; or the free slot for it, and -1."""
        mask = len(self._slots) - 1
        slot = hash(value) & mask
        while (held := self._slots[slot]) != -1:
            if self._value(held) == value:
                return slot, held
            slot = (slot + 1) & mask
        return slot, -1

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("q", [-1]) * (2 * len(old))
        for index in old:
            if index != -1:
                self._slots[self._probe(self._value(index))[0]] = index
