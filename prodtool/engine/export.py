"""Export the write log as CSV or JSON for upload, signed by the station; verify such a file.

The signature is a detached `FILE.sig` (JSON) next to the export. It holds the station's Ed25519
public key, the export's SHA-256, the chain head (hash of the last record) and the record count;
the signature covers `prodtool-writelog-export/1\\n<file sha256>\\n<chain head>\\n<count>\\n`.
So an edit anywhere in the file fails the signature, and `verify` then re-walks the chain to say
which record was edited, deleted or reordered. The station key is created owner-only under
`StationPaths.keys` on first use.

An export "since the last export" starts after the record the last such export ended with (the
station keeps it in `writelog-exported.json`). Its `.sig` also names that anchor, the record's
sequence number and hash (`after_seq`, `after_hash`), and the signature covers them
(`prodtool-writelog-export/2\\n<file sha256>\\n<after seq>\\n<after hash>\\n<head>\\n<count>\\n`):
the verifier walks the chain from the anchor, and the anchor of one export is the head of the
one before, so the exports put end to end make the whole log.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from prodtool.engine.writelog import (
    RECORD_FIELDS,
    SEAL,
    START,
    Anchor,
    ChainProblem,
    Sealer,
    WriteLog,
    _as_text,
    read_records,
    verify_chain,
    verify_seals,
)
from prodtool.errors import StorageError, UserError
from prodtool.paths import StationPaths

SIG_FORMAT = "prodtool-writelog-signature/1"
SIG_FORMAT_SINCE = "prodtool-writelog-signature/2"  # an export that starts after an anchor
EXPORT_FORMAT = "prodtool-writelog/1"
KEY_FILE = "station-ed25519.pem"
SEALED_MARKER = "writelog.sealed"
EXPORTED_FILE = "writelog-exported.json"  # where the last export "since the last" ended


class ExportError(UserError):
    code = "export"


class NothingNewError(ExportError):
    """No record was written since the last export: there is nothing to upload."""

    code = "export_nothing_new"

    def __init__(self, last: Anchor) -> None:
        super().__init__(
            f"no record was written since the last export (it ended with record {last.seq})",
            hint="nothing to upload yet",
            params={"record": last.seq},
        )
        self.last = last


class AnchorLostError(ExportError):
    """The record the last export ended with is not in the write log as it was exported."""

    code = "export_anchor_lost"

    def __init__(self, last: Anchor) -> None:
        super().__init__(
            f"the write log no longer holds record {last.seq} as the last export saw it",
            hint="export the whole log instead, and call a supervisor",
            params={"record": last.seq},
        )
        self.last = last


def station_key(paths: StationPaths) -> Ed25519PrivateKey:
    """The station's signing key, created owner-only on first use."""
    path = paths.keys / KEY_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
        except FileExistsError:
            return station_key(paths)  # another process made it first
        except OSError as error:
            raise StorageError(f"cannot create the station key: {error.strerror}") from None
        return key
    except OSError as error:
        raise StorageError(f"cannot read the station key: {error.strerror}") from None
    loaded = serialization.load_pem_private_key(data, password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise StorageError(f"the station key {path} is not an Ed25519 key")
    return loaded


def log_sealer(paths: StationPaths) -> Sealer:
    """The write log's seal key, derived from the station's signing key (one key to back up)."""
    private = station_key(paths).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"prodtool writelog seal/1")
    return Sealer(key.derive(private), paths.keys / SEALED_MARKER)


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_fingerprint(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def _message(file_sha256: str, head: str, count: int, after: Anchor = START) -> bytes:
    """What the signature covers; an export from the start keeps the first form's words."""
    if after == START:
        return f"prodtool-writelog-export/1\n{file_sha256}\n{head}\n{count}\n".encode()
    return (
        f"prodtool-writelog-export/2\n{file_sha256}\n{after.seq}\n{after.hash}\n{head}\n{count}\n"
    ).encode()


def render(records: list[dict[str, Any]], fmt: str, station_id: str) -> bytes:
    """The export's bytes: CSV (one column per field) or JSON (a header and the records)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(RECORD_FIELDS)
        for record in records:
            writer.writerow([_cell(_as_text(record.get(name, ""))) for name in RECORD_FIELDS])
        return buffer.getvalue().encode("utf-8")
    document = {"format": EXPORT_FORMAT, "station_id": station_id, "records": records}
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


_FORMULA = ("=", "+", "-", "@", "\t", "\r", "'")


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula gets a leading
    apostrophe (so does one starting with an apostrophe, so that `_uncell` is exact)."""
    return "'" + text if text.startswith(_FORMULA) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA) else text


