"""What the farm needs of a simulated chip of any family (the ESP one is `SimChip`).

The farm owns the event loop, the port and the throttled `Link`; the chip owns its ROM, its
flash and its firmware. All methods but the properties run on the loop thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from prodtool.sim.faultbook import FaultBook
from prodtool.sim.faults import Fault
from prodtool.sim.flashmem import Flash
from prodtool.sim.loop import EventLoop
from prodtool.sim.wire import Link


class ChipMode(StrEnum):
    UNPLUGGED = "unplugged"
    RESET = "reset"  # EN held low
    DOWNLOAD = "download"  # the ROM loader (or a flasher stub it started)
    APP = "app"  # the firmware, with the TuyaOpen shell
    BOOT_LOOP = "boot-loop"  # no valid image: ROM/bootloader errors, no shell


@dataclass
class ChipStats:
    """Counters for benchmarks: commands seen and bytes on the wire."""

    commands: int = 0
    by_opcode: Counter[int] = field(default_factory=Counter)
    bytes_in: int = 0  # host -> chip, as the chip received them
    bytes_out: int = 0  # chip -> host
    boots: int = 0




class SimulatedChip(Protocol):
    """One simulated chip, served by a `ChipFarm` or a `ChipServer`."""

    index: int
    faults: FaultBook
    stats: ChipStats
    mode: ChipMode
    link: Link | None
    unplug_request: Callable[[], None] | None  # set by the port's owner: "pull my cable"

    @property
    def family(self) -> str:
        """The family's canonical name, as the chip's ROM would report it."""

    @property
    def mac(self) -> str:
        """"aa:bb:cc:dd:ee:ff"."""

    @property
    def app_running(self) -> bool:
        """True while the firmware's production shell is up."""

    def read_credentials(self) -> tuple[str, str] | None:
        """(UUID, AuthKey) the firmware holds, or None."""

    def app_version(self) -> str | None:
        """The version of the app in flash that would boot, or None."""

    @property
    def flash(self) -> bytearray:
        """The whole flash, live."""

    @property
    def flash_memory(self) -> Flash:
        """The flash with its rules (erase before program, faults)."""

    def add_fault(self, fault: Fault) -> None: ...

    def remove_fault(self, fault: Fault) -> None: ...

    def clear_faults(self) -> None: ...

    def attach(self, loop: EventLoop, link: Link, strict_lines: bool) -> None:
        """The cable is plugged in: power on. `strict_lines`: DTR/RTS arrive (RFC 2217)."""

    def detach(self) -> None:
        """The cable is pulled: power off; flash keeps its contents."""

    def receive(self, data: bytes) -> None:
        """Bytes from the host that have finished crossing the wire."""

    def set_lines(self, dtr: bool, rts: bool) -> None:
        """DTR/RTS as the host set them (RFC 2217 only)."""

    def host_closed(self) -> None:
        """The host closed its end: forget half-received input."""
