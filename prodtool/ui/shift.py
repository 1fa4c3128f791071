"""The shift's numbers, counted from finished jobs: passed, failed, yield, devices per hour.

Passed and failed count devices, not attempts: a module that fails and then passes on a retry
is one pass (its MAC is the key; a chip that never answered is keyed by its port). Devices per
hour is the passes over the time since the shift's first job. The numbers are saved to a small
JSON file (`save`/`load`) so a restart of the station keeps the shift's counters.

Qt-free and clock-injected so tests can check the arithmetic without waiting for an hour.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOW_LICENSES_FRACTION = 0.10
LOW_LICENSES_COUNT = 20


@dataclass
class ShiftStats:
    clock: Callable[[], float] = time.time
    started: float = 0.0
    passes: list[float] = field(default_factory=list)  # every attempt's end (the chart)
    failures: list[float] = field(default_factory=list)
    outcomes: dict[str, bool] = field(default_factory=dict)  # device -> its last result
    first_job: float | None = None

    def __post_init__(self) -> None:
        if not self.started:
            self.started = self.clock()

    def record(self, passed: bool, at: float | None = None, device: str = "") -> None:
        when = self.clock() if at is None else at
        (self.passes if passed else self.failures).append(when)
        self.outcomes[device or f"#{len(self.outcomes)}"] = passed
        if self.first_job is None or when < self.first_job:
            self.first_job = when

    def job_started(self, at: float) -> None:
        """The shift's rate counts from its first job's start."""
        if self.first_job is None or at < self.first_job:
            self.first_job = at

    @property
    def passed(self) -> int:
        return sum(1 for ok in self.outcomes.values() if ok)

    @property
    def failed(self) -> int:
        return sum(1 for ok in self.outcomes.values() if not ok)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "started": self.started,
            "first_job": self.first_job,
            "passes": self.passes,
            "failures": self.failures,
            "outcomes": self.outcomes,
        }

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json()), encoding="utf-8")
        tmp.replace(path)

    def load(self, path: Path) -> bool:
        """Take over a saved shift; False (and nothing changed) when there is none or it is
        unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            passes = [float(v) for v in data["passes"]]
            failures = [float(v) for v in data["failures"]]
            outcomes = {str(k): bool(v) for k, v in data["outcomes"].items()}
            started = float(data["started"])
            first = data.get("first_job")
            first_job = None if first is None else float(first)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return False
        self.passes, self.failures, self.outcomes = passes, failures, outcomes
        self.started, self.first_job = started, first_job
        return True

    def reset(self) -> None:
        """A new shift."""
        self.passes, self.failures, self.outcomes = [], [], {}
        self.started, self.first_job = self.clock(), None

    @property
    def yield_percent(self) -> float | None:
        """Passed over finished, in percent; None before the first job ends."""
        total = self.passed + self.failed
        return None if total == 0 else 100.0 * self.passed / total

    def devices_per_hour(self) -> float:
        """Passed devices over the time since the first job started (a minute at least: no
        "3600 per hour" after one chip)."""
        now = self.clock()
        first = self.first_job if self.first_job is not None else now
        elapsed = max(60.0, now - min(first, now))
        return self.passed * 3600.0 / elapsed

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
