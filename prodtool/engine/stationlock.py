"""One process per station folder: two would fork the write log's chain and race on the ledger.

The station takes an exclusive, non-blocking OS lock (`flock` on POSIX, `msvcrt.locking` on
Windows) on `station.lock` and writes who holds it into the file. The OS drops the lock when the
process ends, however it ends, so a crash leaves nothing to clean up. A second process gets one
line naming the holder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from pathlib import Path

from prodtool.errors import StorageError, UserError

LOCK_FILE = "station.lock"


class StationBusyError(UserError):
    code = "station_busy"


def _lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt  # noqa: PLC0415

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl  # noqa: PLC0415

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder_text(path: Path) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return (
            f"{holder['command']} (pid {holder['pid']} on {holder['host']},"
            f" since {holder['since']})"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "another prodtool process"


class StationLock:
    """Held from `acquire()` to `release()` (or the process's end)."""

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> StationLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StorageError(
                f"cannot lock the station folder {self.path.parent}: {error.strerror}",
                hint="check that the folder belongs to this user",
                code="data_dir",
            ) from None
        if not _lock(fd):
            os.close(fd)
            raise StationBusyError(
                f"the station folder {self.path.parent} is in use by {_holder_text(self.path)}",
                hint="one process per station folder: stop that one first",
            )
        holder = {
            "command": " ".join(["prodtool", *sys.argv[1:2]]),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }
        with contextlib.suppress(OSError):  # who holds it is a courtesy; the lock is what counts
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, (json.dumps(holder) + "\n").encode())
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing drops the lock
