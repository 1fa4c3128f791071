"""The shift's counters: per device, per hour from the elapsed time, kept across a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.ui.shift import ShiftStats


def test_a_retry_that_passes_is_one_pass() -> None:
    stats = ShiftStats(clock=lambda: 1000.0)
    stats.record(False, 1000.0, device="7c:df:a1:00:00:01")
    stats.record(True, 1010.0, device="7c:df:a1:00:00:01")  # the same module, retried
    stats.record(False, 1020.0, device="7c:df:a1:00:00:02")
    assert (stats.passed, stats.failed) == (1, 1)
    assert stats.yield_percent == pytest.approx(50.0)
    assert len(stats.failures) == 2  # the chart still shows every attempt


def test_per_hour_counts_from_the_first_job() -> None:
    now = [0.0]
    stats = ShiftStats(clock=lambda: now[0])
    stats.job_started(600.0)  # the window was open ten minutes before the first job
    for index in range(6):
        stats.record(True, 700.0 + index, device=f"m{index}")
    now[0] = 600.0 + 1800
    assert stats.devices_per_hour() == pytest.approx(12.0)


def test_the_shift_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "shift.json"
    stats = ShiftStats(clock=lambda: 50.0)
    stats.record(True, 60.0, device="a")
    stats.record(False, 70.0, device="b")
    stats.save(path)
    again = ShiftStats(clock=lambda: 90.0)
    assert again.load(path)
    assert (again.passed, again.failed, again.first_job) == (1, 1, 60.0)
    path.write_text("{broken", encoding="utf-8")
    fresh = ShiftStats(clock=lambda: 90.0)
    assert not fresh.load(path) and fresh.passed == 0
    again.reset()
    assert again.passed == again.failed == 0 and again.first_job is None
