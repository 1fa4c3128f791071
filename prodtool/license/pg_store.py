"""The license pool: one ledger on a PostgreSQL server that several stations share.

The moves are the SQLite ledger's (`sqlstore`), in transactions that lock only the rows they
change: reserving takes the first free license with `FOR UPDATE SKIP LOCKED`, so stations never
wait on each other and a license is never given twice. The moves the SQLite store commits
without an fsync commit here with `synchronous_commit = off`, for the same reason.

A reservation belongs to a lease, not a process: each open ledger holds a row in `leases` whose
expiry a thread renews while the station lives. When a lease lapses (the station died or lost
the network for longer than the lease), any station reconciles its reservations like a dead
process's: never sent, released; maybe sent, needs_check. AuthKeys are sealed with the pool key,
a file every station of the pool holds (`keys/pool.key`); the server never sees them in clear.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

import psycopg
import psycopg.errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.numeric import Int8
from psycopg_pool import ConnectionPool, PoolTimeout

from prodtool.errors import StorageError
from prodtool.license import moves, pg_moves
from prodtool.license.errors import NoLicensesLeft, UnknownLicense
from prodtool.license.ledger import ChipIdentity, LicenseRecord, Reservation
from prodtool.license.model import LicenseState
from prodtool.license.moves import Move
from prodtool.license.owner import OwnerToken, current_owner, is_dead
from prodtool.license.pg_schema import COMPACT_COUNTS, LATEST, migrate, schema_version
from prodtool.license.pgpass import PG_LOGIN_FILE
from prodtool.license.sqlstore import BLOCK_JOB, RECORD_SQL, Row, SqlLedger, Tx, now
from prodtool.license.sqlstore import _record as record_of
from prodtool.license.stationkey import StationKey
from prodtool.paths import StationPaths
from prodtool.settings import load_settings

log = logging.getLogger(__name__)

POOL_KEY_FILE = "pool.key"

LEASE_S = 30.0  # a lease lapses this long after its station's last renewal
# Moves are pipelined where libpq can (14 or newer: the binary wheel's); else plain transactions.
_PIPELINE = psycopg.Pipeline.is_supported()


def where(url: str) -> str:
    """The pool's address for messages: user@host:port/db, never the password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an address that cannot be read)"
    host = info.get("host") or "localhost"
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    return f"{user}{host}{port}/{info.get('dbname') or ''}"


@contextmanager
def pool_errors(place: str) -> Iterator[None]:
    """The server unreachable, gone or refusing becomes a `StorageError` the line can show."""
    try:
        yield
    except PoolTimeout:
        raise StorageError(
            f"the license pool {place} does not answer",
            hint="check the network and the server; the line resumes when it is back",
            code="pool_unreachable",
        ) from None
    except psycopg.OperationalError as error:
        if error.sqlstate and not error.sqlstate.startswith(("08", "57P")):
            raise  # the server answered (a deadlock, a conflict): not an outage
        first = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        raise StorageError(
            f"the license pool {place} is unreachable ({_clean(first)})",
            hint="check the network and the server; the line resumes when it is back",
            code="pool_unreachable",
        ) from None


class StaleConnectionError(StorageError):
    """A pooled connection was dead (the server restarted, the network dropped) before the move
    sent anything that could commit: the move is tried again on a fresh connection."""


def _clean(text: str) -> str:
    """libpq's message with anything that looks like a password removed."""
    return " ".join(w for w in text.split() if "password=" not in w)[:160]


@lru_cache(maxsize=256)
def _pg_sql(sql: str) -> str:
    return sql.replace("?", "%s")


_COPY_LICENSES = (
    "COPY licenses (package, uuid, authkey, state, authkey_tag) FROM STDIN (FORMAT BINARY)"
)
_COPY_TYPES = ("int8", "text", "bytea", "text", "bytea")


