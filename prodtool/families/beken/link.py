"""Getting a Beken chip to listen: reset, then a burst of LinkChecks inside its boot window.

The BootROM (or the BK7231T's bootloader) answers LinkCheck at 115200 only briefly after a
reset. A production jig wires RTS to CEN, so the first step is a CEN pulse (RTS asserted holds
CEN low) and a burst of LinkChecks with 5 ms reads. Without wired lines the firmware's own ways
back in are the fallbacks: the reboot-to-download frame `01 E0 FC 05 FE 95 27 95 27` and the
shell command `reboot`, both at the app's shell baud. A chip already in download mode answers
the plain burst. A chip whose last session died (the station killed, the cable pulled from the
host) is still in download mode at that session's fast rate, and may still wait for the rest of
a half-sent frame: without a reset line it is found by a burst at each fast rate, after a filler
that completes such a frame harmlessly (see `FILLER`). Rounds repeat the steps; each step that
linked is recorded (the tile shows it, and the CEN hint when none did).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import serial
from serial.urlhandler import protocol_socket

from prodtool.families.beken.frames import Frame, encode_command
from prodtool.families.beken.transport import Transport

ROM_BAUD = 115200
LINK_CHECK = 0x00
LINK_REPLY = 0x01
REBOOT_TO_DOWNLOAD = encode_command(0xFE, b"\x95\x27\x95\x27")
# The loader's frame receiver counts a frame's bytes and has no timeout (Beken's published
# bootloader UART code fills a long frame until its length runs out), so a frame the dead
# session left half sent swallows whatever comes next. 0xFF bytes enough for the longest frame
# (a 4 KiB write: 7 header + 1 command + 4 address + 4096 data) complete it: the rest of a
# write's data or address becomes 0xFF, and programming 0xFF changes no NOR bit.
FILLER = b"\xff" * (7 + 1 + 4 + 4096 + 2)
CEN_HINT = (
    "wire the adapter's RTS to the module's CEN pin (or hold CEN to GND and release it), "
    "and check the 3.3 V supply can deliver 300 mA"
)


class LinkStep(StrEnum):
    AS_IS = "as-is"  # already in download mode
    CEN_RESET = "cen-reset"  # RTS pulse on CEN
    REBOOT_FRAME = "reboot-frame"  # the firmware's reboot-to-download frame
    SHELL_REBOOT = "shell-reboot"  # `reboot` typed into the app's shell
    FAST_RATE = "fast-rate"  # still in download mode at a dead session's fast rate


@dataclass(frozen=True)
class LinkPolicy:
    """How hard to try; tunable without code changes (tests shorten it)."""

    rounds: int = 3
    reset_hold_s: float = 0.05
    burst_s: float = 0.3
    as_is_burst_s: float = 0.1
    read_slice_s: float = 0.005
    frame_tries: int = 3


def has_lines(port: Any) -> bool:
    """True if setting RTS reaches a wire (not socket://, not a pty)."""
    if isinstance(port, protocol_socket.Serial):
        return False
    try:
        port.dtr = False
        port.rts = False
    except (serial.SerialException, OSError, ValueError):
        return False
    return True


def _is_link_reply(frame: Frame) -> bool:
    return not frame.long and frame.cmd == LINK_REPLY and frame.payload[:1] == b"\x00"


class Linker:
    """Runs the link policy over a `Transport`; `sleep` returns True when cancelled."""

    def __init__(
        self,
        transport: Transport,
        policy: LinkPolicy,
        shell_baud: int,
        sleep: Callable[[float], bool],
        lines: bool,
        *,
        fast_bauds: tuple[int, ...] = (),
    ) -> None:
        self.t = transport
        self.policy = policy
        self.shell_baud = shell_baud
        self.fast_bauds = fast_bauds  # where an abandoned session may have left the chip
        self.sleep = sleep
        self.lines = lines
        self.attempts: list[str] = []  # what was tried, for the failure detail

    def burst(self, seconds: float, baud: int = ROM_BAUD) -> bool:
        """LinkChecks back to back, each followed by a short read, until one is answered."""
        t = self.t
        t.set_baud(baud)
        t.reader.clear()
        end = time.monotonic() + seconds
        frame = encode_command(LINK_CHECK)
        while time.monotonic() < end:
            t.check()
            t.write(frame)
            for reply in t.reader.feed(t.read_some(self.policy.read_slice_s)):
                if _is_link_reply(reply):
                    t.drain()  # the burst's other replies are stale now
                    return True
        return False

    def link(self) -> LinkStep | None:
        """Try each step in each round; the step that linked, or None."""
        policy = self.policy
        for _round in range(policy.rounds):
            self.t.check()
            if self.lines:
                self.attempts.append("CEN reset")
                if self._cen_reset() and self.burst(policy.burst_s):
                    return LinkStep.CEN_RESET
            self.attempts.append("as-is")
            if self.burst(policy.as_is_burst_s):
                return LinkStep.AS_IS
            self.attempts.append("reboot frame")
            for _try in range(policy.frame_tries):
                self._at_shell_baud(REBOOT_TO_DOWNLOAD)
                if self.burst(policy.burst_s / policy.frame_tries):
                    return LinkStep.REBOOT_FRAME
            self.attempts.append("shell reboot")
            self._at_shell_baud(b"\r\nreboot\r\n")
            if self.burst(policy.burst_s):
                return LinkStep.SHELL_REBOOT
            if self.fast_bauds and not self.lines:  # with lines, the CEN reset clears the rate
                self.attempts.append("fast rates")
                if self.stranded():
                    return LinkStep.FAST_RATE
        return None

    def stranded(self) -> bool:
        """A burst at each fast rate, each after `FILLER`: a chip left there by a dead session."""
        for baud in self.fast_bauds:
            t = self.t
            t.set_baud(baud)
            t.reader.clear()
            t.write(FILLER)
            # the filler's wire time, then a short burst (its replies come after the filler's)
            filler_s = len(FILLER) * 10 / baud  # 8N1: 10 bits a byte
            if self.burst(filler_s + self.policy.as_is_burst_s / 2, baud):
                return True
        self.t.set_baud(ROM_BAUD)
        return False

    def _cen_reset(self) -> bool:
        port = self.t.port
        try:
            port.rts = True
            self.t.reader.clear()
            port.reset_input_buffer()  # boot noise and stale replies go with the old session
            if self.sleep(self.policy.reset_hold_s):
                return False
            port.rts = False
        except (serial.SerialException, OSError, ValueError):
            self.lines = False
            return False
        return True

    def _at_shell_baud(self, data: bytes) -> None:
        t = self.t
        t.set_baud(self.shell_baud)
        t.write(data)
        t.wait_sent(len(data))  # the bytes must be out before the rate changes back
        t.set_baud(ROM_BAUD)
