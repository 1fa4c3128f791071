"""A pool station's outage journal: the block of licenses it holds ahead, and the moves of
block licenses the pool has not seen yet, in order (`pg_block` keeps it and replays it).

SQLite in the station folder with `synchronous = FULL`: a move is on disk before `append`
returns, since the AuthKey may leave for the chip right after. AuthKeys stay sealed with the
pool key, as in the pool.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from prodtool.license.sqlstore import now

JOURNAL_FILE = "pool-journal.sqlite"
RESERVE = "reserve"  # the move that binds a block license to a chip
_JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS block (
    license_id INTEGER PRIMARY KEY, package_id TEXT NOT NULL, uuid TEXT NOT NULL,
    authkey BLOB NOT NULL, taken INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS moves (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, license_id INTEGER NOT NULL, move TEXT NOT NULL,
    job_id TEXT NOT NULL, port TEXT NOT NULL DEFAULT '', family TEXT NOT NULL DEFAULT '',
    mac TEXT NOT NULL DEFAULT '', chip_id TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
"""


class Journal:
    """The station's outage journal: its block, and the moves the pool has not seen, in order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")  # a move kept is a move on disk
        self._conn.executescript(_JOURNAL_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def block(self) -> list[tuple[int, str, str, bytes, int]]:
        return [
            (int(r[0]), str(r[1]), str(r[2]), bytes(r[3]), int(r[4]))
            for r in self._conn.execute(
                "SELECT license_id, package_id, uuid, authkey, taken FROM block ORDER BY license_id"
            )
        ]

    def hold(self, rows: list[tuple[int, str, str, bytes]]) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR IGNORE INTO block (license_id, package_id, uuid, authkey)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )

    def drop(self, license_ids: list[int]) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "DELETE FROM block WHERE license_id = ?", [(i,) for i in license_ids]
            )

    def append(self, license_id: int, move: str, job_id: str, **fields: str) -> None:
        """One move, on disk before it returns (the AuthKey may leave right after)."""
        with self._conn:
            self._conn.execute("BEGIN")
            if move == RESERVE:
                self._conn.execute("UPDATE block SET taken = 1 WHERE license_id = ?", (license_id,))
            self._conn.execute(
                "INSERT INTO moves (license_id, move, job_id, port, family, mac, chip_id, reason,"
                " at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    license_id,
                    move,
                    job_id,
                    fields.get("port", ""),
                    fields.get("family", ""),
                    fields.get("mac", ""),
                    fields.get("chip_id", ""),
                    fields.get("reason", ""),
                    now(),
                ),
            )

    def pending(self) -> list[tuple[int, int, str, str, str, str, str, str, str]]:
        return list(
            self._conn.execute(
                "SELECT seq, license_id, move, job_id, port, family, mac, chip_id, reason"
                " FROM moves ORDER BY seq"
            )
        )

    def done(self, seq: int) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute("DELETE FROM moves WHERE seq = ?", (seq,))
