"""A chip family as data: names, USB hints, baud rates, flash layout, image format, wiring, hints.

One `ChipFamily` per chip the station can write (`esp32c3`, `esp32`, `bk7231n`...). Most of it
is plain data; the hooks are code, overridden by the family's subclass:

- `open_driver` gives the job a `ChipDriver` on an already-open serial object;
- `read_image` checks a firmware image of this family (and says why one is refused);
- `make_image` builds an image simulated chips of this family boot (`prodtool sim image`);
- `sim_chip` builds one simulated chip of this family for a `ChipFarm`;
- `probe_identity` (optional) says who is on a port without a reset (the jig watch).

The engine reads only this class and `ChipDriver`: a family whose ROM speaks another protocol,
resets through other lines or answers at another baud rate fits without touching the engine.
How to add one: docs/families.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prodtool.errors import UserError
from prodtool.flash.events import Reason

if TYPE_CHECKING:
    from prodtool.families.driver import CancelToken, ChipDriver, DriverSink, Region
    from prodtool.sim.chip import SimulatedChip
    from prodtool.sim.faults import Fault


class ImageError(UserError):
    """A firmware image this family would not boot: empty, truncated, or built for another chip.

    The message is one line naming the image and what is wrong with it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_firmware_image")


class UnknownFamilyError(UserError):
    """A chip family name no registered family answers to."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(
            f"unknown chip family {name!r}",
            hint=f"known families: {', '.join(known)}",
            code="unknown_family",
        )


@dataclass(frozen=True)
class UsbId:
    """A USB-serial adapter often found on this family's boards (a hot-plug hint, no rule)."""

    vid: int
    pid: int
    name: str = ""


@dataclass(frozen=True)
class ImageInfo:
    """What a firmware image says about itself."""

    chip: str  # the family name the image is built for
    version: str  # "" when the format carries none
    size: int  # bytes the image occupies (its declared length, not the file's)
    project: str = ""


@dataclass(frozen=True)
class ShellAccess:
    """Where the firmware's production shell answers after the chip is reset into its app.

    `baud`: the app's console rate, which the job switches the port to after
    `ChipDriver.reset_to_app` when the loader ran at another rate. The shell answers on the
    port the loader used (every family so far); a family whose app talks on another UART
    needs an engine change first.
    """

    baud: int = 115200


@dataclass(frozen=True)
class BaudPlan:
    """The rates one job tries, highest first, and what was left out of the station's list."""

    rates: tuple[int, ...]
    note: str = ""  # for the port's log; "" when every wanted rate the family supports is in
    fallback: bool = False  # nothing in common: the family's default alone (`note` says why)


