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


def test_fixed_slots_send_new_adapters_to_the_tray(tmp_path: Path) -> None:
    path = tmp_path / "slots.json"
    book = SlotBook(path)
    a = book.slot_for("usb:a")
    assert not book.in_tray("usb:new")  # not fixed: a newcomer takes the next number
    book.set_fixed(True)
    assert book.in_tray("usb:new") and not book.in_tray(a.key)
    assert book.get("usb:new") is None  # asking does not change the book
    again = SlotBook(path)  # fixed survives a restart
    assert again.fixed and again.in_tray("usb:new")
    assert again.free_number() == 2


def test_assigning_from_the_tray_displaces_the_slots_adapter(tmp_path: Path) -> None:
    path = tmp_path / "slots.json"
    book = SlotBook(path)
    dead, spare = book.slot_for("usb:dead"), book.slot_for("usb:spare")
    book.rename(dead.key, "left")
    book.set_fixed(True)
    # the adapter of slot 1 died; its replacement sits in another hub port
    assert book.assign("usb:new", 1) == dead.key
    assert (book.get("usb:new") or dead).number == 1
    assert book.in_tray(dead.key) and not book.in_tray("usb:new")
    assert [e.key for e in book.entries()] == ["usb:new", spare.key]
    assert book.assign("usb:new", 1, "  right  ") is None  # its own number: nobody moves
    assert (book.get("usb:new") or dead).name == "right"
    book.unassign(spare.key)
    assert book.in_tray(spare.key) and book.free_number() == 2
    assert [e.number for e in SlotBook(path).entries()] == [1]
    with pytest.raises(SlotError):
        book.assign("usb:new", 0)
    with pytest.raises(SlotError):
        book.unassign("usb:nobody")
    # a tray adapter asked for a slot outright (an unfixed book) takes the lowest free number
    book.set_fixed(False)
    assert book.slot_for(spare.key).number == 2
