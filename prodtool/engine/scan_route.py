"""Where a scanned code goes: the port that needs one next, or the slot scanned just before.

A station takes scans one at a time from a keyboard-wedge scanner (the window's scan field) or a
scanner on a serial port. Two workflows, `Settings.scan_target`:

- NEXT_PORT: the code is bound to `Station.port_needing_code()` (the port that has waited
  longest for its scan, else the first idle port without a code);
- SLOT_FIRST: the operator scans the slot's label ("SLOT-7", printed on the fixture) and then
  the unit's code, which is bound to that slot's port. A code with no slot scanned before it is
  refused, so a unit is never bound to a port by guesswork.

A slot label is accepted in both workflows (in NEXT_PORT it picks the port for the next code).
The router is Qt-free: the window and a serial scanner share it and show its `ScanOutcome`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from prodtool.errors import UserError
from prodtool.settings import ScanTarget

SLOT_LABEL = re.compile(r"slot[-: ]?(\d{1,3})", re.IGNORECASE)


class ScanKind(Enum):
    BOUND = "bound"  # the code is bound to `port`
    SLOT_PICKED = "slot_picked"  # a slot label: the next code goes to `port`
    NO_PORT = "no_port"  # no port needs a code now
    SLOT_FIRST = "slot_first"  # SLOT_FIRST workflow: a code came before any slot label
    UNKNOWN_SLOT = "unknown_slot"  # a slot label of a slot this station does not have
    REFUSED = "refused"  # the station refused the code: `error` says why


@dataclass(frozen=True)
class ScanOutcome:
    kind: ScanKind
    port: str = ""
    code: str = ""  # the code (or slot label) as scanned, stripped
    error: UserError | None = None

    @property
    def ok(self) -> bool:
        return self.kind in {ScanKind.BOUND, ScanKind.SLOT_PICKED}

    def text(self) -> str:
        """One English line (the command line and logs; the window words its own)."""
        if self.kind is ScanKind.BOUND:
            return f"{self.code} bound to {self.port}"
        if self.kind is ScanKind.SLOT_PICKED:
            return f"{self.port}: scan the unit's code"
        if self.kind is ScanKind.NO_PORT:
            return f"{self.code}: no port is waiting for a code"
        if self.kind is ScanKind.SLOT_FIRST:
            return f"{self.code}: scan the slot's label first"
        if self.kind is ScanKind.UNKNOWN_SLOT:
            return f"{self.code}: no such slot here"
        assert self.error is not None
        return str(self.error)


class CodeTarget(Protocol):
    """The part of the `Station` a scan reaches."""

    def bind_code(self, port: str, code: str) -> str: ...
    def port_needing_code(self) -> str | None: ...


class ScanRouter:
    """Turns scans into `bind_code` calls (thread-safe: a serial scanner has its own thread)."""

    def __init__(
        self,
        station: CodeTarget,
        target: ScanTarget = ScanTarget.NEXT_PORT,
        slot_port: Callable[[int], str | None] = lambda _number: None,
    ) -> None:
        self._station = station
        self._slot_port = slot_port  # a slot number -> its port (the window's slot book)
        self._lock = threading.Lock()
        self.target = target
        self._picked = ""  # the port whose slot label was scanned, waiting for its code

    @property
    def picked(self) -> str:
        with self._lock:
            return self._picked

    def scan(self, text: str) -> ScanOutcome:
        scanned = text.strip()
        label = SLOT_LABEL.fullmatch(scanned)
        if label is not None:
            port = self._slot_port(int(label.group(1)))
            if port is None:
                return ScanOutcome(ScanKind.UNKNOWN_SLOT, code=scanned)
            with self._lock:
                self._picked = port
            return ScanOutcome(ScanKind.SLOT_PICKED, port=port, code=scanned)
        with self._lock:
            port, self._picked = self._picked, ""
        picked = port
        if not port:
            if self.target is ScanTarget.SLOT_FIRST:
                return ScanOutcome(ScanKind.SLOT_FIRST, code=scanned)
            port = self._station.port_needing_code() or ""
            if not port:
                return ScanOutcome(ScanKind.NO_PORT, code=scanned)
        try:
            code = self._station.bind_code(port, scanned)
        except UserError as error:  # a CodeError says why in `why`
            if picked:  # the slot stays picked: scan the right code for it
                with self._lock:
                    self._picked = self._picked or picked
            return ScanOutcome(ScanKind.REFUSED, port=port, code=scanned, error=error)
        return ScanOutcome(ScanKind.BOUND, port=port, code=code)
