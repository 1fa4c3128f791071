"""What a port's job tells the world: typed events, one state machine's states, reason codes.

The engine emits these from worker threads through a plain callback; the window turns them into
Qt signals on the GUI thread, the CLI prints them. Every event names its port, so progress from
32 ports at once never mixes (esptool's own logger is one object per process: see esptool issue
1102). Reason texts are for a technician at arm's length; they never contain a secret.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum


class JobState(StrEnum):
    """The states of one port's job, in the order a good run passes through them."""

    WAITING = "waiting"  # no chip, or the chip's job has not been started
    CONNECTING = "connecting"  # opening the port, reset into the bootloader, sync
    IDENTIFYING = "identifying"  # chip family, MAC, chip id
    CHECKING = "checking"  # what the chip already holds; which license it gets
    WRITING_FIRMWARE = "writing_firmware"
    VERIFYING_FIRMWARE = "verifying_firmware"
    WRITING_AUTH = "writing_auth"
    VERIFYING_AUTH = "verifying_auth"
    PASSED = "passed"
    FAILED = "failed"
    REMOVE_CHIP = "remove_chip"  # finished: waiting for this chip to be unplugged
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in {JobState.PASSED, JobState.FAILED, JobState.CANCELLED}

    @property
    def is_busy(self) -> bool:
        return self not in {
            JobState.WAITING,
            JobState.PASSED,
            JobState.FAILED,
            JobState.REMOVE_CHIP,
            JobState.CANCELLED,
        }


class Reason(StrEnum):
    """Why a job ended. Stable codes: logs, exports and the window key on them."""

    OK = "ok"
    NO_ANSWER = "no_answer"
    CABLE_PULLED = "cable_pulled"
    WRONG_CHIP = "wrong_chip"
    LINK_ERRORS = "link_errors"
    FLASH_WRITE_FAILED = "flash_write_failed"
    FIRMWARE_VERIFY_FAILED = "firmware_verify_failed"
    FIRMWARE_TOO_LARGE = "firmware_too_large"
    FIRMWARE_TOO_OLD = "firmware_too_old"
    NO_APPLICATION = "no_application"
    NO_SHELL = "no_shell"
    AUTH_REJECTED = "auth_rejected"
    AUTH_VERIFY_FAILED = "auth_verify_failed"
    GARBLED_REPLY = "garbled_reply"
    HOLDS_OTHER_LICENSE = "holds_other_license"
    DUPLICATE_CHIP = "duplicate_chip"
    ALREADY_WRITTEN = "already_written"  # a finished device of another package or list
    NO_LICENSES_LEFT = "no_licenses_left"
    STORAGE = "storage"
    NOT_RECORDED = "not_recorded"  # the chip holds its license; the write log could not store it
    PORT_HELD = "port_held"  # another program (ModemManager, brltty) has the port open
    SERIAL_FAILED = "serial_failed"  # the unit's serial number did not go on / read back
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    INTERNAL = "internal"


