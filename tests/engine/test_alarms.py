"""Port alarms: N failures in a row, a failure-rate spike, once per episode."""

from __future__ import annotations

from prodtool.engine.alarms import AlarmKind, AlarmWatch


def test_in_a_row_fires_once_and_rearms_after_a_pass() -> None:
    watch = AlarmWatch(in_a_row=3, window=10, rate=0.9)
    assert watch.observe("p7", False) is None
    assert watch.observe("p7", False) is None
    assert watch.observe("p1", False) is None  # another port's failure does not count
    alarm = watch.observe("p7", False)
    assert alarm is not None and alarm.kind is AlarmKind.IN_A_ROW and alarm.port == "p7"
    assert "check the fixture on p7" in alarm.text
    assert watch.observe("p7", False) is None  # the same episode
    assert watch.observe("p7", True) is None
    for _ in range(2):
        assert watch.observe("p7", False) is None
    assert watch.observe("p7", False) is not None


def test_rate_spike_over_the_window() -> None:
    watch = AlarmWatch(in_a_row=0, window=4, rate=0.5)
    results = [True, False, True, False, False]
    alarms = [watch.observe("p2", ok) for ok in results]
    assert alarms[:4] == [None] * 4  # 2 of 4: not more than half
    last = alarms[4]
    assert last is not None and last.kind is AlarmKind.RATE and (last.failures, last.jobs) == (3, 4)
