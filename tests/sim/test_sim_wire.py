"""The throttled cable: exact wire times on a fake clock, then a real-time measurement."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable

import pytest

from prodtool.sim.loop import EventLoop, Timer
from prodtool.sim.wire import Corrupter, Link, garble, wire_seconds

pytestmark = pytest.mark.sim


class FakeLoop:
    """Just enough of EventLoop for a Link: a settable clock and a timer heap."""

    def __init__(self) -> None:
        self.now = 100.0
        self.timers: list[Timer] = []
        self.seq = 0

    def clock(self) -> float:
        return self.now

    def call_at(self, due: float, callback: Callable[[], None]) -> Timer:
        self.seq += 1
        timer = Timer(due, self.seq, callback)
        heapq.heappush(self.timers, timer)
        return timer

    def run_until_idle(self, lateness: float = 0.0) -> None:
        """Fire timers in order; each wake-up comes `lateness` seconds after it was due."""
        while self.timers:
            timer = heapq.heappop(self.timers)
            if timer.cancelled:
                continue
            self.now = max(self.now, timer.due + lateness)
            timer.callback()


def make_link(
    host_baud: int | None = None,
) -> tuple[FakeLoop, Link, list[tuple[float, bytes]], list[tuple[float, bytes]]]:
    loop = FakeLoop()
    to_host: list[tuple[float, bytes]] = []
    to_chip: list[tuple[float, bytes]] = []
    link = Link(
        loop,  # type: ignore[arg-type]
        lambda data: to_host.append((loop.now, data)),
        lambda data: to_chip.append((loop.now, data)),
        lambda: host_baud,
    )
    return loop, link, to_host, to_chip


@pytest.mark.parametrize("baud", [115200, 921600])
def test_bytes_arrive_exactly_after_their_wire_time(baud: int) -> None:
    loop, link, to_host, _ = make_link()
    link.chip_baud = baud
    payload = bytes(range(256)) * 400  # 102400 bytes
    link.send(payload)
    loop.run_until_idle()
    assert b"".join(d for _, d in to_host) == payload
    expected = wire_seconds(len(payload), baud)  # bytes x 10 / baud
    elapsed = to_host[-1][0] - 100.0
    assert elapsed == pytest.approx(expected, abs=0.0011)  # at most the 1 ms delivery slack
    # It trickles: no chunk carries more than ~5 ms of wire time.
    assert max(len(d) for _, d in to_host) <= baud // 10 * 0.005 * 2 + 16


def test_late_wake_ups_do_not_accumulate_drift() -> None:
    loop, link, to_host, _ = make_link()
    link.chip_baud = 115200
    payload = b"\x55" * 57600  # 5 s of wire time
    link.send(payload)
    loop.run_until_idle(lateness=0.004)  # every wake-up 4 ms late
    elapsed = to_host[-1][0] - 100.0
    assert elapsed == pytest.approx(5.0, abs=0.005)  # one lateness, not one per chunk


def test_back_to_back_sends_queue_behind_each_other() -> None:
    loop, link, to_host, _ = make_link()
    link.chip_baud = 115200
    link.send(b"a" * 1152)  # 0.1 s
    link.send(b"b" * 1152)  # starts when the first ends
    loop.run_until_idle()
    assert to_host[-1][0] - 100.0 == pytest.approx(0.2, abs=0.0011)


def test_host_to_chip_runs_at_the_hosts_rate_and_garbles_on_mismatch() -> None:
    loop, link, _, to_chip = make_link(host_baud=921600)
    link.chip_baud = 921600
    link.receive(b"\xc0" + b"x" * 9215 + b"\xc0")
    loop.run_until_idle()
    assert to_chip[-1][0] - 100.0 == pytest.approx(wire_seconds(9217, 921600), abs=0.0011)
    assert b"".join(d for _, d in to_chip).startswith(b"\xc0xxx")
    link.chip_baud = 115200  # the chip did not follow the host
    to_chip.clear()
    link.receive(b"\xc0" + b"x" * 800 + b"\xc0")
    loop.run_until_idle()
    got = b"".join(d for _, d in to_chip)
    assert b"xxxx" not in got
    assert len(got) == pytest.approx(802 * 115200 / 921600, abs=2)


def test_the_chip_garbles_what_a_host_at_another_rate_reads() -> None:
    loop, link, to_host, _ = make_link(host_baud=9600)
    link.chip_baud = 115200
    link.send(b"tuya>" * 100)
    loop.run_until_idle()
    assert b"tuya>" not in b"".join(d for _, d in to_host)


def _switch(loop: FakeLoop, link: Link, reply: bytes, baud: int) -> None:
    """The chip answers at its rate, then both sides move to `baud` (socket://: assumed)."""
    link.send(reply)
    link.host_will_switch(baud)
    link.chip_baud = baud


def test_a_host_that_writes_as_soon_as_it_has_the_reply_is_read_at_its_new_rate() -> None:
    loop, link, to_host, to_chip = make_link(host_baud=None)  # socket://: the rate is assumed
    _switch(loop, link, b"OK\n", 921600)
    loop.run_until_idle()
    assert link.current_host_baud() == 921600
    _switch(loop, link, b"OK\n", 115200)  # back to the app's rate ...
    link.send(b"I (30) boot: ESP-IDF\r\n" * 8 + b"tuya>")  # ... whose banner follows at once
    first = heapq.heappop(loop.timers)
    loop.now = first.due
    first.callback()  # the OK reaches the host; the banner is still on the wire
    assert b"".join(d for _, d in to_host[-1:]) == b"OK\n"
    link.receive(b"read_mac\r\n")  # the host switched on reading it, and typed at once
    loop.run_until_idle()
    assert b"".join(d for _, d in to_chip) == b"read_mac\r\n"


def test_autobaud_locks_onto_the_host() -> None:
    loop, link, _, to_chip = make_link(host_baud=57600)
    link.autobaud = True
    link.receive(b"sync")
    loop.run_until_idle()
    assert link.chip_baud == 57600
    assert b"".join(d for _, d in to_chip) == b"sync"


def test_corrupter_flips_about_rate_bytes() -> None:
    corrupter = Corrupter(0.01, seed=1)
    data = bytes(100_000)
    out = corrupter.apply(data)
    flipped = sum(1 for b in out if b)
    assert 700 < flipped < 1300
    assert Corrupter(0.0, seed=1).apply(data) == data
    assert len(garble(b"abc" * 10, 115200, 115200 * 2, corrupter.rng)) == 60


@pytest.mark.parametrize(("baud", "nbytes"), [(115200, 14400), (921600, 115200)])
def test_real_time_wire_rate_within_bounds(baud: int, nbytes: int) -> None:
    """On the real loop and clock: 1.25 s of wire time must take about 1.25 s."""
    loop = EventLoop(name="sim-wire-test")
    received = bytearray()
    done = threading.Event()
    marks: list[float] = []

    def to_host(data: bytes) -> None:
        received.extend(data)
        if len(received) >= nbytes:
            marks.append(time.monotonic())
            done.set()

    link = Link(loop, to_host, lambda _d: None, lambda: None)
    link.chip_baud = baud
    loop.start()
    try:
        started = time.monotonic()
        loop.call_soon(lambda: link.send(b"\xa5" * nbytes))
        assert done.wait(10.0)
    finally:
        loop.stop()
    measured = marks[0] - started
    expected = nbytes * 10 / baud
    print(f"wire {baud} baud: {nbytes} bytes expected {expected:.3f}s measured {measured:.3f}s")
    assert measured >= expected * 0.97  # never faster than the cable
    assert measured <= expected * 1.5  # generous: CI machines are busy
