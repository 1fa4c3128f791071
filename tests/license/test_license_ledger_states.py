"""A hypothesis state machine drives the ledger with random (often wrong) transitions.

Checked after every step: the ledger's own invariants; a refused action changed nothing; a chip
never gets a second license of a package; a license whose AuthKey may have left for a chip never
becomes available again except by `settle(found_on=None)` (reading the chip showed it is not
there), so no license can reach two devices.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import ClassVar

import psycopg
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from prodtool.license.errors import LedgerError
from prodtool.license.ledger import ChipIdentity, Ledger
from prodtool.license.model import LicenseState
from prodtool.license.pg_store import init_pool
from prodtool.license.testing import chip, loaded_package, open_ledger
from tests.pgserver import Server, open_pool

S = LicenseState
LICENSES = 4
CHIPS = 6

ids = st.integers(min_value=1, max_value=LICENSES + 1)  # one id that does not exist
chips = st.integers(min_value=0, max_value=CHIPS - 1)
jobs = st.sampled_from(["job-a", "job-b", "job-c"])


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="prodtool-states-"))
        self.ledger = self.open()
        self.pid = self.ledger.load_package(loaded_package(self.folder, LICENSES))
        self.maybe_sent: set[int] = set()  # licenses whose AuthKey may be on some chip
        self.chip_license: dict[int, int] = {}  # chip number -> license it was given
        self.settled_free: int | None = None

    def open(self) -> Ledger:
        return open_ledger(self.folder, synchronous="OFF")  # logic only: no fsync cost

    def teardown(self) -> None:
        self.ledger.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _snapshot(self) -> list[tuple[object, ...]]:
        return self.ledger.snapshot()

    def _job(self, license_id: int, job: str, use_owner: bool) -> str:
        if use_owner and license_id <= LICENSES:
            owner: str | None = self.ledger.record(license_id).job_id
            if owner is not None:
                return owner
        return job

    def _attempt(self, action: object, *args: object, **kwargs: object) -> bool:
        before = self._snapshot()
        try:
            action(*args, **kwargs)  # type: ignore[operator]
        except LedgerError:
            assert self._snapshot() == before, "a refused action changed the ledger"
            return False
        return True

    @rule(n=chips, job=jobs)
    def reserve(self, n: int, job: str) -> None:
        before = self._snapshot()
        try:
            r = self.ledger.reserve(self.pid, chip(n), job_id=job, port=f"p{n}")
        except LedgerError:
            assert self._snapshot() == before
            return
        if n in self.chip_license:
            assert r.license_id == self.chip_license[n], "a chip got a second license"
        self.chip_license[n] = r.license_id
        self.settled_free = None

    @rule(lid=ids, job=jobs, use_owner=st.booleans())
    def mark_sending(self, lid: int, job: str, use_owner: bool) -> None:
        if self._attempt(self.ledger.mark_sending, lid, job_id=self._job(lid, job, use_owner)):
            self.maybe_sent.add(lid)

    @rule(lid=ids, job=jobs, use_owner=st.booleans())
    def release(self, lid: int, job: str, use_owner: bool) -> None:
        job = self._job(lid, job, use_owner)
        released = self._attempt(self.ledger.release, lid, job_id=job, reason="test")
        if released and self.ledger.record(lid).state is S.AVAILABLE:
            assert lid not in self.maybe_sent, "a sent license was released to available"
            self._unbind(lid)

    @rule(lid=ids, job=jobs, use_owner=st.booleans())
    def mark_written(self, lid: int, job: str, use_owner: bool) -> None:
        if self._attempt(self.ledger.mark_written, lid, job_id=self._job(lid, job, use_owner)):
            self.maybe_sent.add(lid)

    @rule(lid=ids, job=jobs, use_owner=st.booleans())
    def mark_verified(self, lid: int, job: str, use_owner: bool) -> None:
        if self._attempt(self.ledger.mark_verified, lid, job_id=self._job(lid, job, use_owner)):
            self.maybe_sent.add(lid)

    @rule(lid=ids, job=jobs, use_owner=st.booleans())
    def mark_needs_check(self, lid: int, job: str, use_owner: bool) -> None:
        job = self._job(lid, job, use_owner)
        if self._attempt(self.ledger.mark_needs_check, lid, job_id=job, reason="test"):
            self.maybe_sent.add(lid)

    @rule(lid=ids)
    def quarantine(self, lid: int) -> None:
        self._attempt(self.ledger.quarantine, lid, reason="test")

    @rule(lid=ids)
    def release_quarantine(self, lid: int) -> None:
        self._attempt(self.ledger.release_quarantine, lid, reason="test")

    @rule(lid=ids, n=st.one_of(st.none(), chips))
    def settle(self, lid: int, n: int | None) -> None:
        found: ChipIdentity | None = None if n is None else chip(n)
        if not self._attempt(self.ledger.settle, lid, found_on=found):
            return
        if n is None:
            self.maybe_sent.discard(lid)
            self._unbind(lid)
        else:
            self._unbind(lid)
            self.chip_license[n] = lid

    def _unbind(self, lid: int) -> None:
        for n in [n for n, bound in self.chip_license.items() if bound == lid]:
            del self.chip_license[n]

    @invariant()
    def books_add_up(self) -> None:
        self.ledger.check_invariants()
        counts = self.ledger.counts(self.pid)[self.pid]
        assert sum(counts.values()) == LICENSES

    @invariant()
    def sent_licenses_are_never_simply_available(self) -> None:
        for lid in self.maybe_sent:
            assert self.ledger.record(lid).state is not S.AVAILABLE


SETTINGS = settings(max_examples=40, stateful_step_count=30, deadline=None)
LedgerMachine.TestCase.settings = SETTINGS
TestLedgerStates = LedgerMachine.TestCase


class PoolMachine(LedgerMachine):
    """The same machine on a PostgreSQL pool, emptied before each example."""

    url: ClassVar[str] = ""
    keys: ClassVar[Path] = Path()

    def open(self) -> Ledger:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                "TRUNCATE licenses, packages, state_counts_base, state_deltas, events, leases"
                " RESTART IDENTITY"
            )
        ledger = open_pool(self.url, self.keys)
        with psycopg.connect(self.url, autocommit=True) as conn:
            for table in ("licenses", "packages"):  # the join's warm-up spent some numbers;
                conn.execute(  # the machine numbers its licenses from 1
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", (table,)
                )
        return ledger


def test_pool_states(pg_server: Server, tmp_path: Path) -> None:
    PoolMachine.url = pg_server.new_database()
    PoolMachine.keys = tmp_path
    init_pool(PoolMachine.url, tmp_path / "keys" / "pool.key")
    run_state_machine_as_test(PoolMachine, settings=SETTINGS)
