"""A pool station through a network outage, with a real server stopped and started again: the
block held ahead keeps the line going, beyond it a clear reason, the journal's moves reach the
pool when it is back, a lapsed lease does not lose the block, nothing is doubled or lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from prodtool.errors import StorageError
from prodtool.license.ledger import Reservation
from prodtool.license.model import LicenseState
from prodtool.license.pg_block import BlockPgLedger
from prodtool.license.pg_journal import JOURNAL_FILE
from prodtool.license.pg_store import PgLedger, init_pool, pool_status
from prodtool.license.testing import chip, loaded_package
from tests.pgserver import Server

S = LicenseState


@pytest.fixture
def cluster(pg_server: Server) -> Iterator[Server]:
    if pg_server.cluster is None:
        pytest.skip("stopping the server needs the tests' own (PRODTOOL_TEST_PG is set)")
    yield pg_server
    try:
        pg_server.new_database()  # up again for the next test
    except psycopg.OperationalError:
        pg_server.cluster.start()


def _station(url: str, folder: Path, name: str, block: int) -> BlockPgLedger:
    key = folder / "keys" / "pool.key"
    init_pool(url, key)
    ledger = BlockPgLedger.join(url, key_file=key, station=name, keeper=False, connections=4)
    ledger.use_journal(folder / f"{name}-{JOURNAL_FILE}", block)
    return ledger


def _write(ledger: PgLedger, r: Reservation, job: str) -> None:
    ledger.mark_sending(r.license_id, job_id=job)
    ledger.mark_written(r.license_id, job_id=job)
    ledger.mark_verified(r.license_id, job_id=job)


def test_the_line_goes_on_through_an_outage_and_the_pool_gets_every_move(
    cluster: Server, pool_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert cluster.cluster is not None
    a = _station(pool_url, tmp_path, "a", block=3)
    b = None
    try:
        pid = a.load_package(loaded_package(tmp_path, 10))
        online = a.reserve(pid, chip(1), job_id="j1", port="p1")
        _write(a, online, "j1")
        assert a.refill() == 3  # held ahead, in the pool: reserved to this station's block
        assert a.counts(pid)[pid][S.RESERVED] == 3
        status = pool_status(pool_url)
        assert [(s.station, s.block) for s in status.stations] == [("a", 3)]
        a.check_invariants()

        cluster.cluster.stop()
        got = {}
        for n in (2, 3, 4):
            r = a.reserve(pid, chip(n), job_id=f"j{n}", port=f"p{n}")
            got[n] = r
        assert a.offline.is_set()
        _write(a, got[2], "j2")
        _write(a, got[3], "j3")
        a.release(got[4].license_id, job_id="j4", reason="the chip held another license")
        # the same chip again gets the same license; beyond the block: a clear reason
        again = a.reserve(pid, chip(2), job_id="j2b", port="p2")
        assert again.uuid == got[2].uuid and again.reused and again.state is S.VERIFIED
        a.mark_verified(again.license_id, job_id="j2b")
        with pytest.raises(StorageError, match="block of 3 licenses is used up"):
            a.reserve(pid, chip(5), job_id="j5", port="p5")
        assert len({r.uuid for r in got.values()} | {online.uuid}) == 4

        cluster.cluster.start()
        # the station's lease lapsed meanwhile; another station reconciles: the block is kept
        with psycopg.connect(pool_url, autocommit=True) as conn:
            conn.execute("UPDATE leases SET expires_at = now() - interval '1 s'")
        b = _station(pool_url, tmp_path, "b", block=0)
        assert b.reconcile() == (0, 0)
        assert a.catch_up()
        assert not a.offline.is_set()
        assert a.record(got[2].license_id).state is S.VERIFIED
        assert a.record(got[3].license_id).state is S.VERIFIED
        released = a.record(got[4].license_id)  # released, then back in the refilled block
        assert released.chip_mac is None and released.job_id == "block:a"
        assert [e["event"] for e in a.history(got[4].license_id)][-3:] == [
            "reserve-offline",
            "release",
            "block",
        ]
        assert a.record(got[2].license_id).chip_mac == chip(2).mac
        history = [e["event"] for e in a.history(got[3].license_id)]
        assert history == ["block", "reserve-offline", "sending", "written", "verified"]
        assert a.journal is not None and a.journal.pending() == []
        # the line resumes by itself: the block is topped up again and reserving works
        r5 = a.reserve(pid, chip(5), job_id="j5", port="p5")
        _write(a, r5, "j5")
        counts = a.counts(pid)[pid]
        assert counts[S.VERIFIED] == 4 and counts[S.RESERVED] == 3
        assert sum(counts.values()) == 10
        a.check_invariants()
        said = [r.getMessage() for r in caplog.records if r.name.startswith("prodtool")]
        assert said == [
            f"the license pool is away: the line goes on with its block ({a.location} does not"
            " answer (check the network and the server; the line resumes when it is back))"
        ], said
    finally:
        if b is not None:
            b.close()
        a.close()
    with PgLedger.join(pool_url, key_file=tmp_path / "keys" / "pool.key", station="c") as c:
        assert c.counts(pid)[pid][S.RESERVED] == 0  # the block went back when a closed
        assert c.counts(pid)[pid][S.AVAILABLE] == 6
        c.check_invariants()


def test_a_chip_the_pool_binds_meanwhile_is_not_bound_twice(
    cluster: Server, pool_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A chip given a block license offline that the pool binds to another license (written
    on another station meanwhile): the block license is quarantined with both names."""
    assert cluster.cluster is not None
    a = _station(pool_url, tmp_path, "a", block=2)
    try:
        pid = a.load_package(loaded_package(tmp_path, 6))
        a.reserve(pid, chip(9), job_id="warm", port="p0")
        a.refill()
        cluster.cluster.stop()
        offline = a.reserve(pid, chip(1), job_id="j1", port="p1")
        _write(a, offline, "j1")
        cluster.cluster.start()
        with _station(pool_url, tmp_path, "b", block=0) as b:
            first = b.reserve(pid, chip(1), job_id="jb", port="p1")
            _write(b, first, "jb")
        assert a.catch_up()
        record = a.record(offline.license_id)
        assert record.state is S.QUARANTINED
        assert first.uuid in a.quarantined(pid)[0].note
        assert a.record(first.license_id).state is S.VERIFIED
        a.check_invariants()
    finally:
        a.close()