def parse(data: bytes, fmt: str) -> list[dict[str, Any]]:
    """Records back from an export (CSV values stay text: the hash is computed over text)."""
    try:
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
            for number, row in enumerate(rows, start=2):
                if None in row or None in row.values():
                    raise ExportError(
                        f"line {number} of the export does not match its header: it was changed",
                        code="export_bad_line",
                        params={"line": number},
                    )
            return [{k: _uncell(v) for k, v in row.items()} for row in rows]
        document = json.loads(data)
        records = document["records"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise TypeError
        return records
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, csv.Error):
        raise ExportError(
            "the file is not a prodtool write-log export", code="export_not_an_export"
        ) from None


def format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".json"}:
        raise ExportError(
            f"{path.name}: give a file name ending in .csv or .json",
            code="export_bad_name",
            params={"name": path.name},
        )
    return suffix[1:]


def export_log(paths: StationPaths, out: Path, *, station_id: str, since_last: bool = False) -> int:
    """Write the export and its `.sig`; returns the number of records. `since_last`: only the
    records after the last such export (the whole log the first time), which it then
    remembers; an export of the whole log leaves that mark alone, so no record is skipped by
    the next upload because an export for another purpose held it."""
    fmt = format_of(out)
    if _torn_tail(paths.write_log):
        raise ExportError(
            "the station's write log ends in an incomplete record (the disk was full)",
            hint="free disk space and start the station: it repairs the log before exporting",
            code="export_torn_tail",
        )
    sealer = log_sealer(paths)
    if not sealer.marker.exists():
        WriteLog(paths.write_log, sealer).head()  # a log from before seals: seal it once
    records = list(read_records(paths.write_log))
    problems = verify_chain(records) or verify_seals(records, sealer)
    if problems:
        raise ExportError(
            f"the station's write log is damaged: {problems[0].text}",
            hint="do not upload it; call a supervisor",
            code="export_damaged_log",
            params={"record": problems[0].seq if problems[0].seq is not None else "?"},
        )
    after = last_export(paths) if since_last else START
    if after != START:
        held = [r for r in records if int(r["seq"]) == after.seq]
        if not held or held[0]["hash"] != after.hash:
            raise AnchorLostError(after)
        records = [r for r in records if int(r["seq"]) > after.seq]
        if not records:
            raise NothingNewError(after)
    records = [{k: v for k, v in r.items() if k != SEAL} for r in records]
    data = render(records, fmt, station_id)
    head = str(records[-1]["hash"]) if records else after.hash
    key = station_key(paths)
    digest = hashlib.sha256(data).hexdigest()
    signature = key.sign(_message(digest, head, len(records), after))
    sig: dict[str, Any] = {
        "format": SIG_FORMAT if after == START else SIG_FORMAT_SINCE,
        "algorithm": "ed25519",
        "station_id": station_id,
        "public_key": _raw(key.public_key()).hex(),
        "file_sha256": digest,
    }
    if after != START:
        sig |= {"after_seq": after.seq, "after_hash": after.hash}
    sig |= {"chain_head": head, "records": len(records), "signature": signature.hex()}
    try:
        out.write_bytes(data)
        sig_path(out).write_text(json.dumps(sig, indent=1) + "\n", encoding="utf-8")
    except OSError as error:
        raise StorageError(f"cannot write {out}: {error.strerror}") from None
    if since_last and records:
        _remember_export(paths, Anchor(int(records[-1]["seq"]), head), out)
    return len(records)


