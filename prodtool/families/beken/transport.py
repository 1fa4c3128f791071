"""Commands and replies over one serial port: send a frame, wait for its reply among noise.

Every read goes through one `FrameReader`, so stale LinkCheck replies, boot noise and bytes
garbled by a baud change are skipped; a reply for another command is dropped, counted, and the
wait goes on. Reads are short (pyserial timeout 5 ms) so cancellation and deadlines are checked
often. I/O errors from the port (the adapter vanished) become `PortGoneError`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import serial

from prodtool.families.beken.frames import Frame, FrameReader, encode_command

READ_SLICE_S = 0.005


class PortGoneError(Exception):
    """The port failed under us (unplugged adapter, closed by a cancel)."""


class ReplyTimeoutError(Exception):
    """No matching reply before the deadline."""


class Transport:
    """One open pyserial port speaking the download protocol."""

    def __init__(self, port: Any, check: Callable[[], None] | None = None) -> None:
        self.port = port
        self.reader = FrameReader()
        self._check = check or (lambda: None)
        self.dropped = 0  # replies that answered something else (stale)
        self._timeout_set = False

    # ---------------------------------------------------------------- raw

    def check(self) -> None:
        """Raise if the job was cancelled (the driver's `CancelToken.check`)."""
        self._check()

    @property
    def baud(self) -> int:
        return int(self.port.baudrate)

    def set_baud(self, baud: int) -> None:
        """Change the port's rate; a no-op when unchanged (an RFC 2217 port pays a round trip)."""
        try:
            if int(self.port.baudrate) == baud:
                return
            self.port.baudrate = baud
        except (serial.SerialException, OSError, ValueError) as error:
            raise PortGoneError(str(error)) from None

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except (serial.SerialException, OSError, ValueError, TypeError, AttributeError) as error:
            raise PortGoneError(str(error) or type(error).__name__) from None

    def flush(self) -> None:
        try:
            self.port.flush()
        except (serial.SerialException, OSError, ValueError, TypeError, AttributeError) as error:
            raise PortGoneError(str(error) or type(error).__name__) from None

    def _slice_timeout(self) -> None:
        """Reads block at most one slice. Set once: on RFC 2217 every change is a round trip."""
        if self._timeout_set:
            return
        if self.port.timeout != READ_SLICE_S:
            self.port.timeout = READ_SLICE_S
        self._timeout_set = True

    def wait_sent(self, nbytes: int, margin: float = 0.02, limit: float = 0.2) -> None:
        """Until the last `nbytes` written have left the port (before a rate change).

        `flush` waits for a UART's transmitter, then the bytes' wire time plus `margin`: a pty
        or a network port may still hold them, and `out_waiting` is asked where it means
        something (at most `limit`).
        """
        self.flush()
        deadline = time.monotonic() + limit
        tick = threading.Event()
        try:
            while int(self.port.out_waiting or 0) and time.monotonic() < deadline:
                self._check()
                tick.wait(0.001)
        except (serial.SerialException, OSError, ValueError, TypeError, AttributeError):
            pass  # no queue to ask about (socket://)
        tick.wait(nbytes * 10 / max(1, self.baud) + margin)
        self._check()

    def read_some(self, wait: float) -> bytes:
        """Whatever arrives within `wait` seconds (at least one read).

        Each read asks for what is waiting, or for the rest of the reply `reader` has begun,
        whichever is more: a begun reply comes whole in one call (it returns once complete).
        """
        deadline = time.monotonic() + wait
        try:
            self._slice_timeout()
            while True:
                waiting = int(self.port.in_waiting or 0)
                data = bytes(self.port.read(max(1, waiting, self.reader.missing())))
                if data or time.monotonic() >= deadline:
                    return data
        except (serial.SerialException, OSError, ValueError, TypeError, AttributeError) as error:
            raise PortGoneError(str(error) or type(error).__name__) from None

    def drain(self, quiet_s: float = 0.02, limit_s: float = 0.5) -> int:
        """Read and drop until the line is quiet for `quiet_s`; returns the bytes dropped."""
        dropped = 0
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            self._check()
            data = self.read_some(quiet_s)
            if not data:
                break
            dropped += len(data)
        self.reader.clear()
        return dropped

    # ---------------------------------------------------------------- frames

    def send(self, cmd: int, payload: bytes = b"", *, long: bool = False) -> None:
        self.write(encode_command(cmd, payload, long=long))

    def wait_for(
        self,
        accept: Callable[[Frame], bool],
        timeout: float,
        *,
        slice_s: float = READ_SLICE_S,
    ) -> Frame:
        """The first frame `accept` takes within `timeout`; others are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            self._check()
            left = deadline - time.monotonic()
            if left <= 0:
                raise ReplyTimeoutError(f"no reply within {timeout:.2f} s")
            for frame in self.reader.feed(self.read_some(min(slice_s, left))):
                if accept(frame):
                    return frame
                self.dropped += 1

    def command(
        self,
        cmd: int,
        payload: bytes = b"",
        *,
        long: bool = False,
        reply_cmd: int | None = None,
        timeout: float = 1.0,
        echo: bytes | None = None,
        echo_at: int = 0,
    ) -> Frame:
        """Send a command and wait for its reply (same code and form unless `reply_cmd`).

        `echo`: the reply must repeat these bytes at `echo_at` in its payload (an address),
        so a late reply to an earlier command of the same code is not taken for this one.
        """
        want = cmd if reply_cmd is None else reply_cmd

        def accept(frame: Frame) -> bool:
            if frame.cmd != want or frame.long != long:
                return False
            return echo is None or frame.payload[echo_at : echo_at + len(echo)] == echo

        self.send(cmd, payload, long=long)
        return self.wait_for(accept, timeout)
