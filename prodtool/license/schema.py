"""The ledger's schema as numbered migrations; `PRAGMA user_version` says how far a file is.

Each migration runs in one transaction with the version bump, so a file is at one version or the
next, never half-way. Never edit a released migration: add the next one.
"""

# ruff: noqa: S608 - the schema text is built from the state names, never from input
from __future__ import annotations

import sqlite3
from pathlib import Path

from prodtool.errors import StorageError
from prodtool.license.model import LicenseState

# An OR chain, not `IN (...)`: with IN, SQLite rebuilds the list for every row of an executemany,
# which tripled the time to load a million licenses.
_STATES = " OR ".join(f"state = '{s.value}'" for s in LicenseState)

# Built from constants only (the state names), never from input.
MIGRATIONS: tuple[str, ...] = (
    # 1: packages, licenses with their state, per-state counts kept by a trigger, history.
    f"""
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE packages (
        id INTEGER PRIMARY KEY,
        package_id TEXT NOT NULL UNIQUE,
        manifest TEXT NOT NULL,
        license_count INTEGER NOT NULL,
        demo INTEGER NOT NULL,
        source TEXT NOT NULL,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE licenses (
        id INTEGER PRIMARY KEY,
        package INTEGER NOT NULL REFERENCES packages(id),
        uuid TEXT NOT NULL UNIQUE,
        authkey BLOB NOT NULL,
        state TEXT NOT NULL CHECK ({_STATES}),
        prior_state TEXT,
        sent INTEGER NOT NULL DEFAULT 0,
        chip_family TEXT,
        chip_mac TEXT,
        chip_id TEXT,
        port TEXT,
        job_id TEXT,
        owner TEXT,
        updated_at TEXT  -- NULL until the first change: the package's loaded_at
    );
    CREATE INDEX licenses_next ON licenses(package, state, id);
    CREATE UNIQUE INDEX licenses_chip_mac ON licenses(package, chip_mac)
        WHERE chip_mac IS NOT NULL;
    CREATE UNIQUE INDEX licenses_chip_id ON licenses(package, chip_id) WHERE chip_id IS NOT NULL;
    CREATE INDEX licenses_owner ON licenses(owner) WHERE owner IS NOT NULL;
    CREATE TABLE state_counts (
        package INTEGER NOT NULL REFERENCES packages(id),
        state TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (package, state)
    ) WITHOUT ROWID;
    CREATE TRIGGER licenses_state_counts AFTER UPDATE OF state ON licenses
    WHEN old.state IS NOT new.state BEGIN
        UPDATE state_counts SET n = n - 1 WHERE package = old.package AND state = old.state;
        UPDATE state_counts SET n = n + 1 WHERE package = new.package AND state = new.state;
    END;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        license_id INTEGER,
        package INTEGER,
        event TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        job_id TEXT,
        port TEXT,
        chip_mac TEXT,
        chip_id TEXT,
        owner TEXT,
        reason TEXT
    );
    CREATE INDEX events_license ON events(license_id) WHERE license_id IS NOT NULL;
    """,
    # 2: what a package holds, to refuse another package under the same id (`content_digest`:
    # issuer and every member's SHA-256; NULL for packages loaded before: the next load of the
    # same id compares the whole manifest instead and records the digest). UUIDs that differ
    # only in case are one license.
    """
    ALTER TABLE packages ADD COLUMN content_digest TEXT;
    CREATE UNIQUE INDEX licenses_uuid_nocase ON licenses(uuid COLLATE NOCASE);
    """,
    # 3: one AuthKey is one license: a keyed tag of each AuthKey (`StationKey.tag_many`), unique.
    # NULL for licenses loaded before; the store fills them when it opens (it holds the key).
    """
    ALTER TABLE licenses ADD COLUMN authkey_tag BLOB;
    CREATE UNIQUE INDEX licenses_authkey_tag ON licenses(authkey_tag)
        WHERE authkey_tag IS NOT NULL;
    CREATE INDEX licenses_untagged ON licenses(id) WHERE authkey_tag IS NULL;
    """,
)
LATEST = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the file to the latest schema; returns the version found before."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > LATEST:
        raise StorageError(
            f"the ledger {path} was written by a newer prodtool (schema {found} > {LATEST})",
            hint="update prodtool on this station",
        )
    for version in range(found + 1, LATEST + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= version:
                conn.execute("COMMIT")
                continue
            for statement in _statements(MIGRATIONS[version - 1]):
                try:
                    conn.execute(statement)
                except sqlite3.IntegrityError:
                    raise StorageError(
                        f"the ledger {path} cannot be upgraded: it holds two UUIDs that differ"
                        " only in case (one license twice)",
                        hint="keep the previous prodtool and ask support to settle the two",
                    ) from None
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


def _statements(script: str) -> list[str]:
    """Split a script into statements (executescript would commit our transaction)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    assert not current.strip(), "incomplete statement in a migration"
    return statements
