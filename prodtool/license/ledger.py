"""The license ledger as the engine sees it: every license and the one state each is in.

This module is the interface; the moves are one table in `moves`, their SQL in `sqlstore`, and
two stores keep the licenses: `sqlite_store` (one station, the default: a file in the station
folder) and `pg_store` (a pool on a PostgreSQL server that several stations share). Every state
change is one transaction that also writes a history event, so a crash leaves each license in its
old or its new state, never between. AuthKeys are sealed with a key the stations hold, never the
server. A chip (by MAC or chip id) bound to a license of a package gets that license again, never
a second one. A reservation belongs to its holder (a process on one station, a lease in a pool);
when the holder is gone, one whose AuthKey never left is released and one that may have left
becomes needs_check, settled by reading the chip back.
"""

from __future__ import annotations

import abc
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from prodtool.license.model import LicenseState, Manifest

if TYPE_CHECKING:
    from prodtool.license.package import CredentialPackage
    from prodtool.license.sqlite_store import SqliteLedger
    from prodtool.paths import StationPaths

LEDGER_KEY_FILE = "ledger.key"
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
ENV_URL = "PRODTOOL_LEDGER"  # a ledger URL for every command, when --ledger is not given


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

    @property
    def delivered_before(self) -> bool:
        """The chip got this license from an earlier job that passed (the ledger had it
        verified): a rework, not the license's first write. A chip bound by a job that never
        passed (killed after the AuthKey left: needs_check, written, reserved) is finished by
        this job, whose pass is then the license's first write."""
        return self.reused and self.state is LicenseState.VERIFIED


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


class Ledger(abc.ABC):
    """The ledger every store implements; `open` and `for_station` pick the store."""

    location: str  # where the licenses are kept, for messages (never a password)

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def for_station(cls, paths: StationPaths, url: str | None = None) -> Ledger:
        """The station's ledger: `url` (from --ledger), else $PRODTOOL_LEDGER, else the
        station's settings, else the SQLite file in the station folder."""
        from prodtool.license.stores import open_store  # noqa: PLC0415 - stores import this

        return open_store(paths, url or os.environ.get(ENV_URL) or None)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        key_file: Path,
        busy_timeout: float = 10.0,
        synchronous: str = "FULL",
    ) -> SqliteLedger:
        """A station's SQLite ledger at `path` (created if new, migrated, dead owners
        recovered). `synchronous` is FULL in production; logic-only tests may lower it."""
        from prodtool.license.sqlite_store import (  # noqa: PLC0415 - it imports this
            SqliteLedger,
        )

        return SqliteLedger.open(
            path, key_file=key_file, busy_timeout=busy_timeout, synchronous=synchronous
        )

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ packages

    @abc.abstractmethod
    def load_package(self, package: CredentialPackage) -> str:
        """Add a package's licenses, all or none; loading it again changes nothing."""

    @abc.abstractmethod
    def import_license_list(
        self, path: Path, *, product_name: str = "", chip_family: str = "esp32c3"
    ) -> str:
        """Add a CSV/XLSX License List as a package of its own (id from the file's SHA-256)."""

    @abc.abstractmethod
    def has_package(self, package_id: str) -> bool: ...

    @abc.abstractmethod
    def packages(self) -> list[Manifest]: ...

    @abc.abstractmethod
    def manifest(self, package_id: str) -> Manifest: ...

    # ------------------------------------------------------------------ moves (the job's)

    @abc.abstractmethod
    def reserve(
        self, package_id: str, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation:
        """The license for `chip`: the one already bound to it in this package, else the next
        available one. Raises `NoLicensesLeft`, `ChipBusy` (another job holds the chip's
        license) or `LicenseQuarantined` (the chip's license is held by a supervisor). A free
        license whose stored AuthKey does not open is quarantined with that reason, and the
        next one is taken."""

    @abc.abstractmethod
    def mark_sending(self, license_id: int, *, job_id: str) -> None:
        """The AuthKey is about to leave for the chip: from now on failure means needs_check."""

    @abc.abstractmethod
    def release(self, license_id: int, *, job_id: str, reason: str) -> None:
        """Give back a reservation whose AuthKey never left: a fresh license becomes available,
        a reused one returns to what it was. Refused once sent (use `mark_needs_check`)."""

    @abc.abstractmethod
    def mark_written(self, license_id: int, *, job_id: str) -> None: ...

    @abc.abstractmethod
    def mark_verified(self, license_id: int, *, job_id: str) -> None: ...

    @abc.abstractmethod
    def mark_needs_check(self, license_id: int, *, job_id: str, reason: str) -> None: ...

    @abc.abstractmethod
    def quarantine(self, license_id: int, *, reason: str) -> None:
        """Take a license out of use (supervisor); its chip binding, if any, is kept."""

    # ------------------------------------------------------------------ moves (supervisor's)

    @abc.abstractmethod
    def release_quarantine(self, license_id: int, *, reason: str) -> None:
        """Supervisor: back into use. A license bound to a chip goes to needs_check (read the
        chip back to settle it), one never bound to a chip to available."""

    @abc.abstractmethod
    def settle(self, license_id: int, *, found_on: ChipIdentity | None) -> LicenseState:
        """Record what reading the chip back showed: on `found_on` (verified), or on no chip
        (available again)."""

    # ------------------------------------------------------------------ queries

    @abc.abstractmethod
    def find_uuid(self, uuid: str) -> LicenseRecord | None: ...

    @abc.abstractmethod
    def licenses_for_chip(
        self, chip: ChipIdentity, package_id: str | None = None
    ) -> list[LicenseRecord]: ...

    @abc.abstractmethod
    def in_state(self, state: LicenseState, package_id: str | None = None) -> list[LicenseRecord]:
        """Every license in `state` (of one package, when given), oldest change first."""

    @abc.abstractmethod
    def quarantined(self, package_id: str | None = None) -> list[LicenseRecord]:
        """Quarantined licenses, each with the reason it was quarantined (`note`)."""

    @abc.abstractmethod
    def record(self, license_id: int) -> LicenseRecord: ...

    @abc.abstractmethod
    def authkey(self, license_id: int) -> str:
        """The decrypted AuthKey, for QA comparison with what a chip holds."""

    @abc.abstractmethod
    def counts(self, package_id: str | None = None) -> dict[str, dict[LicenseState, int]]:
        """Licenses per state, per package (kept up to date by a trigger: no table scan)."""

    @abc.abstractmethod
    def history(self, license_id: int) -> list[dict[str, object]]: ...

    # the history events a job's moves write (Move values and "reserve"): what `job_events` reads
    JOB_EVENTS = ("reserve", "sending", "written", "verified", "release", "needs-check")

    @abc.abstractmethod
    def job_events(self) -> list[dict[str, Any]]:
        """Every move this station's jobs made (reserve ... verified, release, needs-check),
        oldest first: `at, event, to_state, job_id, port, chip_mac, chip_id, uuid, package_id`.
        What `log audit` and the write log's recovery compare with the write log's records; in
        a pool, only the moves of this station (the others' are in their own write logs)."""

    @abc.abstractmethod
    def check_invariants(self) -> None:
        """Raise `LedgerInvariantError` unless the books add up."""

    @abc.abstractmethod
    def check_authkeys(self) -> Iterator[tuple[LicenseRecord, str]]:
        """Open every stored AuthKey; yield each license whose key does not open, with why."""

    @abc.abstractmethod
    def snapshot(self) -> list[tuple[object, ...]]:
        """Every license row, kept count and event, for tests that a refusal changed nothing."""
