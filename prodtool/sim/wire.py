"""The simulated UART cable: throttled to the baud rate, garbled on a baud mismatch.

Every byte costs 10 bit times (8N1) at the sender's rate. Each direction keeps an absolute
clock of when its last byte finishes, so a chunk is due at `max(clock, now) + len * 10 / baud`
and sleep jitter never accumulates into drift. Chunks are at most ~5 ms of wire time, so a
long transfer trickles out like a real cable rather than in one burst at the end.

If the host and the chip use different rates, the receiver sees garbage (about `len * rx / tx`
bytes of noise), as a real UART would. A `corrupt` fault flips bits at a given rate.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from prodtool.sim.loop import EventLoop, Timer

BITS_PER_BYTE = 10
CHUNK_SECONDS = 0.005
SLACK_SECONDS = 0.001  # deliver this early at most: one wake-up serves several chunks
DEFAULT_BAUD = 115200


def wire_seconds(nbytes: int, baud: int) -> float:
    """Time `nbytes` take on a UART at `baud` (8N1: 10 bits per byte)."""
    return nbytes * BITS_PER_BYTE / baud


def chunk_size(baud: int) -> int:
    """Bytes per scheduled chunk: ~5 ms of wire time, at least 16."""
    return max(16, int(baud * CHUNK_SECONDS / BITS_PER_BYTE))


@dataclass
class Direction:
    """One direction of the cable: pending chunks, each with its due time and sender's rate."""

    clock: float = 0.0
    queue: deque[tuple[float, bytes, int]] = field(default_factory=deque)
    timer: Timer | None = None
    seconds: float = 0.0  # wire time of everything sent this way (benchmarks' lower bound)

    def schedule(self, data: bytes, baud: int, now: float) -> None:
        self.seconds += wire_seconds(len(data), baud)
        step = chunk_size(baud)
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            self.clock = max(self.clock, now) + wire_seconds(len(piece), baud)
            self.queue.append((self.clock, piece, baud))

    def clear(self) -> None:
        self.queue.clear()
        self.clock = 0.0
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class Corrupter:
    """Flips one bit in randomly chosen bytes, `rate` per byte, with geometric skips."""

    def __init__(self, rate: float, seed: int) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self._skip = self._next_skip()

    def _next_skip(self) -> int:
        if self.rate <= 0:
            return 1 << 62
        if self.rate >= 1:
            return 0
        return int(math.log(1.0 - self.rng.random()) / math.log(1.0 - self.rate))

    def apply(self, data: bytes) -> bytes:
        if self._skip >= len(data):
            self._skip -= len(data)
            return data
        out = bytearray(data)
        pos = self._skip
        while pos < len(out):
            out[pos] ^= 1 << self.rng.randrange(8)
            pos += 1 + self._next_skip()
        self._skip = pos - len(out)
        return bytes(out)


def garble(data: bytes, sent_baud: int, read_baud: int, rng: random.Random) -> bytes:
    """What a UART at `read_baud` makes of `data` sent at `sent_baud`: noise."""
    count = max(1, round(len(data) * read_baud / sent_baud))
    return rng.randbytes(count)


