"""Who holds a reservation: host name, process id and process start time.

After a crash the ledger turns only *dead* owners' reservations into needs_check, so a QA tool
opening the ledger while a station runs changes nothing. The start time tells a reused pid from
the original process. An owner on another host is never taken for dead.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OwnerToken:
    host: str
    pid: int
    started: str  # platform-specific start time; "" when the platform cannot tell

    def encode(self) -> str:
        return f"{self.host}|{self.pid}|{self.started}"

    @classmethod
    def decode(cls, text: str) -> OwnerToken | None:
        parts = text.rsplit("|", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])


def current_owner() -> OwnerToken:
    pid = os.getpid()
    return OwnerToken(socket.gethostname(), pid, process_start_time(pid) or "")


def is_dead(token: OwnerToken) -> bool:
    """True only when sure: same host, and the process is gone or its pid was reused."""
    if token.host != socket.gethostname():
        return False
    if token.pid == os.getpid():
        return token.started != (process_start_time(token.pid) or "")
    started = process_start_time(token.pid)
    if started is None:
        return not _pid_exists(token.pid)
    return bool(token.started) and started != token.started


def process_start_time(pid: int) -> str | None:
    """The process's start time as text, or None if it does not run (or cannot be asked)."""
    if sys.platform == "win32":
        return _windows_start_time(pid)
    stat = Path(f"/proc/{pid}/stat")
    try:
        text = stat.read_text()
    except FileNotFoundError:
        return None if Path("/proc/self/stat").exists() else _unknown(pid)
    except OSError:
        return _unknown(pid)
    fields = text[text.rfind(")") + 2 :].split()
    if fields[0] in {"Z", "X"}:  # a zombie has exited; its parent has not reaped it yet
        return None
    return fields[19]  # field 22, starttime in clock ticks since boot


def _unknown(pid: int) -> str | None:
    return "" if _pid_exists(pid) else None


def _pid_exists(pid: int) -> bool:
    if sys.platform == "win32":
        return _windows_start_time(pid) is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    def _windows_start_time(pid: int) -> str | None:
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return None
        try:
            code = wintypes.DWORD()
            if kernel32.GetExitCodeProcess(handle, ctypes.byref(code)) and code.value != 259:
                return None  # exited (259 is STILL_ACTIVE)
            times = [wintypes.FILETIME() for _ in range(4)]
            if not kernel32.GetProcessTimes(handle, *[ctypes.byref(t) for t in times]):
                return ""
            return f"{times[0].dwHighDateTime}:{times[0].dwLowDateTime}"
        finally:
            kernel32.CloseHandle(handle)

else:

    def _windows_start_time(pid: int) -> str | None:
        raise NotImplementedError
