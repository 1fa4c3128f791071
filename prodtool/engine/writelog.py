"""The write log: one append-only, hash-chained JSONL record per finished job.

Each record carries `seq` (0, 1, 2...), `prev` (the previous record's hash; 64 zeros for the
first) and `hash`: the SHA-256 of the record's canonical form (every field but `hash`, values as
text, keys sorted, compact JSON). Editing a record breaks its own hash; deleting or reordering
records breaks `seq` and the `prev` links. The optional fields (`OPTIONAL_FIELDS`: a unit's
serial number and scanned code, added later) are stored and hashed only when set, so records
written before them, and their CSV exports, keep their hashes: no migration.
Appends are fsynced: a crash never loses a passed record. No record ever holds an AuthKey:
`WriteRecord` has no field for one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodtool.errors import StorageError

GENESIS = "0" * 64
CHAIN_FIELDS = ("seq", "prev", "hash")


@dataclass(frozen=True, kw_only=True)
class WriteRecord:
    """What happened on one port for one chip. Identifiers only; never a secret."""

    job_id: str
    station_id: str
    operator: str
    port: str
    chip_family: str = ""
    mac: str = ""
    chip_id: str = ""
    uuid: str = ""
    license_reused: bool = False
    package_id: str = ""
    order_number: str = ""
    firmware_file: str = ""
    firmware_sha256: str = ""
    firmware_version: str = ""
    delivery_mode: str = ""
    result: str = ""  # "passed" / "failed" / "cancelled"
    reason: str = ""  # a Reason code
    detail: str = ""
    started_at: str = ""  # ISO 8601, UTC
    finished_at: str = ""
    seconds_total: float = 0.0
    seconds_firmware: float = 0.0
    seconds_auth: float = 0.0
    baud: int = 0
    serial: str = ""  # the unit's serial number (optional: see OPTIONAL_FIELDS)
    code: str = ""  # the code scanned for the unit (optional)


OPTIONAL_FIELDS = frozenset({"serial", "code"})
RECORD_FIELDS = (*CHAIN_FIELDS, *(f.name for f in dataclasses.fields(WriteRecord)))


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes a record's hash covers: the same whether read from JSONL, JSON or CSV."""
    body = {
        k: _as_text(v)
        for k, v in record.items()
        if k != "hash" and not (k in OPTIONAL_FIELDS and v in ("", None))
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


class WriteLog:
    """Appends records to `path` under a lock (many worker threads) with fsync."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._next_seq: int | None = None
        self._head = GENESIS

    def append(self, record: WriteRecord) -> dict[str, Any]:
        """Chain and store one record; raises StorageError when the disk refuses."""
        with self._lock:
            if self._next_seq is None:
                self._load_tail()
            assert self._next_seq is not None
            body: dict[str, Any] = {"seq": self._next_seq, "prev": self._head}
            for f in dataclasses.fields(WriteRecord):
                value = getattr(record, f.name)
                if f.name in OPTIONAL_FIELDS and not value:
                    continue
                body[f.name] = round(value, 3) if isinstance(value, float) else value
            body["hash"] = record_hash(body)
            line = json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as error:
                raise StorageError(
                    f"cannot append to the write log {self.path}: {error.strerror}",
                    hint="the disk may be full or read-only: call a supervisor",
                ) from None
            self._next_seq += 1
            self._head = body["hash"]
            return body

    def head(self) -> str:
        """The hash of the last record (the chain head), GENESIS for an empty log."""
        with self._lock:
            if self._next_seq is None:
                self._load_tail()
            return self._head

    def records(self) -> list[dict[str, Any]]:
        return list(read_records(self.path))

    def _load_tail(self) -> None:
        last: dict[str, Any] | None = None
        for last in read_records(self.path):  # noqa: B007 - we want the last one
            pass
        if last is None:
            self._next_seq, self._head = 0, GENESIS
        else:
            self._next_seq, self._head = int(last["seq"]) + 1, str(last["hash"])


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSONL write log; a torn last line (crash mid-write) is skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except OSError as error:
        raise StorageError(f"cannot read the write log {path}: {error.strerror}") from None
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number >= len(lines) - 1:
                return  # torn final line
            raise StorageError(f"the write log {path} is damaged at line {number}") from None
        yield record


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain, in words: which record, and what happened to it."""

    index: int  # position in the file (0-based)
    seq: int | None
    kind: str  # "edited", "deleted", "reordered", "malformed"
    text: str


def verify_chain(records: list[dict[str, Any]], head: str | None = None) -> list[ChainProblem]:
    """Every break in a sequence of records; empty when the chain is whole.

    `head`, when known (from an export's signature), is the hash the last record must carry:
    it catches records deleted from the end, which no link can show.
    """
    problems: list[ChainProblem] = []
    by_seq: dict[int, dict[str, Any]] = {}
    last_seq = -1
    for index, record in enumerate(records):
        if not _is_int(record.get("seq")) or "hash" not in record or "prev" not in record:
            problems.append(ChainProblem(index, None, "malformed", f"row {index + 1} is malformed"))
            continue
        seq = int(record["seq"])
        if seq in by_seq:
            problems.append(ChainProblem(index, seq, "edited", f"record {seq} appears twice"))
            continue
        by_seq[seq] = record
        if record_hash(record) != record["hash"]:
            problems.append(
                ChainProblem(index, seq, "edited", f"record {seq} was edited (its hash differs)")
            )
        if seq < last_seq:
            problems.append(ChainProblem(index, seq, "reordered", f"record {seq} is out of order"))
        last_seq = max(last_seq, seq)
    if by_seq:
        for seq in sorted(set(range(max(by_seq) + 1)) - set(by_seq)):
            problems.append(ChainProblem(-1, seq, "deleted", f"record {seq} was deleted"))
        for seq, record in sorted(by_seq.items()):
            expected = GENESIS if seq == 0 else by_seq.get(seq - 1, {}).get("hash")
            if expected is not None and record["prev"] != expected:
                problems.append(
                    ChainProblem(
                        -1, seq - 1, "edited", f"record {seq - 1} was edited (record {seq}'s link)"
                    )
                )
    last_hash = by_seq[max(by_seq)]["hash"] if by_seq else GENESIS
    if head is not None and head != last_hash:
        after = max(by_seq) if by_seq else -1
        problems.append(
            ChainProblem(-1, None, "deleted", f"records after {after} were deleted or edited")
        )
    return sorted(problems, key=lambda p: (p.seq if p.seq is not None else -1, p.kind))


def _is_int(value: Any) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True
