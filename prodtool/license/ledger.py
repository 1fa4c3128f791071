"""The license ledger: every license the station holds and the one state each is in.

SQLite in WAL mode with `synchronous=FULL` (three moves that may be lost on a power cut without
harm skip the fsync: see `_write`); every state change is one `BEGIN IMMEDIATE` transaction that
also writes a history event, so a crash leaves each license in its old or its new state, never
between. AuthKeys are sealed with the station key. A chip (by MAC or chip id) bound to a license
of a package gets that license again, never a second one.

States and moves (anything else is refused and changes nothing):

    available --reserve--> reserved --mark_written--> written --mark_verified--> verified
    reserved --mark_verified--> verified       reserved|written --mark_needs_check--> needs_check
    reserved (never sent) --release--> available (or back to what a reused license was)
    written|verified|needs_check --reserve (same chip)--> reserved
    needs_check --settle--> verified (found on a chip) | available (on no chip)
    any --quarantine--> quarantined --release_quarantine--> available (no chip) | needs_check

On open, reservations whose owner process is dead (same host; pid gone or reused) become
needs_check: the AuthKey may have reached the chip, and reading the chip back settles it.
"""

# ruff: noqa: S608 - SQL text is built from constant column lists and placeholders only; values are always bound
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import operator
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

import sqlite_utils

from prodtool.errors import StorageError
from prodtool.license.errors import (
    ChipBusy,
    DuplicateLicenses,
    LedgerError,
    LedgerInvariantError,
    LicenseQuarantined,
    NoLicensesLeft,
    RowProblem,
    TransitionError,
    UnknownLicense,
    UnknownPackage,
)
from prodtool.license.licenselist import read_license_rows, rows_error
from prodtool.license.model import (
    FORMAT_VERSION,
    AuthMethod,
    DeliveryMode,
    LicenseState,
    Manifest,
)
from prodtool.license.owner import OwnerToken, current_owner, is_dead
from prodtool.license.package import CredentialPackage
from prodtool.license.schema import migrate
from prodtool.license.sqlerrors import storage_errors
from prodtool.license.stationkey import StationKey
from prodtool.paths import StationPaths

log = logging.getLogger(__name__)

LEDGER_KEY_FILE = "ledger.key"
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
_S = LicenseState


@dataclass(frozen=True)
class ChipIdentity:
    """A chip as the engine read it. `mac` is normalised to 'aa:bb:cc:dd:ee:ff'; either the MAC
    or the chip id may be empty when unknown, not both."""

    family: str
    mac: str
    chip_id: str

    def __post_init__(self) -> None:
        mac = self.mac.strip().lower().replace("-", ":")
        if mac and not _MAC.fullmatch(mac):
            raise ValueError(f"not a MAC address: {self.mac!r}")
        object.__setattr__(self, "mac", mac)
        object.__setattr__(self, "chip_id", self.chip_id.strip())
        if not mac and not self.chip_id:
            raise ValueError("a chip needs a MAC address or a chip id")


@dataclass(frozen=True)
class Reservation:
    """A license handed to a job. `state` is what the ledger knew before this reservation:
    AVAILABLE for a fresh license; for a reused one (`reused`), its earlier state, e.g. VERIFIED
    means the chip already holds it. The license itself is now RESERVED for the job."""

    license_id: int
    package_id: str
    uuid: str
    authkey: str = field(repr=False)
    reused: bool
    state: LicenseState


@dataclass(frozen=True)
class LicenseRecord:
    """One license as the ledger holds it (never the AuthKey)."""

    license_id: int
    package_id: str
    uuid: str
    state: LicenseState
    chip_mac: str | None
    chip_id: str | None
    port: str | None
    job_id: str | None
    updated_at: str
    note: str = ""  # quarantined(): why it was quarantined


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


