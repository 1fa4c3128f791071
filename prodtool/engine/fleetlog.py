"""The fleet's write log: each station's records reach the pool through an outbox, and the whole
fleet's log is exported (signed) from any station.

The outbox is the station's own write log: a record is appended there first (fsync, chained) and
the job goes on; a thread ships what the pool lacks, in order, every few seconds and when told
that a record was added. A server that is away only delays the shipping: nothing waits on it,
and a record shipped twice is stored once (station, seq).

The fleet export holds each station's chain whole (each verified before export) and is signed
with the exporting station's key over the file's digest and every chain's head.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from prodtool.engine.export import (
    ExportError,
    VerifyReport,
    _raw,
    key_fingerprint,
    sig_path,
    station_key,
)
from prodtool.engine.writelog import ChainProblem, read_records, verify_chain
from prodtool.errors import StorageError
from prodtool.license.pg_store import PgLedger
from prodtool.paths import StationPaths

log = logging.getLogger(__name__)
FLEET_FORMAT = "prodtool-fleetlog-export/1"
SHIP_EVERY_S = 5.0


class Outbox:
    """Ships a station's write log to the pool from a thread; `stop()` ships once more."""

    def __init__(self, path: Path, pool: PgLedger, station: str) -> None:
        self.path = path
        self.pool = pool
        self.station = station
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.shipped = threading.Condition()
        self.last_error = ""
        self._thread = threading.Thread(target=self._run, name="fleet-outbox", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """A record was added: ship soon (never waits)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def ship_now(self) -> int:
        """Ship what the pool lacks; returns how many records went."""
        return self.ship_once(self.path, self.pool, self.station)

    @staticmethod
    def ship_once(path: Path, pool: PgLedger, station: str) -> int:
        done = pool.shipped(station)
        rows = [
            (int(r["seq"]), str(r["hash"]), json.dumps(r, ensure_ascii=False, sort_keys=True))
            for r in read_records(path)
            if int(r["seq"]) > done
        ]
        for start in range(0, len(rows), 500):
            pool.ship(station, rows[start : start + 500])
        return len(rows)

    def _run(self) -> None:
        while True:
            stopping = self._stop.is_set()
            try:
                self.ship_now()
                self.last_error = ""
            except StorageError as error:
                if error.message != self.last_error:
                    log.warning("the write log waits to reach the pool: %s", error.message)
                self.last_error = error.message
            with self.shipped:
                self.shipped.notify_all()
            if stopping:
                return
            self._wake.wait(SHIP_EVERY_S)
            self._wake.clear()


def export_fleet(
    paths: StationPaths, pool: PgLedger, out: Path, *, station: str | None = None
) -> int:
    """Write the fleet's log (one station's with `station`) as signed JSON; returns records."""
    if out.suffix.lower() != ".json":
        raise ExportError(f"{out.name}: the fleet's log is exported as .json")
    chains: dict[str, list[dict[str, Any]]] = {}
    for name, texts in pool.fleet_records(station).items():
        records = [json.loads(text) for text in texts]
        problems = verify_chain(records)
        if problems:
            raise ExportError(
                f"station {name}'s log in the pool is damaged: {problems[0].text}",
                hint="do not upload it; call a supervisor",
            )
        chains[name] = records
    heads = {name: str(records[-1]["hash"]) for name, records in chains.items() if records}
    document = {"format": FLEET_FORMAT, "stations": chains}
    data = (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    key = station_key(paths)
    digest = hashlib.sha256(data).hexdigest()
    count = sum(len(r) for r in chains.values())
    message = _message(digest, heads, count)
    sig = {
        "format": FLEET_FORMAT,
        "algorithm": "ed25519",
        "public_key": _raw(key.public_key()).hex(),
        "key_fingerprint": key_fingerprint(key.public_key()),
        "file_sha256": digest,
        "chain_heads": heads,
        "records": count,
        "signature": key.sign(message).hex(),
    }
    try:
        out.write_bytes(data)
        out.with_name(out.name + ".sig").write_text(json.dumps(sig, indent=1) + "\n")
    except OSError as error:
        raise StorageError(f"cannot write {out}: {error.strerror}") from None
    return count


def _message(digest: str, heads: dict[str, str], count: int) -> bytes:
    """What a fleet export's signature covers: the file, every chain's head, the count."""
    return f"{FLEET_FORMAT}\n{digest}\n{json.dumps(heads, sort_keys=True)}\n{count}\n".encode()


def is_fleet_export(path: Path) -> bool:
    """Whether `path` is a fleet export (its signature file says so), not one station's log."""
    try:
        sig = json.loads(sig_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(sig, dict) and sig.get("format") == FLEET_FORMAT


def verify_fleet(
    path: Path,
    *,
    trusted: Ed25519PublicKey | None = None,
    expect_fingerprint: str | None = None,
) -> VerifyReport:
    """Check a fleet export against its `.sig`: the signature over the file, every station's
    chain walked again and ending at the head the signature names (records cut from a chain's
    end show), and no station added or dropped. A fleet file is signed by whichever station
    exported it: off the station, `expect_fingerprint` is what names the signer to trust."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExportError(f"cannot read {path}: {error.strerror}") from None
    try:
        document = json.loads(data)
        chains = document["stations"]
        if document.get("format") != FLEET_FORMAT or not isinstance(chains, dict):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ExportError(f"{path.name} is not a fleet export of prodtool") from None
    report = VerifyReport(records=sum(len(c) for c in chains.values()))
    heads: dict[str, str] | None = None
    try:
        sig = json.loads(sig_path(path).read_text(encoding="utf-8"))
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sig["public_key"]))
        heads = {str(k): str(v) for k, v in dict(sig["chain_heads"]).items()}
        report.key_fingerprint = key_fingerprint(public)
        digest = hashlib.sha256(data).hexdigest()
        public.verify(bytes.fromhex(sig["signature"]), _message(digest, heads, int(sig["records"])))
        report.signature_ok = True
        if trusted is not None and _raw(trusted) == _raw(public):
            report.station_key_matches = True
        if expect_fingerprint is not None:
            report.station_key_matches = report.key_fingerprint == expect_fingerprint.lower()
            if not report.station_key_matches:
                report.notes.append(f"signed by another key than {expect_fingerprint}")
        elif report.station_key_matches is None:
            report.notes.append(
                "signed by the station that exported it; compare its key fingerprint"
            )
    except FileNotFoundError:
        report.notes.append(f"no signature file {sig_path(path).name}")
    except (ValueError, KeyError, TypeError):
        report.notes.append("the signature file is malformed")
    except InvalidSignature:
        report.notes.append("the signature does not match the file: it was changed after export")
    for name, records in sorted(chains.items()):
        head = heads.get(name) if heads is not None else None
        if heads is not None and head is None:
            report.problems.append(
                ChainProblem(0, None, "malformed", f"station {name} is not in the signature")
            )
        for problem in verify_chain(records, head):
            report.problems.append(
                ChainProblem(
                    problem.index, problem.seq, problem.kind, f"station {name}: {problem.text}"
                )
            )
    for name in sorted(set(heads or {}) - set(chains)):
        report.problems.append(
            ChainProblem(0, None, "deleted", f"station {name}'s records were removed")
        )
    return report
