"""What every chip driver offers the job, and the one error type drivers raise.

A driver takes an already-open serial object (or a port name/URL it opens itself), so tests hand
it a simulated chip and the job can wrap the port in a transcript. Errors a technician can act on
are `DriverError`s carrying a `Reason`; anything else escaping a driver is a bug.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from prodtool.flash.events import Reason

ProgressFn = Callable[[int, int], None]


class DriverError(Exception):
    """A failure with a reason code and a technical detail (never a secret)."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ChipInfo:
    """Who the chip says it is. `chip_id` is the factory MAC without colons on ESP chips."""

    family: str  # esptool's short name: "esp32c3", "esp32s3", "esp32"...
    mac: str  # "aa:bb:cc:dd:ee:ff"
    chip_id: str
    flash_size: int | None  # bytes, None when the flash chip did not say
    description: str = ""


@dataclass(frozen=True)
class Region:
    """Bytes to put at a flash offset. `secret` regions are recorded by size only."""

    offset: int
    data: bytes
    name: str = ""
    secret: bool = False


class ChipDriver(Protocol):
    """The interface the job drives; one instance per connection to one chip."""

    def identify(self, expect_family: str | None = None) -> ChipInfo: ...

    def write_regions(self, regions: Sequence[Region], progress: ProgressFn) -> None: ...

    def verify_regions(self, regions: Sequence[Region]) -> None: ...

    def read(self, offset: int, length: int) -> bytes: ...

    def reset_to_app(self) -> None: ...

    def close(self) -> None: ...


class CancelToken:
    """Set by the station (cancel) or the watchdog (timeout); checked between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = Reason.CANCELLED
        self._hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self, reason: Reason = Reason.CANCELLED) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            hooks = list(self._hooks)
        for hook in hooks:
            hook()

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """Run `hook` on cancel (now, if already cancelled): e.g. close the port to unblock I/O."""
        with self._lock:
            if not self._event.is_set():
                self._hooks.append(hook)
                return
        hook()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise DriverError(self.reason, "stopped")

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if cancelled meanwhile."""
        return self._event.wait(seconds)
