"""The pool's numbered migrations: migration 5 brings the line's serial and code tables into the
sequence, for a version-4 pool with or without the tables the engine used to make on use;
migration 6 (a faster load) keeps a loaded pool's licenses and the foreign key's guarantees."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from prodtool.engine.codes import CodeBook
from prodtool.engine.serials import SerialFormat, SerialStore
from prodtool.license import pg_schema
from prodtool.license.model import LicenseState
from prodtool.license.pg_store import PgLedger, init_pool, where
from prodtool.license.testing import chip, loaded_package

# What prodtool's engine made on a pool's first serial or scan, before migration 5.
_MADE_ON_USE = (
    "CREATE TABLE IF NOT EXISTS serial_orders (order_key TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " format TEXT NOT NULL DEFAULT '', next BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS serial_list (order_key TEXT NOT NULL, position BIGINT NOT NULL,"
    " serial TEXT NOT NULL, PRIMARY KEY (order_key, position))",
    "CREATE TABLE IF NOT EXISTS serials (serial TEXT PRIMARY KEY, order_key TEXT NOT NULL,"
    " chip TEXT NOT NULL, job_id TEXT NOT NULL, at TEXT NOT NULL, UNIQUE (order_key, chip))",
    "CREATE TABLE IF NOT EXISTS codes (code TEXT PRIMARY KEY, mac TEXT NOT NULL,"
    " job_id TEXT NOT NULL, at TEXT NOT NULL)",
)
_SIDE_TABLES = ("serial_orders", "serial_list", "serials", "codes", "code_claims")


def _version_4(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        assert pg_schema.migrate(conn, where(url), to=4) == 0
        assert pg_schema.schema_version(conn) == 4


def _tables(url: str) -> set[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def test_migration_5_keeps_the_serials_and_codes_a_version_4_pool_made_on_use(
    pool_url: str, tmp_path: Path
) -> None:
    _version_4(pool_url)
    key = tmp_path / "keys" / "pool.key"
    with psycopg.connect(pool_url, autocommit=True) as conn:
        for statement in _MADE_ON_USE:
            conn.execute(statement)
        conn.execute("INSERT INTO serial_orders VALUES ('o', 'counter', 'P{n:03}', 8)")
        conn.execute("INSERT INTO serials VALUES ('P007', 'o', 'esp32c3:aa', 'j0', 'then')")
        conn.execute("INSERT INTO codes VALUES ('CODE-1', 'aa', 'j0', 'then')")
    assert init_pool(pool_url, key)[:2] == (4, pg_schema.LATEST)
    with PgLedger.join(pool_url, key_file=key, station="s", keeper=False) as pool:
        serials = SerialStore(pool)
        assert serials.assign("o", "esp32c3:aa", job_id="j1").serial == "P007"  # kept
        assert serials.assign("o", "esp32c3:bb", job_id="j2").serial == "P008"  # counter kept
        book = CodeBook(pool)
        book.bind("p1", "CODE-1")
        assert "belongs to chip aa" in book.check("p1", "bb")  # still used, by chip aa


def test_migration_5_makes_the_tables_so_a_station_needs_no_right_to_create_them(
    pool_url: str, tmp_path: Path
) -> None:
    _version_4(pool_url)
    assert not _tables(pool_url) & set(_SIDE_TABLES)
    key = tmp_path / "keys" / "pool.key"
    assert init_pool(pool_url, key)[:2] == (4, pg_schema.LATEST)
    assert set(_SIDE_TABLES) <= _tables(pool_url)
    assert init_pool(pool_url, key)[:2] == (pg_schema.LATEST, pg_schema.LATEST)  # once only
    # A station's user that may read and write the pool's tables but create none (PostgreSQL
    # 15's default for a user that does not own the schema).
    role = f"prodtool_station_{os.getpid()}"
    with _role(pool_url, role):
        station_url = make_conninfo(pool_url, user=role)
        with PgLedger.join(station_url, key_file=key, station="s", keeper=False) as pool:
            serials = SerialStore(pool)
            serials.set_counter("o", SerialFormat("P{n:03}"), 1)
            assert serials.assign("o", "esp32c3:aa", job_id="j1").serial == "P001"
            book = CodeBook(pool)
            book.bind("p1", "CODE-9")
            assert book.used("p1", "aa", "j1") == "CODE-9"
            with (  # the role really may not create tables
                pytest.raises(psycopg.errors.InsufficientPrivilege),
                pool.side_write() as tx,
            ):
                tx.execute("CREATE TABLE IF NOT EXISTS codes2 (code TEXT)")


@contextmanager
def _role(url: str, name: str) -> Iterator[None]:
    """A login role with the rights a station needs on the pool's tables, dropped after."""
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(f"CREATE ROLE {name} LOGIN")
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("the test server's user may not create roles")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
        conn.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"
        )
        conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {name}")
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {name}")
            conn.execute(f"DROP ROLE {name}")


