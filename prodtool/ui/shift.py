"""The shift's numbers, counted from finished jobs: passed, failed, yield, devices per hour.

Qt-free and clock-injected so tests can check the arithmetic without waiting for an hour.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

RATE_WINDOW_SECONDS = 3600.0
LOW_LICENSES_FRACTION = 0.10
LOW_LICENSES_COUNT = 20


@dataclass
class ShiftStats:
    clock: Callable[[], float] = time.time
    started: float = 0.0
    passes: list[float] = field(default_factory=list)
    failures: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.started:
            self.started = self.clock()

    def record(self, passed: bool, at: float | None = None) -> None:
        (self.passes if passed else self.failures).append(self.clock() if at is None else at)

    @property
    def passed(self) -> int:
        return len(self.passes)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def yield_percent(self) -> float | None:
        """Passed over finished, in percent; None before the first job ends."""
        total = self.passed + self.failed
        return None if total == 0 else 100.0 * self.passed / total

    def devices_per_hour(self) -> float:
        """Passed devices in the last hour, scaled up while the shift is younger than that."""
        now = self.clock()
        first = min([*self.passes, *self.failures], default=now)
        window = min(RATE_WINDOW_SECONDS, now - min(first, now))
        window = max(window, 60.0)  # too early to say: no "3600 per hour" after one chip
        recent = sum(1 for at in self.passes if at >= now - RATE_WINDOW_SECONDS)
        return recent * 3600.0 / window

    def buckets(self, count: int) -> tuple[float, list[int], list[int]]:
        """The shift cut into at most `count` equal slices: (slice seconds, passes, failures)."""
        now = self.clock()
        span = max(60.0, now - self.started)
        size = _nice_bucket(span / count)
        slices = min(count, int(span // size) + 1)
        first = now - slices * size
        passes = [0] * slices
        failures = [0] * slices
        for times, into in ((self.passes, passes), (self.failures, failures)):
            for at in times:
                index = int((at - first) // size)
                if 0 <= index < slices:
                    into[index] += 1
        return size, passes, failures


def _nice_bucket(seconds: float) -> float:
    for nice in (60, 120, 300, 600, 900, 1800, 3600):
        if seconds <= nice:
            return float(nice)
    return 3600.0


def licenses_low(left: int, total: int) -> bool:
    """True when a warning is due: under 10 % of the package or under 20 licenses left."""
    return left < LOW_LICENSES_COUNT or (total > 0 and left < total * LOW_LICENSES_FRACTION)
