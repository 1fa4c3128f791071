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

from prodtool.sim import kvstore
from prodtool.sim.faultbook import FaultBook
from prodtool.sim.faults import Fault, FaultKind
from prodtool.sim.flashmem import Flash
from prodtool.sim.loop import EventLoop
from prodtool.sim.shell import ShellServices
from prodtool.sim.wire import Corrupter, Link


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


class ChipBase:
    """The plumbing every family's simulated chip shares; a family adds its ROM and its boot.

    A subclass calls `__init__` first, then defines `_kv_offset` (where its firmware keeps the
    credentials), `_plugged` (power on after `attach`), `receive`, `set_lines`, `host_closed` and
    `app_version`. Why one base: the farm, the shell and the fault book see every family alike,
    so the seams they use must behave alike.
    """

    mode: ChipMode

    def __init__(self, *, index: int, mac: bytes, flash: Flash, faults: FaultBook) -> None:
        self.index = index
        self._mac = mac
        self._flash = flash
        self.faults = faults
        self.stats = ChipStats()
        self.mode = ChipMode.UNPLUGGED
        self.loop: EventLoop | None = None
        self.link: Link | None = None
        self.strict_lines = False
        self.unplug_request: Callable[[], None] | None = None  # set by the port's owner
        self._epoch = 0  # bumps on every reset and unplug: late deliveries from before drop
        self._booted_at = 0.0

    # ---------------------------------------------------------------- public, any thread

    @property
    def mac(self) -> str:
        return ":".join(f"{b:02x}" for b in self._mac)

    @property
    def flash(self) -> bytearray:
        """The whole flash, live (writes go through the simulated flash's rules)."""
        return self._flash.data

    @property
    def flash_memory(self) -> Flash:
        return self._flash

    @property
    def app_running(self) -> bool:
        """True while the TuyaOpen shell is up."""
        return self.mode is ChipMode.APP

    def app_version(self) -> str | None:
        raise NotImplementedError

    def read_credentials(self) -> tuple[str, str] | None:
        """What the shell would answer to `auth-read` (None: `Authorization read failure.`)."""
        return kvstore.read_credentials(self._flash, self._kv_offset())

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)
        self._faults_changed()

    def remove_fault(self, fault: Fault) -> None:
        self.faults.remove(fault)
        self._faults_changed()

    def clear_faults(self) -> None:
        self.faults.clear()
        self._faults_changed()

    # ---------------------------------------------------------------- plugging (loop thread)

    def attach(self, loop: EventLoop, link: Link, strict_lines: bool) -> None:
        """The cable is plugged in: power on."""
        self.loop = loop
        self.link = link
        self.strict_lines = strict_lines
        self._apply_wire_faults()
        self._plugged()

    def detach(self) -> None:
        """The cable is pulled: power off (flash keeps its contents)."""
        self._epoch += 1
        self.mode = ChipMode.UNPLUGGED
        if self.link is not None:
            self.link.close()
        self.link = None

    def unplug(self) -> None:
        """A fault pulls the cable: the owner closes the port."""
        request = self.unplug_request
        if request is not None:
            request()
        else:
            self.detach()

    # ---------------------------------------------------------------- for the subclass

    def _kv_offset(self) -> int:
        raise NotImplementedError

    def _plugged(self) -> None:
        """Power on after `attach` has taken the loop and the link."""
        raise NotImplementedError

    def _now(self) -> float:
        return self.loop.clock() if self.loop is not None else 0.0

    def _silent(self) -> bool:
        """The UART hears and says nothing (a family adds its own dark states)."""
        return self.mode is ChipMode.UNPLUGGED

    def _send(self, data: bytes) -> None:
        if self.link is None or self._silent():
            return
        self.stats.bytes_out += len(data)
        self.link.send(data)

    def _faults_changed(self) -> None:
        self._apply_flash_faults()
        if self.loop is not None:
            self.loop.call_soon(self._apply_wire_faults)

    def _apply_flash_faults(self) -> None:
        stuck: list[tuple[int, int]] = []
        rot: list[tuple[int, int]] = []
        for fault in self.faults.faults():
            region = (fault.offset, fault.offset + fault.size)
            if fault.kind is FaultKind.FLASH_STUCK:
                stuck.append(region)
            elif fault.kind is FaultKind.FLASH_ROT:
                rot.append(region)
        with self._flash.lock:
            self._flash.stuck = stuck
            self._flash.rot = rot

    def _apply_wire_faults(self) -> None:
        link = self.link
        if link is None:
            return
        fault = self.faults.persistent(FaultKind.CORRUPT)
        if fault is None:
            link.corrupt_tx = link.corrupt_rx = None
            return
        set_corrupters(link, fault)

    def _shell_fault(self, kind: FaultKind) -> bool:
        return self.faults.fire(kind) is not None

    def _shell_services(self) -> ShellServices:
        offset = self._kv_offset()
        return ShellServices(
            mac=lambda: self.mac,
            version=self.app_version,
            read_credentials=self.read_credentials,
            write_credentials=lambda u, k: kvstore.write_credentials(self._flash, offset, u, k),
            reset_credentials=lambda: kvstore.reset_credentials(self._flash, offset),
            fault=self._shell_fault,
            uptime=lambda: self._now() - self._booted_at,
        )


def set_corrupters(link: Link, fault: Fault) -> None:
    """A shared `corrupt` fault on the wire, in the directions it names."""
    tx = fault.direction in ("tx", "both")
    rx = fault.direction in ("rx", "both")
    link.corrupt_tx = Corrupter(fault.rate, fault.seed) if tx else None
    link.corrupt_rx = Corrupter(fault.rate, fault.seed + 1) if rx else None
