"""One selector loop per process (or farm) drives every simulated chip.

All chip state is touched only on the loop thread: ports register their file descriptors,
links schedule timed deliveries, and other threads hand work over with `call_soon`. A single
thread for 32 chips keeps CPU low and shutdown deterministic (`stop` joins it).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import selectors
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

_log = logging.getLogger(__name__)
T = TypeVar("T")

FdCallback = Callable[[int], None]
# A timer fires at most this early. select() sleeps in whole milliseconds (epoll rounds the
# timeout up), so firing only at `due <= now` made every timer 0-1 ms late: a write's every
# block and answer paid it on the simulated wire. Half a millisecond either side is as close
# as the selector allows.
TIMER_SLACK = 0.0005


@dataclass(order=True)
class Timer:
    """A scheduled call; `cancel` makes the loop skip it."""

    due: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class EventLoop:
    """A small selector loop with monotonic timers and a thread-safe wake-up pipe."""

    def __init__(self, name: str = "sim-loop") -> None:
        self.name = name
        self._selector = selectors.DefaultSelector()
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        self._pending: list[Callable[[], None]] = []
        self._pending_lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, ("wake", None, None))
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.clock: Callable[[], float] = time.monotonic

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Run the loop on its own thread."""
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    @property
    def on_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to finish and wait for its thread; then release the wake-up pipe."""
        self._stopping = True
        self._wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None
        self._close()

    def _close(self) -> None:
        try:
            self._selector.close()
        finally:
            for fd in (self._wake_r, self._wake_w):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._wake_r = self._wake_w = -1

    def run(self) -> None:
        while not self._stopping:
            self._run_once()

    def _run_once(self) -> None:
        timeout: float | None = None
        now = self.clock()
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        if self._timers:
            timeout = max(0.0, self._timers[0].due - now - TIMER_SLACK)
        with self._pending_lock:
            if self._pending:
                timeout = 0.0
        try:
            events = self._selector.select(0.0 if _short(timeout) else timeout)
        except (OSError, ValueError):
            events = []
        if not events and timeout is not None and _short(timeout):
            # epoll waits in whole milliseconds, rounded up: a reply due in 75 us (15 bytes
            # at 2,000,000 baud) came ~1.1 ms late, once per command. A sleep is exact to
            # ~0.1 ms; the ports are looked at again right after it.
            time.sleep(timeout)
        for key, mask in events:
            kind, reader, writer = key.data
            if kind == "wake":
                try:
                    while os.read(self._wake_r, 4096):
                        pass
                except (BlockingIOError, OSError):
                    pass
                continue
            self._guard(reader, key.fd, mask & selectors.EVENT_READ)
            self._guard(writer, key.fd, mask & selectors.EVENT_WRITE)
        with self._pending_lock:
            pending, self._pending = self._pending, []
        for call in pending:
            self._guard_call(call)
        now = self.clock()
        while self._timers and (
            self._timers[0].due <= now + TIMER_SLACK or self._timers[0].cancelled
        ):
            timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._guard_call(timer.callback)

    def _guard(self, callback: FdCallback | None, fd: int, ready: int) -> None:
        if ready and callback is not None:
            try:
                callback(fd)
            except Exception:  # noqa: BLE001 - one chip's bug must not stop the others
                _log.exception("simulated chip handler failed")

    def _guard_call(self, call: Callable[[], None]) -> None:
        try:
            call()
        except Exception:  # noqa: BLE001 - one chip's bug must not stop the others
            _log.exception("simulated chip handler failed")

    # ---------------------------------------------------------------- scheduling

    def call_at(self, due: float, callback: Callable[[], None]) -> Timer:
        """Run `callback` on the loop thread at monotonic time `due` (loop thread only)."""
        timer = Timer(due, next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return self.call_at(self.clock() + delay, callback)

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the loop thread soon; safe from any thread."""
        with self._pending_lock:
            self._pending.append(callback)
        self._wake()

    def run_sync(self, func: Callable[[], T], timeout: float = 10.0) -> T:
        """Run `func` on the loop thread and return its result (or raise its error)."""
        if self._thread is None or self.on_loop_thread:
            return func()
        done = threading.Event()
        box: list[T] = []
        errors: list[BaseException] = []

        def call() -> None:
            try:
                box.append(func())
            except BaseException as error:  # noqa: BLE001 - handed back to the caller
                errors.append(error)
            finally:
                done.set()

        self.call_soon(call)
        if not done.wait(timeout):
            raise TimeoutError("the simulator loop did not answer")
        if errors:
            raise errors[0]
        return box[0]

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"\0")

    # ---------------------------------------------------------------- file descriptors

    def watch(self, fd: int, reader: FdCallback | None, writer: FdCallback | None) -> None:
        """Watch `fd` for reading and/or writing (None: not that direction)."""
        mask = (selectors.EVENT_READ if reader else 0) | (selectors.EVENT_WRITE if writer else 0)
        try:
            key = self._selector.get_key(fd)
        except KeyError:
            key = None
        if mask == 0:
            if key is not None:
                self._selector.unregister(fd)
            return
        if key is None:
            self._selector.register(fd, mask, ("fd", reader, writer))
        else:
            self._selector.modify(fd, mask, ("fd", reader, writer))

    def unwatch(self, fd: int) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(fd)


def _short(timeout: float | None) -> bool:
    """A wait shorter than the selector's resolution (1 ms on epoll)."""
    return timeout is not None and 0.0 < timeout < 0.001
