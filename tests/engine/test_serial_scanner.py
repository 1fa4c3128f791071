"""A scanner on a serial port (here pyserial's socket:// to a loopback server standing in for
it): each CR/LF-ended code is handed on, and a scanner that goes away is opened again."""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Iterator

import pytest

from prodtool.engine import serial_scanner
from prodtool.engine.scan_route import ScanKind, ScanRouter
from prodtool.engine.serial_scanner import SerialScanner
from prodtool.engine.station import Station
from prodtool.paths import StationPaths
from tests.engine.simhelp import fast_settings

TIMEOUT = 10.0


class FakeScanner:
    """A loopback TCP server: each accepted connection is one plug-in of the scanner."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: queue.Queue[socket.socket] = queue.Queue()
        self.closing = threading.Event()
        self.thread = threading.Thread(target=self._accept, name="fake-scanner")
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.closing.is_set():
                conn.close()
                return
            self.connections.put(conn)

    def plugged(self) -> socket.socket:
        return self.connections.get(timeout=TIMEOUT)

    def close(self) -> None:
        self.closing.set()
        with socket.create_connection(self.listener.getsockname()[:2]):
            pass  # wakes accept()
        self.thread.join(TIMEOUT)
        self.listener.close()
        while not self.connections.empty():
            self.connections.get().close()


@pytest.fixture
def scanner() -> Iterator[FakeScanner]:
    fake = FakeScanner()
    yield fake
    fake.close()


def test_codes_from_a_serial_scanner_and_a_replug(
    scanner: FakeScanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serial_scanner, "REOPEN_S", 0.05)
    codes: queue.Queue[str] = queue.Queue()
    problems: list[str] = []
    reader = SerialScanner(scanner.url, codes.put, on_problem=problems.append)
    reader.start()
    try:
        conn = scanner.plugged()
        assert reader.connected.wait(TIMEOUT)  # open: what is sent now is read
        conn.sendall(b"PCB-0001\r\n\r\nPCB-0")  # CR LF, an empty line, half a code
        assert codes.get(timeout=TIMEOUT) == "PCB-0001"
        conn.sendall(b"002\r")
        assert codes.get(timeout=TIMEOUT) == "PCB-0002"
        conn.close()  # unplugged: it is opened again
        again = scanner.plugged()
        assert reader.connected.wait(TIMEOUT)
        again.sendall(b" PCB-0003 \n")
        assert codes.get(timeout=TIMEOUT) == "PCB-0003"
        again.close()
    finally:
        reader.stop()
    assert codes.empty()
    assert any("went away" in p for p in problems)


def test_serial_scans_bind_codes_through_the_router(
    scanner: FakeScanner, paths: StationPaths
) -> None:
    ports = ["socket://127.0.0.1:9001", "socket://127.0.0.1:9002"]
    with Station(paths, fast_settings(code_pattern=r"PCB-\d{4}"), comports=list) as station:
        station.add_ports(ports, start=False)
        router = ScanRouter(station)
        outcomes: queue.Queue[ScanKind] = queue.Queue()
        reader = SerialScanner(scanner.url, lambda code: outcomes.put(router.scan(code).kind))
        reader.start()
        try:
            conn = scanner.plugged()
            assert reader.connected.wait(TIMEOUT)
            conn.sendall(b"PCB-0001\r\nbad\r\nPCB-0002\r\n")
            kinds = [outcomes.get(timeout=TIMEOUT) for _ in range(3)]
            conn.close()
        finally:
            reader.stop()
        assert kinds == [ScanKind.BOUND, ScanKind.REFUSED, ScanKind.BOUND]
        assert [p.code for p in station.ports()] == ["PCB-0001", "PCB-0002"]
