"""How a port's state looks: a word and a colour, always both (never colour alone).

Colours are light backgrounds under dark text, chosen so the word stays readable for people with
red-green colour blindness: the word carries the meaning, the colour only speeds up the glance.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from prodtool.flash.events import JobState


@dataclass(frozen=True)
class Look:
    background: str
    border: str


_WAITING = Look("#eceff1", "#90a4ae")
_PREPARING = Look("#e3f2fd", "#64b5f6")
_WORKING = Look("#bbdefb", "#1e88e5")
_PASSED = Look("#c8e6c9", "#2e7d32")
_FAILED = Look("#ffcdd2", "#c62828")
_CANCELLED = Look("#fff3e0", "#ef6c00")

LOOKS: dict[JobState, Look] = {
    JobState.WAITING: _WAITING,
    JobState.CONNECTING: _PREPARING,
    JobState.IDENTIFYING: _PREPARING,
    JobState.CHECKING: _PREPARING,
    JobState.WRITING_FIRMWARE: _WORKING,
    JobState.VERIFYING_FIRMWARE: _WORKING,
    JobState.WRITING_AUTH: _WORKING,
    JobState.VERIFYING_AUTH: _WORKING,
    JobState.PASSED: _PASSED,
    JobState.FAILED: _FAILED,
    JobState.REMOVE_CHIP: _WAITING,
    JobState.CANCELLED: _CANCELLED,
}
PASSED_COLOR = _PASSED.border
FAILED_COLOR = _FAILED.border


def state_word(state: JobState) -> str:
    """One or two words, large on the tile."""
    words = {
        JobState.WAITING: QCoreApplication.translate("State", "Waiting"),
        JobState.CONNECTING: QCoreApplication.translate("State", "Connecting"),
        JobState.IDENTIFYING: QCoreApplication.translate("State", "Identifying"),
        JobState.CHECKING: QCoreApplication.translate("State", "Checking"),
        JobState.WRITING_FIRMWARE: QCoreApplication.translate("State", "Writing"),
        JobState.VERIFYING_FIRMWARE: QCoreApplication.translate("State", "Verifying"),
        JobState.WRITING_AUTH: QCoreApplication.translate("State", "Licensing"),
        JobState.VERIFYING_AUTH: QCoreApplication.translate("State", "Verifying"),
        JobState.PASSED: QCoreApplication.translate("State", "PASSED"),
        JobState.FAILED: QCoreApplication.translate("State", "FAILED"),
        JobState.REMOVE_CHIP: QCoreApplication.translate("State", "Remove chip"),
        JobState.CANCELLED: QCoreApplication.translate("State", "Stopped"),
    }
    return words[state]


def state_step(state: JobState) -> str:
    """What the chip is going through, in the window's language (the engine's step is English)."""
    steps = {
        JobState.WAITING: QCoreApplication.translate("State", "Plug in a module"),
        JobState.CONNECTING: QCoreApplication.translate("State", "Connecting to the chip"),
        JobState.IDENTIFYING: QCoreApplication.translate("State", "Reading the chip's identity"),
        JobState.CHECKING: QCoreApplication.translate("State", "Checking what the chip holds"),
        JobState.WRITING_FIRMWARE: QCoreApplication.translate("State", "Writing firmware"),
        JobState.VERIFYING_FIRMWARE: QCoreApplication.translate("State", "Verifying firmware"),
        JobState.WRITING_AUTH: QCoreApplication.translate("State", "Writing the license"),
        JobState.VERIFYING_AUTH: QCoreApplication.translate("State", "Verifying the license"),
        JobState.PASSED: QCoreApplication.translate("State", "Done"),
        JobState.FAILED: QCoreApplication.translate("State", "Failed"),
        JobState.REMOVE_CHIP: QCoreApplication.translate("State", "Take the module out"),
        JobState.CANCELLED: QCoreApplication.translate("State", "Stopped by the operator"),
    }
    return steps[state]
