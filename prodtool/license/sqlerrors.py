"""SQLite errors a person can act on become `StorageError`; anything else stays a bug.

After qutebrowser's misc/sql.py: a locked, read-only, full, unopenable or corrupt database is the
station's environment, not prodtool's fault, and the message says what to do. Constraint
violations, syntax errors and the like are bugs and propagate unchanged.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prodtool.errors import StorageError

if sys.platform != "win32":
    import resource

# Primary result codes (https://sqlite.org/rescode.html) -> (what happened, what to do).
_KNOWN: dict[int, tuple[str, str]] = {
    3: ("access to the ledger was denied", "check the data folder's permissions"),
    5: ("the ledger is busy in another program", "close other prodtool windows and retry"),
    6: ("the ledger is locked", "close other prodtool windows and retry"),
    8: ("the ledger is read-only", "make the data folder writable"),
    10: ("the disk failed while using the ledger", "check the disk; then retry"),
    11: ("the ledger file is corrupt", "restore the ledger from a backup; call support"),
    13: ("the disk holding the ledger is full", "free disk space; then retry"),
    14: ("the ledger cannot be opened", "check that the data folder exists and is writable"),
    15: ("the ledger's lock files are in a bad state", "close other prodtool windows and retry"),
    23: ("access to the ledger was denied", "check the data folder's permissions"),
    26: ("the ledger file is not a prodtool ledger (or is corrupt)", "restore it from a backup"),
}


def storage_error(error: sqlite3.Error, path: Path) -> StorageError | None:
    """The `StorageError` for a known environmental SQLite error, else None."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        text = str(error).lower()
        code = next(
            (c for c, needle in _BY_TEXT.items() if needle in text),
            None,
        )
    if code is None or (code & 0xFF) not in _KNOWN:
        return None
    if code & 0xFF == _IOERR and _disk_full(path):
        code = _FULL  # SQLite reports many writes a full disk refused as I/O errors
    what, hint = _KNOWN[code & 0xFF]
    return StorageError(f"{what}: {path}", hint=hint)


_IOERR, _FULL = 10, 13
FULL_BELOW = 1 << 20  # free bytes under which an I/O error is taken for a full disk


def _disk_full(path: Path) -> bool:
    """Whether the ledger's disk is (nearly) full, or this process may not grow its files."""
    with contextlib.suppress(OSError):
        if shutil.disk_usage(path.parent).free < FULL_BELOW:
            return True
    if sys.platform == "win32":  # pragma: no cover - no resource limits there
        return False
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    sizes = [0]
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            sizes.append(path.with_name(path.name + suffix).stat().st_size)
    return max(sizes) + FULL_BELOW >= limit


_BY_TEXT = {
    5: "database is locked",
    8: "readonly database",
    13: "database or disk is full",
    11: "malformed",
    14: "unable to open database",
    26: "file is not a database",
}


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn known SQLite and file-system failures into `StorageError`."""
    try:
        yield
    except sqlite3.Error as error:
        known = storage_error(error, path)
        if known is None:
            raise
        raise known from None
    except PermissionError as error:
        raise StorageError(
            f"the data folder is not writable: {error.filename or path}",
            hint="check the data folder's permissions",
        ) from None