def exported_path(paths: StationPaths) -> Path:
    return paths.root / EXPORTED_FILE


def last_export(paths: StationPaths) -> Anchor:
    """Where the last export "since the last export" ended (`START` before the first)."""
    path = exported_path(paths)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Anchor(int(data["seq"]), str(data["hash"]))
    except FileNotFoundError:
        return START
    except OSError as error:
        raise StorageError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise ExportError(
            f"{path} is damaged: where the last export ended is not known",
            hint="export the whole log instead, and call a supervisor",
            code="export_mark_damaged",
        ) from None


def _remember_export(paths: StationPaths, last: Anchor, out: Path) -> None:
    path = exported_path(paths)
    temp = path.with_name(path.name + ".tmp")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = json.dumps({"seq": last.seq, "hash": last.hash, "at": now, "file": out.name})
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        temp.replace(path)
    except OSError as error:
        raise StorageError(
            f"{out.name} was exported, but where it ended could not be kept: {error.strerror}",
            hint="the next export since the last one would repeat its records",
        ) from None


def _torn_tail(path: Path) -> bool:
    """Whether the file ends inside a record (a full disk or a crash cut its last write)."""
    try:
        with path.open("rb") as f:
            if f.seek(0, os.SEEK_END) == 0:
                return False
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except FileNotFoundError:
        return False
    except OSError as error:
        raise StorageError(f"cannot read the write log {path}: {error.strerror}") from None


def sig_path(path: Path) -> Path:
    return path.with_name(path.name + ".sig")


@dataclass
class VerifyReport:
    """What `verify_export` found. `ok` only when the signature and the chain both hold."""

    records: int = 0
    after: Anchor = START  # where the records start (an export since the last export)
    head: str = ""  # the signed chain head: the next export's `after` hash
    signature_ok: bool = False
    key_fingerprint: str = ""
    station_key_matches: bool | None = None  # None: this station has no key to compare with
    problems: list[ChainProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature_ok and not self.problems and self.station_key_matches is not False


def verify_export(
    path: Path,
    *,
    trusted: Ed25519PublicKey | None = None,
    expect_fingerprint: str | None = None,
) -> VerifyReport:
    """Check an export against its `.sig` and re-walk the chain inside it. Off the station,
    `expect_fingerprint` (the station key's, from `prodtool log verify` on the station) is what
    stops a forger who re-chained the records and signed them with a key of their own."""
    fmt = format_of(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExportError(
            f"cannot read {path}: {error.strerror}",
            code="export_unreadable",
            params={"name": path.name},
        ) from None
    report = VerifyReport()
    records = parse(data, fmt)
    report.records = len(records)
    head: str | None = None
    try:
        sig = json.loads(sig_path(path).read_text(encoding="utf-8"))
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sig["public_key"]))
        head = str(sig["chain_head"])
        count = int(sig["records"])
        if "after_seq" in sig or "after_hash" in sig:
            report.after = Anchor(int(sig["after_seq"]), str(sig["after_hash"]))
        report.key_fingerprint = key_fingerprint(public)
        digest = hashlib.sha256(data).hexdigest()
        public.verify(bytes.fromhex(sig["signature"]), _message(digest, head, count, report.after))
        report.head = head
        report.signature_ok = True
        if trusted is not None:
            report.station_key_matches = _raw(trusted) == _raw(public)
            if not report.station_key_matches:
                report.notes.append("signed by another key than this station's")
        if expect_fingerprint is not None and report.station_key_matches is not False:
            report.station_key_matches = report.key_fingerprint == expect_fingerprint.lower()
            if not report.station_key_matches:
                report.notes.append(f"signed by another key than {expect_fingerprint}")
    except FileNotFoundError:
        report.notes.append(f"no signature file {sig_path(path).name}")
    except (ValueError, KeyError, TypeError):
        report.notes.append("the signature file is malformed")
    except InvalidSignature:
        report.notes.append("the signature does not match the file: it was changed after export")
    report.problems = verify_chain(records, head, after=report.after)
    return report
