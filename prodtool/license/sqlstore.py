"""The ledger's moves and queries in SQL that SQLite and PostgreSQL both speak.

A store subclass supplies the connection plumbing: `_write` (one transaction; a PostgreSQL store
locks the rows it reads with `_lock_rows`, SQLite's `BEGIN IMMEDIATE` already holds the file),
`_read`, the bulk insert of a package, and which reservation owners are gone. SQL is written with
`?` placeholders; the PostgreSQL store's transaction object translates them. Which move fits which
state is decided in `moves`, never here.
"""

# ruff: noqa: S608 - SQL text is built from constant column lists and placeholders only; values are always bound
from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import functools
import logging
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Concatenate, ParamSpec, Protocol, TypeVar

from prodtool.errors import StorageError
from prodtool.license import moves
from prodtool.license.errors import (
    ChipBusy,
    DuplicateLicenses,
    LedgerError,
    LedgerInvariantError,
    LicenseQuarantined,
    NoLicensesLeft,
    PackageIdClash,
    RowProblem,
    UnknownLicense,
    UnknownPackage,
)
from prodtool.license.ledger import ChipIdentity, Ledger, LicenseRecord, Reservation
from prodtool.license.licenselist import read_license_columns, rows_error
from prodtool.license.model import (
    FORMAT_VERSION,
    AuthMethod,
    DeliveryMode,
    LicenseState,
    Manifest,
)
from prodtool.license.moves import Move
from prodtool.license.package import CredentialPackage
from prodtool.license.stationkey import StationKey

log = logging.getLogger(__name__)
_S = LicenseState


class Tx(Protocol):
    """What the moves need of a transaction: `execute` returning a DB-API cursor."""

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any: ...


_SEAL_BLOCK = 8192  # AuthKeys sealed and inserted per block while loading
# The job id of a license a pool station holds ahead for an outage (`pg_block`): reserved, on no
# chip, never recovered when the station's lease lapses (its journal may hold moves for it).
BLOCK_JOB = "block:"

def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


RECORD_SQL = """
    SELECT l.id, p.package_id, l.uuid, l.state, l.chip_mac, l.chip_id, l.port, l.job_id,
           coalesce(l.updated_at, p.loaded_at)
    FROM licenses l JOIN packages p ON p.id = l.package
"""


def _record(row: Sequence[Any]) -> LicenseRecord:
    return LicenseRecord(
        license_id=row[0],
        package_id=row[1],
        uuid=row[2],
        state=LicenseState(row[3]),
        chip_mac=row[4],
        chip_id=row[5],
        port=row[6],
        job_id=row[7],
        updated_at=row[8],
    )


@dataclass(frozen=True)
class Row:
    """A licenses row as read for a move (the sealed AuthKey stays sealed)."""

    COLUMNS: ClassVar[str] = (
        "id, package, uuid, authkey, state, prior_state, sent, chip_mac, chip_id, port,"
        " job_id, owner"
    )
    id: int
    package: int
    uuid: str
    authkey: bytes = field(repr=False)
    state: str
    prior_state: str | None
    sent: int
    chip_mac: str | None
    chip_id: str | None
    port: str | None
    job_id: str | None
    owner: str | None

    @classmethod
    def of(cls, values: Sequence[Any]) -> Row:
        return cls(values[0], values[1], values[2], bytes(values[3]), *values[4:12])

    @property
    def bound(self) -> bool:
        return self.chip_mac is not None or self.chip_id is not None


_P = ParamSpec("_P")
_T = TypeVar("_T")
_L = TypeVar("_L", bound="SqlLedger")


