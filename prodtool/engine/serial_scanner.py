"""A barcode scanner on a serial port: many USB scanners (in their USB-CDC mode) and every
RS-232 one send each code followed by CR and/or LF.

`SerialScanner` reads the port on its own thread and hands every non-empty line to `on_scan`
(the window routes it like a typed scan: `prodtool.engine.scan_route`). A scanner that is
unplugged, or not there yet, is opened again every `REOPEN_S` until `stop`; `on_problem` says
why once per outage. Qt-free; the port is a device path or any pyserial URL.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import serial

REOPEN_S = 2.0
READ_TIMEOUT_S = 0.2
MAX_LINE = 512  # a longer "line" is noise (a wrong baud rate), not a code


def open_scanner(url: str, baud: int) -> Any:
    return serial.serial_for_url(url, baudrate=baud, timeout=READ_TIMEOUT_S)


class SerialScanner:
    def __init__(
        self,
        url: str,
        on_scan: Callable[[str], None],
        *,
        baud: int = 9600,
        on_problem: Callable[[str], None] = lambda _text: None,
        opener: Callable[[str, int], Any] = open_scanner,
    ) -> None:
        self.url = url
        self.baud = baud
        self._on_scan = on_scan
        self._on_problem = on_problem
        self._opener = opener
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Set while the port is open and read (what came before its opening is lost, as on any
        # serial port): for a status line, and for tests to know a code sent now is read.
        self.connected = threading.Event()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="serial-scanner", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop reading (within one read timeout) and close the port: on the reading thread,
        which a close from here would pull the port from under."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        said = False
        while not self._stop.is_set():
            try:
                port = self._opener(self.url, self.baud)
            except (OSError, ValueError, serial.SerialException) as error:
                if not said:
                    self._on_problem(f"cannot open the scanner on {self.url}: {error}")
                    said = True
                self._stop.wait(REOPEN_S)
                continue
            said = False
            self.connected.set()
            try:
                self._read(port)
            except (OSError, serial.SerialException) as error:
                if not self._stop.is_set():
                    self._on_problem(f"the scanner on {self.url} went away: {error}")
            finally:
                self.connected.clear()
                with contextlib.suppress(OSError, serial.SerialException):
                    port.close()
            self._stop.wait(REOPEN_S)

    def _read(self, port: Any) -> None:
        line = bytearray()
        while not self._stop.is_set():
            data = port.read(port.in_waiting or 1)
            if not data:
                if getattr(port, "is_open", True) is False:
                    return
                continue
            for byte in data:
                if byte in b"\r\n":
                    text = line.decode("utf-8", errors="replace").strip()
                    line.clear()
                    if text:
                        self._on_scan(text)
                elif len(line) < MAX_LINE:
                    line.append(byte)
