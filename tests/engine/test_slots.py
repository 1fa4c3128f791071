"""Slot numbers bound to the USB path survive a restart; a supervisor renames and renumbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.slots import SlotBook, SlotError, slot_key


def test_numbers_are_kept_per_usb_path(tmp_path: Path) -> None:
    path = tmp_path / "slots.json"
    book = SlotBook(path)
    first = slot_key("/dev/ttyUSB0", "1-1.2:1.0")
    second = slot_key("/dev/ttyUSB1", "1-1.3:1.0")
    assert first == "usb:1-1.2:1.0" and slot_key("socket://x:1", None) == "socket://x:1"
    assert book.slot_for(first).number == 1
    assert book.slot_for(second).number == 2
    # after a reboot the adapters come back under other names, in the same USB ports
    again = SlotBook(path)
    assert again.slot_for(slot_key("/dev/ttyUSB7", "1-1.3:1.0")).number == 2
    assert again.slot_for(slot_key("/dev/ttyUSB6", "1-1.2:1.0")).number == 1


def test_rename_and_renumber_swap(tmp_path: Path) -> None:
    book = SlotBook(tmp_path / "slots.json")
    a, b = book.slot_for("usb:a"), book.slot_for("usb:b")
    book.rename(a.key, "  left jig  ")
    moved = book.renumber(a.key, 2)
    assert moved.number == 2 and moved.name == "left jig"
    other = book.get(b.key)
    assert other is not None and other.number == 1
    with pytest.raises(SlotError):
        book.renumber("usb:none", 3)
    with pytest.raises(SlotError):
        book.renumber(a.key, 0)


def test_a_damaged_book_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "slots.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SlotError, match="cannot read the slot numbers"):
        SlotBook(path)
