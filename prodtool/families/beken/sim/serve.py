"""Serving simulated Beken modules on pty, socket or RFC 2217 ports.

The ports, the cable and the loop are the shared simulator's (`prodtool.flash.sim`); a Beken
chip plugs into the same `Slot` seam as the ESP `SimChip` (`attach`, `detach`, `receive`,
`set_lines`, `host_closed`, `unplug_request`). Until the farm is typed by that seam rather than
by the ESP class, the casts below are the only place the two meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TypeVar, cast

from prodtool.families.beken.sim.chip import IDEAL, BekenSimChip, SimTiming
from prodtool.families.beken.sim.faults import BekenFault
from prodtool.flash.sim.chip import SimChip
from prodtool.flash.sim.farm import TRANSPORTS, ChipFarm, Slot
from prodtool.flash.sim.faults import Fault
from prodtool.flash.sim.loop import EventLoop

T = TypeVar("T")


class BekenServer:
    """One Beken chip on its own loop and port: `with chip.serve("pty") as server: server.url`."""

    def __init__(self, chip: BekenSimChip, transport: str = "socket") -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"unknown transport {transport!r}: expected one of {TRANSPORTS}")
        self.chip = chip
        self.transport = transport
        self._loop: EventLoop | None = None
        self._slot: Slot | None = None

    @property
    def url(self) -> str:
        return self._slot.url if self._slot is not None else ""

    @property
    def loop(self) -> EventLoop | None:
        return self._loop

    def start(self) -> BekenServer:
        if self._loop is None:
            loop = EventLoop(name="sim-beken")
            self._loop = loop
            self._slot = Slot(loop, cast(SimChip, self.chip), self.transport)
            loop.start()
            loop.run_sync(self._slot.plug)
        return self

    def stop(self) -> None:
        loop, slot = self._loop, self._slot
        if loop is None or slot is None:
            return
        try:
            loop.run_sync(slot.unplug)
        finally:
            loop.stop()
            self._loop = None

    def run(self, func: Callable[[], T]) -> T:
        """Run `func()` on the loop thread (to look at or poke the chip consistently)."""
        if self._loop is None:
            raise RuntimeError("the server is not running")
        return self._loop.run_sync(func)

    def __enter__(self) -> BekenServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class BekenFarm(ChipFarm):
    """N simulated Beken modules of one variant on one loop (the farm's plug/unplug/replace)."""

    def __init__(  # noqa: PLR0917 - ChipFarm's positional order
        self,
        count: int = 1,
        family: str = "bk7231n",
        transport: str = "socket",
        beken_faults: Iterable[BekenFault | Fault] = (),
        app_version: str | None = None,
        seed: int = 0,
        *,
        timing: SimTiming = IDEAL,
        shell_echo: bool = True,
    ) -> None:
        self._beken_faults = list(beken_faults)
        self._timing = timing
        super().__init__(count, family, transport, (), app_version, seed, shell_echo=shell_echo)

    def _new_chip(self, index: int, app_version: str | None = None) -> SimChip:
        chip = BekenSimChip(
            self.family,
            index=index,
            seed=self.seed,
            app_version=app_version if app_version is not None else self.app_version,
            faults=list(self._beken_faults),
            timing=self._timing,
            shell_echo=self.shell_echo,
        )
        return cast(SimChip, chip)

    @property
    def beken_chips(self) -> list[BekenSimChip]:
        return [cast(BekenSimChip, chip) for chip in self.chips]
