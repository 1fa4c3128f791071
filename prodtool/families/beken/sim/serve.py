"""Serving simulated Beken modules: one on its own port, or a farm of one variant with a timing.

`ChipFarm(family="bk7231n")` serves Beken modules like any family's (through
`BekenFamily.sim_chip`); `BekenFarm` adds what only benchmarks and tests need, a flash timing
(`SimTiming`), and `BekenServer` a way to run code on the loop thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from prodtool.families.beken.sim.chip import IDEAL, BekenSimChip, SimTiming
from prodtool.families.beken.sim.faults import BekenFault
from prodtool.sim.chip import SimulatedChip
from prodtool.sim.farm import ChipFarm, ChipServer
from prodtool.sim.faults import Fault

T = TypeVar("T")


class BekenServer(ChipServer):
    """One Beken chip on its own loop and port: `with chip.serve("pty") as server: server.url`."""

    def __enter__(self) -> BekenServer:
        self.start()
        return self

    def run(self, func: Callable[[], T]) -> T:
        """Run `func()` on the loop thread (to look at or poke the chip consistently)."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the server is not running")
        return loop.run_sync(func)


class BekenFarm(ChipFarm):
    """N simulated Beken modules of one variant on one loop, with a flash timing."""

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

    def _new_chip(
        self, index: int, app_version: str | None = None, *, family: str
    ) -> SimulatedChip:
        return BekenSimChip(
            family,
            index=index,
            seed=self.seed,
            app_version=app_version if app_version is not None else self.app_version,
            faults=list(self._beken_faults),
            timing=self._timing,
            shell_echo=self.shell_echo,
        )

    @property
    def beken_chips(self) -> list[BekenSimChip]:
        return [chip for chip in self.chips if isinstance(chip, BekenSimChip)]
