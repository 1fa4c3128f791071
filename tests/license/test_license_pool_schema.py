"""The pool's numbered migrations: migration 5 brings the line's serial and code tables into the
sequence, for a version-4 pool with or without the tables the engine used to make on use."""

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
from prodtool.license.pg_store import PgLedger, init_pool, where

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
    assert init_pool(pool_url, key)[:2] == (4, 5) == (4, pg_schema.LATEST)
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
