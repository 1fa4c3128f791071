"""The ledger of one station: a SQLite file in the station folder.

WAL mode with `synchronous=FULL` (three moves that may be lost on a power cut without harm skip
the fsync: see `_write`); every state change is one `BEGIN IMMEDIATE` transaction, which holds
the whole file, so no row locks are needed. A reservation's owner is the process (host, pid,
start time); on open, the reservations of dead owners on this host are recovered.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain
from pathlib import Path

from prodtool.errors import StorageError
from prodtool.license.owner import OwnerToken, current_owner, is_dead
from prodtool.license.schema import migrate
from prodtool.license.sqlerrors import storage_errors
from prodtool.license.sqlstore import SqlLedger, Tx
from prodtool.license.stationkey import StationKey

log = logging.getLogger(__name__)


_BULK_INDEX_FROM = 20_000  # licenses in one load from which the tag index is built after it
_CACHE_KIB = 65536  # SQLite's page cache for the station's ledger
# The page cache while a big load runs and builds its indexes: a full 64 MiB of dirty pages
# plus the index sorter's memory took a 1,000,000-row License List import to a 368 MB peak
# (target < 300 MB); with 16 MiB it peaks at 266 MB, in the same time (pages spill to the WAL).
_BULK_CACHE_KIB = 16384
# The unique index a big load builds after its insert, as the schema has it (migration 3). The
# case-blind UUID index (migration 2) is kept during the insert: the rows come in UUID order, so
# it grows at its end like the UUID column's own index (rebuilding it after cost ~1 s a million).
_BULK_INDEXES = {
    "licenses_authkey_tag": "CREATE UNIQUE INDEX licenses_authkey_tag ON licenses(authkey_tag)"
    " WHERE authkey_tag IS NOT NULL",
}
# SQLite's sorter may use this many helper threads to build that index (C threads: no GIL).
_BULK_SORT_THREADS = 2
_ROWS_PER_INSERT = 2048  # rows per INSERT statement of a load (3 values each), at most


@lru_cache(maxsize=8)
def _insert_sql(package: int, rows: int) -> str:
    """INSERT of `rows` licenses of one package: (uuid, sealed AuthKey, tag) bound per row."""
    row = f"({package:d}, ?, ?, 'available', ?)"
    return (
        "INSERT INTO licenses (package, uuid, authkey, state, authkey_tag) VALUES "  # noqa: S608 - an integer and placeholders only
        + ", ".join([row] * rows)
    )


class SqliteLedger(SqlLedger):
    """The station's license ledger. Thread-safe: one connection, one lock, short transactions."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, key: StationKey, owner: OwnerToken
    ) -> None:
        super().__init__(key, owner.encode())
        self._conn = conn
        self.path = path
        self.location = str(path)
        self._lock = threading.RLock()
        self._sync_level = int(conn.execute("PRAGMA synchronous").fetchone()[0])  # 2 = FULL
        # An older SQLite binds at most 999 values per statement (32766 since 3.32).
        bindable = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 3
        self._rows_per_insert = max(1, min(_ROWS_PER_INSERT, bindable))

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r})"

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        key_file: Path,
        busy_timeout: float = 10.0,
        synchronous: str = "FULL",
    ) -> SqliteLedger:
        """Open (creating if new), migrate, and recover dead owners' reservations."""
        conn: sqlite3.Connection | None = None
        try:
            with storage_errors(path):
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                conn = sqlite3.connect(
                    path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
                )
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads header
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StorageError(f"the ledger {path} cannot use write-ahead logging")
                conn.execute(f"PRAGMA synchronous = {synchronous}")
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
                conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
                migrate(conn, path)
                row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
                key = StationKey.load(key_file, create=row is None)
                if row is None:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute(
                        "INSERT OR IGNORE INTO meta VALUES ('key_check', ?)", (key.check_value,)
                    )
                    conn.execute("COMMIT")
                    row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
                if row[0] != key.check_value:
                    raise StorageError(
                        f"the station key {key_file} is not the one this ledger was made with",
                        hint="restore the ledger and the keys folder from the same backup",
                    )
            ledger = cls(conn, path, key, current_owner())
            ledger._recover_dead_owners()
            ledger._fill_authkey_tags()
            return ledger
        except BaseException:
            if conn is not None:
                conn.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self, *, durable: bool = True, bulk: bool = False) -> Iterator[Tx]:
        """One `BEGIN IMMEDIATE` transaction: committed whole, or rolled back whole.

        `durable=False` commits without an fsync (WAL, `synchronous=NORMAL`): safe against a
        crash of the process, and after a power cut either kept or lost whole. Only moves whose
        loss the ledger tolerates use it: `reserve`, `release` and `mark_written`. The next
        durable commit (`mark_sending` comes before any AuthKey leaves) syncs the log up to
        itself, so they are durable by then; lost before it, a reservation whose key never
        left simply returns, and `written` reads as `sending`, which settles the same way.
        """
        del bulk  # one writer holds the file: a load is a transaction like any other
        with self._lock, storage_errors(self.path):
            conn = self._conn
            relaxed = not durable and self._sync_level > 1
            if relaxed:
                conn.execute("PRAGMA synchronous = NORMAL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                if relaxed:
                    conn.execute(f"PRAGMA synchronous = {self._sync_level}")

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self._lock, storage_errors(self.path):
            yield self._conn

    def _bulk_begin(self, tx: Tx, count: int) -> None:
        """A big load builds the AuthKey-tag index once, after its insert (its sorter on two
        threads): the tags are random, so inserting a million of them into the index row by row
        took most of the load. The rebuild is in the load's transaction: a duplicate tag
        refuses the whole load, and a failed or killed load leaves the index as it was."""
        if count >= _BULK_INDEX_FROM:
            tx.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
            for name in _BULK_INDEXES:
                tx.execute(f"DROP INDEX IF EXISTS {name}")

    def _bulk_end(self, tx: Tx, count: int) -> None:
        if count >= _BULK_INDEX_FROM:
            try:
                tx.execute(f"PRAGMA threads = {_BULK_SORT_THREADS}")
                for sql in _BULK_INDEXES.values():
                    tx.execute(sql)
            finally:
                tx.execute("PRAGMA threads = 0")
                tx.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")

    def _insert_licenses(
        self, tx: Tx, package: int, uuids: list[str], sealed: list[bytes], tags: list[bytes]
    ) -> None:
        """Many rows per INSERT statement: `executemany` pays its per-row overhead (bind, step,
        reset) a million times, which was half the load; one statement per `_rows_per_insert`
        rows binds the same values with one step. The package's row id is our own integer."""
        flat = list(chain.from_iterable(zip(uuids, sealed, tags, strict=True)))
        per = self._rows_per_insert
        count, width = len(uuids), 3 * per
        whole = count - count % per
        if whole:
            sql = _insert_sql(int(package), per)
            for at in range(0, 3 * whole, width):
                tx.execute(sql, flat[at : at + width])
        if whole < count:
            tx.execute(_insert_sql(int(package), count - whole), flat[3 * whole :])

    def _is_duplicate(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.IntegrityError)

    def _recover_dead_owners(self) -> None:
        with self._read() as tx:
            owners = [
                r[0]
                for r in tx.execute(
                    "SELECT DISTINCT owner FROM licenses WHERE owner IS NOT NULL"
                    " AND state = 'reserved'"
                ).fetchall()
            ]
        for text in owners:
            token = OwnerToken.decode(text)
            if token is None or not is_dead(token):
                continue
            released, checked = self._recover_owner(
                text, "the process holding the reservation died"
            )
            log.warning(
                "%d license(s) reserved by a process that is gone (pid %d): %d never sent,"
                " released; %d now needs_check: read those chips back to settle them",
                released + checked,
                token.pid,
                released,
                checked,
            )