class _PgTx:
    """A transaction in the shared SQL's dialect: `?` placeholders become `%s`. `committing`
    is set once the move's body is done: before it, nothing can have been committed. `copy`
    is a package load's one COPY, open from `_bulk_begin` to `_bulk_end`."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.committing = False
        self.copy: psycopg.Copy | None = None
        self._copy_open: contextlib.ExitStack | None = None

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        return self.conn.execute(_pg_sql(sql), params)

    def open_copy(self) -> None:
        """One COPY for the whole load, its rows sent by psycopg's writer thread: the server
        inserts a block while this thread seals the next (a COPY per block made each wait
        for the other: 11 s of the client's 23 s for a million was waiting on the server).
        Binary: the sealed AuthKeys and tags go as bytes, not as hex text the server decodes
        (the station's COPY time 6.8-8.0 s vs 8.5-11.4 s for a million)."""
        stack = contextlib.ExitStack()
        cursor = self.conn.cursor()
        self.copy = stack.enter_context(
            cursor.copy(_COPY_LICENSES, writer=QueuedLibpqWriter(cursor))
        )
        self.copy.set_types(list(_COPY_TYPES))
        self._copy_open = stack

    def close_copy(self, error: BaseException | None = None) -> None:
        """End the COPY: the server's verdict on every row (raised here), or, after `error`,
        abandon it (the transaction then rolls back whole)."""
        stack, self._copy_open, self.copy = self._copy_open, None, None
        if stack is None:
            return
        if error is None:
            stack.close()
            return
        with contextlib.suppress(psycopg.Error):
            stack.__exit__(type(error), error, error.__traceback__)


@dataclass(frozen=True)
class LeaseRow:
    owner: str
    station: str
    host: str
    pid: int
    started_at: str
    expires_in_s: float


def passfile(paths: StationPaths) -> Path | None:
    """The station's pool password file (written by the window's pool page), if any."""
    path = paths.keys / PG_LOGIN_FILE
    return path if path.exists() else None


def connect(
    url: str, *, max_size: int = 8, timeout: float = 10.0, passfile: Path | None = None
) -> ConnectionPool:
    """A connection pool to the server; raises `StorageError` when it cannot be reached.

    Every connection is opened here (`min_size` = `max_size`): a pool that grows on demand
    makes the moves that find it short wait for a new server process (10-70 ms under load,
    the bench's worst reserve latencies), one connection at a time."""
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": max(1, int(timeout))}
    if passfile is not None:
        kwargs["passfile"] = str(passfile)
    with pool_errors(where(url)), psycopg.connect(url, **kwargs):
        pass  # unreachable: libpq's own reason at once, not the pool's timeout
    pool: ConnectionPool = ConnectionPool(
        url,
        min_size=max_size,
        max_size=max_size,
        kwargs=kwargs,
        timeout=timeout,
        open=False,
        name="prodtool-pool",
    )
    try:
        with pool_errors(where(url)):
            pool.open(wait=True, timeout=timeout)
    except BaseException:
        pool.close()
        raise
    return pool


def init_pool(url: str, key_file: Path) -> tuple[int, int, bool]:
    """Create or migrate the pool's schema and bind it to the pool key (created with the
    schema). Returns (version found, version now, whether the key file was created)."""
    place = where(url)
    with pool_errors(place), psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        found = migrate(conn, place)
        row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
        existed = key_file.exists()
        if row is not None and not existed:
            raise StorageError(
                f"the license pool {place} exists; this station lacks its key {key_file}",
                hint="copy keys/pool.key from the station that ran `prodtool pool init`",
            )
        key = StationKey.load(key_file, create=row is None)
        if row is None:
            conn.execute(
                "INSERT INTO meta VALUES ('key_check', %s) ON CONFLICT DO NOTHING",
                (key.check_value,),
            )
            row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
        _check_key(row[0] if row else "", key, key_file, place)
    return found, LATEST, not existed


def _check_key(check: str, key: StationKey, key_file: Path, place: str) -> None:
    if check != key.check_value:
        raise StorageError(
            f"the pool key {key_file} is not the key of the license pool {place}",
            hint="copy keys/pool.key from the station that ran `prodtool pool init`",
        )


STATION_CONNECTIONS = 8  # a station's connections to the pool (its jobs' moves share them)
_WARM_PACKAGE = """INSERT INTO packages (package_id, manifest, license_count, demo, source,
    loaded_at) VALUES (%s, '{}', 1, 1, 'warm-up', '') RETURNING id"""
_WARM_LICENSE = """INSERT INTO licenses (package, uuid, authkey, state)
    VALUES (%s, %s, '\\x00', 'available')"""


class PgLedger(SqlLedger):
    """The shared pool. Thread-safe: a connection pool, one transaction per move."""

    _lock_rows = " FOR UPDATE"
    _skip_locked = " FOR UPDATE SKIP LOCKED"
    _counts_table = "state_counts_base"
    _uuid_nocase = "lower(l.uuid)"

    def __init__(
        self,
        pool: ConnectionPool,
        url: str,
        key: StationKey,
        *,
        station: str,
        lease_s: float = LEASE_S,
    ) -> None:
        super().__init__(key, f"{station}/{socket.gethostname()}/{secrets.token_hex(6)}")
        self._pool = pool
        self.location = f"the license pool {where(url)}"
        self._where = where(url)
        self.station = station
        self.lease_s = lease_s
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None
        self.lease_lost = threading.Event()  # set while the lease could not be renewed
        self._connect_args: tuple[str, int, Path | None] = (url, STATION_CONNECTIONS, None)
        self._last_taken: dict[int, int] = {}  # package row -> the license reserve took last

    def __repr__(self) -> str:
        return f"PgLedger({self._where!r}, station={self.station!r})"

    def _own_events(self) -> str:
        # Every station of the pool writes into one events table; an event's owner is the
        # reservation's holder, "<station>/<host>/<token>" (see __init__).
        return f"{self.station}/"

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def join(
        cls,
        url: str,
        *,
        key_file: Path,
        station: str,
        lease_s: float = LEASE_S,
        connections: int = STATION_CONNECTIONS,
        keeper: bool = True,
        passfile: Path | None = None,
    ) -> Self:
        """Join the pool: check the schema and the pool key, take a lease, reconcile lapsed
        leases. `keeper` renews the lease in a thread (off only in tests that drive it)."""
        place = where(url)
        pool = connect(url, max_size=connections, passfile=passfile)
        try:
            with pool_errors(place), pool.connection() as conn:
                version = schema_version(conn)
                if version == 0:
                    raise StorageError(
                        f"the license pool {place} has no prodtool schema",
                        hint="run `prodtool pool init` with this address once",
                        code="pool_uninitialised",
                    )
                if version != LATEST:
                    raise StorageError(
                        f"the license pool {place} is at schema {version}, this prodtool"
                        f" needs {LATEST}",
                        hint="run `prodtool pool init` to migrate it"
                        if version < LATEST
                        else "update prodtool on this station",
                    )
                row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
            key = StationKey.load(key_file, create=False)
            _check_key(row[0] if row else "", key, key_file, place)
            ledger = cls(pool, url, key, station=station, lease_s=lease_s)
            ledger._connect_args = (url, connections, passfile)
            ledger._take_lease()
            ledger.reconcile()
            ledger._fill_authkey_tags()
            ledger._warm(pool, connections)
            if keeper:
                ledger._start_keeper()
            return ledger
        except BaseException:
            pool.close()
            raise

    @classmethod
    def join_station(cls, url: str, paths: StationPaths, station: str = "") -> Self:
        """Join the pool as the station in `paths` (its key file, its settings' name)."""
        name = station or load_settings(paths.settings).station_id
        return cls.join(
            url, key_file=paths.keys / POOL_KEY_FILE, station=name, passfile=passfile(paths)
        )

    def close(self) -> None:
        """Give the lease back: this station's reservations are reconciled now, not later."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=10)
        try:
            self._recover_owner(self._owner, "the station closed")
            with self._write() as tx:
                tx.execute("DELETE FROM leases WHERE owner = ?", (self._owner,))
        except StorageError as error:
            log.warning("could not give the lease back (%s): it lapses by itself", error)
        finally:
            self._pool.close()

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _write(self, *, durable: bool = True, bulk: bool = False) -> Iterator[Tx]:
        """One move in pipeline mode (not a `bulk` load: COPY does not pipeline): BEGIN goes
        with the first read, and the writes whose results nobody reads go with the COMMIT, so
        a move is two or three round trips. No
        connection is checked before use; one found dead before the COMMIT was sent is
        `StaleConnectionError` (tried again), and the idle connections are checked then."""
        with pool_errors(self._where), self._pool.connection() as conn:
            tx = _PgTx(conn)
            try:
                with (
                    conn.pipeline() if _PIPELINE and not bulk else contextlib.nullcontext(),
                    conn.transaction(),
                ):
                    if not durable:
                        conn.execute("SET LOCAL synchronous_commit = off")
                    try:
                        yield tx
                    except BaseException as error:
                        tx.close_copy(error)  # a load that failed midway: no rows stay
                        raise
                    tx.close_copy()
                    tx.committing = True
            except psycopg.OperationalError as error:
                if tx.committing or not conn.broken:
                    raise
                self._stale(error)

    def _stale(self, error: psycopg.OperationalError) -> None:
        """A dead connection before anything committed: check the idle ones, try again."""
        self._pool.check()
        first = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        raise StaleConnectionError(
            f"the license pool {self._where} dropped the connection ({_clean(first)})",
            hint="check the network and the server; the line resumes when it is back",
            code="pool_unreachable",
        ) from None

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with pool_errors(self._where), self._pool.connection() as conn:
            try:
                yield _PgTx(conn)
            except psycopg.OperationalError as error:
                if not conn.broken:
                    raise
                self._stale(error)

    def _insert_licenses(
        self, tx: Tx, package: int, uuids: list[str], sealed: list[bytes], tags: list[bytes]
    ) -> None:
        assert isinstance(tx, _PgTx)
        if tx.copy is None:
            tx.open_copy()
        assert tx.copy is not None
        write = tx.copy.write_row
        for uuid, blob, tag in zip(uuids, sealed, tags, strict=True):
            write((package, uuid, blob, "available", tag))

    def _bulk_begin(self, tx: Tx, count: int) -> None:
        assert isinstance(tx, _PgTx)
        tx.open_copy()

    def _bulk_end(self, tx: Tx, count: int) -> None:
        assert isinstance(tx, _PgTx)
        tx.close_copy()

    # ------------------------------------------------------------------ one-statement moves

    def _one(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """A move as one statement in autocommit (`pg_moves`): one round trip. A connection
        found broken may have committed it: `StaleConnectionError` (tried again), and the
        caller must take a move it then finds made as done."""
        with pool_errors(self._where), self._pool.connection() as conn:
            try:
                return conn.execute(sql, params, prepare=True).fetchall()
            except psycopg.OperationalError as error:
                if not conn.broken:
                    raise
                self._stale(error)
                raise  # not reached: `_stale` raises

    def _one_retried(self, sql: str, params: dict[str, Any]) -> tuple[list[Any], bool]:
        """`_one`, tried again (twice at most) after a transient failure; returns the rows and
        whether a dropped connection may have made the move already."""
        cut = False
        for n in range(3):
            params["at"] = now()
            try:
                return self._one(sql, params), cut
            except Exception as error:
                if n == 2 or not self._is_transient(error):
                    raise
                cut = cut or isinstance(error, StaleConnectionError)
        raise AssertionError("unreachable")

    def reserve(
        self, package_id: str, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation:
        """A fresh license in one statement; a chip bound already takes the shared path (which
        also finds a reservation that a cut connection may have made for this job)."""
        pkg = self._package_keys.get(package_id)
        if pkg is None:
            with self._read() as tx:
                pkg = self._package_key(tx, package_id)
        params = self._reserve_params(pkg, chip, job_id=job_id, port=port)
        while True:
            rows, _ = self._one_retried(pg_moves.RESERVE, params)
            bound, license_id, uuid, sealed = rows[0]
            if bound:
                return super().reserve(package_id, chip, job_id=job_id, port=port)
            if license_id is None and params["after"]:
                params["after"] = Int8(0)  # one released or never taken before the cursor
                continue
            if license_id is None:
                raise NoLicensesLeft(
                    f"package {package_id} has no licenses left",
                    hint="load another package for this order",
                )
            self._last_taken[pkg] = license_id
            try:
                authkey = self._key.open(bytes(sealed), package_id=package_id, uuid=uuid)
            except StorageError as error:
                self._set_aside(license_id, error)
                continue  # that one is out of use with its reason: take the next
            return Reservation(license_id, package_id, uuid, authkey, False, LicenseState.AVAILABLE)

    def _reserve_params(
        self, pkg: int, chip: ChipIdentity, *, job_id: str, port: str
    ) -> dict[str, Any]:
        return {
            "sync": "off",  # as the shared path: a reservation lost in a crash is harmless
            "pkg": Int8(pkg),
            "mac": chip.mac or None,
            "chip_id": chip.chip_id or None,
            "family": chip.family,
            "port": port,
            "job": job_id,
            "owner": self._owner,
            "after": Int8(self._last_taken.get(pkg, 0)),
            "at": now(),
        }

    def _owned_params(self, move: Move, license_id: int, job_id: str) -> dict[str, Any]:
        rule = moves.RULES[move]
        assert rule.to is not None and rule.sent is not None
        return {
            "sync": "on" if rule.durable else "off",
            "id": Int8(license_id),
            "to": rule.to.value,
            "sent": rule.sent,
            "keep_owner": move is Move.SENDING,
            "sources": [s.value for s in rule.sources],
            "job": job_id,
            "event": move.value,
            "owner": self._owner,
            "at": now(),
        }

    def _warm(self, pool: ConnectionPool, connections: int) -> None:
        """Make a reservation and mark it sending on every connection, on a stand-in package
        made and rolled back in the same transaction: no other station sees it, and no real
        license is locked for a moment (a reservation elsewhere would skip it). A server
        process's first move loads its caches (catalogs, the indexes' support functions, where
        the tables have room): 4-5 ms against ~1 ms after, the p95 of a bench of 8 chips a
        port; warmed, ~2.4 ms. Only a head start: a warm-up that fails is logged, and the
        first moves warm the connections themselves."""
        chip = ChipIdentity("warm-up", "", "warm-up")
        try:
            with pool_errors(self._where), contextlib.ExitStack() as held:
                for conn in [held.enter_context(pool.connection()) for _ in range(connections)]:
                    with conn.transaction(force_rollback=True):
                        name = f"warm-up-{secrets.token_hex(8)}"
                        row = conn.execute(_WARM_PACKAGE, (name,)).fetchone()
                        assert row is not None
                        conn.execute(_WARM_LICENSE, (row[0], name))
                        params = self._reserve_params(int(row[0]), chip, job_id="w", port="")
                        taken = conn.execute(pg_moves.RESERVE, params).fetchone()
                        assert taken is not None and taken[1] is not None
                        owned = self._owned_params(Move.SENDING, int(taken[1]), "w")
                        conn.execute(pg_moves.OWNED, owned).fetchall()
        except (StorageError, psycopg.Error) as error:  # e.g. a role that may not insert
            log.warning("the pool's connections were not warmed up: %s", _clean(str(error)))

    def _set_aside(self, license_id: int, error: StorageError) -> None:
        """A license just reserved whose stored AuthKey does not open: quarantined, off the
        chip (the shared path quarantines it before binding it; the history here shows the
        reservation first)."""
        with self._write() as tx:
            lic = self._get(tx, license_id)
            reason = f"its stored AuthKey does not open: {error.message}"
            log.error("license %s quarantined: %s", lic.uuid, reason)
            self._set_state(
                tx,
                lic,
                LicenseState.QUARANTINED,
                Move.QUARANTINE.value,
                reason=reason,
                clear_chip=True,
            )

    def _set_state(self, tx: Tx, lic: Row, to: LicenseState, event: str, **how: Any) -> None:
        """Every state move's write; a license freed here is handed out again next (the
        reserve cursor goes back below it). One freed by another station is handed out when
        this station's search runs off the package's end."""
        super()._set_state(tx, lic, to, event, **how)
        if to is LicenseState.AVAILABLE and lic.package in self._last_taken:
            self._last_taken[lic.package] = min(self._last_taken[lic.package], lic.id - 1)

    def _owned_one(self, move: Move, license_id: int, job_id: str) -> None:
        """`mark_sending`, `mark_written`, `mark_verified` in one statement each."""
        rule = moves.RULES[move]
        assert rule.to is not None
        rows, cut = self._one_retried(pg_moves.OWNED, self._owned_params(move, license_id, job_id))
        if not rows:
            raise UnknownLicense(f"license #{license_id} is not in the ledger")
        uuid, state, holder, sent, made = rows[0]
        if made:
            return
        if cut and holder == job_id and state == rule.to.value and sent == rule.sent:
            return  # the attempt a dropped connection cut off had made it
        moves.check(move, uuid=uuid, state=LicenseState(state), holder=holder, job_id=job_id)
        if move is Move.SENDING and sent:
            return  # marked before: nothing to do, as on the shared path
        raise AssertionError(f"{move} fits license {uuid} but was not made")  # pragma: no cover

    def mark_sending(self, license_id: int, *, job_id: str) -> None:
        self._owned_one(Move.SENDING, license_id, job_id)

    def mark_written(self, license_id: int, *, job_id: str) -> None:
        self._owned_one(Move.WRITTEN, license_id, job_id)

    def mark_verified(self, license_id: int, *, job_id: str) -> None:
        self._owned_one(Move.VERIFIED, license_id, job_id)

    def find_uuid(self, uuid: str) -> LicenseRecord | None:
        """The license with this very UUID, found by the case-blind unique index (the pool
        keeps no index on the UUID as written: migration 6)."""
        with self._read() as tx:
            row = tx.execute(
                f"{RECORD_SQL} WHERE lower(l.uuid) = lower(?) AND l.uuid = ?", (uuid, uuid)
            ).fetchone()
        return None if row is None else record_of(row)

    def side_schema(self, statements: Sequence[str]) -> None:
        """Nothing to make: the pool's migration 5 holds the serial and code tables (a station
        issues no DDL, so its user needs no right to create tables)."""
        del statements

    def _is_duplicate(self, error: Exception) -> bool:
        return isinstance(error, psycopg.errors.UniqueViolation)

    def _is_transient(self, error: Exception) -> bool:
        """A deadlock or serialization failure, a connection found dead before anything was
        committed, or two stations binding one chip at once (the
        unique chip index decides; tried again, the second finds the first's reservation)."""
        transient = (
            psycopg.errors.DeadlockDetected,
            psycopg.errors.SerializationFailure,
            StaleConnectionError,
        )
        if isinstance(error, transient):
            return True
        return isinstance(error, psycopg.errors.UniqueViolation) and "chip" in str(
            error.diag.constraint_name or ""
        )

    def revive(self) -> None:
        """After an outage: once the server answers a direct connection, start a fresh
        connection pool (the old one's reconnection backs off for long, or gives up after five
        minutes). Raises `StorageError` at once while the server is still away."""
        url, connections, passfile = self._connect_args
        kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": 3}
        if passfile is not None:
            kwargs["passfile"] = str(passfile)
        with pool_errors(self._where), psycopg.connect(url, **kwargs):
            pass  # still away: libpq says so within 3 s
        fresh = connect(url, max_size=connections, passfile=passfile)
        self._warm(fresh, connections)  # before any job can hold one of its connections
        old, self._pool = self._pool, fresh
        old.close(timeout=1.0)

    def compact_counts(self) -> None:
        """Fold the per-move count deltas into the base counts (the lease keeper does it)."""
        with self._write() as tx:
            tx.execute(COMPACT_COUNTS)

    # ------------------------------------------------------------------ leases

    def _take_lease(self) -> None:
        with self._write() as tx:
            tx.execute(
                "INSERT INTO leases (owner, station, host, pid, process, expires_at)"
                " VALUES (?, ?, ?, ?, ?, now() + make_interval(secs => ?))",
                (
                    self._owner,
                    self.station,
                    socket.gethostname(),
                    os.getpid(),
                    current_owner().encode(),
                    self.lease_s,
                ),
            )

    def renew(self) -> bool:
        """Push the lease's expiry on; False if it had lapsed and was reconciled meanwhile
        (then a new lease is taken: the old reservations belong to nobody now)."""
        with self._write() as tx:
            renewed = tx.execute(
                "UPDATE leases SET renewed_at = now(),"
                " expires_at = now() + make_interval(secs => ?) WHERE owner = ? RETURNING owner",
                (self.lease_s, self._owner),
            ).fetchone()
        if not renewed:
            self._take_lease()
        return bool(renewed)

    def reconcile(self) -> tuple[int, int]:
        """Settle the reservations of every lapsed lease (any station may): returns
        (released, needs_check). A lease of a process on this host that is gone (a station
        killed and started again) ends at once, without waiting for it to lapse."""
        with self._read() as tx:
            local = tx.execute(
                "SELECT owner, process FROM leases WHERE host = ? AND expires_at >= now()",
                (socket.gethostname(),),
            ).fetchall()
        for owner, process in local:
            token = OwnerToken.decode(process)
            if owner != self._owner and token is not None and is_dead(token):
                with self._write() as tx:
                    tx.execute(
                        "UPDATE leases SET expires_at = now() - interval '1 ms' WHERE owner = ?",
                        (owner,),
                    )
        with self._read() as tx:
            owners = [
                r[0]
                for r in tx.execute(
                    "SELECT DISTINCT l.owner FROM licenses l LEFT JOIN leases s"
                    " ON s.owner = l.owner WHERE l.state = 'reserved' AND l.owner IS NOT NULL"
                    " AND coalesce(l.job_id, '') NOT LIKE ?"
                    " AND (s.owner IS NULL OR s.expires_at < now())",
                    (f"{BLOCK_JOB}%",),
                ).fetchall()
            ]
        released = checked = 0
        for owner in owners:
            r, c = self._recover_owner(owner, "the station's lease lapsed")
            released, checked = released + r, checked + c
            with self._write() as tx:
                tx.execute("DELETE FROM leases WHERE owner = ? AND expires_at < now()", (owner,))
        if owners:
            log.warning(
                "lapsed leases reconciled: %d license(s) never sent, released; %d needs_check",
                released,
                checked,
            )
        return released, checked

    def _keep_once(self) -> None:
        """The keeper's round: renew the lease, reconcile lapsed ones, fold the counts."""
        self.renew()
        self.reconcile()
        self.compact_counts()

    def _start_keeper(self) -> None:
        self._keeper = threading.Thread(
            target=self._keep, name=f"pool-lease-{self.station}", daemon=True
        )
        self._keeper.start()

    def _keep(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                self._keep_once()
                self.lease_lost.clear()
            except StorageError as error:
                self.lease_lost.set()
                log.warning("the lease could not be renewed: %s", error)

    # ------------------------------------------------------------------ the fleet's write log

    def shipped(self, station: str) -> int:
        """The next sequence number the pool lacks from `station`'s write log."""
        with self._read() as tx:
            row = tx.execute(
                "SELECT max(seq) FROM fleet_log WHERE station = ?", (station,)
            ).fetchone()
        return -1 if row is None or row[0] is None else int(row[0])

    def ship(self, station: str, records: list[tuple[int, str, str]]) -> None:
        """Store (seq, hash, record JSON) rows of `station`'s log; a row sent twice is kept once."""
        with self._write(durable=True) as tx:
            for seq, digest, text in records:
                tx.execute(
                    "INSERT INTO fleet_log (station, seq, hash, record) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (station, seq) DO NOTHING",
                    (station, seq, digest, text),
                )

    def fleet_records(self, station: str | None = None) -> dict[str, list[str]]:
        """Every station's shipped records (JSON text), in order; one station's when given."""
        sql = "SELECT station, record FROM fleet_log"
        params: tuple[str, ...] = ()
        if station is not None:
            sql += " WHERE station = ?"
            params = (station,)
        out: dict[str, list[str]] = {}
        with self._read() as tx:
            for name, text in tx.execute(sql + " ORDER BY station, seq", params).fetchall():
                out.setdefault(name, []).append(text)
        return out

    def leases(self) -> list[LeaseRow]:
        with self._read() as tx:
            rows = tx.execute(
                "SELECT owner, station, host, pid, started_at::text,"
                " extract(epoch FROM expires_at - now())::float8 FROM leases ORDER BY station"
            ).fetchall()
        return [LeaseRow(*r) for r in rows]


@dataclass(frozen=True)
class StationRow:
    """A station as the pool sees it: its lease, and its writes in the last ten minutes."""

    station: str
    host: str
    online: bool
    expires_in_s: float
    verified_10min: int
    block: int = 0  # licenses it holds ahead for an outage (reserved to it, on no chip)

    @property
    def per_hour(self) -> int:
        return self.verified_10min * 6


@dataclass(frozen=True)
class PoolStatus:
    where: str
    schema: int
    stations: list[StationRow]
    counts: dict[str, dict[LicenseState, int]]

    @property
    def available(self) -> int:
        return sum(c[LicenseState.AVAILABLE] for c in self.counts.values())


def pool_has_package(url: str, package_id: str, paths: StationPaths) -> bool:
    """Whether the pool holds the package (read only; unreachable is a `StorageError`)."""
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": 10}
    found = passfile(paths)
    if found is not None:
        kwargs["passfile"] = str(found)
    with pool_errors(where(url)), psycopg.connect(url, **kwargs) as conn:
        if schema_version(conn) == 0:
            return False
        row = conn.execute("SELECT 1 FROM packages WHERE package_id = %s", (package_id,))
        return row.fetchone() is not None


def pool_status(url: str, *, passfile: Path | None = None) -> PoolStatus:
    """What `prodtool pool status` and the fleet panel show; reads only (no lease taken)."""
    place = where(url)
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": 10}
    if passfile is not None:
        kwargs["passfile"] = str(passfile)
    with pool_errors(place), psycopg.connect(url, **kwargs) as conn:
        version = schema_version(conn)
        if version == 0:
            raise StorageError(
                f"the license pool {place} has no prodtool schema",
                hint="run `prodtool pool init` with this address once",
                code="pool_uninitialised",
            )
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).isoformat(
            timespec="milliseconds"
        )
        rate: dict[str, int] = {}
        for owner, n in conn.execute(
            "SELECT owner, count(*) FROM events WHERE event IN ('verified', 'settle')"
            " AND to_state = 'verified' AND at >= %s GROUP BY owner",
            (since,),
        ).fetchall():
            name = str(owner or "").split("/")[0]
            rate[name] = rate.get(name, 0) + int(n)
        stations: dict[str, StationRow] = {}
        for station, host, left in conn.execute(
            "SELECT station, host, extract(epoch FROM expires_at - now())::float8 FROM leases"
            " ORDER BY station, expires_at DESC"
        ).fetchall():
            if station not in stations:
                stations[station] = StationRow(station, host, left > 0, left, rate.get(station, 0))
        for name, n in rate.items():
            stations.setdefault(name, StationRow(name, "", False, 0.0, n))
        for job_id, n in conn.execute(
            "SELECT job_id, count(*) FROM licenses WHERE state = 'reserved'"
            " AND job_id LIKE %s AND chip_mac IS NULL AND chip_id IS NULL GROUP BY job_id",
            (f"{BLOCK_JOB}%",),
        ).fetchall():
            name = str(job_id).removeprefix(BLOCK_JOB)
            row = stations.setdefault(name, StationRow(name, "", False, 0.0, 0))
            stations[name] = dataclasses.replace(row, block=int(n))
        counts: dict[str, dict[LicenseState, int]] = {}
        for pid, state, n in conn.execute(
            "SELECT p.package_id, c.state, c.n FROM state_counts c"
            " JOIN packages p ON p.id = c.package ORDER BY p.id"
        ).fetchall():
            counts.setdefault(pid, dict.fromkeys(LicenseState, 0))[LicenseState(state)] = int(n)
    return PoolStatus(place, version, sorted(stations.values(), key=lambda s: s.station), counts)
