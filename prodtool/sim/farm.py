"""Serving chips: a `ChipFarm` of N chips on one event loop, or one chip with `ChipServer`.

The farm plugs and unplugs chips the way a technician does: `unplug(i)` closes the chip's port
(the host gets an I/O error), `plug(i)` opens a new one (a pty gets a new path; a socket keeps
its port number when it can), `replace(i)` puts a fresh, blank chip with a new MAC in the slot.
Every method may be called from any thread; the work happens on the loop thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from types import TracebackType

from prodtool.families import registry
from prodtool.sim.chip import SimulatedChip
from prodtool.sim.faults import Fault
from prodtool.sim.loop import EventLoop
from prodtool.sim.ports import Port, PtyPort, Rfc2217Port, SocketPort
from prodtool.sim.wire import Link

TRANSPORTS = ("pty", "socket", "rfc2217")


def make_port(transport: str, previous: Port | None = None) -> Port:
    """A new host-side port; sockets reuse the previous port number so URLs stay put."""
    old = previous.url.rsplit(":", 1)[-1] if isinstance(previous, SocketPort) else "0"
    if transport == "pty":
        return PtyPort()
    if transport == "socket":
        return SocketPort(int(old))
    if transport == "rfc2217":
        return Rfc2217Port(int(old))
    raise ValueError(f"unknown transport {transport!r}: expected one of {', '.join(TRANSPORTS)}")


class Slot:
    """One place a chip is plugged into: the chip, its port and the cable between them."""

    def __init__(self, loop: EventLoop, chip: SimulatedChip, transport: str) -> None:
        self.loop = loop
        self.chip = chip
        self.transport = transport
        self.port: Port | None = None
        self.last_port: Port | None = None
        self.url = ""
        self.plugged = threading.Event()
        self.unplugged = threading.Event()
        self.unplugged.set()

    def plug(self) -> str:
        """Open a port and power the chip (loop thread)."""
        if self.port is not None:
            return self.url
        port = make_port(self.transport, self.last_port)
        port.open(self.loop)
        chip = self.chip
        link = Link(self.loop, port.write, chip.receive, port.host_baud)
        port.on_data = link.receive
        port.on_lines = chip.set_lines
        port.on_purge = link.purge_to_host
        port.on_host_closed = chip.host_closed
        chip.unplug_request = self.unplug
        self.port = port
        self.url = port.url
        chip.attach(self.loop, link, port.strict_lines)
        self.unplugged.clear()
        self.plugged.set()
        return self.url

    def unplug(self) -> None:
        """Power the chip off and close its port (loop thread)."""
        if self.port is None:
            return
        self.chip.detach()
        self.port.close()
        self.last_port = self.port
        self.port = None
        self.plugged.clear()
        self.unplugged.set()


class ChipFarm:
    """N simulated chips served from one loop thread; a context manager.

    Chips of any registered family, mixed at will: `families=["esp32c3", "bk7231n"]` gives one
    chip of each (and overrides `count` and `family`); otherwise `count` chips of `family`.
    """

    def __init__(  # noqa: PLR0917 - the documented positional order
        self,
        count: int = 1,
        family: str = registry.DEFAULT_FAMILY,
        transport: str = "socket",
        faults: Iterable[Fault] = (),
        app_version: str | None = None,
        seed: int = 0,
        *,
        shell_echo: bool = True,
        families: Sequence[str] | None = None,
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"unknown transport {transport!r}: expected one of {TRANSPORTS}")
        if count < 0:
            raise ValueError("count must not be negative")
        names = list(families) if families is not None else [family] * count
        self.families = [registry.get(name).name for name in names]
        self.family = self.families[0] if self.families else registry.get(family).name
        count = len(self.families)
        self.transport = transport
        self.app_version = app_version
        self.seed = seed
        self.shell_echo = shell_echo
        self._faults = list(faults)
        self.chips: list[SimulatedChip] = [
            self._new_chip(i, family=name) for i, name in enumerate(self.families)
        ]
        self._next_index = count
        self._loop: EventLoop | None = None
        self._slots: list[Slot] = []

    def _new_chip(
        self, index: int, app_version: str | None = None, *, family: str
    ) -> SimulatedChip:
        return registry.get(family).sim_chip(
            index=index,
            seed=self.seed,
            app_version=app_version if app_version is not None else self.app_version,
            faults=list(self._faults),
            shell_echo=self.shell_echo,
        )

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> ChipFarm:
        """Start the loop and plug every chip."""
        if self._loop is not None:
            return self
        loop = EventLoop(name="sim-farm")
        self._loop = loop
        self._slots = [Slot(loop, chip, self.transport) for chip in self.chips]
        loop.start()
        loop.run_sync(lambda: [slot.plug() for slot in self._slots])
        return self

    def stop(self) -> None:
        """Unplug everything, close every port and join the loop thread."""
        loop = self._loop
        if loop is None:
            return

        def unplug_all() -> None:
            for slot in self._slots:
                slot.unplug()

        try:
            loop.run_sync(unplug_all)
        finally:
            loop.stop()
            self._loop = None

    def __enter__(self) -> ChipFarm:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---------------------------------------------------------------- ports

    @property
    def urls(self) -> list[str]:
        """One port name or URL per chip, in order (the last one if unplugged)."""
        return [slot.url for slot in self._slots]

    def _loop_or_fail(self) -> EventLoop:
        if self._loop is None:
            raise RuntimeError("the farm is not running: use it as a context manager")
        return self._loop

    def plug(self, i: int) -> str:
        """Plug chip `i` back in; returns its (possibly new) URL."""
        return self._loop_or_fail().run_sync(self._slots[i].plug)

    def unplug(self, i: int) -> None:
        """Pull chip `i`'s cable: its port closes and the host gets an I/O error."""
        self._loop_or_fail().run_sync(self._slots[i].unplug)

    def is_plugged(self, i: int) -> bool:
        return self._slots[i].plugged.is_set()

    def wait_plugged(self, i: int, timeout: float | None = None) -> bool:
        return self._slots[i].plugged.wait(timeout)

    def wait_unplugged(self, i: int, timeout: float | None = None) -> bool:
        return self._slots[i].unplugged.wait(timeout)

    def replace(self, i: int, *, app_version: str | None = None) -> SimulatedChip:
        """Swap chip `i` for a fresh one of its family (new MAC; blank unless given a version)."""
        loop = self._loop_or_fail()
        chip = self._new_chip(self._next_index, app_version, family=self.families[i])
        self._next_index += 1

        def swap() -> None:
            slot = self._slots[i]
            slot.unplug()
            slot.chip = chip
            self.chips[i] = chip
            slot.plug()

        loop.run_sync(swap)
        return chip


class ChipServer:
    """One chip on its own loop and port: `with chip.serve("pty") as server: server.url`."""

    def __init__(self, chip: SimulatedChip, transport: str = "socket") -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"unknown transport {transport!r}: expected one of {TRANSPORTS}")
        self.chip = chip
        self.transport = transport
        self._loop: EventLoop | None = None
        self._slot: Slot | None = None

    @property
    def url(self) -> str:
        return self._slot.url if self._slot is not None else ""

    def start(self) -> ChipServer:
        if self._loop is None:
            loop = EventLoop(name="sim-chip")
            self._loop = loop
            self._slot = Slot(loop, self.chip, self.transport)
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

    def unplug(self) -> None:
        if self._loop is not None and self._slot is not None:
            self._loop.run_sync(self._slot.unplug)

    def plug(self) -> str:
        if self._loop is None or self._slot is None:
            raise RuntimeError("the server is not running")
        return self._loop.run_sync(self._slot.plug)

    def __enter__(self) -> ChipServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
