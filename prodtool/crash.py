"""One crash handler for bugs: the traceback goes to a file, the person gets one line.

Installed for the main thread (`sys.excepthook`) and worker threads (`threading.excepthook`).
Tracebacks can hold values (an exception's text), so the file is written owner-only and the text
is masked of every secret `prodtool.redact.mask_secrets` knows: a shell `auth` command's key,
anything shaped like an AuthKey, URL passwords, private keys, and the download passwords this
process holds. Locals are never formatted.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from prodtool.paths import station_paths
from prodtool.redact import mask_secrets

_log_folder: Path | None = None


def install_crash_handlers(data_dir: str | None) -> None:
    global _log_folder  # noqa: PLW0603 - one handler per process, by design
    _log_folder = station_paths(data_dir).logs
    sys.excepthook = report_crash
    threading.excepthook = _report_thread_crash


def _report_thread_crash(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        report_crash(args.exc_type, args.exc_value, args.exc_traceback)


def report_crash(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    text = mask_secrets("".join(traceback.format_exception(exc_type, exc, tb)))
    where = "(no log folder)"
    if _log_folder is not None:
        try:
            _log_folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            path = _log_folder / f"crash-{stamp}-{os.getpid()}.txt"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            where = str(path)
        except OSError:
            where = "(could not write the crash log)"
    print(f"prodtool: internal error ({exc_type.__name__}); details in {where}", file=sys.stderr)