class Link:
    """The cable between a port (host side) and a chip, on the loop's clock.

    `deliver_to_host(bytes)` writes to the port; `deliver_to_chip(bytes)` feeds the chip.
    `host_baud()` is the rate the host set, or None when the transport cannot tell (socket://).
    """

    def __init__(
        self,
        loop: EventLoop,
        deliver_to_host: Callable[[bytes], None],
        deliver_to_chip: Callable[[bytes], None],
        host_baud: Callable[[], int | None],
    ) -> None:
        self.loop = loop
        self.deliver_to_host = deliver_to_host
        self.deliver_to_chip = deliver_to_chip
        self.host_baud = host_baud
        self.chip_baud = DEFAULT_BAUD
        # The host's rate when the port cannot tell (socket://): it follows the chip, except
        # after a CHANGE_BAUDRATE the host switches whether the chip did or not.
        self.assumed_host_baud: int | None = None
        self._assumed_switch: tuple[float, int] | None = None  # (after this due time, rate)
        self._tx_given = 0.0  # due time of the last chunk given to the host
        self.autobaud = False  # ROM download mode: the chip locks onto the host's rate
        self.tx = Direction()  # chip -> host
        self.rx = Direction()  # host -> chip
        self.corrupt_tx: Corrupter | None = None
        self.corrupt_rx: Corrupter | None = None
        self._noise = random.Random(0x5EED)
        self.bytes_to_host = 0
        self.bytes_to_chip = 0

    # ---------------------------------------------------------------- chip -> host

    def send(self, data: bytes) -> None:
        """The chip transmits `data` at its current rate."""
        if not data:
            return
        self.tx.schedule(data, self.chip_baud, self.loop.clock())
        self._arm(self.tx, self._flush_tx)

    def host_will_switch(self, baud: int) -> None:
        """A host that cannot be asked (socket://) switches once it has read what is queued."""
        self._assumed_switch = (self.tx.clock, baud)

    def forget_host(self) -> None:
        """The host closed the port: the next one starts at whatever rate the chip uses."""
        self.assumed_host_baud = None
        self._assumed_switch = None

    def _settle_assumed(self) -> None:
        """The host switches once it has been given everything up to the switch point: a
        chunk may be given up to `SLACK_SECONDS` before its due time, and a host that wrote
        back at once must not be read at the old rate."""
        if self._assumed_switch is not None and self._tx_given >= self._assumed_switch[0]:
            self.assumed_host_baud = self._assumed_switch[1]
            self._assumed_switch = None

    def current_host_baud(self) -> int | None:
        """The host's rate: from the port if it knows, else the assumption (None: matches)."""
        host = self.host_baud()
        return host if host is not None else self.assumed_host_baud

    def _flush_tx(self) -> None:
        self.tx.timer = None
        for due, sent, baud in self._due(self.tx):
            host = self.current_host_baud()
            piece = sent if host is None or host == baud else garble(sent, baud, host, self._noise)
            if self.corrupt_tx is not None:
                piece = self.corrupt_tx.apply(piece)
            self.bytes_to_host += len(piece)
            self.deliver_to_host(piece)
            self._tx_given = due
            self._settle_assumed()  # a host that has read up to its switch point switches
        self._arm(self.tx, self._flush_tx)

    # ---------------------------------------------------------------- host -> chip

    def receive(self, data: bytes) -> None:
        """The host wrote `data` to the port; it reaches the chip after its wire time."""
        if not data:
            return
        self._settle_assumed()
        host = self.current_host_baud()
        if self.autobaud and host is not None:
            self.chip_baud = host
        self.rx.schedule(data, host or self.chip_baud, self.loop.clock())
        self._arm(self.rx, self._flush_rx)

    def _flush_rx(self) -> None:
        self.rx.timer = None
        for _due, sent, baud in self._due(self.rx):
            piece = (
                sent if baud == self.chip_baud else garble(sent, baud, self.chip_baud, self._noise)
            )
            if self.corrupt_rx is not None:
                piece = self.corrupt_rx.apply(piece)
            self.bytes_to_chip += len(piece)
            self.deliver_to_chip(piece)
        self._arm(self.rx, self._flush_rx)

    # ---------------------------------------------------------------- common

    def _due(self, direction: Direction) -> list[tuple[float, bytes, int]]:
        """Chunks due now, consecutive ones at the same rate merged into one write (due when
        its last byte is), never across the point where the host is assumed to switch."""
        limit = self.loop.clock() + SLACK_SECONDS
        out: list[tuple[float, bytes, int]] = []
        queue = direction.queue
        while queue and queue[0][0] <= limit:
            due, piece, baud = queue.popleft()
            switch = self._assumed_switch
            crosses = bool(switch is not None and out and out[-1][0] <= switch[0] < due)
            if out and out[-1][2] == baud and not crosses:
                out[-1] = (due, out[-1][1] + piece, baud)  # due: when its last byte is
            else:
                out.append((due, piece, baud))
        return out

    def _arm(self, direction: Direction, callback: Callable[[], None]) -> None:
        if direction.timer is None and direction.queue:
            direction.timer = self.loop.call_at(direction.queue[0][0], callback)

    def purge_to_host(self) -> None:
        """Drop what the chip sent that the host has not received yet (a purge or reset)."""
        self.tx.clear()

    def purge_to_chip(self) -> None:
        self.rx.clear()

    def close(self) -> None:
        self.tx.clear()
        self.rx.clear()

    @property
    def idle(self) -> bool:
        return not self.tx.queue and not self.rx.queue
