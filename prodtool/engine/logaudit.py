"""The write log against the ledger: what each one holds that the other lacks.

Every job that took a license leaves events in the ledger (reserve ... verified, release,
needs-check) under its job id, and one record in the write log. `audit` names every job the
ledger knows that has no record, and every record with a license that the ledger never saw.
`recover` writes, from the ledger, the record of each job that verified a license but whose
record the disk refused (or a crash took): nothing the chips hold is missing from the upload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from prodtool.engine.writelog import REPAIRED, WriteLog, WriteRecord, records_since
from prodtool.flash.events import Reason

RECOVERED_DETAIL = "recorded from the ledger: the write log could not store it when the job ended"
RECOVERED_NO_SERIAL_DETAIL = (
    "recorded from the ledger: the station stopped before the unit got its serial number;"
    " run the chip again (it keeps its license)"
)
RECOVERY_WINDOW = dt.timedelta(hours=1)  # jobs end out of order: look back this far


class JobEvents(Protocol):
    def job_events(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Finding:
    """One job or record present on one side only."""

    job_id: str
    uuid: str
    missing_from: str  # "write log" or "ledger"
    text: str


def _ledger_jobs(events: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last event of each (job, license) pair."""
    jobs: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        jobs[(str(event["job_id"]), str(event["uuid"]))] = dict(event)
    return jobs


def audit(
    records: Iterable[Mapping[str, Any]], events: Iterable[Mapping[str, Any]]
) -> list[Finding]:
    """Every job with a license in one of the two and not in the other."""
    logged: dict[tuple[str, str], Mapping[str, Any]] = {}
    for record in records:
        if record.get("uuid") and record.get("result") != REPAIRED:
            logged[(str(record.get("job_id", "")), str(record["uuid"]))] = record
    jobs = _ledger_jobs(events)
    findings = [
        Finding(
            job_id,
            uuid,
            "write log",
            f"job {job_id} ({event['event']} {uuid} on {event['port'] or '?'} at {event['at']})"
            " has no record in the write log",
        )
        for (job_id, uuid), event in jobs.items()
        if (job_id, uuid) not in logged
    ]
    findings += [
        Finding(
            job_id,
            uuid,
            "ledger",
            f"record {record.get('seq', '?')} (job {job_id}, {uuid}) has no event in the ledger",
        )
        for (job_id, uuid), record in logged.items()
        if (job_id, uuid) not in jobs
    ]
    return findings


def recover(
    writelog: WriteLog,
    append: Callable[[WriteRecord], object],
    ledger: JobEvents,
    *,
    station_id: str,
    line: Callable[[str], tuple[str, str]] | None = None,
    serials_given: Callable[[str], bool] | None = None,
) -> int:
    """Write the record of every recently verified job the write log lacks; how many. It is
    stored with `append` (the station's recorder: the write log, then the MES outbox). `line`
    gives a job's serial and scanned code (kept beside the ledger), so the record has them.

    `serials_given(package_id)`: that package's order gives serial numbers. A verified job of
    it without one never reached its serial step (the station gives it after the job): that
    unit is not finished, so its record fails SERIAL_FAILED, as a serial that did not go on
    does; its next run reuses the license and gives the serial."""
    last = writelog.last()
    if last is None:
        cutoff = ""
    else:
        started = dt.datetime.fromisoformat(str(last.get("started_at") or last["finished_at"]))
        cutoff = (started - RECOVERY_WINDOW).isoformat()
    verified = [
        e
        for e in _ledger_jobs(ledger.job_events()).values()
        if e["event"] == "verified" and str(e["at"]) >= cutoff
    ]
    if not verified:
        return 0
    since = min(str(e["at"]) for e in verified)[:19]  # to the second, as records are
    logged = {
        (str(r.get("job_id")), str(r.get("uuid"))) for r in records_since(writelog.path, since)
    }
    count = 0
    for event in verified:
        if (str(event["job_id"]), str(event["uuid"])) in logged:
            continue
        at = dt.datetime.fromisoformat(str(event["at"])).isoformat(timespec="seconds")
        serial, code = line(str(event["job_id"])) if line is not None else ("", "")
        unfinished = (
            not serial and serials_given is not None and serials_given(str(event["package_id"]))
        )
        append(
            WriteRecord(
                job_id=str(event["job_id"]),
                station_id=station_id,
                operator="",
                port=str(event["port"] or ""),
                mac=str(event["chip_mac"] or ""),
                chip_id=str(event["chip_id"] or ""),
                uuid=str(event["uuid"]),
                package_id=str(event["package_id"]),
                result="failed" if unfinished else "passed",
                reason=Reason.SERIAL_FAILED.value if unfinished else Reason.OK.value,
                detail=RECOVERED_NO_SERIAL_DETAIL if unfinished else RECOVERED_DETAIL,
                serial=serial,
                code=code,
                started_at=at,
                finished_at=at,
            )
        )
        count += 1
    return count
