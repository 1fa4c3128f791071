"""The PASS hook: a station subscriber that queues one label per passed job and prints it on its
own thread, so a slow or absent printer never makes a job (or the next chip) wait.

The label is filled from the job's write record (appended before `JobFinished` is announced), and
printed only if that record says `passed`: a failed, cancelled or unrecorded job prints nothing.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from prodtool.engine.writelog import read_records
from prodtool.errors import UserError
from prodtool.flash.events import JobFinished, PortEvent
from prodtool.labels import printlog
from prodtool.labels.printers import LabelPrinter, printer_for
from prodtool.labels.printlog import entry_for, label_log_path
from prodtool.labels.template import LabelTemplate, fill, load_template
from prodtool.paths import StationPaths
from prodtool.settings import Settings

_log = logging.getLogger(__name__)
_STOP = ""  # no job has an empty id: it tells the thread to finish


class LabelState(StrEnum):
    PRINTED = "printed"
    NOT_PASSED = "not_passed"  # the record does not say passed: nothing printed
    NO_RECORD = "no_record"
    FAILED = "failed"  # the printer or the template refused; the reason is in `message`


@dataclass(frozen=True)
class LabelOutcome:
    job_id: str
    state: LabelState
    message: str = ""


TAIL_BYTES = 1 << 20  # about 1,500 records: a just-finished job's record is among them


def find_record(write_log: Path, job_id: str) -> dict[str, Any] | None:
    """The write record of `job_id` (the last one, should a job id ever repeat).

    A label is wanted for the job that just finished, whose record was just appended: the log's
    last megabyte is searched first, so a label does not cost a read of a months-long log (about
    1 s per 100,000 records). An older job (a reprint) falls back to the whole log."""
    recent = _find_in_tail(write_log, job_id)
    if recent is not None:
        return recent
    found: dict[str, Any] | None = None
    for record in read_records(write_log):
        if record.get("job_id") == job_id:
            found = record
    return found


def _find_in_tail(write_log: Path, job_id: str) -> dict[str, Any] | None:
    try:
        with write_log.open("rb") as log:
            size = log.seek(0, os.SEEK_END)
            start = max(0, size - TAIL_BYTES)
            log.seek(start)
            lines = log.read().split(b"\n")
    except OSError:
        return None  # the full read says what is wrong, in its own words
    if start > 0:
        lines = lines[1:]  # the first line is cut
    needle = json.dumps(job_id).encode()
    for line in reversed(lines):
        if needle not in line:
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # a torn last line
        if isinstance(record, dict) and record.get("job_id") == job_id:
            return record
    return None


def label_title(record: Mapping[str, Any]) -> str:
    """The print job's title: CUPS-PDF names its file after it; the job id finds it again."""
    return f"label-{record.get('job_id', '')}"


class LabelQueue:
    """Subscribe `on_event` to a station; passed jobs' labels print in order on one thread."""

    def __init__(
        self,
        write_log: Path,
        template: LabelTemplate,
        printer: LabelPrinter,
        on_outcome: Callable[[LabelOutcome], None] | None = None,
        *,
        label_log: Path | None = None,
        printer_name: str = "",
    ) -> None:
        self.write_log = write_log
        self.template = template
        self.printer = printer
        self.label_log = label_log
        self.printer_name = printer_name
        self._on_outcome = on_outcome
        self._queue: queue.Queue[str] = queue.Queue()
        self._markers: dict[int, threading.Event] = {}  # drain() waits on these
        self._printed: set[str] = set()  # job ids already taken (only the queue's thread)
        self._thread = threading.Thread(target=self._run, name="label-printer", daemon=True)
        self._thread.start()

    def on_event(self, event: PortEvent) -> None:
        """The station's subscriber: never blocks (an unbounded queue's put)."""
        if isinstance(event, JobFinished) and event.passed and event.job_id:
            self._queue.put_nowait(event.job_id)

    def drain(self, timeout: float) -> bool:
        """Wait until every queued label is done; False if `timeout` passed first."""
        done = threading.Event()
        self._queue.put_nowait(f"\0{id(done)}")
        self._markers[id(done)] = done
        return done.wait(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Print what is queued (up to `timeout`), then end the thread."""
        self._queue.put_nowait(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id == _STOP:
                return
            if job_id.startswith("\0"):
                self._markers.pop(int(job_id[1:])).set()
                continue
            if job_id in self._printed:
                continue  # one label per job: a repeated event is not a reprint
            self._printed.add(job_id)
            outcome = self.print_job(job_id)
            if outcome.state is LabelState.FAILED:
                _log.error("label for job %s not printed: %s", job_id, outcome.message)
            if self._on_outcome is not None:
                self._on_outcome(outcome)

    def print_job(self, job_id: str) -> LabelOutcome:
        """Print the label of one job, if its record says it passed; keep it in the label log."""
        record: dict[str, Any] | None = None
        try:
            record = find_record(self.write_log, job_id)
            if record is None:
                return LabelOutcome(job_id, LabelState.NO_RECORD)
            if record.get("result") != "passed":
                return LabelOutcome(job_id, LabelState.NOT_PASSED)
            where = self.printer.print_label(fill(self.template, record), label_title(record))
            outcome = LabelOutcome(job_id, LabelState.PRINTED, where)
        except UserError as error:
            outcome = LabelOutcome(job_id, LabelState.FAILED, str(error))
        if record is not None and self.label_log is not None:
            entry = entry_for(
                record, self.printer_name, reprint=False, state=outcome.state.value,
                message=outcome.message,
            )  # fmt: skip
            try:
                printlog.append(self.label_log, entry)
            except UserError as error:
                _log.error("label for job %s: %s", job_id, error)
        return outcome


def start_label_hook(
    paths: StationPaths,
    settings: Settings,
    subscribe: Callable[[Callable[[PortEvent], None]], object],
) -> LabelQueue | None:
    """The station's label queue when labels are on; a bad template or printer is reported
    once and labels stay off (the station still writes chips)."""
    if not settings.label_enabled:
        return None
    try:
        labels = LabelQueue(
            paths.write_log,
            load_template(settings.label_template),
            printer_for(settings.label_printer),
            label_log=label_log_path(paths),
            printer_name=settings.label_printer,
        )
    except UserError as error:
        _log.error("labels are off: %s", error)
        return None
    subscribe(labels.on_event)
    return labels