def test_a_station_started_again_holds_its_block_again(pool_url: str, tmp_path: Path) -> None:
    """The block belongs to the station by name: started again (even without its journal
    file) it holds the same licenses, and gives them back when it closes."""
    a = _station(pool_url, tmp_path, "a", block=2)
    pid = a.load_package(loaded_package(tmp_path, 5))
    a.reserve(pid, chip(1), job_id="j1", port="p1")
    a.refill()
    held = sorted(r.license_id for r in a.in_state(S.RESERVED) if r.job_id == "block:a")
    assert len(held) == 2
    a._stop.set()  # as if killed: no lease given back, no block returned
    a._pool.close()
    assert a.journal is not None
    a.journal.close()
    (tmp_path / f"a-{JOURNAL_FILE}").unlink()
    with _station(pool_url, tmp_path, "a", block=2) as again:
        assert again.journal is not None
        assert sorted(r[0] for r in again.journal.block()) == held
        assert again.counts(pid)[pid][S.RESERVED] == 3  # the block and the dead job's license
    with PgLedger.join(pool_url, key_file=tmp_path / "keys" / "pool.key", station="c") as c:
        # the block went back; the "killed" job's own reservation waits for its lease to lapse
        assert [r.job_id for r in c.in_state(S.RESERVED)] == ["j1"]
        c.check_invariants()


def test_moves_journaled_by_a_station_killed_offline_reach_the_pool_when_it_starts_again(
    cluster: Server, pool_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing lost: the journal is on disk before each move returns, so a station killed
    during the outage replays it when it starts again."""
    assert cluster.cluster is not None
    a = _station(pool_url, tmp_path, "a", block=2)
    pid = a.load_package(loaded_package(tmp_path, 5))
    warm = a.reserve(pid, chip(9), job_id="warm", port="p0")
    a.mark_verified(warm.license_id, job_id="warm")
    a.refill()
    cluster.cluster.stop()
    r = a.reserve(pid, chip(1), job_id="j1", port="p1")
    a.mark_sending(r.license_id, job_id="j1")
    a.mark_written(r.license_id, job_id="j1")  # killed here: the chip holds it, never verified
    a._stop.set()
    assert a.journal is not None
    a.journal.close()
    cluster.cluster.start()
    a._pool.close()
    with _station(pool_url, tmp_path, "a", block=2) as again:
        record = again.record(r.license_id)
        assert record.state is S.WRITTEN and record.chip_mac == chip(1).mac
        assert again.journal is not None and again.journal.pending() == []
        again.check_invariants()
