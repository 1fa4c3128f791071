"""Write records to the factory's MES: a durable outbox and a sender that never holds up a job.

`MesOutbox.put` stores a record in `mes-outbox.sqlite3` (fsynced: a record put is a record that
will be delivered, also after a crash or a restart) and wakes the sender thread; the job goes on
at once. The sender POSTs each record as JSON to the MES URL with its idempotency key (station
id + the record's chain hash: the same record always has the same key) in the body and in an
`Idempotency-Key` header, so the MES recognises a duplicate after a lost reply. A failure (refused,
5xx, a 4xx other than 409, a stall past the timeout) is retried with exponential backoff, up
to `backoff_max` between tries: a record is never dropped, `prodtool outbox status` shows why it
waits. HTTPS uses the system's CA
store or `Settings.mes_ca_bundle`. The body holds only write-record fields (identifiers, never a
secret: a write record has no field for one).
"""

from __future__ import annotations

import json
import sqlite3
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodtool.engine.writelog import RECORD_FIELDS
from prodtool.errors import StorageError, UserError

BODY_FORMAT = "prodtool-write-record/1"
OUTBOX_FILE = "mes-outbox.sqlite3"  # in the station folder

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY,
    seq INTEGER NOT NULL DEFAULT -1,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at REAL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class MesError(UserError):
    code = "mes"


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    delivered: int
    oldest_error: str  # the last error of the oldest pending record


def idempotency_key(station_id: str, record: Mapping[str, Any]) -> str:
    return f"{station_id}:{record['hash']}"


