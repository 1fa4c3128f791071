"""The pool on PostgreSQL: stations share one pool without waiting on each other, a lapsed
lease's reservations are reconciled by any station, and the CLI reaches the pool by URL."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from prodtool.cli.main import main
from prodtool.errors import StorageError
from prodtool.license import pg_schema, pg_store
from prodtool.license.errors import ChipBusy
from prodtool.license.model import LicenseState
from prodtool.license.pg_store import PgLedger, init_pool, where
from prodtool.license.testing import chip, loaded_package
from prodtool.paths import station_paths
from prodtool.settings import Settings, save_settings
from tests.license.flashable import flashable_package
from tests.license.paused import paused_child
from tests.pgserver import Server, open_pool

S = LicenseState
ROOT = Path(__file__).resolve().parents[2]


def test_two_stations_share_one_pool_and_never_get_the_same_license(
    pool_url: str, tmp_path: Path
) -> None:
    a = open_pool(pool_url, tmp_path, station="a", connections=16)
    b = open_pool(pool_url, tmp_path, station="b", connections=16)
    try:
        package = loaded_package(tmp_path, 64)
        pid = a.load_package(package)
        assert b.load_package(package) == pid  # loaded once, shared
        got: list[tuple[str, int]] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(32)

        def port(ledger: PgLedger, n: int) -> None:
            try:
                barrier.wait(timeout=10)
                for k in range(2):
                    job = f"{ledger.station}-{n}-{k}"
                    r = ledger.reserve(pid, chip(n * 2 + k), job_id=job, port=f"p{n}")
                    ledger.mark_sending(r.license_id, job_id=job)
                    ledger.mark_verified(r.license_id, job_id=job)
                    got.append((r.uuid, r.license_id))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=port, args=(a if n % 2 else b, n)) for n in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors
        assert len(got) == 64 and len({u for u, _ in got}) == 64
        assert a.counts(pid)[pid][S.VERIFIED] == 64
        a.check_invariants()
        b.compact_counts()  # the deltas folded into the base: the same counts
        assert a.counts(pid)[pid][S.VERIFIED] == 64 and a.counts(pid)[pid][S.AVAILABLE] == 0
        a.check_invariants()
    finally:
        a.close()
        b.close()


def test_a_chip_held_by_another_station_is_busy(pool_url: str, tmp_path: Path) -> None:
    with (
        open_pool(pool_url, tmp_path, station="a") as a,
        open_pool(pool_url, tmp_path, station="b") as b,
    ):
        pid = a.load_package(loaded_package(tmp_path, 3))
        a.reserve(pid, chip(1), job_id="ja", port="p1")
        with pytest.raises(ChipBusy):
            b.reserve(pid, chip(1), job_id="jb", port="p1")


def test_joining_warms_every_connection_on_a_package_it_rolls_back(
    pool_url: str, tmp_path: Path
) -> None:
    """The warm-up runs the hot moves on a stand-in package on each connection and rolls it
    back: its package numbers are spent (a sequence is not rolled back), no row stays, and
    no real license moved."""
    seq = "SELECT last_value FROM packages_id_seq"
    with open_pool(pool_url, tmp_path, station="a") as a:
        pid = a.load_package(loaded_package(tmp_path, 1))
        with psycopg.connect(pool_url) as conn:
            before = conn.execute(seq).fetchone()
        with open_pool(pool_url, tmp_path, station="b", connections=3) as b:
            with psycopg.connect(pool_url) as conn:
                after = conn.execute(seq).fetchone()
            assert before is not None and after == (before[0] + 3,)
            assert b.reserve(pid, chip(1), job_id="jb", port="p1").uuid  # the one license
        with psycopg.connect(pool_url) as conn:
            assert conn.execute("SELECT count(*) FROM packages").fetchone() == (1,)
            assert conn.execute("SELECT count(*) FROM licenses").fetchone() == (1,)
            assert conn.execute("SELECT count(*) FROM events WHERE job_id = 'w'").fetchone() == (0,)
        a.check_invariants()


def test_a_warm_up_that_fails_does_not_keep_a_station_out(
    pool_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pg_store, "_WARM_PACKAGE", "SELECT no_such_column FROM packages")
    with open_pool(pool_url, tmp_path, station="a") as a:
        pid = a.load_package(loaded_package(tmp_path, 1))
        assert a.reserve(pid, chip(1), job_id="ja", port="p1").uuid
    assert "not warmed up" in caplog.text


def test_a_lapsed_lease_is_reconciled_by_another_station(
    pool_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A station that dies (its lease no longer renewed): its never-sent reservation comes
    back, its sent one becomes needs_check, and the other station does it."""
    dead = open_pool(pool_url, tmp_path, station="dead", lease_s=0.5)
    pid = dead.load_package(loaded_package(tmp_path, 4))
    unsent = dead.reserve(pid, chip(1), job_id="j1", port="p1")
    sent = dead.reserve(pid, chip(2), job_id="j2", port="p2")
    dead.mark_sending(sent.license_id, job_id="j2")
    dead._stop.set()  # it dies: no close, no renewal
    with open_pool(pool_url, tmp_path, station="alive") as alive:
        assert alive.record(unsent.license_id).state is S.RESERVED  # lease still running
        with psycopg.connect(pool_url, autocommit=True) as conn:
            conn.execute("UPDATE leases SET expires_at = now() - interval '1 s'")
        alive.renew()  # its own lease is taken again
        assert alive.reconcile() == (1, 1)
        assert alive.record(unsent.license_id).state is S.AVAILABLE
        assert alive.record(sent.license_id).state is S.NEEDS_CHECK
        alive.check_invariants()
    dead._pool.close()


