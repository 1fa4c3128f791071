"""What every chip driver offers the job and QA, and the one error type drivers raise.

A driver takes an already-open serial object (or a port name/URL it opens itself), so tests hand
it a simulated chip and the job can wrap the port in a transcript. Errors a technician can act on
are `DriverError`s carrying a `Reason`; anything else escaping a driver is a bug.
"""

from __future__ import annotations

import abc
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
    """Who the chip says it is. `chip_id` is the factory MAC without colons on ESP chips.

    `mac` is "" when the loader cannot say it (Beken): the job then takes it from the
    firmware's shell (`read_mac`) after flashing, and reserves the license only then.
    """

    family: str  # the family's canonical name: "esp32c3", "esp32", "bk7231n"...
    mac: str  # "aa:bb:cc:dd:ee:ff", or "" (see above)
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


class DriverSink(Protocol):
    """Where a driver's (or its library's) messages and progress go: the port's job."""

    def driver_message(self, level: str, text: str) -> None: ...

    def driver_progress(self, done: int, total: int) -> None: ...


class ChipDriver(abc.ABC):
    """One connection to one chip, as the job and QA drive it: the only chip API they use.

    The sequence is `identify` (reset into the loader, sync, read who the chip is, switch to
    the fast rate), then any of `check_fits`, `flash_matches`, `write_regions`,
    `verify_regions`, `read`, then
    `reset_to_app` (the firmware's shell answers next, see `ChipFamily.shell`) and `close`.
    Every method raises only `DriverError` for failures a technician can act on, honours
    `cancel` between blocks (raising `DriverError(cancel.reason)`), and never puts a secret
    region's bytes into a message. A transport error (`serial.SerialException`, `OSError`)
    escaping a driver counts as a pulled cable.
    """

    def __init__(self, *, baud: int, cancel: CancelToken | None = None) -> None:
        self._baud = baud
        self._cancel = cancel or CancelToken()
        self.info: ChipInfo | None = None

    @property
    def baud(self) -> int:
        """The baud rate in use (the loader's own on transports that cannot change it)."""
        return self._baud

    @property
    def cancel(self) -> CancelToken:
        return self._cancel

    @abc.abstractmethod
    def identify(self, expect_family: str | None = None) -> ChipInfo:
        """Reset into the loader, sync, and say who the chip is; sets `info`.

        With `expect_family` (a canonical family name), a chip of another family fails with
        WRONG_CHIP before anything is written. A chip that stops answering after the switch to
        the fast rate fails with LINK_ERRORS, so the job retries one rate lower.
        """

    def check_fits(self, regions: Sequence[Region]) -> None:
        """FIRMWARE_TOO_LARGE before a byte is written when a region ends past the flash."""
        size = self.info.flash_size if self.info else None
        if size is None:
            return
        for region in regions:
            if region.offset + len(region.data) > size:
                raise DriverError(
                    Reason.FIRMWARE_TOO_LARGE,
                    f"{region.name or 'image'} ends at {region.offset + len(region.data):#x}, "
                    f"the flash holds {size:#x}",
                )

    @abc.abstractmethod
    def write_regions(self, regions: Sequence[Region], progress: ProgressFn) -> None:
        """Erase and write each region; `progress(done, total)` counts bytes over all regions."""

    def flash_matches(self, region: Region) -> bool | None:
        """Whether the flash already holds `region`, by the chip's own digest over it (ESP: the
        loader's MD5; Beken: the ROM's CRC), so the job skips writing a firmware that is there.

        None: this family cannot tell without reading the region back (no digest command), and
        the job writes it. A family gains the skip by overriding this one method.
        """
        return None

    @abc.abstractmethod
    def verify_regions(self, regions: Sequence[Region]) -> None:
        """Compare each region with the flash (FIRMWARE_VERIFY_FAILED when one differs)."""

    @abc.abstractmethod
    def read(self, offset: int, length: int) -> bytes:
        """`length` bytes of flash from `offset`."""

    @abc.abstractmethod
    def reset_to_app(self) -> None:
        """Leave the loader and start the application (the port stays open)."""

    def close(self) -> None:  # noqa: B027 - optional: most drivers hold nothing of their own
        """Release what the driver holds; the caller's serial object stays open."""


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
