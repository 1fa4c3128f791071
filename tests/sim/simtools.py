"""Helpers shared by the simulated-chip tests: the esptool runner's result and a shell client."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import serial


@dataclass
class EsptoolRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


Esptool = Callable[..., EsptoolRun]


def no_reset(*args: str) -> tuple[str, ...]:
    """esptool arguments for ports without reset lines (pty, socket)."""
    return ("--before", "no-reset", "--after", "no-reset", *args)


class ShellClient:
    """A tiny line client for the TuyaOpen shell over any pyserial URL."""

    def __init__(self, url: str, *, baud: int = 115200) -> None:
        port = serial.serial_for_url(url, do_not_open=True, baudrate=baud, timeout=0.05)
        port.dtr = False  # like Tuya's tool: lines released, so the chip is not held in reset
        port.rts = False
        port.open()
        self.port = port

    def read_until(self, marker: bytes, timeout: float = 3.0) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout
        while marker not in data and time.monotonic() < deadline:
            data += self.port.read(4096)
        return data

    def ready(self, timeout: float = 3.0) -> bytes:
        """Wait until the shell answers (input sent while the app boots is lost, as on a chip).

        Returns what arrived before, the boot log included."""
        seen = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.port.write(b"help\r\n")
            seen += self.read_until(b"help\r\nauth", 0.3)
            if b"help\r\nauth" in seen:
                seen += self.read_until(b"tuya>", 0.5)
                return seen
        raise AssertionError(f"the shell never answered: {seen!r}")

    def command(self, line: str, timeout: float = 3.0) -> list[str]:
        """Send a command; return the reply lines between its echo and the next prompt."""
        self.port.write(line.encode() + b"\r\n")
        echo = line.encode() + b"\r\n"
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data += self.port.read(4096)
            start = data.rfind(echo)
            if start != -1 and data.find(b"tuya>", start) != -1:
                break
        start = data.rfind(echo)
        assert start != -1, f"no echo of {line!r}: {data!r}"
        end = data.find(b"tuya>", start)
        assert end != -1, f"no prompt after {line!r}: {data!r}"
        text = data[start + len(echo) : end].decode("ascii", "replace")
        return [x for x in text.split("\r\n") if x]

    def close(self) -> None:
        self.port.close()


class SlipClient:
    """A bare ROM-protocol client: send requests, read SLIP frames (for byte-exact checks)."""

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        self.port = serial.serial_for_url(url, baudrate=115200, timeout=timeout)
        self.buffer = b""

    def send(self, op: int, payload: bytes = b"", checksum: int = 0) -> None:
        import struct

        packet = struct.pack("<BBHI", 0, op, len(payload), checksum) + payload
        self.port.write(slip_encode(packet))

    def send_raw(self, data: bytes) -> None:
        self.port.write(data)

    def frame(self, timeout: float = 2.0) -> bytes:
        """The next SLIP frame (unescaped); AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            start = self.buffer.find(b"\xc0")
            if start != -1:
                end = self.buffer.find(b"\xc0", start + 1)
                if end != -1:
                    body = self.buffer[start + 1 : end]
                    self.buffer = self.buffer[end + 1 :]
                    if body:
                        return body.replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")
                    self.buffer = b"\xc0" + self.buffer
                    continue
            if time.monotonic() > deadline:
                raise AssertionError(f"no frame; buffer {self.buffer[:80]!r}")
            self.buffer += self.port.read(max(1, self.port.in_waiting))

    def text(self, timeout: float = 1.0) -> bytes:
        """Everything that arrives within `timeout`."""
        deadline = time.monotonic() + timeout
        data = self.buffer
        self.buffer = b""
        saved, self.port.timeout = self.port.timeout, 0.02
        try:
            while time.monotonic() < deadline:
                data += self.port.read(max(1, self.port.in_waiting))
        finally:
            self.port.timeout = saved
        return data

    def close(self) -> None:
        self.port.close()


def slip_encode(packet: bytes) -> bytes:
    return b"\xc0" + packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"