def test_the_lease_keeper_renews_while_the_station_lives(pool_url: str, tmp_path: Path) -> None:
    with open_pool(pool_url, tmp_path, station="a", lease_s=0.6, keeper=True) as a:
        first = a.leases()[0].expires_in_s
        renewed = threading.Event()

        def watch() -> None:
            with psycopg.connect(pool_url, autocommit=True) as conn:
                conn.execute("LISTEN nothing")
                for _ in range(200):
                    left = conn.execute(
                        "SELECT extract(epoch FROM renewed_at - started_at) FROM leases"
                    ).fetchone()
                    if left and left[0] > 0:
                        renewed.set()
                        return
                    conn.execute("SELECT pg_sleep(0.02)")

        watcher = threading.Thread(target=watch)
        watcher.start()
        watcher.join(timeout=10)
        assert renewed.is_set() and first <= 0.6


def test_joining_needs_the_schema_and_the_pool_key(pool_url: str, tmp_path: Path) -> None:
    key = tmp_path / "keys" / "pool.key"
    with pytest.raises(StorageError, match="no prodtool schema"):
        PgLedger.join(pool_url, key_file=key, station="a")
    assert init_pool(pool_url, key)[2] is True
    other = tmp_path / "other" / "pool.key"
    with pytest.raises(StorageError, match="lacks its key"):
        init_pool(pool_url, other)
    other.parent.mkdir()
    other.write_bytes(b"\x01" * 32)
    with pytest.raises(StorageError, match="not the key"):
        PgLedger.join(pool_url, key_file=other, station="a")


def test_an_unreachable_pool_is_one_line_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://prod:hunter2secret@/nodb?host={tmp_path}&port=1"
    assert where(url) == f"prod@{tmp_path}:1/nodb"
    code = main(["ledger", "status", "--ledger", url])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "unreachable" in err and "hunter2secret" not in err