_RECORD_SQL = """
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


class Ledger:
    """The station's license ledger. Thread-safe: one connection, one lock, short transactions."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, key: StationKey, owner: OwnerToken
    ) -> None:
        self._conn = conn
        self.path = path
        self._key = key
        self._owner = owner.encode()
        self._lock = threading.RLock()
        self._db = sqlite_utils.Database(conn)
        self._sync_level = int(conn.execute("PRAGMA synchronous").fetchone()[0])  # 2 = FULL

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r})"

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def for_station(cls, paths: StationPaths) -> Ledger:
        return cls.open(paths.ledger, key_file=paths.keys / LEDGER_KEY_FILE)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        key_file: Path,
        busy_timeout: float = 10.0,
        synchronous: str = "FULL",
    ) -> Ledger:
        """Open (creating if new), migrate, and recover dead owners' reservations.

        `synchronous` is FULL in production; tests that only exercise logic may lower it.
        """
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
                conn.execute("PRAGMA cache_size = -65536")
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
            return ledger
        except BaseException:
            if conn is not None:
                conn.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` transaction: committed whole, or rolled back whole.

        `durable=False` commits without an fsync (WAL, `synchronous=NORMAL`): safe against a
        crash of the process, and after a power cut either kept or lost whole. Only moves whose
        loss the ledger tolerates use it: `reserve`, `release` and `mark_written`. The next
        durable commit (`mark_sending` comes before any AuthKey leaves) syncs the log up to
        itself, so they are durable by then; lost before it, a reservation whose key never
        left simply returns, and `written` reads as `sending`, which settles the same way.
        """
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
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock, storage_errors(self.path):
            yield self._conn

    def _recover_dead_owners(self) -> None:
        with self._read() as conn:
            owners = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT owner FROM licenses WHERE owner IS NOT NULL"
                    " AND state = 'reserved'"
                )
            ]
        for text in owners:
            token = OwnerToken.decode(text)
            if token is None or not is_dead(token):
                continue
            with self._write() as conn:
                now = _now()
                conn.execute(
                    """INSERT INTO events (at, license_id, package, event, from_state, to_state,
                           job_id, port, chip_mac, chip_id, owner, reason)
                       SELECT ?, id, package, 'recover', 'reserved', 'needs_check', job_id, port,
                           chip_mac, chip_id, owner, 'the process holding the reservation died'
                       FROM licenses WHERE state = 'reserved' AND owner = ?""",
                    (now, text),
                )
                count = conn.execute(
                    """UPDATE licenses SET state = 'needs_check', owner = NULL, prior_state = NULL,
                           updated_at = ?
                       WHERE state = 'reserved' AND owner = ?""",
                    (now, text),
                ).rowcount
            log.warning(
                "%d license(s) reserved by a process that is gone (pid %d) are now needs_check:"
                " read those chips back to settle them",
                count,
                token.pid,
            )

    # ------------------------------------------------------------------ packages

    def _package_key(self, conn: sqlite3.Connection, package_id: str) -> int:
        row = conn.execute("SELECT id FROM packages WHERE package_id = ?", (package_id,)).fetchone()
        if row is None:
            raise UnknownPackage(f"package {package_id} is not in the ledger")
        return int(row[0])

    def _loaded(self, manifest: Manifest) -> bool:
        with self._read() as conn:
            row = conn.execute(
                "SELECT license_count FROM packages WHERE package_id = ?", (manifest.package_id,)
            ).fetchone()
        if row is None:
            return False
        if row[0] != manifest.license_count:
            raise DuplicateLicenses(
                f"a different package with the id {manifest.package_id} is already loaded"
            )
        return True

    def load_package(self, package: CredentialPackage) -> str:
        """Add a package's licenses, all or none; loading it again changes nothing."""
        manifest = package.manifest
        if self._loaded(manifest):
            return manifest.package_id
        uuids, authkeys = package.license_columns()
        self._insert(manifest, uuids, authkeys, source=package.path.name)
        return manifest.package_id

    def import_license_list(
        self, path: Path, *, product_name: str = "", chip_family: str = "esp32c3"
    ) -> str:
        """Add a CSV/XLSX License List as a package of its own (id from the file's SHA-256)."""
        rows = read_license_rows(path)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as error:
            raise StorageError(f"cannot read {path}: {error.strerror}") from None
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
            license_count=len(rows),
            created_at=_now(),
            demo=False,
        )
        if self._loaded(manifest):
            return manifest.package_id
        known = self._known_uuids([lic.uuid for _, lic in rows])
        if known:
            problems = [
                RowProblem(
                    n, f"UUID {lic.uuid} is already in the ledger (package {known[lic.uuid]})"
                )
                for n, lic in rows
                if lic.uuid in known
            ]
            raise rows_error(path.name, problems)
        self._insert(
            manifest,
            [lic.uuid for _, lic in rows],
            [lic.authkey for _, lic in rows],
            source=path.name,
        )
        return manifest.package_id

    def _known_uuids(self, uuids: Sequence[str]) -> dict[str, str]:
        """Which of `uuids` the ledger holds already, with their package ids."""
        found: dict[str, str] = {}
        with self._read() as conn:
            for start in range(0, len(uuids), 500):
                chunk = uuids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(
                    conn.execute(
                        "SELECT l.uuid, p.package_id FROM licenses l"
                        f" JOIN packages p ON p.id = l.package WHERE l.uuid IN ({marks})",
                        chunk,
                    ).fetchall()
                )
        return found

    def _insert(
        self, manifest: Manifest, uuids: list[str], authkeys: list[str], *, source: str
    ) -> None:
        """Insert a package's licenses in one transaction, in UUID order: the UUID index then
        grows at its end instead of at random places, which halves the time for a million."""
        count = len(uuids)
        if count != manifest.license_count or count != len(authkeys):
            raise ValueError("license count does not match the manifest")
        package_id = manifest.package_id
        if count > 1:
            pick = operator.itemgetter(*sorted(range(count), key=uuids.__getitem__))
            uuids, authkeys = list(pick(uuids)), list(pick(authkeys))
        sealed = self._key.seal_many(uuids, authkeys, package_id=package_id)  # outside the lock
        del authkeys
        now = _now()
        try:
            with self._write() as conn:
                if conn.execute(
                    "SELECT 1 FROM packages WHERE package_id = ?", (package_id,)
                ).fetchone():
                    return  # another thread loaded it meanwhile
                pkg = conn.execute(
                    """INSERT INTO packages (package_id, manifest, license_count, demo, source,
                           loaded_at) VALUES (?, ?, ?, ?, ?, ?)""",
                    (package_id, manifest.to_json(), count, int(manifest.demo), source, now),
                ).lastrowid
                conn.executemany(
                    "INSERT INTO licenses (package, uuid, authkey, state)"
                    " VALUES (?, ?, ?, 'available')",
                    zip(repeat(pkg), uuids, sealed),
                )
                conn.executemany(
                    "INSERT INTO state_counts (package, state, n) VALUES (?, ?, ?)",
                    [(pkg, s.value, count if s is _S.AVAILABLE else 0) for s in LicenseState],
                )
                conn.execute(
                    "INSERT INTO events (at, package, event, to_state, reason)"
                    " VALUES (?, ?, 'load', 'available', ?)",
                    (now, pkg, f"{count} licenses from {source}"),
                )
        except sqlite3.IntegrityError:
            known = self._known_uuids(uuids)
            if not known:
                raise
            sample = ", ".join(sorted(known)[:5])
            raise DuplicateLicenses(
                f"{len(known)} license(s) of {source} are already in the ledger"
                f" (UUID {sample}{', ...' if len(known) > 5 else ''}): nothing was loaded",
                hint="a license may be loaded only once",
            ) from None

    def packages(self) -> list[Manifest]:
        with self._read():
            rows = list(self._db.query("SELECT manifest FROM packages ORDER BY id"))
        return [Manifest.from_json(r["manifest"]) for r in rows]

    def manifest(self, package_id: str) -> Manifest:
        with self._read() as conn:
            row = conn.execute(
                "SELECT manifest FROM packages WHERE package_id = ?", (package_id,)
            ).fetchone()
        if row is None:
            raise UnknownPackage(f"package {package_id} is not in the ledger")
        return Manifest.from_json(row[0])

    # ------------------------------------------------------------------ transitions

    def _event(
        self,
        conn: sqlite3.Connection,
        row: sqlite3.Row | tuple[Any, ...],
        event: str,
        to_state: LicenseState,
        *,
        job_id: str | None = None,
        port: str | None = None,
        chip: ChipIdentity | None = None,
        reason: str | None = None,
    ) -> None:
        lic = _Row(*row)
        conn.execute(
            """INSERT INTO events (at, license_id, package, event, from_state, to_state, job_id,
                   port, chip_mac, chip_id, owner, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                _now(),
                lic.id,
                lic.package,
                event,
                lic.state,
                to_state.value,
                job_id if job_id is not None else lic.job_id,
                port if port is not None else lic.port,
                (chip.mac or None) if chip else lic.chip_mac,
                (chip.chip_id or None) if chip else lic.chip_id,
                self._owner,
                reason,
            ),
        )

    def _get(self, conn: sqlite3.Connection, license_id: int) -> _Row:
        row = conn.execute(f"SELECT {_Row.COLUMNS} FROM licenses WHERE id = ?", (license_id,))
        found = row.fetchone()
        if found is None:
            raise UnknownLicense(f"license #{license_id} is not in the ledger")
        return _Row(*found)

    def reserve(
        self, package_id: str, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation:
        """The license for `chip`: the one already bound to it in this package, else the next
        available one. Raises `NoLicensesLeft`, `ChipBusy` (another job holds the chip's
        license) or `LicenseQuarantined` (the chip's license is held by a supervisor)."""
        with self._write(durable=False) as conn:
            pkg = self._package_key(conn, package_id)
            bound = conn.execute(
                f"SELECT {_Row.COLUMNS} FROM licenses WHERE package = ?"
                " AND (chip_mac = ? OR chip_id = ?)",
                (pkg, chip.mac or None, chip.chip_id or None),
            ).fetchall()
            if len(bound) > 1:
                raise LedgerInvariantError(
                    f"chip {chip.mac or chip.chip_id} is bound to {len(bound)} licenses"
                )
            if bound:
                lic = _Row(*bound[0])
                previous = LicenseState(lic.state)
                if previous is _S.QUARANTINED:
                    raise LicenseQuarantined(
                        f"the license {lic.uuid} of chip {chip.mac or chip.chip_id} is quarantined",
                        hint="a supervisor must release it; the chip gets no other license",
                    )
                if previous is _S.RESERVED and lic.job_id != job_id:
                    raise ChipBusy(
                        f"chip {chip.mac or chip.chip_id} is being written by job {lic.job_id}"
                        f" on port {lic.port}",
                        hint="wait for that job to finish",
                    )
                if previous is not _S.RESERVED or lic.port != port:
                    self._event(
                        conn,
                        bound[0],
                        "reserve-again",
                        _S.RESERVED,
                        job_id=job_id,
                        port=port,
                        chip=chip,
                    )
                    self._bind(
                        conn,
                        lic.id,
                        prior_state=lic.prior_state if previous is _S.RESERVED else previous.value,
                        family=chip.family,
                        mac=chip.mac or lic.chip_mac,
                        chip_id=chip.chip_id or lic.chip_id,
                        port=port,
                        job_id=job_id,
                    )
                return Reservation(
                    lic.id, package_id, lic.uuid, self._authkey(package_id, lic), True, previous
                )
            found = conn.execute(
                f"SELECT {_Row.COLUMNS} FROM licenses WHERE package = ? AND state = 'available'"
                " ORDER BY id LIMIT 1",
                (pkg,),
            ).fetchone()
            if found is None:
                raise NoLicensesLeft(
                    f"package {package_id} has no licenses left",
                    hint="load another package for this order",
                )
            lic = _Row(*found)
            self._event(conn, found, "reserve", _S.RESERVED, job_id=job_id, port=port, chip=chip)
            self._bind(
                conn,
                lic.id,
                prior_state=_S.AVAILABLE.value,
                family=chip.family,
                mac=chip.mac or None,
                chip_id=chip.chip_id or None,
                port=port,
                job_id=job_id,
            )
            return Reservation(
                lic.id, package_id, lic.uuid, self._authkey(package_id, lic), False, _S.AVAILABLE
            )

    def _bind(
        self,
        conn: sqlite3.Connection,
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
        conn.execute(
            """UPDATE licenses SET state = 'reserved', prior_state = ?, sent = 0,
                   chip_family = ?, chip_mac = ?, chip_id = ?, port = ?, job_id = ?,
                   owner = ?, updated_at = ? WHERE id = ?""",
            (prior_state, family, mac, chip_id, port, job_id, self._owner, _now(), license_id),
        )

    def _authkey(self, package_id: str, lic: _Row) -> str:
        return self._key.open(lic.authkey, package_id=package_id, uuid=lic.uuid)

    def _owned(
        self,
        conn: sqlite3.Connection,
        license_id: int,
        job_id: str,
        allowed: set[LicenseState],
        action: str,
    ) -> _Row:
        lic = self._get(conn, license_id)
        if LicenseState(lic.state) not in allowed:
            raise TransitionError(f"cannot {action} license {lic.uuid}: it is {lic.state}")
        if lic.job_id != job_id:
            raise TransitionError(
                f"cannot {action} license {lic.uuid}: it belongs to job {lic.job_id}, not {job_id}"
            )
        return lic

    def _set_state(
        self,
        conn: sqlite3.Connection,
        lic: _Row,
        to: LicenseState,
        event: str,
        *,
        reason: str | None = None,
        clear_chip: bool = False,
        keep_owner: bool = False,
        sent: int | None = None,
        chip: ChipIdentity | None = None,
    ) -> None:
        self._event(conn, lic.as_tuple(), event, to, reason=reason, chip=chip)
        chip_sql = ""
        params: list[Any] = [to.value, _now()]
        if clear_chip:
            chip_sql = (
                ", chip_mac = NULL, chip_id = NULL, chip_family = NULL, port = NULL, job_id = NULL"
            )
        elif chip is not None:
            chip_sql = ", chip_mac = ?, chip_id = ?, chip_family = ?"
            params += [chip.mac or None, chip.chip_id or None, chip.family]
        owner_sql = "" if keep_owner else ", owner = NULL, prior_state = NULL"
        sent_sql = "" if sent is None else f", sent = {int(sent)}"
        conn.execute(
            f"UPDATE licenses SET state = ?, updated_at = ?{chip_sql}{owner_sql}{sent_sql}"
            " WHERE id = ?",
            (*params, lic.id),
        )

    def mark_sending(self, license_id: int, *, job_id: str) -> None:
        """The AuthKey is about to leave for the chip: from now on failure means needs_check."""
        with self._write() as conn:
            lic = self._owned(conn, license_id, job_id, {_S.RESERVED}, "send")
            if not lic.sent:
                self._set_state(conn, lic, _S.RESERVED, "sending", keep_owner=True, sent=1)

    def release(self, license_id: int, *, job_id: str, reason: str) -> None:
        """Give back a reservation whose AuthKey never left: a fresh license becomes available,
        a reused one returns to what it was. Refused once sent (use `mark_needs_check`)."""
        with self._write(durable=False) as conn:
            lic = self._owned(conn, license_id, job_id, {_S.RESERVED}, "release")
            if lic.sent:
                raise TransitionError(
                    f"cannot release license {lic.uuid}: its AuthKey was sent to the chip",
                    hint="mark it needs_check instead",
                )
            prior = LicenseState(lic.prior_state or _S.AVAILABLE)
            self._set_state(
                conn, lic, prior, "release", reason=reason, clear_chip=prior is _S.AVAILABLE
            )

    def mark_written(self, license_id: int, *, job_id: str) -> None:
        with self._write(durable=False) as conn:
            lic = self._owned(conn, license_id, job_id, {_S.RESERVED}, "mark written")
            self._set_state(conn, lic, _S.WRITTEN, "written", sent=1)

    def mark_verified(self, license_id: int, *, job_id: str) -> None:
        with self._write() as conn:
            lic = self._owned(conn, license_id, job_id, {_S.RESERVED, _S.WRITTEN}, "mark verified")
            self._set_state(conn, lic, _S.VERIFIED, "verified", sent=1)

    def mark_needs_check(self, license_id: int, *, job_id: str, reason: str) -> None:
        with self._write() as conn:
            lic = self._owned(
                conn, license_id, job_id, {_S.RESERVED, _S.WRITTEN}, "mark needs_check"
            )
            self._set_state(conn, lic, _S.NEEDS_CHECK, "needs-check", reason=reason, sent=1)

    def quarantine(self, license_id: int, *, reason: str) -> None:
        """Take a license out of use (supervisor); its chip binding, if any, is kept."""
        with self._write() as conn:
            lic = self._get(conn, license_id)
            if lic.state == _S.QUARANTINED:
                raise TransitionError(f"license {lic.uuid} is already quarantined")
            self._set_state(conn, lic, _S.QUARANTINED, "quarantine", reason=reason)

    def release_quarantine(self, license_id: int, *, reason: str) -> None:
        """Supervisor: back into use. A license bound to a chip goes to needs_check (read the
        chip back to settle it), one never bound to a chip to available."""
        with self._write() as conn:
            lic = self._get(conn, license_id)
            if lic.state != _S.QUARANTINED:
                raise TransitionError(f"license {lic.uuid} is not quarantined (it is {lic.state})")
            bound = lic.chip_mac is not None or lic.chip_id is not None
            to = _S.NEEDS_CHECK if bound else _S.AVAILABLE
            self._set_state(
                conn,
                lic,
                to,
                "release-quarantine",
                reason=reason,
                clear_chip=not bound,
                sent=None if bound else 0,
            )

    def settle(self, license_id: int, *, found_on: ChipIdentity | None) -> LicenseState:
        """Record what reading the chip back showed: on `found_on` (verified), or on no chip
        (available again)."""
        with self._write() as conn:
            lic = self._get(conn, license_id)
            if lic.state != _S.NEEDS_CHECK:
                raise TransitionError(f"cannot settle license {lic.uuid}: it is {lic.state}")
            if found_on is None:
                self._set_state(
                    conn, lic, _S.AVAILABLE, "settle", reason="on no chip", clear_chip=True, sent=0
                )
                return _S.AVAILABLE
            other = conn.execute(
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
                )
            self._set_state(
                conn, lic, _S.VERIFIED, "settle", reason="found on the chip", chip=found_on, sent=1
            )
            return _S.VERIFIED

    # ------------------------------------------------------------------ queries

    def find_uuid(self, uuid: str) -> LicenseRecord | None:
        with self._read() as conn:
            row = conn.execute(f"{_RECORD_SQL} WHERE l.uuid = ?", (uuid,)).fetchone()
        return None if row is None else _record(row)

    def licenses_for_chip(
        self, chip: ChipIdentity, package_id: str | None = None
    ) -> list[LicenseRecord]:
        sql = f"{_RECORD_SQL} WHERE (l.chip_mac = ? OR l.chip_id = ?)"
        params: list[Any] = [chip.mac or None, chip.chip_id or None]
        if package_id is not None:
            sql += " AND p.package_id = ?"
            params.append(package_id)
        with self._read() as conn:
            return [_record(r) for r in conn.execute(sql + " ORDER BY l.id", params)]

    def in_state(self, state: LicenseState, package_id: str | None = None) -> list[LicenseRecord]:
        """Every license in `state` (of one package, when given), oldest change first."""
        sql = f"{_RECORD_SQL} WHERE l.state = ?"
        params: list[Any] = [state.value]
        if package_id is not None:
            sql += " AND p.package_id = ?"
            params.append(package_id)
        with self._read() as conn:
            rows = conn.execute(sql + " ORDER BY coalesce(l.updated_at, ''), l.id", params)
            return [_record(r) for r in rows]

    def quarantined(self, package_id: str | None = None) -> list[LicenseRecord]:
        """Quarantined licenses, each with the reason it was quarantined (`note`)."""
        records = self.in_state(_S.QUARANTINED, package_id)
        with self._read() as conn:
            return [
                dataclasses.replace(r, note=self._quarantine_reason(conn, r.license_id))
                for r in records
            ]

    @staticmethod
    def _quarantine_reason(conn: sqlite3.Connection, license_id: int) -> str:
        row = conn.execute(
            "SELECT reason FROM events WHERE license_id = ? AND event = 'quarantine'"
            " ORDER BY id DESC LIMIT 1",
            (license_id,),
        ).fetchone()
        return str(row[0] or "") if row else ""

    def record(self, license_id: int) -> LicenseRecord:
        with self._read() as conn:
            row = conn.execute(f"{_RECORD_SQL} WHERE l.id = ?", (license_id,)).fetchone()
        if row is None:
            raise UnknownLicense(f"license #{license_id} is not in the ledger")
        return _record(row)

    def authkey(self, license_id: int) -> str:
        """The decrypted AuthKey, for QA comparison with what a chip holds."""
        with self._read() as conn:
            lic = self._get(conn, license_id)
            package_id = conn.execute(
                "SELECT package_id FROM packages WHERE id = ?", (lic.package,)
            ).fetchone()[0]
        return self._authkey(package_id, lic)

    def counts(self, package_id: str | None = None) -> dict[str, dict[LicenseState, int]]:
        """Licenses per state, per package (kept up to date by a trigger: no table scan)."""
        sql = (
            "SELECT p.package_id, c.state, c.n"
            " FROM state_counts c JOIN packages p ON p.id = c.package"
        )
        params: tuple[str, ...] = ()
        if package_id is not None:
            sql += " WHERE p.package_id = ?"
            params = (package_id,)
        result: dict[str, dict[LicenseState, int]] = {}
        with self._read() as conn:
            if package_id is not None:
                self._package_key(conn, package_id)
            for pid, state, n in conn.execute(sql + " ORDER BY p.id", params):
                result.setdefault(pid, dict.fromkeys(LicenseState, 0))[LicenseState(state)] = n
        return result

    def history(self, license_id: int) -> list[dict[str, object]]:
        with self._read() as conn:
            self._get(conn, license_id)
            return list(
                self._db.query(
                    """SELECT at, event, from_state, to_state, job_id, port, chip_mac, chip_id,
                           reason FROM events WHERE license_id = ? ORDER BY id""",
                    [license_id],
                )
            )

    JOB_EVENTS = ("reserve", "sending", "written", "verified", "release", "needs-check")

    def job_events(self) -> list[dict[str, Any]]:
        """Every move a job made (reserve ... verified, release, needs-check), oldest first,
        with the license's UUID and package: what `log audit` and the write log's recovery
        compare with the write log's records."""
        marks = ", ".join("?" * len(self.JOB_EVENTS))
        with self._read():
            return list(
                self._db.query(
                    f"""SELECT e.at, e.event, e.to_state, e.job_id, e.port, e.chip_mac,
                           e.chip_id, l.uuid, p.package_id
                        FROM events e JOIN licenses l ON l.id = e.license_id
                        JOIN packages p ON p.id = e.package
                        WHERE e.job_id IS NOT NULL AND e.event IN ({marks})
                        ORDER BY e.id""",
                    list(self.JOB_EVENTS),
                )
            )

    def check_invariants(self) -> None:
        """Raise `LedgerInvariantError` unless the books add up (see the module docstring)."""
        problems: list[str] = []
        with self._read() as conn:
            packages = conn.execute("SELECT id, package_id, license_count FROM packages").fetchall()
            actual: dict[tuple[int, str], int] = {
                (p, s): n
                for p, s, n in conn.execute(
                    "SELECT package, state, count(*) FROM licenses GROUP BY package, state"
                )
            }
            kept = {
                (p, s): n for p, s, n in conn.execute("SELECT package, state, n FROM state_counts")
            }
            for pkg, package_id, count in packages:
                total = sum(n for (p, _), n in actual.items() if p == pkg)
                if total != count:
                    problems.append(f"{package_id}: {total} licenses, manifest says {count}")
                for s in LicenseState:
                    if actual.get((pkg, s.value), 0) != kept.get((pkg, s.value), 0):
                        problems.append(f"{package_id}: kept count of {s} is wrong")
            checks = {
                "a UUID appears twice": """SELECT uuid FROM licenses GROUP BY uuid
                    HAVING count(*) > 1""",
                "a chip MAC is bound to two licenses of one package": """SELECT chip_mac
                    FROM licenses WHERE chip_mac IS NOT NULL GROUP BY package, chip_mac
                    HAVING count(*) > 1""",
                "a chip id is bound to two licenses of one package": """SELECT chip_id
                    FROM licenses WHERE chip_id IS NOT NULL GROUP BY package, chip_id
                    HAVING count(*) > 1""",
                "an available license has a chip, an owner or was sent": """SELECT uuid
                    FROM licenses WHERE state = 'available' AND (chip_mac IS NOT NULL
                    OR chip_id IS NOT NULL OR owner IS NOT NULL OR sent != 0)""",
                "a reserved license has no owner, job or chip": """SELECT uuid FROM licenses
                    WHERE state = 'reserved' AND (owner IS NULL OR job_id IS NULL
                    OR (chip_mac IS NULL AND chip_id IS NULL))""",
                "a written or verified license has no chip": """SELECT uuid FROM licenses
                    WHERE state IN ('written', 'verified') AND chip_mac IS NULL
                    AND chip_id IS NULL""",
                "a license that is not reserved has an owner": """SELECT uuid
                    FROM licenses WHERE state != 'reserved' AND owner IS NOT NULL""",
            }
            for what, sql in checks.items():
                bad = [r[0] for r in conn.execute(sql + " LIMIT 5")]
                if bad:
                    problems.append(f"{what}: {', '.join(map(str, bad))}")
        if problems:
            raise LedgerInvariantError("; ".join(problems))


@dataclass(frozen=True)
class _Row:
    """A licenses row as read for a transition (the sealed AuthKey stays sealed)."""

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

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.package,
            self.uuid,
            self.authkey,
            self.state,
            self.prior_state,
            self.sent,
            self.chip_mac,
            self.chip_id,
            self.port,
            self.job_id,
            self.owner,
        )
