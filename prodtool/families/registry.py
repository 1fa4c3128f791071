"""Every chip family the station knows, found by any of its names.

A new family is one folder under `prodtool/families/` and one line in `_BUILT_IN` (see
docs/families.md). `register` adds one at run time (a plug-in of your own, or a test's
throwaway family); `PRODTOOL_FAMILIES` names modules to import at start-up, each of which
calls `register`, so a family outside this package reaches the command line and the simulator
child processes too.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from prodtool import settings
from prodtool.errors import UserError
from prodtool.families.beken.family import BEKEN_FAMILIES
from prodtool.families.esp.family import ESP_FAMILIES
from prodtool.families.family import ChipFamily, UnknownFamilyError

DEFAULT_FAMILY = "esp32c3"  # what a package, a farm or a command means when it names none
ENV_MODULES = "PRODTOOL_FAMILIES"  # comma-separated modules that register more families

_BUILT_IN: tuple[ChipFamily, ...] = (
    *ESP_FAMILIES,
    *BEKEN_FAMILIES,
)

_lock = threading.Lock()
_families: dict[str, ChipFamily] = {}  # canonical name -> family
_by_name: dict[str, ChipFamily] = {}  # every name and alias -> family
_env_loaded = False


def _key(name: str) -> str:
    """Names compare without case, dashes or underscores: "ESP32-C3" is "esp32c3"."""
    return name.strip().lower().replace("-", "").replace("_", "")


def register(family: ChipFamily) -> None:
    """Add a family; every one of its names must be new."""
    with _lock:
        taken = [n for n in family.names if _key(n) in _by_name]
        if taken:
            raise ValueError(f"family {family.name}: name(s) already taken: {', '.join(taken)}")
        _families[family.name] = family
        for name in family.names:
            _by_name[_key(name)] = family


def unregister(name: str) -> None:
    """Remove a family registered at run time (tests clean up with this)."""
    with _lock:
        family = _families.pop(name, None)
        if family is not None:
            for alias in family.names:
                _by_name.pop(_key(alias), None)


@contextmanager
def registered(family: ChipFamily) -> Iterator[ChipFamily]:
    """`with registered(family):` the family is known inside, forgotten after."""
    register(family)
    try:
        yield family
    finally:
        unregister(family.name)


def _load_env() -> None:
    global _env_loaded  # noqa: PLW0603 - once per process
    if _env_loaded:
        return
    _env_loaded = True
    for module in filter(None, (m.strip() for m in os.environ.get(ENV_MODULES, "").split(","))):
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise UserError(
                f"{ENV_MODULES} names {module!r}, which does not import: {error}",
                code="unknown_family",
            ) from None


def get(name: str) -> ChipFamily:
    """The family answering to `name` (any alias, any case); `UnknownFamilyError` otherwise."""
    _load_env()
    family = _by_name.get(_key(name))
    if family is None:
        raise UnknownFamilyError(name, names())
    return family


def find(name: str) -> ChipFamily | None:
    """Like `get`, but None for an unknown name."""
    try:
        return get(name)
    except UnknownFamilyError:
        return None


def canonical(name: str) -> str:
    """A chip name as packages and faults spell it: the registered family's name, else the
    name lower-cased without dashes or brackets ("ESP32-S3" -> "esp32s3")."""
    family = find(name)
    if family is not None:
        return family.name
    return name.lower().replace("-", "").replace("(", "").replace(")", "").split(" ")[0]


def families() -> list[ChipFamily]:
    """Every registered family, built-in ones first."""
    _load_env()
    with _lock:
        return list(_families.values())


def usb_ids() -> tuple[str, ...]:
    """The families' USB-serial adapters as "vid:pid" (hex), first seen first. The station's
    default filter (`prodtool.adapters`, named for the settings dialog) must cover them; a test
    holds it to that, so a family's own bridge is never filtered out by default."""
    seen: dict[str, None] = {}
    with _lock:
        registered = list(_families.values())
    for family in registered:
        for usb in family.usb_ids:
            seen.setdefault(f"{usb.vid:04x}:{usb.pid:04x}", None)
    return tuple(seen)


def baud_rates() -> tuple[int, ...]:
    """Every rate some registered family supports, highest first: what the station's settings
    may list (`prodtool.settings` refuses others)."""
    rates: set[int] = set()
    for family in families():
        rates.update(family.baud_rates)
        rates.add(family.rom_baud)
    return tuple(sorted(rates, reverse=True))


def names() -> list[str]:
    """Every canonical family name, sorted (for `--family` choices and messages)."""
    return sorted(f.name for f in families())


for _family in _BUILT_IN:
    register(_family)
settings.set_baud_rate_source(baud_rates)  # the settings refuse rates no family supports
