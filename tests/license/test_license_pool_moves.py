"""The pool's one-statement moves (`pg_moves`): a move a dropped connection may have committed
is tried again and taken as done when found made, and no license is stranded below a station's
reserve cursor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prodtool.license.errors import NoLicensesLeft, TransitionError
from prodtool.license.model import LicenseState
from prodtool.license.pg_store import PgLedger, StaleConnectionError
from prodtool.license.testing import chip, loaded_package
from tests.pgserver import open_pool

S = LicenseState


def _cut_after_commit(monkeypatch: pytest.MonkeyPatch, ledger: PgLedger, cuts: int) -> None:
    """The next `cuts` one-statement moves commit, then their connection "drops" before the
    answer arrives (as when the server or the network goes away at that instant)."""
    real = PgLedger._one
    left = [cuts]

    def one(self: PgLedger, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        rows = real(self, sql, params)
        if left[0] > 0:
            left[0] -= 1
            raise StaleConnectionError("the connection dropped (test)")
        return rows

    monkeypatch.setattr(PgLedger, "_one", one)


def test_a_move_cut_after_its_commit_is_done_once(
    pool_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_pool(pool_url, tmp_path, station="a") as a:
        pid = a.load_package(loaded_package(tmp_path, 3))
        _cut_after_commit(monkeypatch, a, 1)
        r = a.reserve(pid, chip(1), job_id="j1", port="p1")  # found bound to this job: its own
        for move in (a.mark_sending, a.mark_written, a.mark_verified):
            _cut_after_commit(monkeypatch, a, 1)
            move(r.license_id, job_id="j1")
        assert a.record(r.license_id).state is S.VERIFIED
        events = [e["event"] for e in a.history(r.license_id)]
        assert events == ["reserve", "sending", "written", "verified"]  # each once
        assert a.counts(pid)[pid][S.AVAILABLE] == 2
        with pytest.raises(TransitionError):  # not cut: a second verify is refused, as ever
            a.mark_verified(r.license_id, job_id="j1")
        a.check_invariants()


def test_a_license_freed_below_a_station_s_cursor_is_not_stranded(
    pool_url: str, tmp_path: Path
) -> None:
    a = open_pool(pool_url, tmp_path, station="a")
    b = open_pool(pool_url, tmp_path, station="b")
    try:
        pid = a.load_package(loaded_package(tmp_path, 4))
        first = b.reserve(pid, chip(1), job_id="b1", port="p")
        taken = [a.reserve(pid, chip(n), job_id=f"a{n}", port="p").license_id for n in (2, 3)]
        b.release(first.license_id, job_id="b1", reason="never sent")  # below a's cursor
        taken.append(a.reserve(pid, chip(4), job_id="a4", port="p").license_id)
        taken.append(a.reserve(pid, chip(5), job_id="a5", port="p").license_id)  # wraps round
        assert first.license_id in taken and len(set(taken)) == 4
        with pytest.raises(NoLicensesLeft):
            a.reserve(pid, chip(6), job_id="a6", port="p")
        a.check_invariants()
    finally:
        a.close()
        b.close()


def test_a_move_s_synchronous_commit_stays_in_its_own_transaction(
    pool_url: str, tmp_path: Path
) -> None:
    """`reserve` and `mark_written` commit without waiting for the WAL flush (`set_config`,
    local to the statement's transaction); that setting must not stay on the connection, or the
    next durable move (`mark_sending`) would not be on disk before the AuthKey leaves."""
    with open_pool(pool_url, tmp_path, station="a", connections=1) as a:
        pid = a.load_package(loaded_package(tmp_path, 3))
        r = a.reserve(pid, chip(1), job_id="j1", port="p1")
        with a._pool.connection() as conn:  # the one connection the moves use
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
        a.mark_written(r.license_id, job_id="j1")
        with a._pool.connection() as conn:
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
