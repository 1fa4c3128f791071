"""The shift report's figures from write records, and its exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from prodtool.engine.shift_report import build_report, export_report, render_csv
from prodtool.errors import UserError


def _rec(mac: str, result: str, minute: int, **extra: Any) -> dict[str, Any]:
    start = dt.datetime(2026, 11, 28, 6, minute, tzinfo=dt.UTC)
    return {
        "mac": mac,
        "result": result,
        "reason": extra.pop("reason", "ok" if result == "passed" else "no_answer"),
        "port": extra.pop("port", "p1"),
        "operator": extra.pop("operator", "ana"),
        "started_at": start.isoformat(),
        "finished_at": (start + dt.timedelta(seconds=30)).isoformat(),
        "job_id": f"j{minute}",
    }


def test_yield_failures_and_rate() -> None:
    records = [
        _rec("a", "passed", 0),
        _rec("b", "failed", 10, port="p7", reason="wrong_chip"),
        _rec("b", "passed", 20),
        _rec("c", "failed", 30, port="p7", operator="bo"),
        _rec("d", "cancelled", 40),
        _rec("e", "passed", 59, operator="bo"),
    ]
    report = build_report(records)
    assert (report.chips, report.passed, report.first_pass, report.failures) == (4, 3, 2, 2)
    assert report.first_pass_yield == 0.5
    assert report.by_reason == {"wrong_chip": 1, "no_answer": 1}
    assert report.by_port == {"p7": 2}
    assert report.by_operator == {"ana": 1, "bo": 1}
    assert report.devices_per_hour == pytest.approx(3 / (59.5 / 60), abs=0.1)
    since = dt.datetime(2026, 11, 28, 6, 15, tzinfo=dt.UTC)
    later = build_report(records, since=since, operator="ana")
    assert (later.chips, later.passed) == (1, 1)
    assert b"failures_by_port,p7,2" in render_csv(report)


def test_export_by_suffix(tmp_path: Path) -> None:
    report = build_report([_rec("a", "passed", 0)])
    export_report(report, tmp_path / "r.pdf", station_id="s1")
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(UserError, match=r"csv or \.pdf"):
        export_report(report, tmp_path / "r.doc")
