"""Port alarms: one port failing several chips in a row, or its failure rate spiking.

A fixture with a bent pin or a worn cable fails chip after chip on one port while the others
pass; the operator should hear "check the fixture on port 7" after the third, not at the end of
the shift. `AlarmWatch` sees every finished job and returns a `PortAlarm` event when a port
crosses a line; the station publishes it like any other event.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from prodtool.flash.events import PortEvent


class AlarmKind(StrEnum):
    IN_A_ROW = "in_a_row"  # N failures in a row
    RATE = "rate"  # more than a share of the last jobs failed


@dataclass(frozen=True, kw_only=True)
class PortAlarm(PortEvent):
    kind: AlarmKind
    failures: int
    jobs: int
    text: str


class AlarmWatch:
    """Per-port history of the last `window` results (thread-safe)."""

    def __init__(self, in_a_row: int = 3, window: int = 10, rate: float = 0.5) -> None:
        self.in_a_row = in_a_row
        self.window = window
        self.rate = rate
        self._lock = threading.Lock()
        self._history: dict[str, deque[bool]] = {}
        self._streak: dict[str, int] = {}
        self._raised: dict[str, set[AlarmKind]] = {}

    def observe(self, port: str, passed: bool, *, job_id: str = "") -> PortAlarm | None:
        """Record one result; the alarm to raise now, once per episode (a pass re-arms it)."""
        with self._lock:
            history = self._history.setdefault(port, deque(maxlen=self.window))
            history.append(passed)
            raised = self._raised.setdefault(port, set())
            if passed:
                self._streak[port] = 0
                raised.discard(AlarmKind.IN_A_ROW)
                if sum(1 for r in history if not r) / len(history) <= self.rate:
                    raised.discard(AlarmKind.RATE)
                return None
            streak = self._streak.get(port, 0) + 1
            self._streak[port] = streak
            if self.in_a_row > 0 and streak >= self.in_a_row and AlarmKind.IN_A_ROW not in raised:
                raised.add(AlarmKind.IN_A_ROW)
                return PortAlarm(
                    port=port,
                    job_id=job_id,
                    kind=AlarmKind.IN_A_ROW,
                    failures=streak,
                    jobs=streak,
                    text=f"{streak} chips in a row failed on {port}: check the fixture on {port}",
                )
            failures = sum(1 for r in history if not r)
            if (
                len(history) >= self.window
                and failures / len(history) > self.rate
                and AlarmKind.RATE not in raised
            ):
                raised.add(AlarmKind.RATE)
                return PortAlarm(
                    port=port,
                    job_id=job_id,
                    kind=AlarmKind.RATE,
                    failures=failures,
                    jobs=len(history),
                    text=f"{failures} of the last {len(history)} chips failed on {port}: "
                    f"check the fixture and cable on {port}",
                )
            return None