def mes_body(station_id: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """What the MES receives: the record's known fields only, with its key."""
    fields = {name: record[name] for name in RECORD_FIELDS if name in record}
    for name in ("serial", "code"):
        if name in record:
            fields[name] = record[name]
    return {
        "format": BODY_FORMAT,
        "idempotency_key": idempotency_key(station_id, record),
        "record": fields,
    }


def check_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise MesError(f"the MES URL {url!r} is not http:// or https://")
    return url


class MesOutbox:
    """The outbox and its sender thread (started by `start`, joined by `stop`)."""

    def __init__(
        self,
        path: Path,
        url: str,
        *,
        station_id: str,
        ca_bundle: str = "",
        timeout: float = 10.0,
        backoff: float = 1.0,
        backoff_max: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = check_url(url) if url else ""
        self.ca_bundle = ca_bundle
        self.station_id = station_id
        self.timeout = timeout
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._clock = clock
        self._context = self._ssl_context(ca_bundle)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stop = False
        self._delivering = threading.Lock()
        self._thread: threading.Thread | None = None
        self.delivered_event = threading.Event()  # set after each delivery (tests, status)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open the MES outbox {path}: {error}") from None

    @staticmethod
    def _ssl_context(ca_bundle: str) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=ca_bundle or None)
        except (OSError, ssl.SSLError) as error:
            raise MesError(f"cannot read the MES CA bundle {ca_bundle}: {error}") from None

    # -- the station's side ----------------------------------------------------------------
    def put(self, record: Mapping[str, Any]) -> str:
        """Store one write record for delivery; returns its key. Never waits for the MES."""
        body = mes_body(self.station_id, record)
        key = str(body["idempotency_key"])
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            try:
                self._db.execute(
                    "INSERT OR IGNORE INTO outbox(key, seq, body) VALUES (?, ?, ?)",
                    (key, int(record.get("seq", -1)), text),
                )
            except sqlite3.Error as error:
                raise StorageError(f"cannot store a record for the MES: {error}") from None
            self._wake.notify_all()
        return key

    def catch_up(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Put the write log's records that never reached the outbox (a crash between the two),
        from the record the outbox was started at on: a new outbox notes the write log's end
        and does not send the station's history. Returns how many it added."""
        records = list(records)
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'from_seq'").fetchone()
            if row is None:
                first = max((int(r.get("seq", -1)) for r in records), default=-1) + 1
                self._db.execute(
                    "INSERT INTO meta(key, value) VALUES ('from_seq', ?)", (str(first),)
                )
                return 0
            known = {k for (k,) in self._db.execute("SELECT key FROM outbox")}
        added = 0
        for record in records:
            if int(record.get("seq", -1)) < int(row[0]):
                continue
            if idempotency_key(self.station_id, record) not in known:
                self.put(record)
                added += 1
        return added

    def status(self) -> OutboxStatus:
        with self._lock:
            pending, delivered = self._db.execute(
                "SELECT COUNT(*) FILTER (WHERE delivered_at IS NULL),"
                " COUNT(*) FILTER (WHERE delivered_at IS NOT NULL) FROM outbox"
            ).fetchone()
            row = self._db.execute(
                "SELECT last_error FROM outbox WHERE delivered_at IS NULL"
                " ORDER BY seq, rowid LIMIT 1"
            ).fetchone()
        return OutboxStatus(int(pending), int(delivered), row[0] if row else "")

    # -- delivery ----------------------------------------------------------------------------
    def deliver_due(self, *, ignore_backoff: bool = False) -> int:
        """Deliver the pending records in the write log's order while the oldest is due (at
        once with `ignore_backoff`); returns how many were delivered. Stops at the first
        failure: the MES is down, and the records after it wait behind it, so the MES gets
        every record in order."""
        if not self.url:
            raise MesError("no MES URL is set", hint="give --mes-url or set mes_url")
        with self._delivering:  # one deliverer at a time: the thread or a flush
            return self._deliver_due(ignore_backoff)

    def _deliver_due(self, ignore_backoff: bool) -> int:
        delivered = 0
        while True:
            with self._lock:
                if self._stop and not ignore_backoff:
                    return delivered
                row = self._db.execute(
                    "SELECT key, body, attempts, next_at FROM outbox WHERE delivered_at IS NULL"
                    " ORDER BY seq, rowid LIMIT 1"
                ).fetchone()
            if row is None:
                return delivered
            key, body, attempts, next_at = row
            if not ignore_backoff and next_at > self._clock():
                return delivered  # the oldest waits out its backoff; the rest wait behind it
            error = self._post(key, body)
            with self._lock:
                if error is None:
                    self._db.execute(
                        "UPDATE outbox SET delivered_at=?, attempts=? WHERE key=?",
                        (time.time(), attempts + 1, key),
                    )
                    delivered += 1
                    self.delivered_event.set()
                    continue
                wait = min(self.backoff * 2**attempts, self.backoff_max)
                self._db.execute(
                    "UPDATE outbox SET attempts=?, next_at=?, last_error=? WHERE key=?",
                    (attempts + 1, self._clock() + wait, error, key),
                )
            return delivered

    def _post(self, key: str, body: str) -> str | None:
        """None when the MES took it (2xx, or 409: it had it already), else the error."""
        request = urllib.request.Request(  # noqa: S310 - the URL is checked http(s)
            self.url,
            data=body.encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - the URL is checked http(s)
                request, timeout=self.timeout, context=self._context
            ) as reply:
                reply.read()
                return None
        except urllib.error.HTTPError as error:
            if error.code == 409:
                return None
            return f"HTTP {error.code}"
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            reason = getattr(error, "reason", error)
            return f"{type(reason).__name__}: {reason}"[:200]

    def next_due_in(self) -> float | None:
        """Seconds until the oldest pending record is due (None: nothing pending)."""
        with self._lock:
            row = self._db.execute(
                "SELECT next_at FROM outbox WHERE delivered_at IS NULL ORDER BY seq, rowid LIMIT 1"
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return max(0.0, float(row[0]) - self._clock())

    def flush(self, deadline_s: float) -> bool:
        """Deliver everything pending, retrying until `deadline_s` passes; True when empty."""
        end = time.monotonic() + deadline_s
        while self.status().pending:
            self.deliver_due(ignore_backoff=True)
            if not self.status().pending:
                break
            remaining = end - time.monotonic()
            if remaining <= 0:
                return False
            with self._lock:
                self._wake.wait(min(remaining, self.backoff))
        return True

    # -- the sender thread ---------------------------------------------------------------------
    def start(self) -> None:
        if not self.url or self._thread is not None:
            return
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="mes-outbox", daemon=True)
        self._thread.start()

    def _stopping(self) -> bool:
        with self._lock:
            return self._stop

    def _loop(self) -> None:
        while not self._stopping():
            self.deliver_due()
            wait = self.next_due_in()
            with self._lock:
                if not self._stop and (wait is None or wait > 0):
                    self._wake.wait(wait)

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        self.stop()
        with self._lock:
            self._db.close()
