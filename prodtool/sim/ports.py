"""Host-side ends of the simulated cable: a pseudo-terminal, a TCP socket, or RFC 2217.

- `PtyPort`: a real device path (/dev/pts/N). The simulator reads the baud rate the host set
  from the master side (TCGETS2), holds the slave open itself so the master never hangs up
  between host sessions, and on unplug closes both: the host's next read or write fails with
  an I/O error, as when a USB adapter is pulled.
- `SocketPort`: `socket://127.0.0.1:PORT`, one host at a time, no baud rate and no lines.
- `Rfc2217Port`: `rfc2217://127.0.0.1:PORT`, pyserial's `PortManager` on this side, so the
  host's baud rate and DTR/RTS changes arrive, in order with the data.

Ports only move bytes; the chip and its `Link` decide what they mean. Everything runs on the
event loop thread.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import struct
import sys
import termios
import tty
from collections.abc import Callable

from serial import rfc2217

from prodtool.sim.loop import EventLoop

MAX_BACKLOG = 1 << 20  # bytes a port holds for a host that is not reading, beyond: lost
_TCGETS2 = 0x802C542A  # Linux: struct termios2 with the exact speeds
_IAC = b"\xff"
_LINUX: bool = sys.platform.startswith("linux")


def _noop_data(_data: bytes) -> None:
    return None


def _noop_lines(_dtr: bool, _rts: bool) -> None:
    return None


def _noop() -> None:
    return None


class Port:
    """Common plumbing: callbacks to the chip and a write backlog for slow readers."""

    kind = "port"
    strict_lines = False  # True: DTR/RTS decide the boot mode (RFC 2217)

    def __init__(self) -> None:
        self.loop: EventLoop | None = None
        self.on_data: Callable[[bytes], None] = _noop_data
        self.on_lines: Callable[[bool, bool], None] = _noop_lines
        self.on_purge: Callable[[], None] = _noop
        self.on_host_closed: Callable[[], None] = _noop
        self._backlog = bytearray()
        self._fd: int | None = None  # where output goes (pty master, client socket)

    @property
    def url(self) -> str:
        raise NotImplementedError

    def open(self, loop: EventLoop) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def host_baud(self) -> int | None:
        return None

    def write(self, data: bytes) -> None:
        """Bytes that reached the host end of the cable."""
        if self._fd is None:
            return  # nobody is listening: a UART drops what nobody reads
        if len(self._backlog) + len(data) > MAX_BACKLOG:
            return
        self._backlog += data
        self._flush()

    def _send(self, data: bytes) -> int:
        raise NotImplementedError

    def _flush(self) -> None:
        while self._backlog and self._fd is not None:
            try:
                sent = self._send(bytes(self._backlog[:65536]))
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._backlog.clear()
                break
            del self._backlog[:sent]
        self._rewatch()

    def _on_writable(self, _fd: int) -> None:
        self._flush()

    def _rewatch(self) -> None:
        raise NotImplementedError


class PtyPort(Port):
    """A pseudo-terminal pair; the host opens `url` (the slave device path)."""

    kind = "pty"

    def __init__(self) -> None:
        super().__init__()
        self._master: int | None = None
        self._slave: int | None = None
        self._path = ""

    @property
    def url(self) -> str:
        return self._path

    def open(self, loop: EventLoop) -> None:
        self.loop = loop
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        attrs = termios.tcgetattr(slave)
        attrs[4] = attrs[5] = termios.B115200
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._fd = master
        self._path = os.ttyname(slave)
        self._rewatch()

    def close(self) -> None:
        if self.loop is not None and self._master is not None:
            self.loop.unwatch(self._master)
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = self._fd = None
        self._backlog.clear()

    def host_baud(self) -> int | None:
        if self._master is None:
            return None
        try:
            if _LINUX:
                raw = fcntl.ioctl(self._master, _TCGETS2, bytes(44))
                return int(struct.unpack_from("<I", raw, 40)[0])
            speed = termios.tcgetattr(self._master)[5]
        except OSError:
            return None
        return _SPEEDS.get(int(speed))

    def _send(self, data: bytes) -> int:
        assert self._master is not None
        return os.write(self._master, data)

    def _on_readable(self, fd: int) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError as error:
            if error.errno == errno.EIO:
                return
            raise
        if data:
            self.on_data(data)

    def _rewatch(self) -> None:
        if self.loop is None or self._master is None:
            return
        writer = self._on_writable if self._backlog else None
        self.loop.watch(self._master, self._on_readable, writer)


_SPEEDS: dict[int, int] = {
    getattr(termios, f"B{rate}"): rate
    for rate in (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
    if hasattr(termios, f"B{rate}")
}


class SocketPort(Port):
    """A loopback TCP listener; one host connection at a time (a second is refused)."""

    kind = "socket"
    scheme = "socket"

    def __init__(self, port: int = 0) -> None:
        super().__init__()
        self._want_port = port
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._port = port

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._port}"

    def open(self, loop: EventLoop) -> None:
        self.loop = loop
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", self._want_port))
        except OSError:
            listener.bind(("127.0.0.1", 0))  # the old port is taken: a new URL
        listener.listen(4)
        listener.setblocking(False)
        self._listener = listener
        self._port = listener.getsockname()[1]
        self._want_port = self._port
        loop.watch(listener.fileno(), self._on_accept, None)

    def close(self) -> None:
        self._drop_client(notify=False)
        if self._listener is not None:
            if self.loop is not None:
                self.loop.unwatch(self._listener.fileno())
            self._listener.close()
            self._listener = None

    def _on_accept(self, _fd: int) -> None:
        assert self._listener is not None
        try:
            client, _addr = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        if self._client is not None:
            client.close()  # the port is busy
            return
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = client
        self._fd = client.fileno()
        self._connected()
        self._rewatch()

    def _connected(self) -> None:
        return None

    def _drop_client(self, notify: bool = True) -> None:
        if self._client is None:
            return
        if self.loop is not None:
            self.loop.unwatch(self._client.fileno())
        with contextlib.suppress(OSError):
            self._client.close()
        self._client = None
        self._fd = None
        self._backlog.clear()
        if notify:
            self.on_host_closed()

    def _on_readable(self, _fd: int) -> None:
        assert self._client is not None
        try:
            data = self._client.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop_client()
            return
        self._incoming(data)

    def _incoming(self, data: bytes) -> None:
        self.on_data(data)

    def _send(self, data: bytes) -> int:
        assert self._client is not None
        return self._client.send(data)

    def _rewatch(self) -> None:
        if self.loop is None or self._client is None:
            return
        writer = self._on_writable if self._backlog else None
        self.loop.watch(self._client.fileno(), self._on_readable, writer)


class _RemoteLines:
    """The serial-port face `PortManager` drives: baud rate and DTR/RTS from the host."""

    def __init__(self, port: Rfc2217Port) -> None:
        self._port = port
        self.baudrate = 115200
        self.bytesize = 8
        self.parity = "N"
        self.stopbits = 1
        self.xonxoff = False
        self.rtscts = False
        self.break_condition = False
        self.cts = True
        self.dsr = True
        self.ri = False
        self.cd = True
        self._dtr = False
        self._rts = False

    @property
    def dtr(self) -> bool:
        return self._dtr

    @dtr.setter
    def dtr(self, value: bool) -> None:
        self._dtr = bool(value)
        self._port.on_lines(self._dtr, self._rts)

    @property
    def rts(self) -> bool:
        return self._rts

    @rts.setter
    def rts(self, value: bool) -> None:
        self._rts = bool(value)
        self._port.on_lines(self._dtr, self._rts)

    def reset_input_buffer(self) -> None:
        self._port.on_purge()

    def reset_output_buffer(self) -> None:
        return None


class _Connection:
    """PortManager's `connection`: telnet replies go straight out, unthrottled."""

    def __init__(self, port: Rfc2217Port) -> None:
        self._port = port

    def write(self, data: bytes) -> None:
        self._port.write_control(data)


