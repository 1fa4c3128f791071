"""Who holds a serial port: found through /proc, named with the way to free it (Linux).

ModemManager probes every new USB serial adapter as a possible modem for several seconds, and
brltty claims CH340/CP210x adapters as braille displays; either makes the port busy. When a port
will not open, `describe_holders` names the program and what to do, for the port's tile.
`installer/70-prodtool-serial.rules` keeps ModemManager off the usual adapters for good.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")

FIXES: dict[str, str] = {
    "ModemManager": "install prodtool's udev rule (installer/70-prodtool-serial.rules) "
    "or run 'sudo systemctl stop ModemManager'",
    "brltty": "remove the braille daemon ('sudo apt remove brltty') "
    "or install prodtool's udev rule",
}


@dataclass(frozen=True)
class Holder:
    pid: int
    name: str

    @property
    def fix(self) -> str:
        return FIXES.get(self.name, f"close {self.name} (pid {self.pid}) or unplug and replug")


def port_holders(device: str, proc: Path = PROC) -> list[Holder]:
    """The processes with `device` open (those whose /proc entries this user may read)."""
    try:
        target = os.path.realpath(device)
    except OSError:
        return []
    holders: list[Holder] = []
    try:
        entries = list(proc.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if str(fd.readlink()) == target:
                    holders.append(Holder(int(entry.name), _name(entry)))
                    break
            except OSError:
                continue
    return sorted(holders, key=lambda h: h.pid)


def _name(entry: Path) -> str:
    try:
        return (entry / "comm").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return "?"


def describe_holders(device: str, *, own_pid: int | None = None) -> str:
    """ "held by ModemManager (pid 812): install ..." or "" when no other program holds it."""
    own = os.getpid() if own_pid is None else own_pid
    others = [h for h in port_holders(device) if h.pid != own]
    if not others:
        return ""
    first = others[0]
    names = ", ".join(f"{h.name} (pid {h.pid})" for h in others)
    return f"{device} is held by {names}: {first.fix}"
