"""The station's settings: declared once, typed, with defaults and a version.

Stored as JSON in `StationPaths.settings`. Unknown keys (from a newer prodtool) are kept and
written back untouched; a bad value falls back to its default and is reported in one clear line
per key, so a hand-edited file never stops a station. The supervisor PIN is kept only as a salted
scrypt hash.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from prodtool.adapters import DEFAULT_USB_IDS  # common USB-serial bridges, named there
from prodtool.errors import StorageError, UserError

SETTINGS_VERSION = 1
DEFAULT_BAUD_RATES = (921600, 460800, 115200)

_log = logging.getLogger(__name__)


class QuarantinePolicy(StrEnum):
    """What to do with a chip that holds a license it should not (another one, or a twin)."""

    QUARANTINE = "quarantine"  # fail the port and quarantine the license in the ledger
    REPORT = "report"  # fail the port, leave the ledger alone


class ScanTarget(StrEnum):
    """Where a scanned code goes (docs/line.md, "The window's scan field")."""

    NEXT_PORT = "next_port"  # the port that needs a code next
    SLOT_FIRST = "slot_first"  # the port whose slot label was scanned just before


class SettingsError(UserError):
    code = "settings"


@dataclass(frozen=True)
class Settings:
    """Every setting, with its default. Add a field here and it is loaded, checked and saved."""

    version: int = SETTINGS_VERSION
    station_id: str = "station-1"
    operator: str = ""
    language: str = "en"
    baud_rates: tuple[int, ...] = DEFAULT_BAUD_RATES
    connect_attempts: int = 3  # esptool sync attempts per baud rate
    retries: int = 2  # whole-job retries on link errors, each one baud rate lower
    job_timeout_s: float = 600.0  # watchdog: no job runs longer than this
    shell_timeout_s: float = 8.0  # how long the TuyaOpen shell may take to answer
    auto_start: bool = True
    # After a pass, watch the port for the next module (a jig: the adapter stays plugged in).
    jig_watch: bool = True
    # Worker processes that run port jobs, 8 ports each before the next one starts (0: jobs run
    # as threads of the station's own process). Each has its own GIL: 32 ports stay responsive.
    job_processes: int = 4
    usb_ids: tuple[str, ...] = DEFAULT_USB_IDS  # "vid:pid" in hex; empty = any USB serial
    allow: tuple[str, ...] = ()  # port-name globs; empty = all
    deny: tuple[str, ...] = ("/dev/ttyS*",)  # port-name globs never used
    supervisor_pin_hash: str = ""
    quarantine_policy: QuarantinePolicy = QuarantinePolicy.QUARANTINE
    # The license pool several stations share (postgresql://user@host/db, no password: that is
    # kept in keys/pgpass, 0600); empty: the station folder's own SQLite ledger.
    ledger_url: str = ""
    # Labels on PASS (docs/labels.md): a TOML template (empty: the built-in one) and a printer,
    # a CUPS queue name or zpl://host:port for a Zebra's raw port.
    label_enabled: bool = False
    label_template: str = ""
    label_printer: str = ""
    # Licenses a pool station holds ahead for a network outage (0: twice its ports, at least 16;
    # -1: none). See docs/pool.md, "Outages".
    pool_block: int = 0
    # The line (docs/line.md): scanned codes, serial numbers, port alarms, the MES outbox.
    code_pattern: str = ""  # a regular expression every scanned code must match; "" = any
    require_scan: bool = False  # a port's write waits until a code is bound to it
    scan_target: ScanTarget = ScanTarget.NEXT_PORT  # which port a scanned code is bound to
    scanner_port: str = ""  # a barcode scanner on a serial port (device or pyserial URL); "" = none
    scanner_baud: int = 9600
    serial_write_command: str = ""  # e.g. "mytool --port {port} set-serial {serial}"
    serial_read_command: str = ""  # prints the serial the device holds
    serial_command_timeout_s: float = 30.0
    serial_nvs_key: str = ""  # ESP NVS packages: the serial as this string key beside the UUID
    alarm_in_a_row: int = 3  # alarm after this many failures in a row on one port (0: off)
    alarm_window: int = 10  # ... or when more than alarm_rate of the port's last N failed
    alarm_rate: float = 0.5
    mes_url: str = ""  # POST every write record here (http:// or https://); "" = off
    mes_ca_bundle: str = ""  # PEM file of the CAs the MES's certificate chains to
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # unknown keys, kept

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _check(name: str, value: Any, default: Any) -> Any:
    """Coerce one JSON value to the type of its default, or raise ValueError."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise ValueError("must be true or false")
    if isinstance(default, StrEnum):
        return type(default)(value)
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ValueError("must be a whole number, 0 or more")
    if isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        raise ValueError("must be a positive number")
    if isinstance(default, str):
        if isinstance(value, str):
            return value
        raise ValueError("must be text")
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ValueError("must be a list")
        kind = int if name == "baud_rates" else str
        if not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
            raise ValueError(f"must be a list of {'numbers' if kind is int else 'text'}")
        problem = baud_problem(value) if name == "baud_rates" else ""
        if problem:
            raise ValueError(problem)
        return tuple(value)
    raise ValueError("unsupported setting type")  # pragma: no cover - a new field's type


