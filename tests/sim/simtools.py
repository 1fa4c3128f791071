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

    def command(self, line: str, timeout: float = 3.0) -> list[str]:
        """Send a command; return the reply lines (echo and prompt removed)."""
        self.port.write(line.encode() + b"\r\n")
        raw = self.read_until(b"\r\ntuya>", timeout)
        assert raw.endswith(b"tuya>"), f"no prompt after {line!r}: {raw!r}"
        text = raw.decode("ascii", "replace")[: -len("tuya>")]
        lines = [x for x in text.split("\r\n") if x]
        if lines and lines[0] == line:
            lines = lines[1:]
        return lines

    def close(self) -> None:
        self.port.close()