@dataclass(frozen=True)
class ChipFamily:
    """One chip family. Subclass it to give the hooks; fill the data in the instance."""

    name: str  # canonical, lower case: what packages and ChipInfo.family say ("esp32c3")
    title: str  # for people: "ESP32-C3"
    aliases: tuple[str, ...] = ()  # other names packages and the command line may use
    vendor: str = ""
    usb_ids: tuple[UsbId, ...] = ()
    rom_baud: int = 115200  # the loader's rate after reset, and the default to write at
    # Every rate this family's chips can be written at, fast first. The job writes at the ones
    # the station's settings also list (`plan_bauds`) and steps down on link errors.
    baud_rates: tuple[int, ...] = (921600, 460800, 115200)
    app_offset: int = 0x10000  # where the application image goes in flash
    version_probe: int = 0x400  # bytes at app_offset that `image_version` needs
    shell: ShellAccess = ShellAccess()
    reset_to_loader: str = ""  # how the driver (or the operator) gets the chip into its loader
    reset_to_app: str = ""  # how it gets from the loader into the application
    guide: str = ""  # wiring for the operator, shown on a tile that cannot reach the chip
    # What the port is doing while the driver links with the loader, for the tile ("linking
    # (reset module / CEN)"); "" says "reading the chip's identity".
    connect_step: str = ""
    hints: Mapping[Reason, str] = field(default_factory=dict)  # a hint per failure reason
    # False: the loader cannot say the MAC (`ChipInfo.mac` is ""); the job takes it from the
    # firmware's shell after flashing and reserves the license only then (Beken)
    loader_reports_mac: bool = True

    # -- baud rates -------------------------------------------------------------------------------
    @property
    def default_baud(self) -> int:
        """The rate a port falls back to when the station's list has none this family
        supports: the loader's own rate, which every adapter reaches."""
        return self.rom_baud

    def supports_baud(self, baud: int) -> bool:
        return baud in self.baud_rates or baud == self.rom_baud

    def plan_bauds(
        self, wanted: Sequence[int], *, max_baud: int = 0, adapter: str = ""
    ) -> BaudPlan:
        """The rates a job tries on a chip of this family, highest first.

        `wanted`: the station's list (`Settings.baud_rates`; empty: this family's own);
        `max_baud`: the port's adapter's top rate (0: unknown), `adapter` its name. The job
        starts at the first and steps down on link errors. Nothing in common: the family's
        default rate alone, with the reason in `note` (the job logs it as a warning).
        """
        wanted = tuple(wanted) or self.baud_rates
        common = sorted({b for b in wanted if self.supports_baud(b)}, reverse=True)
        reachable = [b for b in common if not max_baud or b <= max_baud]
        bauds = ", ".join(map(str, sorted(set(wanted), reverse=True)))
        if reachable:
            dropped = [b for b in common if b not in reachable]
            note = (
                f"{adapter or 'the adapter'} reaches at most {max_baud} baud: "
                f"{', '.join(map(str, dropped))} left out"
                if dropped
                else ""
            )
            return BaudPlan(tuple(reachable), note=note)
        if common:
            why = (
                f"the station's baud rates ({bauds}) are all above what "
                f"{adapter or 'this adapter'} reaches ({max_baud})"
            )
        else:
            why = (
                f"none of the station's baud rates ({bauds}) is one {self.title} supports "
                f"({', '.join(map(str, self.baud_rates))})"
            )
        return BaudPlan(
            (self.default_baud,),
            note=f"{why}: writing at {self.title}'s default {self.default_baud} baud",
            fallback=True,
        )

    # -- names ----------------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Every name this family answers to, canonical first."""
        return (self.name, *self.aliases)

    def hint(self, reason: Reason) -> str:
        """The hint shown with `reason` on a chip of this family ("" when there is none)."""
        return self.hints.get(reason, "")

    def start_app(self, driver: ChipDriver, serial: Any) -> None:
        """Reset from the loader into the app and put the port at the shell's baud rate."""
        driver.reset_to_app()
        if serial is not None and getattr(serial, "baudrate", self.shell.baud) != self.shell.baud:
            serial.baudrate = self.shell.baud

    # -- hooks (override in the family's subclass) -------------------------------------------------
    def prepare(self, regions: Sequence[Region]) -> None:
        """Get this process ready to write `regions` before its first chip asks: import the
        driver's libraries, build what the driver caches per process. A worker process calls it
        when it receives a package's plan, so its first job is no slower than the ones after."""

    def open_driver(
        self,
        serial: Any,
        *,
        baud: int,
        connect_attempts: int = 3,
        cancel: CancelToken | None = None,
        stub_baud: int = 0,
    ) -> ChipDriver:
        """A driver for the chip on the open `serial` object; `baud` is the rate to write at.

        `stub_baud` (0: none) is the rate an earlier attempt left the family's flasher stub at:
        on a port without reset lines the driver may find the stub still listening there.
        """
        raise NotImplementedError(f"{self.name} has no driver")

    def log_route(self, sink: DriverSink) -> contextlib.AbstractContextManager[None]:
        """Route a process-wide library log (esptool's) to `sink` on the calling thread."""
        return contextlib.nullcontext()

    def read_image(self, data: bytes, *, name: str = "image") -> ImageInfo:
        """Check a whole application image; raise `ImageError` with a one-line reason."""
        if not data:
            raise ImageError(f"{name} is empty (0 bytes)")
        return ImageInfo(chip=self.name, version="", size=len(data))

    def check_region(self, offset: int, data: bytes, *, name: str = "image") -> ImageInfo | None:
        """Check one firmware region of a package: the app image fully, other regions non-empty.

        Used by `package build` and by the station when it loads a package.
        """
        if not data:
            raise ImageError(f"{name} at {offset:#x} is empty (0 bytes)")
        if offset == self.app_offset:
            return self.read_image(data, name=name)
        return None

    def transcript_blocks(self, sent: bytes) -> list[int]:
        """The sequence numbers of the flash data blocks in what the host sent, in order.

        Support compares a job with its replay by these steps; [] when not decoded.
        """
        return []

    def loader_answered(self, received: bytes) -> bool:
        """Whether the chip's loader answered at all in what the host received (support infers
        a chip that never entered its loader when it did not)."""
        return bool(received)

    def image_version(self, head: bytes) -> str | None:
        """The version of the app whose first `version_probe` bytes are `head` (None: no app)."""
        return None

    def probe_identity(self, serial: Any) -> str | None:
        """Who is on the open `serial` port now (a MAC), asked without a reset; None when
        nothing answers. The station's jig watch calls it after a pass to see a new module
        come in; the default None means this family cannot probe: the port waits for Start."""
        return None

    def make_image(self, *, version: str, size: int | None = None) -> bytes:
        """A valid application image reporting `version` (simulated chips boot it)."""
        raise NotImplementedError(f"{self.name} cannot build images")

    def sim_chip(
        self,
        *,
        index: int = 0,
        seed: int = 0,
        app_version: str | None = None,
        faults: Sequence[Fault] = (),
        shell_echo: bool = True,
    ) -> SimulatedChip:
        """One simulated chip of this family (blank, or running an app of `app_version`)."""
        raise NotImplementedError(f"{self.name} has no simulated chip")
