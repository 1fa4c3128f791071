"""The write log: one append-only, hash-chained JSONL record per finished job.

Each record carries `seq` (0, 1, 2...), `prev` (the previous record's hash; 64 zeros for the
first) and `hash`: the SHA-256 of the record's canonical form (every field but `hash`, values as
text, keys sorted, compact JSON). Editing a record breaks its own hash; deleting or reordering
records breaks `seq` and the `prev` links. The optional fields (`OPTIONAL_FIELDS`: a unit's
serial number and scanned code, added later) are stored and hashed only when set, so records
written before them, and their CSV exports, keep their hashes: no migration. Appends are
fsynced: a crash never loses a passed record. No record ever holds an AuthKey: `WriteRecord`
has no field for one.

With the station's key (a `Sealer`) every record also carries `seal`, an HMAC-SHA256 of its hash:
whoever rewrites the file and recomputes the chain without the key cannot seal it (`verify_seals`).
A log written before seals existed is sealed once, when its chain is whole (a marker in the keys
folder says it was done, so stripping the seals later cannot get a forged log sealed).

A full disk may store part of a record: an append checks the count written, cuts its own torn
bytes back, and a torn tail found later is cut back to the last whole record before the next
append, the repair itself recorded (`result` "repaired"). A record the disk refused waits in
memory (`pending`) and is written before the next one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import hmac
import json
import os
import re
import threading
import uuid as uuidlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodtool.errors import StorageError

GENESIS = "0" * 64
CHAIN_FIELDS = ("seq", "prev", "hash")
SEAL = "seal"  # the station key's HMAC of `hash`; not part of the hash, nor of exports
REPAIRED = "repaired"  # `result` of the record that says a torn tail was cut
TORN_RECORD = "torn_record"  # its `reason` when records an older version tore were lost
_LOST = re.compile(r"lost: ([\d,]+)")


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
        if k not in ("hash", SEAL) and not (k in OPTIONAL_FIELDS and v in ("", None))
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


@dataclass(frozen=True)
class Sealer:
    """The station's key for the write log's seals, and the marker saying the log is sealed."""

    key: bytes = dataclasses.field(repr=False)
    marker: Path

    def seal(self, record_hash: str) -> str:
        message = f"prodtool-writelog-seal/1\n{record_hash}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


def _storage(path: Path, error: OSError, doing: str = "append to") -> StorageError:
    return StorageError(
        f"cannot {doing} the write log {path}: {error.strerror or error}",
        hint="the disk may be full or read-only: call a supervisor",
    )


class WriteLog:
    """Appends records to `path` under a lock (many worker threads) with fsync."""

    def __init__(self, path: Path, sealer: Sealer | None = None, *, station_id: str = "") -> None:
        self.path = path
        self.sealer = sealer
        self.station_id = station_id
        self._lock = threading.Lock()
        self._next_seq: int | None = None
        self._head = GENESIS
        self._last: dict[str, Any] | None = None
        self._end = 0  # the file's size after the last whole record
        self._pending: list[WriteRecord] = []

    def append(self, record: WriteRecord) -> dict[str, Any]:
        """Chain and store one record after any the disk refused before. Raises StorageError
        when the disk refuses: the record then waits in memory for the next append or `flush`."""
        with self._lock:
            self._pending.append(record)
            return self._flush()[-1]

    def append_all(self, record: WriteRecord) -> list[dict[str, Any]]:
        """`append`, returning every record it stored, oldest first: those the disk refused
        before, then this one (what a listener of the log, the MES outbox, must be given)."""
        with self._lock:
            self._pending.append(record)
            return self._flush()

    def flush(self) -> list[dict[str, Any]]:
        """Store the records the disk refused before (space has returned); returns them."""
        with self._lock:
            return self._flush() if self._pending else []

    @property
    def pending(self) -> int:
        """Records waiting in memory because the disk refused them."""
        with self._lock:
            return len(self._pending)

    def head(self) -> str:
        """The hash of the last record (the chain head), GENESIS for an empty log."""
        with self._lock:
            self._ready()
            return self._head

    def last(self) -> dict[str, Any] | None:
        with self._lock:
            self._ready()
            return self._last

    def records(self) -> list[dict[str, Any]]:
        return list(read_records(self.path))

    # -- storing ---------------------------------------------------------------------------------
    def _flush(self) -> list[dict[str, Any]]:
        self._ready()
        stored: list[dict[str, Any]] = []
        while self._pending:
            stored.append(self._store(self._pending[0]))
            self._pending.pop(0)
        return stored

    def _store(self, record: WriteRecord) -> dict[str, Any]:
        assert self._next_seq is not None
        body: dict[str, Any] = {"seq": self._next_seq, "prev": self._head}
        for f in dataclasses.fields(WriteRecord):
            value = getattr(record, f.name)
            if f.name in OPTIONAL_FIELDS and not value:
                continue
            body[f.name] = round(value, 3) if isinstance(value, float) else value
        body["hash"] = record_hash(body)
        if self.sealer is not None:
            body[SEAL] = self.sealer.seal(body["hash"])
        line = (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as error:
            raise _storage(self.path, error) from None
        try:
            _write_all(fd, line)
            os.fsync(fd)
        except OSError as error:
            # Cut our own torn bytes now; if even that fails, the next append repairs the tail.
            try:
                os.ftruncate(fd, self._end)
                os.fsync(fd)
            except OSError:
                self._next_seq = None
            raise _storage(self.path, error) from None
        finally:
            os.close(fd)
        self._end += len(line)
        self._next_seq += 1
        self._head, self._last = body["hash"], body
        return body

    # -- loading and repairing -------------------------------------------------------------------
    def _ready(self) -> None:
        """Know the tail; cut a torn tail back (and record that) before anything is appended."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        except OSError as error:
            raise _storage(self.path, error, "read") from None
        if self._next_seq is None or size != self._end:
            self._load()

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        except OSError as error:
            raise _storage(self.path, error, "read") from None
        whole = data.rfind(b"\n") + 1
        records: list[dict[str, Any]] = []
        cut = 0  # bytes of torn records an older version left inside lines (migrated below)
        lines = data[:whole].split(b"\n")[:-1]
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                at = line.rfind(b'{"seq":')
                found = _parse(line[at:]) if at > 0 else {}
                if _is_int(found.get("seq")) and "hash" in found:
                    records.append(found)  # a torn record, then a whole one on the same line
                    cut += at
                    continue
                if number < len(lines):
                    raise StorageError(
                        f"the write log {self.path} is damaged at line {number}"
                    ) from None
                whole -= len(line) + 1  # a torn last line that a newline followed
        tail = len(data) - whole  # a torn last record, cut below
        if cut:
            records = self._salvage(records, cut)
            whole = self._end
        self._end = whole
        self._last = records[-1] if records else None
        if self._last is None:
            self._next_seq, self._head = 0, GENESIS
        else:
            self._next_seq, self._head = int(self._last["seq"]) + 1, str(self._last["hash"])
        if self.sealer is not None:
            self._seal_old(records)
        if tail:
            self._repair(tail)

    def _salvage(self, records: list[dict[str, Any]], cut: int) -> list[dict[str, Any]]:
        """Migrate a log an older version damaged on a full disk: it went on appending after a
        torn record, on the same line. The torn bytes go; a sealed repair record names the
        records that were lost (`verify_chain` accepts a gap declared so; `log audit` finds
        their jobs in the ledger). Returns the records as now stored."""
        present = {int(r["seq"]) for r in records}
        lost = sorted(set(range(max(present) + 1)) - present)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        body: dict[str, Any] = {"seq": max(present) + 1, "prev": str(records[-1]["hash"])}
        for f in dataclasses.fields(WriteRecord):
            if f.name in OPTIONAL_FIELDS:
                continue  # unset on a repair record: stored only when set, as in `_store`
            body[f.name] = getattr(
                WriteRecord(
                    job_id=f"repair-{uuidlib.uuid4().hex[:12]}",
                    station_id=self.station_id,
                    operator="",
                    port="",
                    result=REPAIRED,
                    reason=TORN_RECORD,
                    detail=f"cut {cut} bytes of records torn by a full disk (older version);"
                    f" lost: {','.join(map(str, lost))}",
                    started_at=now,
                    finished_at=now,
                ),
                f.name,
            )
        body["hash"] = record_hash(body)
        records = [*records, body]
        sealer = self.sealer
        if sealer is not None:
            if not sealer.marker.exists():  # an older version's log: sealed once, as below
                records = [{**r, SEAL: sealer.seal(str(r["hash"]))} for r in records]
            else:
                body[SEAL] = sealer.seal(body["hash"])
        self._rewrite(records, "repair")
        return records

    def _rewrite(self, records: list[dict[str, Any]], doing: str) -> None:
        """Replace the file with `records` (a temporary file, fsynced, then renamed)."""
        text = "".join(
            json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records
        )
        temp = self.path.with_name(self.path.name + ".rewrite")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_all(fd, text.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            temp.replace(self.path)
        except OSError as error:
            temp.unlink(missing_ok=True)
            raise _storage(self.path, error, doing) from None
        self._end = self.path.stat().st_size

    def _repair(self, torn: int) -> None:
        """Cut `torn` bytes of an incomplete record off the end, and say so in the log."""
        try:
            os.truncate(self.path, self._end)
        except OSError as error:
            self._next_seq = None
            raise _storage(self.path, error, "repair") from None
        after = f"after record {self._next_seq - 1}" if self._next_seq else "at the start"
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._store(
            WriteRecord(
                job_id=f"repair-{uuidlib.uuid4().hex[:12]}",
                station_id=self.station_id,
                operator="",
                port="",
                result=REPAIRED,
                reason="torn_tail",
                detail=f"cut {torn} bytes of an incomplete record {after} (full disk or crash)",
                started_at=now,
                finished_at=now,
            )
        )

    def _seal_old(self, records: list[dict[str, Any]]) -> None:
        """Seal a log written before seals existed, once, and only when its chain is whole."""
        assert self.sealer is not None
        marker = self.sealer.marker
        if marker.exists():
            return
        if records and not any(SEAL in r for r in records) and not verify_chain(records):
            sealed = [{**r, SEAL: self.sealer.seal(str(r["hash"]))} for r in records]
            self._rewrite(sealed, "seal")
            self._last = sealed[-1]
        elif records and not any(SEAL in r for r in records):
            return  # a broken old chain is left as it is: export and audit name its breaks
        try:
            marker.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_all(fd, b"the write log is sealed with this station's key\n")
            finally:
                os.close(fd)
        except OSError as error:
            raise _storage(marker, error, "mark") from None


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is down: a full disk may take part of a record silently."""
    done = 0
    while done < len(data):
        count = os.write(fd, data[done:])
        if count <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done += count


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


def records_since(path: Path, since: str, *, chunk: int = 1 << 20) -> list[dict[str, Any]]:
    """The records that finished at or after `since` (ISO 8601), read from the end of the file:
    a long log is not read whole to find its last hour."""
    try:
        with path.open("rb") as f:
            pos = f.seek(0, os.SEEK_END)
            blocks: list[bytes] = []
            while pos > 0:
                step = min(chunk, pos)
                pos -= step
                f.seek(pos)
                block = f.read(step)
                blocks.append(block)
                start = block.find(b"\n") + 1  # the block's first whole line, if it has one
                end = block.find(b"\n", start) if start else -1
                first = block[start:end] if pos > 0 and end > start else b""
                if first and str(_parse(first).get("finished_at", "")) < since:
                    break
            data = b"".join(reversed(blocks))
    except FileNotFoundError:
        return []
    except OSError as error:
        raise StorageError(f"cannot read the write log {path}: {error.strerror}") from None
    lines = data.split(b"\n")
    if pos > 0:
        lines = lines[1:]  # the first line may start mid-record
    found = []
    for line in lines[:-1]:  # the part after the last newline is a torn record, if anything
        record = _parse(line) if line.strip() else {}
        if record and str(record.get("finished_at", "")) >= since:
            found.append(record)
    return found


def _parse(line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain, in words: which record, and what happened to it."""

    index: int  # position in the file (0-based)
    seq: int | None
    kind: str  # "edited", "deleted", "reordered", "malformed"
    text: str


@dataclass(frozen=True)
class Anchor:
    """Where a part of the chain starts: the record just before it (`seq`, `hash`). A whole log
    starts at `START` (no record before it, the genesis hash); an export "since the last export"
    starts after the last record that export held."""

    seq: int
    hash: str

    @property
    def first(self) -> int:
        """The sequence number of the first record after the anchor."""
        return self.seq + 1


START = Anchor(-1, GENESIS)


def verify_chain(
    records: list[dict[str, Any]], head: str | None = None, *, after: Anchor = START
) -> list[ChainProblem]:
    """Every break in a sequence of records; empty when the chain is whole.

    `head`, when known (from an export's signature), is the hash the last record must carry:
    it catches records deleted from the end, which no link can show. `after` is where the
    records start (an export since the last export): the first must link to it.
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
        if seq < after.first:
            problems.append(
                ChainProblem(
                    index,
                    seq,
                    "reordered",
                    f"record {seq} comes before the export's start (record {after.first})",
                )
            )
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
        for seq in sorted(set(range(after.first, max(by_seq) + 1)) - set(by_seq)):
            problems.append(ChainProblem(-1, seq, "deleted", f"record {seq} was deleted"))
        for seq, record in sorted(by_seq.items()):
            expected = after.hash if seq == after.first else by_seq.get(seq - 1, {}).get("hash")
            if expected is not None and record["prev"] != expected:
                text = (
                    f"record {seq - 1} was edited (record {seq}'s link)"
                    if seq != after.first or after == START
                    else f"record {seq} does not follow the record the export starts after"
                    f" ({after.seq}): it links to another"
                )
                problems.append(ChainProblem(-1, seq - 1, "edited", text))
    declared = _declared_lost(records)
    problems = [p for p in problems if not (p.kind == "deleted" and p.seq in declared)]
    last_hash = by_seq[max(by_seq)]["hash"] if by_seq else after.hash
    if head is not None and head != last_hash:
        last = max(by_seq) if by_seq else after.seq
        problems.append(
            ChainProblem(-1, None, "deleted", f"records after {last} were deleted or edited")
        )
    return sorted(problems, key=lambda p: (p.seq if p.seq is not None else -1, p.kind))


def _declared_lost(records: list[dict[str, Any]]) -> set[int]:
    """Records a repair record says were lost to a torn write (see `WriteLog._salvage`). Only
    the station can seal such a record: `verify_seals` catches one added without its key."""
    lost: set[int] = set()
    for record in records:
        if record.get("result") == REPAIRED and record.get("reason") == TORN_RECORD:
            found = _LOST.search(str(record.get("detail", "")))
            if found:
                lost.update(int(n) for n in found.group(1).split(",") if n)
    return lost


def _is_int(value: Any) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def verify_seals(records: list[dict[str, Any]], sealer: Sealer) -> list[ChainProblem]:
    """Records whose seal is missing or wrong: added or rewritten without the station's key."""
    problems: list[ChainProblem] = []
    for index, record in enumerate(records):
        seq = int(record["seq"]) if _is_int(record.get("seq")) else None
        seal = record.get(SEAL)
        if not isinstance(seal, str) or not hmac.compare_digest(
            seal, sealer.seal(str(record.get("hash", "")))
        ):
            what = "carries no seal" if seal is None else "has a seal that does not match"
            problems.append(
                ChainProblem(
                    index,
                    seq,
                    "forged",
                    f"record {seq if seq is not None else index + 1} {what}: it was written"
                    " or rewritten without this station's key",
                )
            )
    return problems
