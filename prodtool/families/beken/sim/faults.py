"""Faults a simulated Beken module can show, on demand: `KIND[@KEY=VAL,...]`.

Examples: `no-link`, `stale-link@count=3`, `baud-ceiling@max=1500000`, `sr-stuck`,
`unknown-mid`, `bad-sector@offset=0x20000`, `status@op=0x07,code=1,nth=3`, `slow-crc@bps=20000`,
`brownout@offset=0x40000`, `unplug@offset=0x30000`, `auth-reject`. Every fault takes
`times=N|all` (how often it fires). docs/beken.md lists what each does and what the host sees.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any


class BekenFaultKind(StrEnum):
    NO_LINK = "no-link"  # windows after a software reboot stay mute: only a CEN reset links
    MISSED_WINDOW = "missed-window"  # the next boot window passes unanswered (any cause)
    NO_REBOOT_HOOK = "no-reboot-hook"  # the app ignores the reboot frame and `reboot`
    STALE_LINK = "stale-link"  # LinkCheck replies queued ahead of the SetBaudRate reply
    BAUD_REFUSED = "baud-refused"  # SetBaudRate: no reply, the rate stays
    BAUD_OLD = "baud-old"  # SetBaudRate: the reply comes at the old rate, then it switches
    BAUD_CEILING = "baud-ceiling"  # above `max` the adapter garbles every byte, both ways
    SR_STUCK = "sr-stuck"  # status register writes do not stick (SRP/WP)
    UNKNOWN_MID = "unknown-mid"  # GetMID answers 00 00 00
    BAD_SECTOR = "bad-sector"  # programming the sector at `offset` flips a bit
    STATUS = "status"  # a flash command answers status `code` (1 busy, 6 param) and does nothing
    SLOW_CRC = "slow-crc"  # CheckCRC runs at `bps` bytes per second
    BROWNOUT = "brownout"  # power dips while writing the sector at `offset`: half written, reboot
    UNPLUG = "unplug"  # the cable is pulled when the sector at `offset` is written
    CORRUPT = "corrupt"  # bits flip on the wire at `rate` per byte
    REG_ECHO = "reg-echo"  # ROM quirk: ReadReg echoes address + 1
    MID_LEN = "mid-len"  # ROM quirk: GetMID's length is one too long
    AUTH_REJECT = "auth-reject"  # the shell answers `Authorization write failure.`
    SHELL_NOISE = "shell-noise"  # a device log line lands in the middle of a reply
    SHELL_ANSI = "shell-ansi"  # replies carry ANSI colour codes


_ONCE = {
    BekenFaultKind.MISSED_WINDOW,
    BekenFaultKind.STALE_LINK,
    BekenFaultKind.BAUD_OLD,
    BekenFaultKind.STATUS,
    BekenFaultKind.BROWNOUT,
    BekenFaultKind.UNPLUG,
}
_KEYS: dict[BekenFaultKind, set[str]] = {
    BekenFaultKind.STALE_LINK: {"count"},
    BekenFaultKind.BAUD_CEILING: {"max"},
    BekenFaultKind.BAD_SECTOR: {"offset"},
    BekenFaultKind.STATUS: {"op", "code", "nth"},
    BekenFaultKind.SLOW_CRC: {"bps"},
    BekenFaultKind.BROWNOUT: {"offset", "ms"},
    BekenFaultKind.UNPLUG: {"offset"},
    BekenFaultKind.CORRUPT: {"rate", "seed"},
}


class BekenFaultSpecError(ValueError):
    """A fault spec that does not parse; the message says what is wrong."""


@dataclass(frozen=True)
class BekenFault:
    """One fault; unset fields take the kind's defaults."""

    kind: BekenFaultKind
    count: int = 3  # stale-link: replies queued
    max: int = 1_500_000  # baud-ceiling
    offset: int = 0x20000  # bad-sector, brownout, unplug: the sector's address
    op: int = 0x07  # status: the long command it hits
    code: int = 1  # status: 1 busy, 6 param
    nth: int = 1  # status: the nth matching command
    bps: int = 20_000  # slow-crc
    ms: int = 200  # brownout: how long the chip is dark
    rate: float = 0.001  # corrupt
    seed: int = 0  # corrupt
    times: int | None = field(default=None)

    @property
    def firings(self) -> int | None:
        if self.times is not None:
            return self.times
        return 1 if self.kind in _ONCE else None

    def __str__(self) -> str:
        default = BekenFault(self.kind)
        parts = [
            f"{f.name}={getattr(self, f.name)}"
            for f in fields(self)
            if f.name not in ("kind",) and getattr(self, f.name) != getattr(default, f.name)
        ]
        return self.kind.value + ("@" + ",".join(parts) if parts else "")


def parse_beken_fault(spec: str) -> BekenFault:
    head, _, tail = spec.strip().partition("@")
    try:
        kind = BekenFaultKind(head.strip())
    except ValueError:
        known = ", ".join(k.value for k in BekenFaultKind)
        raise BekenFaultSpecError(f"unknown Beken fault {head!r} (known: {known})") from None
    kwargs: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in tail.split(","))):
        key, eq, val = item.partition("=")
        if not eq or not val:
            raise BekenFaultSpecError(f"{item!r} in {spec!r} is not key=value")
        if key != "times" and key not in _KEYS.get(kind, set()):
            allowed = ", ".join(sorted(_KEYS.get(kind, set()) | {"times"}))
            raise BekenFaultSpecError(f"{kind} does not take {key!r} (takes: {allowed})")
        try:
            if key == "times":
                value: object = None if val == "all" else int(val, 0)
            elif key == "rate":
                value = float(val)
            else:
                value = int(val, 0)
        except ValueError:
            raise BekenFaultSpecError(f"{key}={val!r} is not a number") from None
        kwargs[key] = value
    fault = replace(BekenFault(kind), **kwargs)
    if fault.nth < 1:
        raise BekenFaultSpecError("nth counts from 1")
    return fault


@dataclass
class _Active:
    fault: BekenFault
    fired: int = 0
    seen: int = 0

    @property
    def spent(self) -> bool:
        limit = self.fault.firings
        return limit is not None and self.fired >= limit


class BekenFaultBook:
    """The faults on one chip; tests change them from any thread while the loop reads them."""

    def __init__(self, faults: list[BekenFault] | None = None) -> None:
        self._lock = threading.Lock()
        self._active = [_Active(f) for f in faults or []]

    def add(self, fault: BekenFault) -> None:
        with self._lock:
            self._active.append(_Active(fault))

    def clear(self) -> None:
        with self._lock:
            self._active.clear()

    def faults(self) -> list[BekenFault]:
        with self._lock:
            return [a.fault for a in self._active if not a.spent]

    def persistent(self, kind: BekenFaultKind) -> BekenFault | None:
        """The first live fault of `kind`, without using it up."""
        with self._lock:
            for active in self._active:
                if active.fault.kind is kind and not active.spent:
                    return active.fault
        return None

    def fire(
        self, kind: BekenFaultKind, *, offset: int | None = None, op: int | None = None
    ) -> BekenFault | None:
        """Use one firing of the first live `kind` fault matching `offset`/`op`."""
        with self._lock:
            for active in self._active:
                fault = active.fault
                if fault.kind is not kind or active.spent:
                    continue
                if offset is not None and fault.offset // 0x1000 != offset // 0x1000:
                    continue
                if op is not None:
                    if fault.op != op:
                        continue
                    active.seen += 1
                    if active.seen < fault.nth:
                        continue
                active.fired += 1
                return fault
        return None
