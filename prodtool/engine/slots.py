"""Numbered slots bound to where an adapter is plugged in, so a replug or a reboot keeps them.

A slot's key is the adapter's physical USB path (pyserial's `location`, e.g. `1-1.4:1.0`: the
hub and port it sits in) when the system knows it, else its port name (a URL, or a port with no
USB path). The first time a key is seen it gets the lowest free number; a supervisor may rename
or renumber slots. The book is a small JSON file in the station folder, written atomically.

Once a supervisor has fixed the slots (`set_fixed`), an adapter seen for the first time gets no
number: it waits in the tray (an entry with number 0, or no entry) until a supervisor assigns it
to a slot (`assign`). A slot's adapter can also be sent back to the tray (`unassign`). Nothing
starts on an adapter in the tray (`in_tray`, which the station asks before every start).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from prodtool.errors import UserError


class SlotError(UserError):
    code = "slot"


@dataclass(frozen=True)
class SlotEntry:
    key: str
    number: int  # 0: the adapter waits in the tray
    name: str = ""


def slot_key(port: str, location: str | None) -> str:
    """What a slot is bound to: the USB path when known, else the port's name."""
    return f"usb:{location}" if location else port


class SlotBook:
    """key -> slot number and name; thread-safe; saved on every change."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._entries: dict[str, SlotEntry] = {}
        self._fixed = False
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                for item in data.get("slots", []):
                    entry = SlotEntry(str(item["key"]), int(item["number"]), str(item["name"]))
                    if entry.number < 0:
                        raise ValueError(f"slot number {entry.number}")
                    self._entries[entry.key] = entry
                self._fixed = bool(data.get("fixed", False))
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                raise SlotError(
                    f"cannot read the slot numbers in {self.path}: {error}",
                    hint="fix or delete the file; slots are then numbered again",
                ) from None

    def entries(self) -> list[SlotEntry]:
        """The bound slots, by number (not the adapters in the tray)."""
        with self._lock:
            return sorted((e for e in self._entries.values() if e.number), key=lambda e: e.number)

    @property
    def fixed(self) -> bool:
        """True: an adapter seen for the first time waits in the tray instead of taking a number."""
        with self._lock:
            return self._fixed

    def set_fixed(self, fixed: bool) -> None:
        with self._lock:
            self._fixed = fixed
            self._save()

    def in_tray(self, key: str) -> bool:
        """True when `key`'s adapter has no slot and gets none on its own: it waits for a
        supervisor. Never changes the book (the station asks this from its threads)."""
        with self._lock:
            entry = self._entries.get(key)
            return entry.number == 0 if entry is not None else self._fixed

    def free_number(self) -> int:
        """The lowest number no adapter is bound to."""
        with self._lock:
            return self._free()

    def assign(self, key: str, number: int, name: str | None = None) -> str | None:
        """Bind `key` (an adapter in the tray, or another slot's) to slot `number`. The adapter
        that had that number goes to the tray; its key is returned (None when the number was
        free or `key`'s own). `name` None keeps the name `key` had."""
        if number < 1:
            raise SlotError("a slot number is 1 or more")
        with self._lock:
            old = self._entries.get(key)
            other = next(
                (e for e in self._entries.values() if e.number == number and e.key != key), None
            )
            if other is not None:
                self._entries[other.key] = SlotEntry(other.key, 0, other.name)
            keep = old.name if old is not None else ""
            self._entries[key] = SlotEntry(key, number, keep if name is None else name.strip()[:40])
            self._save()
            return other.key if other is not None else None

    def unassign(self, key: str) -> None:
        """Send `key`'s adapter to the tray; its slot's number is free again."""
        with self._lock:
            self._need(key)
            self._entries[key] = SlotEntry(key, 0, "")
            self._save()

    def get(self, key: str) -> SlotEntry | None:
        with self._lock:
            return self._entries.get(key)

    def slot_for(self, key: str) -> SlotEntry:
        """The key's slot; a new key (or one in the tray) gets the lowest free number (and the
        book is saved). Ask `in_tray` first where the tray is honoured."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.number:
                return entry
            entry = self._entries[key] = SlotEntry(key, self._free(), entry.name if entry else "")
            self._save()
            return entry

    def _free(self) -> int:
        taken = {e.number for e in self._entries.values()}
        number = 1
        while number in taken:
            number += 1
        return number

    def rename(self, key: str, name: str) -> SlotEntry:
        with self._lock:
            entry = self._need(key)
            entry = self._entries[key] = SlotEntry(key, entry.number, name.strip()[:40])
            self._save()
            return entry

    def renumber(self, key: str, number: int) -> SlotEntry:
        """Give `key` slot `number`; the slot that had it takes `key`'s old number (a swap)."""
        if number < 1:
            raise SlotError("a slot number is 1 or more")
        with self._lock:
            entry = self._need(key)
            other = next((e for e in self._entries.values() if e.number == number), None)
            if other is not None and other.key != key:
                self._entries[other.key] = SlotEntry(other.key, entry.number, other.name)
            entry = self._entries[key] = SlotEntry(key, number, entry.name)
            self._save()
            return entry

    def _need(self, key: str) -> SlotEntry:
        entry = self._entries.get(key)
        if entry is None:
            raise SlotError(f"no slot is bound to {key}")
        return entry

    def _save(self) -> None:
        data = {
            "version": 1,
            "fixed": self._fixed,
            "slots": [asdict(e) for e in self._entries.values()],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".slots-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
            Path(tmp).replace(self.path)
        except OSError as error:
            Path(tmp).unlink(missing_ok=True)
            raise SlotError(f"cannot save the slot numbers in {self.path}: {error}") from None