def test_cli_pool_init_status_and_ledger_by_url(
    pool_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pool", "init", pool_url]) == 0
    assert f"created at schema {pg_schema.LATEST}" in capsys.readouterr().out
    assert main(["pool", "init", pool_url]) == 0
    assert f"is already at schema {pg_schema.LATEST}" in capsys.readouterr().out
    pkg = flashable_package(tmp_path / "p.prodpkg", count=5)
    pw = tmp_path / "pw"
    pw.write_text("correct horse battery staple")
    assert (
        main(["package", "load", str(pkg), "--password-file", str(pw), "--ledger", pool_url]) == 0
    )
    capsys.readouterr()
    assert main(["pool", "status", pool_url, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [c["available"] for c in status["packages"].values()] == [5]
    assert main(["ledger", "status", "--ledger", pool_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["packages"][0]["counts"]["available"] == 5
    assert "postgres@" in out["ledger"]


_CHILD = """
import sys
from pathlib import Path
from prodtool.license.pg_store import PgLedger
from prodtool.paths import station_paths
from prodtool.settings import Settings, save_settings
from prodtool.license.testing import chip

url, key, pid = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
ledger = PgLedger.join(url, key_file=key, station="killed")
a = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
b = ledger.reserve(pid, chip(2), job_id="j2", port="p2")
ledger.mark_sending(b.license_id, job_id="j2")
print(a.license_id, b.license_id, flush=True)
sys.stdin.readline()
"""


def test_a_killed_station_s_lease_ends_when_it_starts_again(
    pool_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL: no lease given back. The next join on this host sees the process gone and
    settles its reservations at once, without waiting for the lease to lapse."""
    with open_pool(pool_url, tmp_path, station="loader") as loader:
        pid = loader.load_package(loaded_package(tmp_path, 4))
    with paused_child(_CHILD, pool_url, str(tmp_path / "keys" / "pool.key"), pid) as child:
        unsent, sent = map(int, child.said.split())
    with open_pool(pool_url, tmp_path, station="killed") as again:
        assert again.record(unsent).state is S.AVAILABLE
        assert again.record(sent).state is S.NEEDS_CHECK
        assert [lease.station for lease in again.leases()] == ["killed"]
        again.check_invariants()


def test_a_station_set_up_for_the_pool_loads_no_pool_package_into_its_own_ledger(
    pool_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = station_paths().ensure()
    save_settings(Settings(ledger_url=pool_url), paths.settings)
    assert main(["pool", "init", pool_url]) == 0
    pkg = flashable_package(tmp_path / "p.prodpkg", count=3)
    other = flashable_package(tmp_path / "q.prodpkg", count=2, seed=2)
    pw = tmp_path / "pw"
    pw.write_text("correct horse battery staple")
    assert main(["package", "load", str(pkg), "--password-file", str(pw)]) == 0  # the pool
    capsys.readouterr()
    local = f"sqlite:{tmp_path / 'local.sqlite3'}"
    assert main(["package", "load", str(pkg), "--password-file", str(pw), "--ledger", local]) == 2
    assert "is in the license pool" in capsys.readouterr().err
    assert main(["package", "load", str(other), "--password-file", str(pw), "--ledger", local]) == 0


def test_an_older_pool_is_refused_until_pool_init_migrates_it(
    pool_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "keys" / "pool.key"
    init_pool(pool_url, key)
    with psycopg.connect(pool_url, autocommit=True) as conn:  # as prodtool's schema 2 left it
        conn.execute("DROP INDEX licenses_uuid_nocase")
        conn.execute("ALTER TABLE packages DROP COLUMN content_digest")
        conn.execute("ALTER TABLE licenses DROP COLUMN authkey_tag")  # its indexes go with it
        conn.execute("DELETE FROM schema_version WHERE version > 2")
    with pytest.raises(StorageError, match=f"at schema 2, this prodtool needs {pg_schema.LATEST}"):
        PgLedger.join(pool_url, key_file=key, station="a")
    shutil.copy(key, station_paths().ensure().keys / "pool.key")
    assert main(["pool", "init", pool_url]) == 0
    assert f"migrated at schema {pg_schema.LATEST}" in capsys.readouterr().out
    with PgLedger.join(pool_url, key_file=key, station="a") as pool:
        assert pool.shipped("a") == -1


def test_two_stations_loading_one_package_at_once_load_it_once(
    pool_url: str, tmp_path: Path
) -> None:
    package = loaded_package(tmp_path, 500)
    with (
        open_pool(pool_url, tmp_path, station="a") as a,
        open_pool(pool_url, tmp_path, station="b") as b,
    ):
        barrier = threading.Barrier(2)
        got: list[str] = []
        errors: list[BaseException] = []

        def load(ledger: PgLedger) -> None:
            try:
                barrier.wait(timeout=10)
                got.append(ledger.load_package(package))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=load, args=(x,)) for x in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors and len(set(got)) == 1 and len(got) == 2
        assert a.counts(got[0])[got[0]][S.AVAILABLE] == 500
        assert len(a.packages()) == 1
        a.check_invariants()


def test_a_station_started_with_the_pool_unreachable_says_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = flashable_package(tmp_path / "p.prodpkg", count=2)
    pw = tmp_path / "pw"
    pw.write_text("correct horse battery staple")
    url = f"postgresql://prod@/nodb?host={tmp_path}&port=1"
    args = ["run", "--package", str(pkg), "--password-file", str(pw), "--ports", "socket://x:1"]
    assert main([*args, "--ledger", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "license pool" in err and "unreachable" in err


def test_job_events_on_a_pool_are_the_station_s_own(pool_url: str, tmp_path: Path) -> None:
    """Every station writes into the pool's one events table; `log audit` and the write log's
    recovery of a station must not take another station's jobs for its own (issue 15 item 9)."""
    a = open_pool(pool_url, tmp_path, station="a")
    b = open_pool(pool_url, tmp_path, station="a-b")  # a name that starts like the other's
    try:
        pid = a.load_package(loaded_package(tmp_path, 4))
        for ledger, n in ((a, 1), (b, 2)):
            r = ledger.reserve(pid, chip(n), job_id=f"job-{n}", port=f"p{n}")
            ledger.mark_sending(r.license_id, job_id=f"job-{n}")
            ledger.mark_verified(r.license_id, job_id=f"job-{n}")
        assert {e["job_id"] for e in a.job_events()} == {"job-1"}
        assert {e["job_id"] for e in b.job_events()} == {"job-2"}
        assert [e["event"] for e in a.job_events()] == ["reserve", "sending", "verified"]
    finally:
        a.close()
        b.close()


def test_a_server_restart_between_moves_costs_no_move(
    pg_server: Server, pool_url: str, tmp_path: Path
) -> None:
    """No connection is checked before a move; the pooled ones the restart killed are found
    dead on the first statement (nothing committed) and the move runs again on a fresh one."""
    if pg_server.cluster is None:
        pytest.skip("the restart needs the tests' own server (PRODTOOL_TEST_PG is set)")
    with open_pool(pool_url, tmp_path, station="a", connections=4) as a:
        pid = a.load_package(loaded_package(tmp_path, 4))
        first = a.reserve(pid, chip(1), job_id="j1", port="p1")
        a.mark_sending(first.license_id, job_id="j1")
        pg_server.cluster.restart()
        a.mark_verified(first.license_id, job_id="j1")  # its connection died with the server
        second = a.reserve(pid, chip(2), job_id="j2", port="p2")
        a.release(second.license_id, job_id="j2", reason="test")
        assert a.record(first.license_id).state is S.VERIFIED
        assert a.counts(pid)[pid][S.AVAILABLE] == 3
        a.check_invariants()
