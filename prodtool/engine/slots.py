"""Numbered slots bound to where an adapter is plugged in, so a replug or a reboot keeps them.

A slot's key is the adapter's physical USB path (pyserial's `location`, e.g. `1-1.4:1.0`: the
hub and port it sits in) when the system knows it, else its port name (a URL, or a port with no
USB path). The first time a key is seen it gets the lowest free number; a supervisor may rename
or renumber slots. The book is a small JSON file in the station folder, written atomically.
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
    number: int
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
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                for item in data.get("slots", []):
                    entry = SlotEntry(str(item["key"]), int(item["number"]), str(item["name"]))
                    self._entries[entry.key] = entry
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                raise SlotError(
                    f"cannot read the slot numbers in {self.path}: {error}",
                    hint="fix or delete the file; slots are then numbered again",
                ) from None

    def entries(self) -> list[SlotEntry]:
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: e.number)

    def get(self, key: str) -> SlotEntry | None:
        with self._lock:
            return self._entries.get(key)

    def slot_for(self, key: str) -> SlotEntry:
        """The key's slot; a new key gets the lowest free number (and the book is saved)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                return entry
            taken = {e.number for e in self._entries.values()}
            number = 1
            while number in taken:
                number += 1
            entry = self._entries[key] = SlotEntry(key, number)
            self._save()
            return entry

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
        data = {"version": 1, "slots": [asdict(e) for e in self._entries.values()]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".slots-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
            Path(tmp).replace(self.path)
        except OSError as error:
            Path(tmp).unlink(missing_ok=True)
            raise SlotError(f"cannot save the slot numbers in {self.path}: {error}") from None
