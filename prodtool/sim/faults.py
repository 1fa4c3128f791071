"""Faults on demand: a small spec language shared by tests and `prodtool sim serve --fault`.

A spec is `KIND[=VALUE][@KEY=VAL,KEY=VAL...]`, for example `unplug@block=5`,
`drop@op=0x03,nth=2`, `block-error@block=3,count=all` or `wrong-chip=esp32s3`. Every fault also
takes `times=N|all`: how often it fires before it is spent (each kind has a sensible default,
see `DEFAULT_TIMES`). docs/simulated-chips.md lists every kind and what the host sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FaultKind(StrEnum):
    UNPLUG = "unplug"  # the cable is pulled when a flash block (or command) arrives
    DROP = "drop"  # no response to a command
    DELAY = "delay"  # a response comes late
    CORRUPT = "corrupt"  # random bytes on the wire are flipped
    BLOCK_ERROR = "block-error"  # a data block is answered with a checksum error
    FLASH_STUCK = "flash-stuck"  # a region does not program (stays erased)
    FLASH_ROT = "flash-rot"  # a region changes right after programming
    NO_BAUD_CHANGE = "no-baud-change"  # CHANGE_BAUDRATE acknowledged, rate kept
    WRONG_CHIP = "wrong-chip"  # the ROM reports another family
    NO_DOWNLOAD = "no-download"  # never enters download mode: SYNC is not answered
    AUTH_REJECT = "auth-reject"  # the shell answers `Authorization write failure.`
    SHELL_NOISE = "shell-noise"  # a device log line lands in the middle of a reply
    SHELL_ANSI = "shell-ansi"  # replies carry ANSI colour codes


# How many times a fault fires by default (None: until removed).
DEFAULT_TIMES: dict[FaultKind, int | None] = {
    FaultKind.UNPLUG: 1,
    FaultKind.DROP: 1,
    FaultKind.DELAY: 1,
    FaultKind.CORRUPT: None,
    FaultKind.BLOCK_ERROR: 1,
    FaultKind.FLASH_STUCK: None,
    FaultKind.FLASH_ROT: None,
    FaultKind.NO_BAUD_CHANGE: None,
    FaultKind.WRONG_CHIP: None,
    FaultKind.NO_DOWNLOAD: None,
    FaultKind.AUTH_REJECT: None,
    FaultKind.SHELL_NOISE: None,
    FaultKind.SHELL_ANSI: None,
}

_KEYS: dict[FaultKind, set[str]] = {
    FaultKind.UNPLUG: {"block", "op", "nth"},
    FaultKind.DROP: {"op", "nth"},
    FaultKind.DELAY: {"op", "nth", "ms"},
    FaultKind.CORRUPT: {"rate", "dir", "seed"},
    FaultKind.BLOCK_ERROR: {"block", "count"},
    FaultKind.FLASH_STUCK: {"offset", "size"},
    FaultKind.FLASH_ROT: {"offset", "size"},
    FaultKind.NO_BAUD_CHANGE: set(),
    FaultKind.WRONG_CHIP: {"chip"},
    FaultKind.NO_DOWNLOAD: set(),
    FaultKind.AUTH_REJECT: set(),
    FaultKind.SHELL_NOISE: set(),
    FaultKind.SHELL_ANSI: set(),
}


class FaultSpecError(ValueError):
    """A fault spec that does not parse; the message says what is wrong."""


@dataclass(frozen=True)
class Fault:
    """One fault to inject. Unset fields mean "any" (op, block) or the kind's default."""

    kind: FaultKind
    op: int | None = None  # opcode a command fault matches (None: any command)
    nth: int = 1  # the nth matching command (1-based); later ones pass
    block: int | None = None  # flash data block sequence number (None: any)
    ms: int = 4000  # delay
    rate: float = 0.001  # corrupt: probability per byte
    direction: str = "both"  # corrupt: "rx" (host to chip), "tx" (chip to host) or "both"
    seed: int = 0  # corrupt: random seed, so a failing run can be replayed
    count: int | None = 1  # block-error: failures per block (None: every attempt)
    offset: int = 0x10000  # flash faults
    size: int = 0x1000
    chip: str = "esp32s3"  # wrong-chip
    times: int | None = field(default=None)  # None: the kind's default (see DEFAULT_TIMES)

    @property
    def firings(self) -> int | None:
        """How many times this fault fires; None means until it is removed."""
        if self.times is not None:
            return self.times
        if self.kind is FaultKind.BLOCK_ERROR:
            return None  # count limits it per block
        return DEFAULT_TIMES[self.kind]

    def __str__(self) -> str:
        return format_fault(self)


