"""Open a port the way every job does, without pyserial's blind 0.3 s sleep on socket:// close.

pyserial's `socket://` handler sleeps 0.3 s after closing, "in case of quick reconnects, give
the server some time". That sleep sits inside every cycle against a simulated chip or a network
serial server. `QuickCloseSocket` gets the same safety from the server itself: it half-closes,
then waits (at most those 0.3 s) until the server hangs up too, which on a one-connection server
(the simulator, ser2net) means the port is free for the next connection: usually within a
millisecond.

It also says how many bytes are waiting. pyserial's socket `in_waiting` answers only 0 or 1
(readable or not), so esptool's SLIP reader and the shell client, which read what is waiting,
read one byte per call: about 1,600 reads per chip, a large share of a worker's CPU on 32 ports.
The kernel knows the real count (FIONREAD), as a tty's driver does for a local port.
"""

from __future__ import annotations

import array
import contextlib
import select
import socket
import time
from typing import Any

import serial
from serial.urlhandler import protocol_socket

try:  # POSIX; elsewhere `in_waiting` is pyserial's
    from fcntl import ioctl as _ioctl
    from termios import FIONREAD
except ImportError:  # pragma: no cover - Windows
    _ioctl = None  # type: ignore[assignment]

CLOSE_WAIT_S = 0.3  # pyserial's sleep: now only an upper bound on waiting for the hang-up
_OPTIONS: dict[str, Any] = {"exclusive": True, "timeout": 0.05, "write_timeout": 10}


class QuickCloseSocket(protocol_socket.Serial):  # type: ignore[misc]  # pyserial is untyped
    """pyserial's socket:// port whose close waits for the server's hang-up, not a timer, and
    whose `in_waiting` is the number of bytes the kernel holds for it."""

    _socket: socket.socket | None
    is_open: bool

    @property
    def in_waiting(self) -> int:
        """Bytes ready to read (FIONREAD); pyserial's answer where the platform has no ioctl.
        0 at end of stream, as on a tty: the caller's next read finds the hang-up."""
        if _ioctl is None or self._socket is None:
            return int(super().in_waiting)
        count = array.array("i", [0])
        try:
            _ioctl(self._socket.fileno(), FIONREAD, count, True)
        except OSError:
            return int(super().in_waiting)
        return int(count[0])

    def close(self) -> None:
        """pyserial's close in pyserial's order, with the hang-up wait in place of the sleep."""
        if self.is_open:
            if self._socket is not None:
                _hang_up(self._socket, CLOSE_WAIT_S)
                self._socket = None
            self.is_open = False


def _hang_up(sock: socket.socket, wait: float) -> None:
    """Send our FIN, drain until the server's (or `wait` seconds), then close."""
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([sock], [], [], left)
            if not ready or not sock.recv(65536):
                break
    except (OSError, ValueError):
        pass  # reset, or closed under us (fileno -1): nothing left to wait for
    finally:
        with contextlib.suppress(OSError):
            sock.close()


def open_serial(url: str) -> Any:
    """Open a device path or pyserial URL exclusively, with short reads and a write timeout.

    socket:// URLs get a `QuickCloseSocket`; everything else is `serial.serial_for_url`'s.
    Exceptions are pyserial's, unchanged (the caller turns them into reasons).
    """
    if url.lower().startswith("socket://"):
        port = QuickCloseSocket(None, **_OPTIONS)
        port.port = url
        port.open()
        return port
    if url.lower().startswith("rfc2217://"):
        # pyserial's RFC 2217 client refuses any write_timeout (NotImplementedError); its
        # writes go to a socket, and the job's watchdog closes the port if one hangs.
        options = {k: v for k, v in _OPTIONS.items() if k != "write_timeout"}
        return serial.serial_for_url(url, **options)
    return serial.serial_for_url(url, **_OPTIONS)
