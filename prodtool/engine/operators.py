"""The station's operators: who may sign in, by badge scan or by name and PIN.

A supervisor keeps the list (`operators.json` in the station folder). Each operator has a name
and a badge, a PIN, or both. Neither is kept as given: the PIN as a salted scrypt hash (as the
supervisor PIN), the badge as a keyed BLAKE2b digest (the key is the file's own random `salt`),
so the file does not let anyone make a badge. `sign_in` answers the name that goes on every
write record from then on (`Station.sign_in`).

With no operator on the list the station works as before: whoever signs in types a name, and
that name is taken as given.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodtool.errors import StorageError, UserError
from prodtool.settings import check_pin, hash_pin

OPERATORS_FILE = "operators.json"
MIN_PIN_LENGTH = 4


class OperatorError(UserError):
    code = "operator"


@dataclass(frozen=True)
class Operator:
    name: str
    badge: str = ""  # keyed digest of the badge's code; "" = no badge
    pin_hash: str = ""  # scrypt hash; "" = no PIN


class OperatorBook:
    """The list of operators (thread-safe; every change is written at once, atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._salt = ""
        self._operators: dict[str, Operator] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._salt = secrets.token_hex(16)
            return
        except (OSError, ValueError) as error:
            raise StorageError(f"cannot read {self.path}: {error}") from None
        try:
            self._salt = str(data["salt"])
            self._operators = {
                str(item["name"]): Operator(
                    str(item["name"]), str(item.get("badge", "")), str(item.get("pin_hash", ""))
                )
                for item in data["operators"]
            }
        except (KeyError, TypeError) as error:
            raise StorageError(f"{self.path} is damaged ({error})") from None

    def _save(self) -> None:
        data: dict[str, Any] = {
            "version": 1,
            "salt": self._salt,
            "operators": [vars(op) for op in sorted(self._operators.values(), key=_key)],
        }
        tmp = self.path.with_suffix(".tmp")
        try:
            with tmp.open("w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
                out.flush()
                os.fsync(out.fileno())
            tmp.replace(self.path)
        except OSError as error:
            raise StorageError(f"cannot save {self.path}: {error}") from None

    def _badge(self, badge: str) -> str:
        key = bytes.fromhex(self._salt)
        return hashlib.blake2b(badge.strip().encode(), key=key, digest_size=20).hexdigest()

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._operators, key=str.casefold)

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._operators)

    def add(self, name: str, *, badge: str = "", pin: str = "") -> None:
        """Add (or replace) an operator; a badge or a PIN of 4 or more characters is needed."""
        name = name.strip()
        if not name or not name.isprintable():
            raise OperatorError("give the operator's name")
        if not badge.strip() and not pin:
            raise OperatorError(f"{name} needs a badge or a PIN to sign in")
        if pin and len(pin) < MIN_PIN_LENGTH:
            raise OperatorError(f"a PIN has at least {MIN_PIN_LENGTH} characters")
        with self._lock:
            digest = self._badge(badge) if badge.strip() else ""
            for other in self._operators.values():
                if digest and other.badge == digest and other.name.casefold() != name.casefold():
                    raise OperatorError(f"that badge is {other.name}'s already")
            self._operators = {
                k: v for k, v in self._operators.items() if k.casefold() != name.casefold()
            }
            self._operators[name] = Operator(name, digest, hash_pin(pin) if pin else "")
            self._save()

    def remove(self, name: str) -> None:
        with self._lock:
            kept = {k: v for k, v in self._operators.items() if k.casefold() != name.casefold()}
            if len(kept) == len(self._operators):
                raise OperatorError(f"no operator {name!r}")
            self._operators = kept
            self._save()

    def by_badge(self, badge: str) -> str:
        """The name of the operator whose badge this is (OperatorError if none)."""
        if not badge.strip():
            raise OperatorError("the badge scan is empty")
        with self._lock:
            digest = self._badge(badge)
            for op in self._operators.values():
                if op.badge and secrets.compare_digest(op.badge, digest):
                    return op.name
        raise OperatorError("this badge is not on the station's list of operators")

    def by_pin(self, name: str, pin: str) -> str:
        """The operator's name when `pin` is theirs (OperatorError if not)."""
        with self._lock:
            op = next(
                (v for k, v in self._operators.items() if k.casefold() == name.strip().casefold()),
                None,
            )
            empty = not self._operators
        if empty:  # no list: the name is taken as given
            if not name.strip() or not name.strip().isprintable():
                raise OperatorError("give the operator's name or badge")
            return name.strip()
        if op is None or not op.pin_hash or not check_pin(pin, op.pin_hash):
            raise OperatorError("wrong name or PIN")
        return op.name


def operator_book(root: Path) -> OperatorBook:
    """The station folder's list of operators."""
    return OperatorBook(root / OPERATORS_FILE)


def _key(op: Operator) -> str:
    return op.name.casefold()