def _retried(
    move: Callable[Concatenate[_L, _P], _T],
) -> Callable[Concatenate[_L, _P], _T]:
    """Run a move again (twice at most) when the store says its failure was transient: the
    transaction was rolled back whole, so trying again is safe."""

    @functools.wraps(move)
    def attempt(self: _L, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        for n in range(3):
            try:
                return move(self, *args, **kwargs)
            except Exception as error:
                if n == 2 or not self._is_transient(error):
                    raise
        raise AssertionError("unreachable")

    return attempt


class SqlLedger(Ledger):
    """Every move and query of the ledger over a store's transactions."""

    # Appended to a SELECT that reads rows a move will change: "" where the transaction holds
    # the whole store (SQLite), " FOR UPDATE" where rows are locked one by one (PostgreSQL).
    _lock_rows: ClassVar[str] = ""
    # Appended to the SELECT that picks a free license: skips rows other stations hold.
    _skip_locked: ClassVar[str] = ""
    # Where a load writes a package's first per-state counts.
    _counts_table: ClassVar[str] = "state_counts"
    # How a UUID column is compared ignoring case (each store has an index for it).
    _uuid_nocase: ClassVar[str] = "l.uuid COLLATE NOCASE"

    def __init__(self, key: StationKey, owner: str) -> None:
        self._key = key
        self._owner = owner
        self._package_keys: dict[str, int] = {}
        # Asked before a package is loaded; raises to refuse it (a station set up for a pool
        # refuses, in its own SQLite ledger, a package the pool holds: one license, one chip).
        self.load_guard: Callable[[Manifest], None] | None = None

    # ------------------------------------------------------------------ for neighbours

    def side_write(self) -> AbstractContextManager[Tx]:
        """A durable transaction for tables a feature keeps beside the licenses (the line's
        serial numbers): committed whole with the store's fsync, or rolled back whole.
        SQL uses `?` placeholders on both stores; `row_lock` is the store's `FOR UPDATE`."""
        return self._write()

    def side_schema(self, statements: Sequence[str]) -> None:
        """Make a neighbour's tables (`CREATE TABLE IF NOT EXISTS` statements) where the
        store's own schema does not hold them; the pool's numbered migrations do."""
        with self._write() as tx:
            for statement in statements:
                tx.execute(statement)

    @property
    def row_lock(self) -> str:
        return self._lock_rows

    # ------------------------------------------------------------------ plumbing (per store)

    @abc.abstractmethod
    def _write(self, *, durable: bool = True, bulk: bool = False) -> AbstractContextManager[Tx]:
        """One transaction, committed whole or rolled back whole; `bulk` for a package load
        (a store may batch a move's statements in ways a bulk insert cannot use)."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Tx]:
        """A connection for queries."""

    @abc.abstractmethod
    def _insert_licenses(
        self, tx: Tx, package: int, uuids: list[str], sealed: list[bytes], tags: list[bytes]
    ) -> None:
        """Insert a package's licenses (all 'available', with their AuthKey tags) inside the
        load's transaction."""

    def _bulk_begin(self, tx: Tx, count: int) -> None:
        """Before `count` licenses are inserted in the load's transaction (a store may set an
        index aside, to build it once after the insert instead of row by row)."""
        del tx, count

    def _bulk_end(self, tx: Tx, count: int) -> None:
        """After the insert, in the same transaction: undo what `_bulk_begin` set aside."""
        del tx, count

    @abc.abstractmethod
    def _is_duplicate(self, error: Exception) -> bool:
        """Whether `error` is a unique-key violation."""

    def _is_transient(self, error: Exception) -> bool:
        """Whether a move that failed with `error` may simply be tried again (a deadlock or a
        race two stations lost against each other); never for SQLite's single writer."""
        del error
        return False

    # ------------------------------------------------------------------ recovery

    @_retried
    def _recover_owner(self, owner: str, why: str) -> tuple[int, int]:
        """Settle the reservations of an owner that is gone: never sent, released; sent (the
        AuthKey may be on the chip), needs_check. Returns (released, needs_check)."""
        released = checked = 0
        with self._write() as tx:
            rows = [
                Row.of(r)
                for r in tx.execute(
                    f"SELECT {Row.COLUMNS} FROM licenses WHERE state = 'reserved' AND owner = ?"
                    f" AND coalesce(job_id, '') NOT LIKE ? ORDER BY id{self._lock_rows}",
                    (owner, f"{BLOCK_JOB}%"),
                ).fetchall()
            ]
            for lic in rows:
                to = moves.recover_target(sent=lic.sent, prior=lic.prior_state)
                if to is _S.NEEDS_CHECK:
                    checked += 1
                    reason = f"{why}; its AuthKey may have reached the chip"
                else:
                    released += 1
                    reason = f"{why}; its AuthKey never left the station"
                self._set_state(
                    tx,
                    lic,
                    to,
                    Move.RECOVER,
                    reason=reason,
                    clear_chip=to is _S.AVAILABLE,
                    owner=owner,
                )
        return released, checked

    def _fill_authkey_tags(self) -> int:
        """Tag the AuthKeys of licenses loaded before tags were kept (the schema cannot: only a
        station holds the key). An AuthKey already tagged on another license is left untagged
        and logged: a supervisor quarantines one of the two. Returns how many were tagged."""
        with self._read() as tx:
            rows = tx.execute(
                "SELECT l.id, l.uuid, l.authkey, p.package_id FROM licenses l"
                " JOIN packages p ON p.id = l.package WHERE l.authkey_tag IS NULL ORDER BY l.id"
            ).fetchall()
        done = 0
        for start in range(0, len(rows), _SEAL_BLOCK):
            tagged: list[tuple[int, str, bytes]] = []
            for lid, uuid, sealed, package_id in rows[start : start + _SEAL_BLOCK]:
                try:
                    authkey = self._key.open(bytes(sealed), package_id=package_id, uuid=uuid)
                except StorageError:
                    continue  # `check_authkeys` names it; nothing to tag
                tagged.append((lid, uuid, self._key.tag_many([authkey])[0]))
            with self._write(bulk=True) as tx:
                for lid, uuid, tag in tagged:
                    twin = tx.execute(
                        "SELECT uuid FROM licenses WHERE authkey_tag = ?", (tag,)
                    ).fetchone()
                    if twin is not None:
                        log.error("license %s has the AuthKey of license %s", uuid, twin[0])
                        continue
                    tx.execute("UPDATE licenses SET authkey_tag = ? WHERE id = ?", (tag, lid))
                    done += 1
        return done

    # ------------------------------------------------------------------ packages

    def _package_key(self, tx: Tx, package_id: str) -> int:
        """A package's row id; remembered, since a package is never removed or renumbered
        (a round trip less for every reservation)."""
        known = self._package_keys.get(package_id)
        if known is not None:
            return known
        row = tx.execute("SELECT id FROM packages WHERE package_id = ?", (package_id,)).fetchone()
        if row is None:
            raise UnknownPackage(f"package {package_id} is not in the ledger")
        self._package_keys[package_id] = int(row[0])
        return int(row[0])

    def _loaded(self, manifest: Manifest, digest: str) -> bool:
        """True when this very package is loaded already; a different package under the same id
        (another manifest or any other member) is refused."""
        with self._read() as tx:
            row = tx.execute(
                "SELECT license_count, manifest, content_digest FROM packages WHERE package_id = ?",
                (manifest.package_id,),
            ).fetchone()
        if row is None:
            return False
        count, recorded, stored = row
        if stored is not None:
            same = stored == digest
        else:  # a list's id is its file's digest already; a package's manifest must be the same
            list_mode = manifest.delivery_mode is DeliveryMode.LICENSE_LIST
            same = list_mode or recorded == manifest.to_json()
        if count != manifest.license_count or not same:
            raise PackageIdClash(
                f"a different package with the same id {manifest.package_id} is already loaded:"
                " nothing was loaded",
                hint="a package id names one package; ask the issuer which one is right",
                params={"package": manifest.package_id},
            )
        if stored is None:  # loaded before digests were kept: record it now
            with self._write() as tx:
                tx.execute(
                    "UPDATE packages SET content_digest = ? WHERE package_id = ?",
                    (digest, manifest.package_id),
                )
        return True

    def has_package(self, package_id: str) -> bool:
        with self._read() as tx:
            row = tx.execute("SELECT 1 FROM packages WHERE package_id = ?", (package_id,))
            return row.fetchone() is not None

    def load_package(self, package: CredentialPackage) -> str:
        manifest = package.manifest
        if self._loaded(manifest, package.digest):
            return manifest.package_id
        if self.load_guard is not None:
            self.load_guard(manifest)
        uuids, authkeys = package.license_columns()
        self._insert(manifest, uuids, authkeys, source=package.path.name, digest=package.digest)
        return manifest.package_id

    def import_license_list(
        self, path: Path, *, product_name: str = "", chip_family: str = "esp32c3"
    ) -> str:
        columns = read_license_columns(path)  # streamed: two flat lists, bounded
        digest = columns.digest
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            package_id=f"list-{digest[:24]}",
            issuer_key_id="",
            order_number="",
            pickup_list="",
            product_id="",
            product_name=product_name,
            category="",
            communication=(),
            delivery_mode=DeliveryMode.LICENSE_LIST,
            chip_family=chip_family,
            firmware=(),
            min_firmware_version="",
            auth_method=AuthMethod.TUYAOPEN_SHELL,
            nvs=None,
            features=(),
            license_count=len(columns),
            created_at=now(),
            demo=False,
        )
        if self._loaded(manifest, digest):
            return manifest.package_id
        known = self._known_uuids(columns.uuids)
        if known:
            problems = [
                RowProblem(
                    row,
                    f"UUID {uuid} is already in the ledger (package {known[uuid.lower()]})",
                )
                for row, uuid in zip(columns.rows, columns.uuids, strict=True)
                if uuid.lower() in known
            ]
            raise rows_error(path.name, problems)
        self._insert(
            manifest, columns.uuids, columns.authkeys, source=path.name, digest=columns.digest
        )
        return manifest.package_id

    def _known_uuids(self, uuids: Sequence[str]) -> dict[str, str]:
        """Which of `uuids` the ledger holds already (in any case), with their package ids; keyed
        by the UUID in lower case."""
        found: dict[str, str] = {}
        with self._read() as tx:
            for start in range(0, len(uuids), 500):
                chunk = [u.lower() for u in uuids[start : start + 500]]
                marks = ",".join("?" * len(chunk))
                found.update(
                    tx.execute(
                        "SELECT lower(l.uuid), p.package_id FROM licenses l JOIN packages p"
                        f" ON p.id = l.package WHERE {self._uuid_nocase} IN ({marks})",
                        chunk,
                    ).fetchall()
                )
        return found

    def _insert(
        self,
        manifest: Manifest,
        uuids: Sequence[str],
        authkeys: Sequence[str],
        *,
        source: str,
        digest: str,
    ) -> None:
        """Insert a package's licenses in one transaction, in UUID order: the UUID index then
        grows at its end instead of at random places, which halves the time for a million."""
        count = len(uuids)
        if count != manifest.license_count or count != len(authkeys):
            raise ValueError("license count does not match the manifest")
        package_id = manifest.package_id
        # 8 bytes a row, not a list of a million int objects (40 MB): it is held through the
        # index build at the end, the peak of a License List's import
        order = array("q", sorted(range(count), key=uuids.__getitem__))
        stamp = now()
        try:
            with self._write(bulk=True) as tx:
                if tx.execute(
                    "SELECT 1 FROM packages WHERE package_id = ?", (package_id,)
                ).fetchone():
                    return  # another thread (or station) loaded it meanwhile
                pkg = int(
                    tx.execute(
                        """INSERT INTO packages (package_id, manifest, license_count, demo,
                               source, loaded_at, content_digest)
                           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                        (
                            package_id,
                            manifest.to_json(),
                            count,
                            int(manifest.demo),
                            source,
                            stamp,
                            digest,
                        ),
                    ).fetchone()[0]
                )
                # Sealed a block at a time: a million sealed AuthKeys never sit in memory at
                # once (the import bound in docs/credential-package.md).
                self._bulk_begin(tx, count)
                for start in range(0, count, _SEAL_BLOCK):
                    block = order[start : start + _SEAL_BLOCK]
                    some = list(map(uuids.__getitem__, block))
                    keys = list(map(authkeys.__getitem__, block))
                    sealed = self._key.seal_many(some, keys, package_id=package_id)
                    self._insert_licenses(tx, pkg, some, sealed, self._key.tag_many(keys))
                self._bulk_end(tx, count)
                for s in LicenseState:
                    tx.execute(
                        f"INSERT INTO {self._counts_table} (package, state, n) VALUES (?, ?, ?)",
                        (pkg, s.value, count if s is _S.AVAILABLE else 0),
                    )
                tx.execute(
                    "INSERT INTO events (at, package, event, to_state, reason)"
                    " VALUES (?, ?, 'load', 'available', ?)",
                    (stamp, pkg, f"{count} licenses from {source}"),
                )
        except Exception as error:
            if not self._is_duplicate(error):
                raise
            if self.has_package(package_id):
                # the same package, loaded meanwhile by another station
                self._loaded(manifest, digest)
                return
            known = self._known_uuids(uuids)
            if not known:
                self._refuse_shared_authkeys(uuids, authkeys, source)
                raise
            sample = ", ".join(sorted(known)[:5])
            raise DuplicateLicenses(
                f"{len(known)} license(s) of {source} are already in the ledger"
                f" (UUID {sample}{', ...' if len(known) > 5 else ''}): nothing was loaded",
                hint="a license may be loaded only once",
            ) from None

    def _refuse_shared_authkeys(
        self, uuids: Sequence[str], authkeys: Sequence[str], source: str
    ) -> None:
        """A load refused by the AuthKey tag index: say which UUID's AuthKey is already in the
        ledger under another UUID, or appears twice in the package (never the AuthKey)."""
        tags = self._key.tag_many(authkeys)
        clashes: list[str] = []
        with self._read() as tx:
            for start in range(0, len(tags), 500):
                chunk = tags[start : start + 500]
                marks = ",".join("?" * len(chunk))
                held = {
                    bytes(k): v
                    for k, v in (
                    tx.execute(
                        "SELECT authkey_tag, uuid FROM licenses"
                        f" WHERE authkey_tag IN ({marks})",
                        chunk,
                    ).fetchall()
                    )
                }
                clashes += [
                    f"{uuids[start + i]} (as {held[bytes(t)]})"
                    for i, t in enumerate(chunk)
                    if bytes(t) in held
                ]
        if not clashes:
            first: dict[bytes, str] = {}
            for uuid, tag in zip(uuids, tags, strict=True):
                if tag in first:
                    clashes.append(f"{uuid} (as {first[tag]})")
                first.setdefault(tag, uuid)
        if clashes:
            sample = ", ".join(clashes[:5])
            raise DuplicateLicenses(
                f"{len(clashes)} license(s) of {source} carry an AuthKey already in the ledger"
                f" under another UUID: {sample}{', ...' if len(clashes) > 5 else ''}:"
                " nothing was loaded",
                hint="one AuthKey is one license; ask the issuer for a corrected package",
            ) from None

    def packages(self) -> list[Manifest]:
        with self._read() as tx:
            rows = tx.execute("SELECT manifest FROM packages ORDER BY id").fetchall()
        return [Manifest.from_json(r[0]) for r in rows]

    def manifest(self, package_id: str) -> Manifest:
        with self._read() as tx:
            row = tx.execute(
                "SELECT manifest FROM packages WHERE package_id = ?", (package_id,)
            ).fetchone()
        if row is None:
            raise UnknownPackage(f"package {package_id} is not in the ledger")
        return Manifest.from_json(row[0])

    # ------------------------------------------------------------------ moves

    def _event(
        self,
        tx: Tx,
        lic: Row,
        event: str,
        to_state: LicenseState,
        *,
        job_id: str | None = None,
        port: str | None = None,
        chip: ChipIdentity | None = None,
        reason: str | None = None,
        owner: str | None = None,
    ) -> None:
        tx.execute(
            """INSERT INTO events (at, license_id, package, event, from_state, to_state, job_id,
                   port, chip_mac, chip_id, owner, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                now(),
                lic.id,
                lic.package,
                event,
                lic.state,
                to_state.value,
                job_id if job_id is not None else lic.job_id,
                port if port is not None else lic.port,
                (chip.mac or None) if chip else lic.chip_mac,
                (chip.chip_id or None) if chip else lic.chip_id,
                owner if owner is not None else self._owner,
                reason,
            ),
        )

    def _get(self, tx: Tx, license_id: int) -> Row:
        found = tx.execute(
            f"SELECT {Row.COLUMNS} FROM licenses WHERE id = ?{self._lock_rows}", (license_id,)
        ).fetchone()
        if found is None:
            raise UnknownLicense(f"license #{license_id} is not in the ledger")
        return Row.of(found)

    def _authkey(self, package_id: str, lic: Row) -> str:
        return self._key.open(lic.authkey, package_id=package_id, uuid=lic.uuid)

    @_retried
    def reserve(
        self, package_id: str, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation:
        broken: LicenseQuarantined | None = None
        with self._write(durable=False) as tx:
            pkg = self._package_key(tx, package_id)
            bound = [
                Row.of(r)
                for r in tx.execute(
                    f"SELECT {Row.COLUMNS} FROM licenses WHERE package = ?"
                    f" AND (chip_mac = ? OR chip_id = ?){self._lock_rows}",
                    (pkg, chip.mac or None, chip.chip_id or None),
                ).fetchall()
            ]
            if len(bound) > 1:
                raise LedgerInvariantError(
                    f"chip {chip.mac or chip.chip_id} is bound to {len(bound)} licenses"
                )
            if bound:
                try:
                    return self._reserve_again(
                        tx, package_id, bound[0], chip, job_id=job_id, port=port
                    )
                except _UnopenableError as error:
                    broken = LicenseQuarantined(
                        f"the license {bound[0].uuid} of chip {chip.mac or chip.chip_id} was"
                        f" quarantined: {error.reason}",
                        hint="a supervisor must look at it; the chip gets no other license",
                        params={"uuid": bound[0].uuid, "chip": chip.mac or chip.chip_id},
                    )
            while broken is None:
                found = tx.execute(
                    f"SELECT {Row.COLUMNS} FROM licenses WHERE package = ?"
                    f" AND state = 'available' ORDER BY id LIMIT 1{self._skip_locked}",
                    (pkg,),
                ).fetchone()
                if found is None:
                    raise NoLicensesLeft(
                        f"package {package_id} has no licenses left",
                        hint="load another package for this order",
                        params={"package": package_id},
                    )
                lic = Row.of(found)
                try:
                    authkey = self._authkey(package_id, lic)
                except StorageError as error:
                    self._quarantine_unopenable(tx, lic, error)
                    continue  # that one is out of use with its reason: take the next
                self._event(tx, lic, "reserve", _S.RESERVED, job_id=job_id, port=port, chip=chip)
                self._bind(
                    tx,
                    lic.id,
                    prior_state=_S.AVAILABLE.value,
                    family=chip.family,
                    mac=chip.mac or None,
                    chip_id=chip.chip_id or None,
                    port=port,
                    job_id=job_id,
                )
                return Reservation(lic.id, package_id, lic.uuid, authkey, False, _S.AVAILABLE)
        raise broken  # after the quarantine was committed

    def _quarantine_unopenable(self, tx: Tx, lic: Row, error: StorageError) -> str:
        reason = f"its stored AuthKey does not open: {error.message}"
        log.error("license %s quarantined: %s", lic.uuid, reason)
        self._set_state(tx, lic, _S.QUARANTINED, Move.QUARANTINE.value, reason=reason)
        return reason

    def _reserve_again(
        self, tx: Tx, package_id: str, lic: Row, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation:
        previous = LicenseState(lic.state)
        if previous is _S.QUARANTINED:
            raise LicenseQuarantined(
                f"the license {lic.uuid} of chip {chip.mac or chip.chip_id} is quarantined",
                hint="a supervisor must release it; the chip gets no other license",
                params={"uuid": lic.uuid, "chip": chip.mac or chip.chip_id},
            )
        if previous is _S.RESERVED and lic.job_id != job_id:
            raise ChipBusy(
                f"chip {chip.mac or chip.chip_id} is being written by job {lic.job_id}"
                f" on port {lic.port}",
                hint="wait for that job to finish",
                params={"chip": chip.mac or chip.chip_id, "port": lic.port or "?"},
            )
        try:
            authkey = self._authkey(package_id, lic)
        except StorageError as error:
            raise _UnopenableError(self._quarantine_unopenable(tx, lic, error)) from None
        if previous is not _S.RESERVED or lic.port != port:
            self._event(tx, lic, "reserve-again", _S.RESERVED, job_id=job_id, port=port, chip=chip)
            self._bind(
                tx,
                lic.id,
                prior_state=lic.prior_state if previous is _S.RESERVED else previous.value,
                family=chip.family,
                mac=chip.mac or lic.chip_mac,
                chip_id=chip.chip_id or lic.chip_id,
                port=port,
                job_id=job_id,
            )
        return Reservation(lic.id, package_id, lic.uuid, authkey, True, previous)

    def _bind(
        self,
        tx: Tx,
        license_id: int,
        *,
        prior_state: str | None,
        family: str,
        mac: str | None,
        chip_id: str | None,
        port: str,
        job_id: str,
    ) -> None:
        """Reserve a license for a chip: the one UPDATE both a fresh and a reused reservation do.

        `prior_state` is where a release returns it; `sent` starts at 0 for this job.
        """
        tx.execute(
            """UPDATE licenses SET state = 'reserved', prior_state = ?, sent = 0,
                   chip_family = ?, chip_mac = ?, chip_id = ?, port = ?, job_id = ?,
                   owner = ?, updated_at = ? WHERE id = ?""",
            (prior_state, family, mac, chip_id, port, job_id, self._owner, now(), license_id),
        )

    def _set_state(
        self,
        tx: Tx,
        lic: Row,
        to: LicenseState,
        event: str,
        *,
        reason: str | None = None,
        clear_chip: bool = False,
        keep_owner: bool = False,
        sent: int | None = None,
        chip: ChipIdentity | None = None,
        owner: str | None = None,
    ) -> None:
        self._event(tx, lic, event, to, reason=reason, chip=chip, owner=owner)
        chip_sql = ""
        params: list[Any] = [to.value, now()]
        if clear_chip:
            chip_sql = (
                ", chip_mac = NULL, chip_id = NULL, chip_family = NULL, port = NULL, job_id = NULL"
            )
        elif chip is not None:
            chip_sql = ", chip_mac = ?, chip_id = ?, chip_family = ?"
            params += [chip.mac or None, chip.chip_id or None, chip.family]
        owner_sql = "" if keep_owner else ", owner = NULL, prior_state = NULL"
        if to is _S.AVAILABLE:
            sent = 0
        sent_sql = "" if sent is None else f", sent = {int(sent)}"
        tx.execute(
            f"UPDATE licenses SET state = ?, updated_at = ?{chip_sql}{owner_sql}{sent_sql}"
            " WHERE id = ?",
            (*params, lic.id),
        )

    @_retried
    def _owned_move(self, move: Move, license_id: int, job_id: str) -> None:
        """mark_written, mark_verified, mark_needs_check: the table says all."""
        rule = moves.RULES[move]
        with self._write(durable=rule.durable) as tx:
            lic = self._get(tx, license_id)
            moves.check(
                move, uuid=lic.uuid, state=LicenseState(lic.state), holder=lic.job_id, job_id=job_id
            )
            assert rule.to is not None
            self._set_state(tx, lic, rule.to, move.value, sent=rule.sent)

    @_retried
    def mark_sending(self, license_id: int, *, job_id: str) -> None:
        rule = moves.RULES[Move.SENDING]
        with self._write(durable=rule.durable) as tx:
            lic = self._get(tx, license_id)
            moves.check(
                Move.SENDING,
                uuid=lic.uuid,
                state=LicenseState(lic.state),
                holder=lic.job_id,
                job_id=job_id,
            )
            if not lic.sent:
                self._set_state(
                    tx, lic, _S.RESERVED, Move.SENDING.value, keep_owner=True, sent=rule.sent
                )

    @_retried
    def release(self, license_id: int, *, job_id: str, reason: str) -> None:
        with self._write(durable=moves.RULES[Move.RELEASE].durable) as tx:
            lic = self._get(tx, license_id)
            moves.check(
                Move.RELEASE,
                uuid=lic.uuid,
                state=LicenseState(lic.state),
                holder=lic.job_id,
                job_id=job_id,
            )
            prior = moves.release_target(uuid=lic.uuid, sent=lic.sent, prior=lic.prior_state)
            self._set_state(
                tx,
                lic,
                prior,
                Move.RELEASE.value,
                reason=reason,
                clear_chip=prior is _S.AVAILABLE,
            )

    def mark_written(self, license_id: int, *, job_id: str) -> None:
        self._owned_move(Move.WRITTEN, license_id, job_id)

    def mark_verified(self, license_id: int, *, job_id: str) -> None:
        self._owned_move(Move.VERIFIED, license_id, job_id)

    @_retried
    def mark_needs_check(self, license_id: int, *, job_id: str, reason: str) -> None:
        rule = moves.RULES[Move.NEEDS_CHECK]
        with self._write(durable=rule.durable) as tx:
            lic = self._get(tx, license_id)
            moves.check(
                Move.NEEDS_CHECK,
                uuid=lic.uuid,
                state=LicenseState(lic.state),
                holder=lic.job_id,
                job_id=job_id,
            )
            self._set_state(
                tx, lic, _S.NEEDS_CHECK, Move.NEEDS_CHECK.value, reason=reason, sent=rule.sent
            )

    @_retried
    def quarantine(self, license_id: int, *, reason: str) -> None:
        with self._write() as tx:
            lic = self._get(tx, license_id)
            moves.check(
                Move.QUARANTINE,
                uuid=lic.uuid,
                state=LicenseState(lic.state),
                holder=lic.job_id,
                job_id="",
            )
            self._set_state(tx, lic, _S.QUARANTINED, Move.QUARANTINE.value, reason=reason)

    @_retried
    def release_quarantine(self, license_id: int, *, reason: str) -> None:
        with self._write() as tx:
            lic = self._get(tx, license_id)
            moves.check(
                Move.RELEASE_QUARANTINE,
                uuid=lic.uuid,
                state=LicenseState(lic.state),
                holder=lic.job_id,
                job_id="",
            )
            to = moves.release_quarantine_target(bound=lic.bound)
            self._set_state(
                tx,
                lic,
                to,
                Move.RELEASE_QUARANTINE.value,
                reason=reason,
                clear_chip=not lic.bound,
                sent=None if lic.bound else 0,
            )

    @_retried
    def settle(self, license_id: int, *, found_on: ChipIdentity | None) -> LicenseState:
        with self._write() as tx:
            lic = self._get(tx, license_id)
            moves.check(
                Move.SETTLE,
                uuid=lic.uuid,
                state=LicenseState(lic.state),
                holder=lic.job_id,
                job_id="",
            )
            if found_on is None:
                self._set_state(
                    tx,
                    lic,
                    _S.AVAILABLE,
                    Move.SETTLE.value,
                    reason="on no chip",
                    clear_chip=True,
                    sent=0,
                )
                return _S.AVAILABLE
            other = tx.execute(
                "SELECT uuid FROM licenses WHERE package = ? AND id != ?"
                " AND (chip_mac = ? OR chip_id = ?)",
                (lic.package, lic.id, found_on.mac or None, found_on.chip_id or None),
            ).fetchone()
            if other is not None:
                raise LedgerError(
                    f"chip {found_on.mac or found_on.chip_id} is bound to license {other[0]}"
                    f" already, not {lic.uuid}",
                    hint="quarantine one of them and call support",
                    code="chip_conflict",
                    params={"chip": found_on.mac or found_on.chip_id, "other": other[0]},
                )
            self._set_state(
                tx,
                lic,
                _S.VERIFIED,
                Move.SETTLE.value,
                reason="found on the chip",
                chip=found_on,
                sent=1,
            )
            return _S.VERIFIED

    # ------------------------------------------------------------------ queries

    def find_uuid(self, uuid: str) -> LicenseRecord | None:
        with self._read() as tx:
            row = tx.execute(f"{RECORD_SQL} WHERE l.uuid = ?", (uuid,)).fetchone()
        return None if row is None else _record(row)

    def licenses_for_chip(
        self, chip: ChipIdentity, package_id: str | None = None
    ) -> list[LicenseRecord]:
        sql = f"{RECORD_SQL} WHERE (l.chip_mac = ? OR l.chip_id = ?)"
        params: list[Any] = [chip.mac or None, chip.chip_id or None]
        if package_id is not None:
            sql += " AND p.package_id = ?"
            params.append(package_id)
        with self._read() as tx:
            return [_record(r) for r in tx.execute(sql + " ORDER BY l.id", params).fetchall()]

    def in_state(self, state: LicenseState, package_id: str | None = None) -> list[LicenseRecord]:
        sql = f"{RECORD_SQL} WHERE l.state = ?"
        params: list[Any] = [state.value]
        if package_id is not None:
            sql += " AND p.package_id = ?"
            params.append(package_id)
        with self._read() as tx:
            rows = tx.execute(sql + " ORDER BY coalesce(l.updated_at, ''), l.id", params)
            return [_record(r) for r in rows.fetchall()]

    def quarantined(self, package_id: str | None = None) -> list[LicenseRecord]:
        records = self.in_state(_S.QUARANTINED, package_id)
        with self._read() as tx:
            return [
                dataclasses.replace(r, note=self._quarantine_reason(tx, r.license_id))
                for r in records
            ]

    @staticmethod
    def _quarantine_reason(tx: Tx, license_id: int) -> str:
        row = tx.execute(
            "SELECT reason FROM events WHERE license_id = ? AND event = 'quarantine'"
            " ORDER BY id DESC LIMIT 1",
            (license_id,),
        ).fetchone()
        return str(row[0] or "") if row else ""

    def record(self, license_id: int) -> LicenseRecord:
        with self._read() as tx:
            row = tx.execute(f"{RECORD_SQL} WHERE l.id = ?", (license_id,)).fetchone()
        if row is None:
            raise UnknownLicense(f"license #{license_id} is not in the ledger")
        return _record(row)

    def authkey(self, license_id: int) -> str:
        with self._read() as tx:
            found = tx.execute(
                f"SELECT {Row.COLUMNS} FROM licenses WHERE id = ?", (license_id,)
            ).fetchone()
            if found is None:
                raise UnknownLicense(f"license #{license_id} is not in the ledger")
            lic = Row.of(found)
            package_id = tx.execute(
                "SELECT package_id FROM packages WHERE id = ?", (lic.package,)
            ).fetchone()[0]
        return self._authkey(package_id, lic)

    def counts(self, package_id: str | None = None) -> dict[str, dict[LicenseState, int]]:
        sql = (
            "SELECT p.package_id, c.state, c.n"
            " FROM state_counts c JOIN packages p ON p.id = c.package"
        )
        params: tuple[str, ...] = ()
        if package_id is not None:
            sql += " WHERE p.package_id = ?"
            params = (package_id,)
        result: dict[str, dict[LicenseState, int]] = {}
        with self._read() as tx:
            if package_id is not None:
                self._package_key(tx, package_id)
            for pid, state, n in tx.execute(sql + " ORDER BY p.id", params).fetchall():
                result.setdefault(pid, dict.fromkeys(LicenseState, 0))[LicenseState(state)] = n
        return result

    def history(self, license_id: int) -> list[dict[str, object]]:
        with self._read() as tx:
            if tx.execute("SELECT 1 FROM licenses WHERE id = ?", (license_id,)).fetchone() is None:
                raise UnknownLicense(f"license #{license_id} is not in the ledger")
            cursor = tx.execute(
                """SELECT at, event, from_state, to_state, job_id, port, chip_mac, chip_id,
                       reason FROM events WHERE license_id = ? ORDER BY id""",
                (license_id,),
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def job_events(self) -> list[dict[str, Any]]:
        marks = ", ".join("?" * len(self.JOB_EVENTS))
        mine = self._own_events()
        with self._read() as tx:
            cursor = tx.execute(
                f"""SELECT e.at, e.event, e.to_state, e.job_id, e.port, e.chip_mac, e.chip_id,
                       l.uuid, p.package_id, e.owner
                    FROM events e JOIN licenses l ON l.id = e.license_id
                    JOIN packages p ON p.id = e.package
                    WHERE e.job_id IS NOT NULL AND e.event IN ({marks})
                    ORDER BY e.id""",
                self.JOB_EVENTS,
            )
            names = [d[0] for d in cursor.description][:-1]
            rows = cursor.fetchall()
        return [
            dict(zip(names, row[:-1], strict=True))
            for row in rows
            if str(row[-1] or "").startswith(mine)
        ]

    def _own_events(self) -> str:
        """The owner prefix of this station's events ("": every event in the store is)."""
        return ""

    def snapshot(self) -> list[tuple[object, ...]]:
        with self._read() as tx:
            rows = [
                tuple(r)
                for r in tx.execute(
                    f"SELECT {Row.COLUMNS}, chip_family, updated_at FROM licenses ORDER BY id"
                ).fetchall()
            ]
            rows += [
                tuple(r)
                for r in tx.execute(
                    "SELECT package, state, n FROM state_counts ORDER BY package, state"
                ).fetchall()
            ]
            rows += [
                tuple(r)
                for r in tx.execute(
                    "SELECT id, license_id, event, to_state, reason FROM events ORDER BY id"
                ).fetchall()
            ]
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]

    def check_invariants(self) -> None:
        problems: list[str] = []
        with self._read() as tx:
            packages = tx.execute("SELECT id, package_id, license_count FROM packages").fetchall()
            actual: dict[tuple[int, str], int] = {
                (p, s): n
                for p, s, n in tx.execute(
                    "SELECT package, state, count(*) FROM licenses GROUP BY package, state"
                ).fetchall()
            }
            kept = {
                (p, s): n
                for p, s, n in tx.execute("SELECT package, state, n FROM state_counts").fetchall()
            }
            for pkg, package_id, count in packages:
                total = sum(n for (p, _), n in actual.items() if p == pkg)
                if total != count:
                    problems.append(f"{package_id}: {total} licenses, manifest says {count}")
                for s in LicenseState:
                    if actual.get((pkg, s.value), 0) != kept.get((pkg, s.value), 0):
                        problems.append(f"{package_id}: kept count of {s} is wrong")
            for what, sql in _CHECKS.items():
                bad = [r[0] for r in tx.execute(sql + " LIMIT 5").fetchall()]
                if bad:
                    problems.append(f"{what}: {', '.join(map(str, bad))}")
        if problems:
            raise LedgerInvariantError("; ".join(problems))

    def check_authkeys(self) -> Iterator[tuple[LicenseRecord, str]]:
        """Open every stored AuthKey; yield each license whose key does not open, with why."""
        with self._read() as tx:
            rows = tx.execute(
                f"SELECT {', '.join('l.' + c.strip() for c in Row.COLUMNS.split(','))},"
                " p.package_id FROM licenses l JOIN packages p ON p.id = l.package ORDER BY l.id"
            ).fetchall()
        for row in rows:
            lic = Row.of(row[:-1])
            try:
                self._authkey(row[-1], lic)
            except StorageError as error:
                yield self.record(lic.id), error.message


class _UnopenableError(Exception):
    """A chip's own license was quarantined inside `reserve` because its AuthKey won't open."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_CHECKS = {
    "a UUID appears twice": """SELECT uuid FROM licenses GROUP BY uuid HAVING count(*) > 1""",
    "a chip MAC is bound to two licenses of one package": """SELECT chip_mac
        FROM licenses WHERE chip_mac IS NOT NULL GROUP BY package, chip_mac
        HAVING count(*) > 1""",
    "a chip id is bound to two licenses of one package": """SELECT chip_id
        FROM licenses WHERE chip_id IS NOT NULL GROUP BY package, chip_id
        HAVING count(*) > 1""",
    "an available license has a chip, an owner or was sent": """SELECT uuid
        FROM licenses WHERE state = 'available' AND (chip_mac IS NOT NULL
        OR chip_id IS NOT NULL OR owner IS NOT NULL OR sent != 0)""",
    "a reserved license has no owner, job or chip": f"""SELECT uuid FROM licenses
        WHERE state = 'reserved' AND (owner IS NULL OR job_id IS NULL
        OR (chip_mac IS NULL AND chip_id IS NULL
        AND substr(job_id, 1, {len(BLOCK_JOB)}) != '{BLOCK_JOB}'))""",
    "a written or verified license has no chip": """SELECT uuid FROM licenses
        WHERE state IN ('written', 'verified') AND chip_mac IS NULL
        AND chip_id IS NULL""",
    "a license that is not reserved has an owner": """SELECT uuid
        FROM licenses WHERE state != 'reserved' AND owner IS NOT NULL""",
}