class Rfc2217Port(SocketPort):
    """RFC 2217 (telnet COM-PORT-OPTION) server for one chip: baud and reset lines arrive."""

    kind = "rfc2217"
    scheme = "rfc2217"
    strict_lines = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.lines = _RemoteLines(self)
        self._manager: rfc2217.PortManager | None = None

    def host_baud(self) -> int | None:
        return int(self.lines.baudrate)

    def _connected(self) -> None:
        self.lines = _RemoteLines(self)
        self._manager = rfc2217.PortManager(self.lines, _Connection(self))

    def _drop_client(self, notify: bool = True) -> None:
        had_client = self._client is not None
        super()._drop_client(notify)
        self._manager = None
        if had_client:
            # Closing the host's port releases DTR and RTS.
            self.lines._dtr = self.lines._rts = False
            if notify:
                self.on_lines(False, False)

    def write_control(self, data: bytes) -> None:
        Port.write(self, data)

    def write(self, data: bytes) -> None:
        Port.write(self, data.replace(_IAC, _IAC + _IAC))

    def _incoming(self, data: bytes) -> None:
        manager = self._manager
        if manager is None:
            return
        out = bytearray()
        pos = 0
        while pos < len(data):
            if manager.mode == rfc2217.M_NORMAL and manager.suboption is None:
                iac = data.find(_IAC, pos)
                if iac == -1:
                    out += data[pos:]
                    break
                out += data[pos:iac]
                pos = iac
            # Telnet command: byte by byte through pyserial's state machine until plain again.
            if out:
                self.on_data(bytes(out))
                out.clear()
            for byte in manager.filter(data[pos : pos + 1]):
                out += byte
            pos += 1
            if self._manager is None:
                return
        if out:
            self.on_data(bytes(out))
