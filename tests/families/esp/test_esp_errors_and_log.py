"""esptool's words become reasons; esptool's one logger routes output to each port's thread."""

from __future__ import annotations

import os
import threading

import pytest
import serial
from esptool.util import FatalError

from prodtool.families.esp import esplog
from prodtool.families.esp.driver import Phase, family_of, map_error
from prodtool.flash.events import Reason


@pytest.mark.parametrize(
    ("error", "phase", "reason"),
    [
        (
            FatalError("Failed to connect to ESP32-C3: No serial data received."),
            Phase.CONNECT,
            Reason.NO_ANSWER,
        ),
        (
            FatalError("This chip is ESP32-S3, not ESP32-C3. Wrong chip argument?"),
            Phase.CONNECT,
            Reason.WRONG_CHIP,
        ),
        (
            FatalError(
                "Failed to write to target flash after seq 0 (result was 0107: Checksum error)"
            ),
            Phase.WRITE,
            Reason.LINK_ERRORS,
        ),
        (
            FatalError("MD5 of file does not match data in flash!"),
            Phase.WRITE,
            Reason.FIRMWARE_VERIFY_FAILED,
        ),
        (FatalError("Timed out waiting for packet header"), Phase.WRITE, Reason.LINK_ERRORS),
        (
            serial.SerialException("device reports readiness to read but returned no data"),
            Phase.WRITE,
            Reason.CABLE_PULLED,
        ),
        (OSError(5, "Input/output error"), Phase.WRITE, Reason.CABLE_PULLED),
        (FatalError("something new"), Phase.WRITE, Reason.FLASH_WRITE_FAILED),
        (  # line noise garbled a packet (issue 15 item 20): the link, not the flash
            FatalError(
                "Failed to write to target RAM (result was 0105: The format of the received"
                " data is invalid)"
            ),
            Phase.CONNECT,
            Reason.LINK_ERRORS,
        ),
    ],
)
def test_map_error(error: BaseException, phase: Phase, reason: Reason) -> None:
    assert map_error(error, phase).reason is reason


def test_family_names() -> None:
    assert family_of("ESP32-C3") == "esp32c3"
    assert family_of("ESP32") == "esp32"


class _Sink:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.progress: list[tuple[int, int]] = []

    def esptool_message(self, level: str, text: str) -> None:
        self.messages.append(text)

    def esptool_progress(self, done: int, total: int) -> None:
        self.progress.append((done, total))


def test_each_thread_gets_its_own_output() -> None:
    from esptool.logger import log

    sinks = [_Sink() for _ in range(8)]
    barrier = threading.Barrier(len(sinks))

    def work(i: int, sink: _Sink) -> None:
        with esplog.route(sink):
            barrier.wait(timeout=5)
            for step in range(50):
                log.print(f"port {i} ", end="")
                log.print(f"step {step}")
                log.progress_bar(step, 50)

    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(sinks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, sink in enumerate(sinks):
        assert sink.messages == [f"port {i} step {s}" for s in range(50)]
        assert sink.progress == [(s, 50) for s in range(50)]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pty")
def test_the_no_reset_warning_on_a_pty_goes_to_each_port(capfd: pytest.CaptureFixture[str]) -> None:
    """esptool's "Chip was NOT reset" (a port without modem lines) is the port's, every time,
    never the terminal's (issue 15 item 24)."""
    from esptool.reset import ClassicReset

    masters, sinks = [], [_Sink(), _Sink()]
    try:
        for sink in sinks:
            master, slave = os.openpty()
            masters.append(master)
            port = serial.Serial(os.ttyname(slave), timeout=0.1)
            os.close(slave)
            try:
                with esplog.route(sink):
                    ClassicReset(port, reset_delay=0)()
            finally:
                port.close()
    finally:
        for master in masters:
            os.close(master)
    out, err = capfd.readouterr()
    assert "NOT reset" not in out + err
    for sink in sinks:
        assert any("Chip was NOT reset" in m for m in sink.messages), sink.messages


class _OpenPort:
    is_open = True


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (["Unexpected chip ID value 517.", "Unexpected chip ID value 262149."], Reason.LINK_ERRORS),
        (["Unexpected chip ID value 517.", "Unexpected chip ID value 517."], Reason.WRONG_CHIP),
    ],
)
def test_an_unknown_chip_id_is_read_twice(
    monkeypatch: pytest.MonkeyPatch, answers: list[str], reason: Reason
) -> None:
    """Line noise in the id register's answer is not a wrong chip (issue 15 item 20); a chip
    that reads the same unknown id twice is."""
    from esptool import cmds

    from prodtool.families.driver import DriverError
    from prodtool.families.esp.driver import EspDriver

    pending = [FatalError(f"{text} Failed to autodetect chip type.") for text in answers]

    def detect_chip(**_: object) -> None:
        raise pending.pop(0)

    monkeypatch.setattr(cmds, "detect_chip", detect_chip)
    with pytest.raises(DriverError) as caught:
        EspDriver(_OpenPort()).identify()
    assert caught.value.reason is reason and not pending


class _Port:
    def __init__(self, gone: bool) -> None:
        self.gone = gone
        self.is_open = True

    def read(self, size: int = 1) -> bytes:
        if self.gone:
            raise OSError(5, "Input/output error")
        return b""


@pytest.mark.parametrize(
    ("gone", "reason"), [(False, Reason.LINK_ERRORS), (True, Reason.CABLE_PULLED)]
)
def test_a_dead_slip_reader_is_noise_unless_the_port_is_gone(
    monkeypatch: pytest.MonkeyPatch, gone: bool, reason: Reason
) -> None:
    """esptool's "No more data to read" follows any error it swallowed: line noise was called
    "unplugged" (issue 15 item 20). The port decides: still readable, it is the link."""
    from esptool import cmds

    from prodtool.families.driver import DriverError
    from prodtool.families.esp.driver import EspDriver

    def detect_chip(**_: object) -> None:
        raise FatalError("No more data to read from the serial port. This can have many causes")

    monkeypatch.setattr(cmds, "detect_chip", detect_chip)
    with pytest.raises(DriverError) as caught:
        EspDriver(_Port(gone)).identify()
    assert caught.value.reason is reason