REASON_TEXT: dict[Reason, tuple[str, str]] = {
    Reason.OK: ("Passed", ""),
    Reason.NO_ANSWER: (
        "No answer from the chip",
        "check the cable and that the board's auto-reset or boot button is wired",
    ),
    Reason.CABLE_PULLED: (
        "The chip was unplugged during the write",
        "plug it in again firmly and retry",
    ),
    Reason.WRONG_CHIP: ("This chip is not the one the package is for", "check the tray"),
    Reason.LINK_ERRORS: (
        "Too many errors on the serial link",
        "try another cable or USB port, or a lower baud rate in Settings",
    ),
    Reason.FLASH_WRITE_FAILED: (
        "The chip's flash did not take the firmware",
        "retry once; if it fails again, set the module aside as faulty",
    ),
    Reason.FIRMWARE_VERIFY_FAILED: (
        "The firmware read back differs from what was written",
        "retry once; if it fails again, set the module aside as faulty",
    ),
    Reason.FIRMWARE_TOO_LARGE: (
        "The firmware does not fit this chip's flash",
        "check that the module has the flash size the product needs",
    ),
    Reason.FIRMWARE_TOO_OLD: (
        "The firmware on the chip is older than the package's minimum version",
        "write the current firmware first",
    ),
    Reason.NO_APPLICATION: (
        "The chip has no application firmware to authorize",
        "an Authorization Only package needs firmware already on the chip",
    ),
    Reason.NO_SHELL: (
        "The firmware's production shell did not answer",
        "check that this is the application UART and the firmware has the production shell",
    ),
    Reason.AUTH_REJECTED: (
        "The firmware refused the license",
        "the firmware may be too old for this package; check its version",
    ),
    Reason.AUTH_VERIFY_FAILED: (
        "The license read back differs from what was written",
        "the license is held for a check; set the module aside for QA",
    ),
    Reason.GARBLED_REPLY: (
        "The chip's reply was garbled",
        "try another cable or USB port",
    ),
    Reason.HOLDS_OTHER_LICENSE: (
        "The chip already holds a different license",
        "set the module aside for a supervisor",
    ),
    Reason.DUPLICATE_CHIP: (
        "Another chip reports the same identity",
        "set both modules aside for a supervisor: two chips must never share a license",
    ),
    Reason.ALREADY_WRITTEN: (
        "This chip is a finished device of another order",
        "set it aside; only a supervisor may choose to overwrite it",
    ),
    Reason.NO_LICENSES_LEFT: ("No licenses left in this package", "load the next package"),
    Reason.STORAGE: (
        "The station cannot record the write",
        "the disk may be full or read-only: call a supervisor",
    ),
    Reason.NOT_RECORDED: (
        "Written to the chip, not yet recorded",
        "the disk is full: free space; the station records it as soon as it can",
    ),
    Reason.PORT_HELD: (
        "Another program holds this port",
        "free it as the port's message says, or install prodtool's udev rule",
    ),
    Reason.SERIAL_FAILED: (
        "The serial number did not go on the unit",
        "retry: the unit keeps its license and its serial number",
    ),
    Reason.TIMEOUT: ("The chip stopped answering", "unplug it, plug it in again and retry"),
    Reason.CANCELLED: ("Stopped by the operator", ""),
    Reason.INTERNAL: ("Internal error in prodtool", "export a support bundle for the developers"),
}


def reason_sentence(reason: Reason) -> str:
    """The reason as one sentence a technician understands: what happened, then what to do."""
    text, hint = REASON_TEXT[reason]
    return f"{text}: {hint}" if hint else text


def _now() -> float:
    return time.time()


@dataclass(frozen=True, kw_only=True)
class PortEvent:
    """Base of every event: which port, which job (empty before one starts), and when."""

    port: str
    job_id: str = ""
    at: float = field(default_factory=_now)


@dataclass(frozen=True, kw_only=True)
class PortAdded(PortEvent):
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class PortRemoved(PortEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class StateChanged(PortEvent):
    state: JobState
    step: str = ""  # what is happening now, in words ("Writing firmware at 0x10000")
    say: str = ""  # the step's template key (`engine.log_text`), for the window to word it
    params: tuple[tuple[str, str], ...] = ()  # the template's fields


@dataclass(frozen=True, kw_only=True)
class Progress(PortEvent):
    done: int
    total: int
    phase: JobState


@dataclass(frozen=True, kw_only=True)
class ChipIdentified(PortEvent):
    family: str
    mac: str
    chip_id: str


@dataclass(frozen=True, kw_only=True)
class LicenseAssigned(PortEvent):
    uuid: str
    reused: bool


@dataclass(frozen=True, kw_only=True)
class LogLine(PortEvent):
    level: str  # "info", "warning", "error"
    text: str  # English
    say: str = ""  # the line's template key (`engine.log_text`), for the window to word it
    params: tuple[tuple[str, str], ...] = ()  # the template's fields


@dataclass(frozen=True, kw_only=True)
class JobFinished(PortEvent):
    passed: bool
    reason: Reason
    detail: str = ""  # technical detail for support (esptool's words); never a secret
    mac: str = ""
    uuid: str = ""
    seconds: float = 0.0
    serial: str = ""  # the unit's serial number, when the station gives them
    code: str = ""  # the code scanned for the unit, when one was
    chip_family: str = ""
    record_hash: str = ""  # the write record's chain hash ("" when the disk refused it)
    # The family the job was for (the package's), also when no chip answered: its hint for
    # the reason is what the tile shows.
    family: str = ""

    @property
    def sentence(self) -> str:
        return reason_sentence(self.reason)
