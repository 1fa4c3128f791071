"""QA in batches: check every chip as it is plugged in, keep a report, export it as CSV/JSON.

Runs on the calling thread (one chip at a time: QA checks samples, not a production line). A
hot-plugged port is checked once; it is checked again only after it disappears and returns, so
a chip left plugged in is not counted twice.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from serial.tools import list_ports

from prodtool.engine.job import open_port
from prodtool.engine.qa import QaReport, Status, check_port
from prodtool.engine.station import port_matches
from prodtool.errors import StorageError
from prodtool.license.ledger import Ledger
from prodtool.license.model import Manifest
from prodtool.settings import Settings

REPORT_COLUMNS = (
    "checked_at",
    "port",
    "mac",
    "uuid",
    "package_id",
    "firmware_version",
    "verdict",
    "settled",
    "reasons",
)


class QaBatch:
    """Checks chips one after another and keeps every report."""

    def __init__(
        self,
        ledger: Ledger,
        manifest: Manifest,
        settings: Settings,
        *,
        write_log: Path | None = None,
        settle: bool = False,
        opener: Callable[[str], Any] = open_port,
        comports: Callable[[], Iterable[Any]] = list_ports.comports,
        on_report: Callable[[QaReport], None] | None = None,
    ) -> None:
        self.ledger = ledger
        self.manifest = manifest
        self.settings = settings
        self.write_log = write_log
        self.settle = settle
        self._opener = opener
        self._comports = comports
        self._on_report = on_report
        self._lock = threading.Lock()
        self._reports: list[QaReport] = []

    @property
    def reports(self) -> list[QaReport]:
        with self._lock:
            return list(self._reports)

    def counts(self) -> tuple[int, int]:
        """(passed, failed) so far."""
        reports = self.reports
        passed = sum(1 for r in reports if r.passed)
        return passed, len(reports) - passed

    def check(self, port: str) -> QaReport:
        report = check_port(
            port,
            self.ledger,
            self.manifest,
            write_log=self.write_log,
            settle=self.settle,
            opener=self._opener,
            shell_timeout_s=self.settings.shell_timeout_s,
            connect_attempts=self.settings.connect_attempts,
        )
        with self._lock:
            self._reports.append(report)
        if self._on_report is not None:
            self._on_report(report)
        return report

    def run_list(self, ports: Sequence[str]) -> list[QaReport]:
        return [self.check(port) for port in ports]

    def watch(self, stop: threading.Event, *, interval: float = 1.0, count: int = 0) -> None:
        """Check each matching port as it appears, until `stop` is set or `count` are checked."""
        seen: set[str] = set()
        while not stop.is_set():
            present = {
                info.device
                for info in self._comports()
                if port_matches(info.device, info.vid, info.pid, self.settings)
            }
            seen &= present  # a port that went away is checked again when it returns
            for port in sorted(present - seen):
                if stop.is_set():
                    return
                seen.add(port)
                self.check(port)
                if count and len(self.reports) >= count:
                    return
            stop.wait(interval)

    def export(self, path: Path) -> int:
        """Write the report as CSV (`.csv`) or JSON (anything else); returns the row count."""
        return export_reports(self.reports, path)


def report_row(report: QaReport) -> dict[str, str]:
    reasons = [c.text for c in report.checks if c.status is Status.FAIL]
    return {
        "checked_at": report.checked_at,
        "port": report.port,
        "mac": report.mac,
        "uuid": report.uuid,
        "package_id": report.package_id,
        "firmware_version": report.firmware_version,
        "verdict": report.verdict.value,
        "settled": "yes" if report.settled else "",
        "reasons": " | ".join(reasons),
    }


def export_reports(reports: Sequence[QaReport], path: Path) -> int:
    """CSV for a spreadsheet, JSON with every check; written atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as out:
            if path.suffix.lower() == ".csv":
                writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS)
                writer.writeheader()
                writer.writerows(report_row(r) for r in reports)
            else:
                json.dump(
                    {"reports": [r.to_dict() for r in reports]}, out, indent=2, ensure_ascii=False
                )
                out.write("\n")
        tmp.replace(path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot write the QA report {path}: {error.strerror}") from None
    return len(reports)
