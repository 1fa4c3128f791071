"""The supervisor PIN, for the window and the command line alike: set, checked, changed.

The PIN itself lives only as a salted scrypt hash in the settings (`Settings.supervisor_pin_hash`,
see `prodtool.settings.hash_pin`). This module adds what a PIN needs to be worth having: wrong
tries are counted in the station folder (so closing the window or the shell does not reset
them), and after `FREE_TRIES` wrong tries each further one makes the next try wait, doubling up
to `MAX_WAIT_S`. A right PIN clears the count. Qt-free: the window and `prodtool supervisor`
both use it.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prodtool.errors import StorageError, UserError
from prodtool.paths import StationPaths
from prodtool.settings import Settings, check_pin, hash_pin, load_settings, save_settings

MIN_PIN_LENGTH = 4
FREE_TRIES = 3  # typos: no wait before the fourth try
FIRST_WAIT_S = 30.0  # then 30 s, 60 s, 120 s ... after each wrong try
MAX_WAIT_S = 15 * 60.0


class PinError(UserError):
    code = "pin"


class WrongPinError(PinError):
    """The PIN did not match; `wait_s` says how long the next try must wait (0: none)."""

    code = "wrong_pin"

    def __init__(self, failures: int, wait_s: float) -> None:
        hint = (
            f"the next try is possible in {math.ceil(wait_s)} s"
            if wait_s > 0
            else f"{FREE_TRIES - failures} more tr{'y' if FREE_TRIES - failures == 1 else 'ies'}"
            " before each try must wait"
        )
        super().__init__("wrong supervisor PIN", hint=hint)
        self.failures = failures
        self.wait_s = wait_s


class PinLockedError(PinError):
    """Too many wrong tries: no PIN is even checked until `wait_s` has passed."""

    code = "pin_locked"

    def __init__(self, wait_s: float) -> None:
        super().__init__(
            "too many wrong supervisor PINs",
            hint=f"try again in {math.ceil(wait_s)} s",
        )
        self.wait_s = wait_s


class NoPinError(PinError):
    code = "no_pin"

    def __init__(self) -> None:
        super().__init__(
            "no supervisor PIN is set on this station",
            hint="set one with: prodtool supervisor set-pin",
        )


class BadNewPinError(PinError):
    """A new PIN that is too short (`too_short`) or typed differently the second time."""

    code = "bad_new_pin"

    def __init__(self, *, too_short: bool) -> None:
        super().__init__(
            f"the PIN needs at least {MIN_PIN_LENGTH} characters"
            if too_short
            else "the two PINs differ"
        )
        self.too_short = too_short


def check_new_pin(pin: str, again: str) -> None:
    """Raise `BadNewPinError` unless `pin` is long enough and typed the same twice."""
    if len(pin) < MIN_PIN_LENGTH:
        raise BadNewPinError(too_short=True)
    if pin != again:
        raise BadNewPinError(too_short=False)


def wait_after(failures: int) -> float:
    """Seconds the next try must wait after `failures` wrong tries in a row."""
    if failures < FREE_TRIES:
        return 0.0
    return min(FIRST_WAIT_S * 2.0 ** (failures - FREE_TRIES), MAX_WAIT_S)


@dataclass(frozen=True)
class Attempts:
    """Wrong tries in a row and when the next try is allowed (time.time())."""

    failures: int = 0
    not_before: float = 0.0


def attempts_path(paths: StationPaths) -> Path:
    return paths.root / "supervisor-pin-attempts.json"


class PinGate:
    """Checks PINs against the settings' hash and keeps the count of wrong tries in a file."""

    def __init__(
        self,
        attempts_file: Path,
        settings: Callable[[], Settings],
        store: Callable[[Settings], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.attempts_file = attempts_file
        self._settings = settings
        self._store = store
        self._clock = clock

    @classmethod
    def for_station(cls, paths: StationPaths) -> PinGate:
        """A gate over the settings file itself (the command line's view)."""
        return cls(
            attempts_path(paths),
            lambda: load_settings(paths.settings),
            lambda new: save_settings(new, paths.settings),
        )

    def has_pin(self) -> bool:
        return bool(self._settings().supervisor_pin_hash)

    def attempts(self) -> Attempts:
        try:
            data = json.loads(self.attempts_file.read_text(encoding="utf-8"))
            return Attempts(int(data["failures"]), float(data["not_before"]))
        except FileNotFoundError:
            return Attempts()
        except (OSError, ValueError, KeyError, TypeError):
            # A damaged count must not become a way around the wait: assume the worst.
            return Attempts(FREE_TRIES, self._clock() + MAX_WAIT_S)

    def _keep(self, attempts: Attempts) -> None:
        tmp = self.attempts_file.with_suffix(".tmp")
        try:
            self.attempts_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"failures": attempts.failures, "not_before": attempts.not_before}, out)
            tmp.replace(self.attempts_file)
        except OSError as error:
            raise StorageError(f"cannot record the PIN tries: {error.strerror}") from None

    def wait_left(self) -> float:
        """Seconds before a PIN may be tried (0: now)."""
        return max(0.0, self.attempts().not_before - self._clock())

    def verify(self, pin: str) -> None:
        """Return if `pin` is right; raise `PinLockedError`, `WrongPinError` or `NoPinError`."""
        stored = self._settings().supervisor_pin_hash
        if not stored:
            raise NoPinError()
        left = self.wait_left()
        if left > 0:
            raise PinLockedError(left)
        if check_pin(pin, stored):
            if self.attempts().failures:
                self._keep(Attempts())
            return
        failures = self.attempts().failures + 1
        wait_s = wait_after(failures)
        self._keep(Attempts(failures, self._clock() + wait_s))
        raise WrongPinError(failures, wait_s)

    def set_pin(self, new_pin: str, again: str, *, current: str | None = None) -> None:
        """Set the PIN: the first one freely, a later one only with the `current` PIN."""
        if self.has_pin():
            if current is None:
                raise PinError("a supervisor PIN is already set", hint="give the current PIN")
            self.verify(current)
        check_new_pin(new_pin, again)
        self._store(self._settings().replace(supervisor_pin_hash=hash_pin(new_pin)))


def pin_hash_on_disk(path: Path) -> str | None:
    """The PIN hash the settings file holds now ("" for none); None if it cannot be read."""
    try:
        return load_settings(path).supervisor_pin_hash
    except UserError:
        return None


def save_keeping_pin(settings: Settings, path: Path, seen: str) -> Settings:
    """Save `settings`, but keep a PIN hash changed on disk since the saver last saw it (`seen`):
    `prodtool supervisor set-pin` run while the window is open must survive the window's next
    save. Returns what was written."""
    on_disk = pin_hash_on_disk(path)
    if on_disk is not None and on_disk != seen:
        settings = settings.replace(supervisor_pin_hash=on_disk)
    save_settings(settings, path)
    return settings