# The rates some registered chip family supports, highest first. `prodtool.families.registry`
# installs its `baud_rates` here when it loads: this module cannot import the families (the
# license core reads the settings and must know nothing of chips). None: not loaded, no check.
_supported_bauds: Callable[[], tuple[int, ...]] | None = None


def set_baud_rate_source(source: Callable[[], tuple[int, ...]] | None) -> None:
    """Where `baud_problem` learns the rates the chip families support (the registry)."""
    global _supported_bauds  # noqa: PLW0603 - one registry per process
    _supported_bauds = source


def baud_problem(rates: Sequence[int]) -> str:
    """Why `rates` cannot be the station's baud rates ("" when they can): each must be one some
    registered chip family supports (`registry.baud_rates`); a rate no chip is written at would
    only make every port fall back to its family's default."""
    if not rates or any(r <= 0 for r in rates):
        return "must list at least one positive baud rate"
    if _supported_bauds is None:
        return ""
    supported = _supported_bauds()
    bad = sorted({r for r in rates if r not in supported}, reverse=True)
    if bad:
        return (
            f"lists {', '.join(map(str, bad))} baud, which no chip family supports "
            f"(supported: {', '.join(map(str, supported))})"
        )
    return ""


def check_baud_rates(rates: Sequence[int]) -> tuple[int, ...]:
    """`rates` highest first, or `SettingsError` naming the ones no chip family supports."""
    problem = baud_problem(rates)
    if problem:
        raise SettingsError(f"the baud rates {problem}")
    return tuple(sorted(set(rates), reverse=True))


def settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from parsed JSON, and one line per value that was bad and replaced."""
    defaults = Settings()
    known = {f.name for f in dataclasses.fields(Settings)} - {"extra"}
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name in known:
        if name not in data or name == "version":
            continue
        try:
            values[name] = _check(name, data[name], getattr(defaults, name))
        except ValueError as error:
            problems.append(f"setting {name!r} {error}; using the default")
    extra = {k: v for k, v in data.items() if k not in known}
    return Settings(**values, extra=extra), problems


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = dict(settings.extra)
    for f in dataclasses.fields(Settings):
        if f.name == "extra":
            continue
        value = getattr(settings, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    out["version"] = SETTINGS_VERSION
    return out


def load_settings(path: Path) -> Settings:
    """Read the settings file; a missing file gives the defaults, bad values are logged."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        raise StorageError(f"cannot read the settings file {path}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError(
            f"the settings file {path} is not valid JSON (line {error.lineno})",
            hint="fix or delete it to start from the defaults",
        ) from None
    if not isinstance(data, dict):
        raise SettingsError(f"the settings file {path} must hold a JSON object")
    settings, problems = settings_from_dict(data)
    for problem in problems:
        _log.warning("%s: %s", path.name, problem)
    return settings


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically (temp file, fsync, rename), owner-only: it holds the PIN hash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(settings_to_dict(settings), out, indent=2, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)
    except OSError as error:
        raise StorageError(f"cannot save the settings to {path}: {error.strerror}") from None


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_pin(pin: str) -> str:
    """A salted scrypt hash of the supervisor PIN, as `scrypt$n$r$p$salt$hash` (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT, dklen=32)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches the stored hash; False for any malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual.hex(), digest)
