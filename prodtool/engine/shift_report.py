"""The shift report: first-pass yield, failures by reason, port and operator, devices per hour.

Computed from the write log's records (the record is the truth: the same figures for the window,
the CLI and a batch archive), for a time span and optionally one operator. First-pass yield is
the share of chips (by MAC; a record without one counts as its own chip) whose first job passed.
Exported as CSV (one row per figure: section, key, value) or PDF (reportlab).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from prodtool.errors import StorageError, UserError


@dataclass(frozen=True)
class ShiftReport:
    since: str
    until: str
    jobs: int
    chips: int
    passed: int  # chips that passed (on any attempt)
    first_pass: int  # chips whose first job passed
    failures: int  # failed jobs (cancelled ones are not failures)
    devices_per_hour: float
    by_reason: dict[str, int] = field(default_factory=dict)
    by_port: dict[str, int] = field(default_factory=dict)
    by_operator: dict[str, int] = field(default_factory=dict)  # failures
    passed_by_operator: dict[str, int] = field(default_factory=dict)

    @property
    def first_pass_yield(self) -> float:
        return self.first_pass / self.chips if self.chips else 0.0


def _when(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def build_report(
    records: Iterable[Mapping[str, Any]],
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    operator: str | None = None,
) -> ShiftReport:
    """The report over the records that started in [since, until) (all when not given)."""
    chosen: list[Mapping[str, Any]] = []
    for record in records:
        started = _when(str(record.get("started_at", "")))
        if since is not None and (started is None or started < since):
            continue
        if until is not None and (started is None or started >= until):
            continue
        if operator is not None and record.get("operator", "") != operator:
            continue
        chosen.append(record)
    first: dict[str, bool] = {}
    passed_chips: set[str] = set()
    reasons: Counter[str] = Counter()
    ports: Counter[str] = Counter()
    operators: Counter[str] = Counter()
    passed_ops: Counter[str] = Counter()
    failures = 0
    times: list[dt.datetime] = []
    for record in chosen:
        result = str(record.get("result", ""))
        chip = str(record.get("mac") or f"job:{record.get('job_id', '')}")
        ok = result == "passed"
        if result == "cancelled":
            continue
        first.setdefault(chip, ok)
        who = str(record.get("operator", "")) or "(nobody signed in)"
        if ok:
            passed_chips.add(chip)
            passed_ops[who] += 1
        else:
            failures += 1
            reasons[str(record.get("reason", ""))] += 1
            ports[str(record.get("port", ""))] += 1
            operators[who] += 1
        for name in ("started_at", "finished_at"):
            if (when := _when(str(record.get(name, "")))) is not None:
                times.append(when)
    hours = (max(times) - min(times)).total_seconds() / 3600 if len(times) > 1 else 0.0
    return ShiftReport(
        since=_text(since) if since else (_text(min(times)) if times else ""),
        until=_text(until) if until else (_text(max(times)) if times else ""),
        jobs=len(chosen),
        chips=len(first),
        passed=len(passed_chips),
        first_pass=sum(1 for ok in first.values() if ok),
        failures=failures,
        devices_per_hour=round(len(passed_chips) / hours, 1) if hours > 0 else 0.0,
        by_reason=dict(reasons.most_common()),
        by_port=dict(sorted(ports.items())),
        by_operator=dict(sorted(operators.items())),
        passed_by_operator=dict(sorted(passed_ops.items())),
    )


def _text(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def report_rows(report: ShiftReport) -> list[tuple[str, str, str]]:
    """(section, key, value) rows: the CSV's body and the PDF's tables."""
    rows = [
        ("summary", "since", report.since),
        ("summary", "until", report.until),
        ("summary", "jobs", str(report.jobs)),
        ("summary", "chips", str(report.chips)),
        ("summary", "passed", str(report.passed)),
        ("summary", "first_pass_yield", f"{report.first_pass_yield:.3f}"),
        ("summary", "failures", str(report.failures)),
        ("summary", "devices_per_hour", f"{report.devices_per_hour:.1f}"),
    ]
    rows += [("failures_by_reason", k, str(v)) for k, v in report.by_reason.items()]
    rows += [("failures_by_port", k, str(v)) for k, v in report.by_port.items()]
    rows += [("failures_by_operator", k, str(v)) for k, v in report.by_operator.items()]
    rows += [("passed_by_operator", k, str(v)) for k, v in report.passed_by_operator.items()]
    return rows


def render_csv(report: ShiftReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("section", "key", "value"))
    writer.writerows(report_rows(report))
    return buffer.getvalue().encode("utf-8")


def render_pdf(report: ShiftReport, *, station_id: str = "") -> bytes:
    """The report as a one-to-few-page PDF (reportlab's platypus: a title and tables)."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title="prodtool shift report")
    story: list[Any] = [
        Paragraph(f"Shift report {station_id}".strip(), styles["Title"]),
        Paragraph(f"{report.since} to {report.until}", styles["Normal"]),
        Spacer(1, 12),
    ]
    sections: dict[str, list[tuple[str, str]]] = {}
    for section, key, value in report_rows(report):
        sections.setdefault(section, []).append((key, value))
    for section, rows in sections.items():
        story.append(Paragraph(section.replace("_", " ").capitalize(), styles["Heading2"]))
        table = Table([list(r) for r in rows], colWidths=(220, 220))
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
        story += [table, Spacer(1, 8)]
    doc.build(story)
    return buffer.getvalue()


def export_report(report: ShiftReport, out: Path, *, station_id: str = "") -> None:
    """Write the report as CSV or PDF, by the file's suffix."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        data = render_csv(report)
    elif suffix == ".pdf":
        data = render_pdf(report, station_id=station_id)
    else:
        raise UserError(f"cannot tell the report's format from {out.name}", hint="use .csv or .pdf")
    try:
        out.write_bytes(data)
    except OSError as error:
        raise StorageError(f"cannot write {out}: {error.strerror}") from None
