"""The label log: one JSON line per label printed, reprinted or refused, in the station folder.

A reprint is a supervisor's act, so it is kept: which job, which unit (UUID, serial), to which
printer, when, and how it went. Identifiers only, like the write log: never a secret.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from prodtool.errors import StorageError
from prodtool.paths import StationPaths

_lock = threading.Lock()


def label_log_path(paths: StationPaths) -> Path:
    return paths.root / "labels.jsonl"


@dataclass(frozen=True, kw_only=True)
class PrintEntry:
    job_id: str
    uuid: str
    serial: str
    printer: str
    reprint: bool
    state: str  # a LabelState value
    message: str = ""
    at: str = ""  # ISO 8601, UTC; filled in by `append`


def entry_for(
    record: Mapping[str, Any], printer: str, *, reprint: bool, state: str, message: str = ""
) -> PrintEntry:
    return PrintEntry(
        job_id=str(record.get("job_id") or ""),
        uuid=str(record.get("uuid") or ""),
        serial=str(record.get("serial") or ""),
        printer=printer,
        reprint=reprint,
        state=state,
        message=message,
    )


def append(path: Path, entry: PrintEntry) -> None:
    """Add one line (fsynced, under a lock: the queue's thread and a reprint may overlap)."""
    body = asdict(entry)
    body["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    line = json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"
    with _lock:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            raise StorageError(f"cannot append to the label log {path}: {error.strerror}") from None


def entries(path: Path) -> Iterator[dict[str, Any]]:
    """The log's entries; a torn last line (a crash mid-write) is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            continue
