"""The socket:// port every job opens: it says how many bytes wait, and still sees a hang-up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import serial

from prodtool.flash.serialport import open_serial

WAIT_S = 5.0


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, str]]:
    """A one-connection loopback server: (the listening socket, its socket:// URL)."""
    listener = socket.create_server(("127.0.0.1", 0))
    host, port = listener.getsockname()
    try:
        yield listener, f"socket://{host}:{port}"
    finally:
        listener.close()


def _waiting_reaches(port: serial.SerialBase, count: int) -> bool:
    """True once `in_waiting` reports `count` bytes (loopback may deliver in pieces)."""
    arrived = threading.Event()
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if port.in_waiting >= count:
            return bool(port.in_waiting == count)
        arrived.wait(0.001)
    return False


def test_in_waiting_is_the_byte_count(server: tuple[socket.socket, str]) -> None:
    listener, url = server
    port = open_serial(url)
    try:
        peer, _ = listener.accept()
        with peer:
            assert port.in_waiting == 0
            peer.sendall(bytes(range(200)))
            assert _waiting_reaches(port, 200)  # pyserial's own answer would be 1
            assert port.read(port.in_waiting) == bytes(range(200))
            assert port.in_waiting == 0
            peer.sendall(b"tail")
            peer.shutdown(socket.SHUT_WR)
            assert _waiting_reaches(port, 4)
            assert port.read(4) == b"tail"
            assert port.in_waiting == 0  # the hang-up is not a byte ...
            with pytest.raises(serial.SerialException):
                port.read(1)  # ... the next read finds it
    finally:
        port.close()


def test_in_waiting_on_a_closed_port_refuses(server: tuple[socket.socket, str]) -> None:
    _, url = server
    port = open_serial(url)
    port.close()
    with pytest.raises(serial.PortNotOpenError):
        _ = port.in_waiting