# Migration 6 undone: the pool as schema 5 left it (the foreign key checked on every row, the
# index on every license's state).
_UNDO_6 = (
    "DROP TRIGGER licenses_package_added ON licenses",
    "DROP TRIGGER licenses_package_moved ON licenses",
    "DROP TRIGGER packages_kept ON packages",
    "DROP FUNCTION licenses_check_packages, licenses_check_package_moved, packages_kept",
    "ALTER TABLE licenses ADD CONSTRAINT licenses_package_fkey"
    " FOREIGN KEY (package) REFERENCES packages(id)",
    "DROP INDEX licenses_busy",
    "CREATE INDEX licenses_state ON licenses(state)",
    "ALTER TABLE licenses ADD CONSTRAINT licenses_uuid_key UNIQUE (uuid)",
    "DELETE FROM schema_version WHERE version = 6",
)


def _constraints_and_indexes(conn: psycopg.Connection[tuple[object, ...]]) -> set[str]:
    rows = conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'licenses'::regclass"
        " UNION SELECT indexname FROM pg_indexes WHERE tablename = 'licenses'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def test_migration_6_keeps_a_loaded_pool_and_still_refuses_a_license_without_a_package(
    pool_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "keys" / "pool.key"
    with psycopg.connect(pool_url, autocommit=True) as conn:  # what schema 5 made
        pg_schema.migrate(conn, where(pool_url), to=5)
        made_by_5 = _constraints_and_indexes(conn)
    assert {"licenses_package_fkey", "licenses_state", "licenses_uuid_key"} <= made_by_5
    init_pool(pool_url, key)
    with PgLedger.join(pool_url, key_file=key, station="s", keeper=False) as pool:
        package_id = pool.load_package(loaded_package(tmp_path, 6))
        held = pool.reserve(package_id, chip(1), job_id="j1", port="p1")
        pool.mark_sending(held.license_id, job_id="j1")
    with psycopg.connect(pool_url, autocommit=True) as conn:
        for statement in _UNDO_6:
            conn.execute(statement)
        assert _constraints_and_indexes(conn) == made_by_5
    assert init_pool(pool_url, key)[:2] == (5, pg_schema.LATEST)
    with PgLedger.join(pool_url, key_file=key, station="s", keeper=False) as pool:
        # kept as the station that closed left it: sent, so its reservation needs a check
        assert pool.record(held.license_id).state is LicenseState.NEEDS_CHECK
        found = pool.find_uuid(held.uuid)
        assert found is not None and found.license_id == held.license_id
        assert pool.find_uuid(held.uuid.swapcase()) is None  # as before: the UUID as stored
        again = pool.reserve(package_id, chip(2), job_id="j2", port="p1")
        pool.mark_sending(again.license_id, job_id="j2")
        pool.mark_verified(again.license_id, job_id="j2")
        counts = pool.counts(package_id)[package_id]
        assert (counts[LicenseState.AVAILABLE], counts[LicenseState.VERIFIED]) == (4, 1)
        pool.check_invariants()
    with psycopg.connect(pool_url, autocommit=True) as conn:
        names = _constraints_and_indexes(conn)
        assert not names & {"licenses_package_fkey", "licenses_state", "licenses_uuid_key"}
        assert "licenses_busy" in names
        # The foreign key's guarantees, kept: a license of no package is refused (a row, a COPY,
        # a move to another package), and a package holding licenses is never removed.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(
                "INSERT INTO licenses (package, uuid, authkey, state) VALUES"
                " (1, 'u-ok', '\\x00', 'available'), (99, 'u-orphan', '\\x00', 'available')"
            )
        with (
            pytest.raises(psycopg.errors.ForeignKeyViolation),
            conn.cursor().copy("COPY licenses (package, uuid, authkey, state) FROM STDIN") as copy,
        ):
            copy.write_row((99, "u-copied", b"\x00", "available"))
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("UPDATE licenses SET package = 99 WHERE id = %s", (held.license_id,))
        with pytest.raises(psycopg.errors.RestrictViolation):
            conn.execute("DELETE FROM packages")
        with pytest.raises(psycopg.errors.RestrictViolation):
            conn.execute("UPDATE packages SET id = id + 100")
        with pytest.raises(psycopg.errors.UniqueViolation):  # a UUID is still one license
            conn.execute(
                "INSERT INTO licenses (package, uuid, authkey, state) VALUES (1, %s, '\\x00',"
                " 'available')",
                (held.uuid,),
            )
        assert conn.execute("SELECT count(*) FROM licenses").fetchone() == (6,)
        # A reservation's state is found by the index on busy states, not a table scan.
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            "EXPLAIN SELECT id FROM licenses WHERE state = 'reserved' AND owner IS NULL"
        ).fetchall()
        assert "licenses_busy" in " ".join(str(r[0]) for r in plan)
