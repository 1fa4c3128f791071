"""Scanned codes (PCB, housing or jig barcodes) bound to a port before its chip is written.

`CodeBook` checks a code against the product's pattern (a regular expression the whole code
must match) and refuses one bound to another port now. A code recorded for a chip before may be
scanned again only for that chip (a re-written unit): a job whose chip is another one fails
WRONG_CHIP as soon as the chip is identified, before anything is written (`check`). The book
remembers the codes of passed chips beside the licenses in the ledger (table `codes`, the code
its primary key): a restart does not forget them, and on a PostgreSQL pool no two stations give
one code to two chips. The window's scan field and a serial scanner call `Station.bind_code`;
the events below tell subscribers.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass
from enum import Enum

from prodtool.errors import UserError
from prodtool.flash.events import PortEvent
from prodtool.license.sqlstore import SqlLedger


class Refusal(Enum):
    """Why a scan was refused: the window words each one in its own language."""

    EMPTY = "empty"
    CONTROL = "control"  # control characters: a scanner set up wrongly
    MALFORMED = "malformed"  # not the product's pattern
    BOUND_ELSEWHERE = "bound_elsewhere"  # bound to another port now
    BUSY = "busy"  # the port is writing a chip
    OTHER = "other"


class CodeError(UserError):
    code = "scan"

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        why: Refusal = Refusal.OTHER,
        scanned: str = "",
        other: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.why = why
        self.scanned = scanned  # the code as scanned (stripped)
        self.other = other  # the port it is bound to, or the pattern it must match


@dataclass(frozen=True, kw_only=True)
class ScanNeeded(PortEvent):
    """The product needs a scanned code before this port's write starts: waiting for a scan."""


@dataclass(frozen=True, kw_only=True)
class CodeBound(PortEvent):
    code: str


_SCHEMA = """CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY,
    mac TEXT NOT NULL,
    job_id TEXT NOT NULL,
    at TEXT NOT NULL
)"""
# The code a running job took, before it is used up: a job verified just before a crash is
# recorded from the ledger afterwards, with this code (`of_job`).
_CLAIMS = """CREATE TABLE IF NOT EXISTS code_claims (
    job_id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    mac TEXT NOT NULL,
    at TEXT NOT NULL
)"""


class CodeBook:
    """Which code is bound to which port, and which codes are used up (thread-safe)."""

    def __init__(self, ledger: SqlLedger, pattern: str = "") -> None:
        self._lock = threading.Lock()
        self._ledger = ledger
        self._made = False  # the table, made on first use (a station without scans never does)
        self._pattern = _compile(pattern)
        self._bound: dict[str, str] = {}  # port -> code
        self._owner: dict[str, str] = {}  # port -> the MAC its (re-scanned) code belongs to

    def _table(self) -> None:
        if not self._made:
            self._ledger.side_schema([_SCHEMA, _CLAIMS])
            self._made = True

    def claim(self, port: str, mac: str, job_id: str) -> None:
        """Job `job_id` writes the chip `mac` with the port's code: kept beside the ledger, so
        a record made from the ledger after a crash still has its code (`of_job`)."""
        with self._lock:
            code = self._bound.get(port, "")
        if code:
            self._table()
            with self._ledger.side_write() as tx:
                tx.execute(
                    "INSERT INTO code_claims (job_id, code, mac, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (job_id) DO NOTHING",
                    (job_id, code, mac, dt.datetime.now(dt.UTC).isoformat()),
                )

    def of_job(self, job_id: str) -> str:
        """The code job `job_id` used up or took ("" when none): for a record written after a
        crash."""
        self._table()
        with self._ledger.side_write() as tx:
            row = tx.execute("SELECT code FROM codes WHERE job_id = ?", (job_id,)).fetchone()
            if row is None:
                row = tx.execute(
                    "SELECT code FROM code_claims WHERE job_id = ?", (job_id,)
                ).fetchone()
        return str(row[0]) if row is not None else ""

    def set_pattern(self, pattern: str) -> None:
        compiled = _compile(pattern)
        with self._lock:
            self._pattern = compiled

    def bind(self, port: str, code: str) -> str:
        """Bind `code` (stripped) to `port`; raises CodeError for a malformed or used code."""
        code = code.strip()
        if not code:
            raise CodeError("the scan is empty", why=Refusal.EMPTY)
        if not code.isprintable():
            raise CodeError(
                "the scanned code holds control characters: check the scanner",
                why=Refusal.CONTROL,
            )
        with self._lock:
            if self._pattern is not None and not self._pattern.fullmatch(code):
                raise CodeError(
                    f"{code} does not look like this product's code",
                    hint=f"expected a code matching {self._pattern.pattern}",
                    why=Refusal.MALFORMED,
                    scanned=code,
                    other=self._pattern.pattern,
                )
            for other, bound in self._bound.items():
                if bound == code and other != port:
                    raise CodeError(
                        f"{code} is already bound to {other}",
                        why=Refusal.BOUND_ELSEWHERE,
                        scanned=code,
                        other=other,
                    )
            self._table()
            with self._ledger.side_write() as tx:
                row = tx.execute("SELECT mac, job_id FROM codes WHERE code = ?", (code,)).fetchone()
            self._bound[port] = code
            if row is not None:  # a re-scan: only that chip may pass with it (see `check`)
                self._owner[port] = str(row[0])
            else:
                self._owner.pop(port, None)
        return code

    def check(self, port: str, mac: str) -> str:
        """ "" when the port's code may go with the chip `mac`, else why not: a code recorded
        for another chip belongs to that chip (a re-written unit is scanned with its own code)."""
        with self._lock:
            owner = self._owner.get(port, "")
            code = self._bound.get(port, "")
        if owner and owner != mac:
            return f"{code} belongs to chip {owner}, not to {mac}: scan this unit's own code"
        return ""

    def bound(self, port: str) -> str:
        with self._lock:
            return self._bound.get(port, "")

    def unbind(self, port: str) -> None:
        with self._lock:
            self._bound.pop(port, None)
            self._owner.pop(port, None)

    def used(self, port: str, mac: str, job_id: str) -> str:
        """The port's chip passed: its code is used up (recorded) and the port needs a new one."""
        with self._lock:
            code = self._bound.pop(port, "")
            self._owner.pop(port, None)
            if code:
                self._table()
                with self._ledger.side_write() as tx:
                    tx.execute(
                        "INSERT INTO codes (code, mac, job_id, at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (code) DO NOTHING",
                        (code, mac, job_id, dt.datetime.now(dt.UTC).isoformat()),
                    )
        return code


def _compile(pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as error:
        raise CodeError(f"bad code pattern {pattern!r}: {error}") from None