def _int(key: str, text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise FaultSpecError(f"{key}={text!r} is not a number") from None


def parse_fault(spec: str) -> Fault:
    """Parse `KIND[=VALUE][@KEY=VAL,...]` into a Fault; FaultSpecError says what is wrong."""
    text = spec.strip()
    head, _, tail = text.partition("@")
    name, _, value = head.partition("=")
    try:
        kind = FaultKind(name.strip())
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise FaultSpecError(f"unknown fault {name!r} (known: {kinds})") from None
    params: dict[str, str] = {}
    if value:
        if kind is not FaultKind.WRONG_CHIP:
            raise FaultSpecError(f"{kind} takes no value: write {kind}@key=value")
        params["chip"] = value.strip()
    for item in filter(None, (p.strip() for p in tail.split(","))):
        key, eq, val = item.partition("=")
        if not eq or not val:
            raise FaultSpecError(f"{item!r} in {spec!r} is not key=value")
        if key != "times" and key not in _KEYS[kind]:
            allowed = ", ".join(sorted(_KEYS[kind] | {"times"}))
            raise FaultSpecError(f"{kind} does not take {key!r} (takes: {allowed})")
        params[key] = val
    kwargs: dict[str, object] = {}
    for key, val in params.items():
        if key in ("op", "nth", "block", "ms", "offset", "size", "seed"):
            kwargs[key] = _int(key, val)
        elif key in ("count", "times"):
            kwargs[key] = None if val == "all" else _int(key, val)
        elif key == "rate":
            try:
                kwargs["rate"] = float(val)
            except ValueError:
                raise FaultSpecError(f"rate={val!r} is not a number") from None
        elif key == "dir":
            if val not in ("rx", "tx", "both"):
                raise FaultSpecError("dir must be rx, tx or both")
            kwargs["direction"] = val
        elif key == "chip":
            kwargs["chip"] = val
    fault = Fault(kind, **kwargs)  # type: ignore[arg-type]
    if fault.nth < 1:
        raise FaultSpecError("nth counts from 1")
    if not 0.0 <= fault.rate <= 1.0:
        raise FaultSpecError("rate is a probability between 0 and 1")
    return fault


def format_fault(fault: Fault) -> str:
    """The spec string for `fault` (parse_fault(format_fault(f)) == f)."""
    default = Fault(fault.kind)
    parts: list[str] = []
    for key, attr in (
        ("op", "op"),
        ("nth", "nth"),
        ("block", "block"),
        ("ms", "ms"),
        ("rate", "rate"),
        ("dir", "direction"),
        ("seed", "seed"),
        ("count", "count"),
        ("offset", "offset"),
        ("size", "size"),
        ("times", "times"),
    ):
        value = getattr(fault, attr)
        if value == getattr(default, attr) or (key not in _KEYS[fault.kind] and key != "times"):
            continue
        if value is None:
            parts.append(f"{key}=all")
        elif key in ("op", "offset", "size"):
            parts.append(f"{key}={value:#x}")
        else:
            parts.append(f"{key}={value}")
    head = fault.kind.value
    if fault.kind is FaultKind.WRONG_CHIP:
        head += f"={fault.chip}"
    return head + ("@" + ",".join(parts) if parts else "")
