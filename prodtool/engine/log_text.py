"""The job's log lines and steps as templates with named fields: English for the transcript, the
command line and support, and a key with the fields that the window words in its language
(`prodtool.ui.log_words`), as the QA sentences do (`qa_text`).

A line or step carries `say` (the template's name) and `params` (its fields as text); an error
shown as a line carries its `UserError` code and arguments (`error_line`), which the window words
as it words the error in a notice. Lines from the chip's own tool (esptool's words) and a
family's operator guide carry no key and are shown as they are.
"""

from __future__ import annotations

from enum import StrEnum

from prodtool.errors import UserError
from prodtool.flash.events import LogLine

ERROR = "ERROR"  # the `say` of a line that shows a UserError
ERROR_FIELD = "error."  # the prefix of the error's own arguments among the line's params


class LogSay(StrEnum):
    """One log line or step. The value is the English template (`str.format` fields)."""

    RETRYING = "{problem}; retrying at {baud} baud"
    RESERVED = "license {uuid} reserved"
    REUSED = "license {uuid} reused (already bound to this chip)"
    LEDGER_KNOWS_CHIP = "the ledger knows this chip: license {uuid} of {package}"
    OVERWRITE = (
        "supervisor {supervisor} chose to overwrite this finished device (order {order}, uuid "
        "{uuid}): that license is quarantined"
    )
    OVERWRITE_FOREIGN = (
        "supervisor {supervisor} chose to overwrite this finished device (license {uuid}, from"
        " another station or order)"
    )
    DAMAGED_KEY = "the chip holds license {uuid} with a damaged key: rewriting"
    ALREADY_HOLDS = "the chip already holds license {uuid}"
    LEDGER_REFUSED = "the ledger refused: {refused}"
    FIRMWARE_SKIPPED = (
        "firmware already present, skipped: {image} at {offset} ({kib} KiB, same digest)"
    )
    # steps (StateChanged.step)
    OPENING = "opening {port} at {baud} baud"
    IDENTIFYING = "reading the chip's identity"
    CHOOSING = "choosing the license"
    WRITING_FIRMWARE = "writing {kib} KiB at {offset}"
    FIRMWARE_PRESENT = "firmware already present, skipped"
    COMPARING_FLASH = "comparing the flash's MD5"
    WRITING_PARTITION = "writing the license partition at {offset}"
    COMPARING_PARTITION = "comparing the license partition's MD5"
    STARTING_SHELL = "starting the firmware's shell"
    HOLDS_THIS = "the chip already holds this license"
    READING_BACK = "reading the license back"
    VERIFIED = "license verified"


def said(say: LogSay, **fields: object) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(English text, key, fields as text) for a line or step."""
    params = tuple((name, str(value)) for name, value in fields.items())
    return say.value.format(**fields), say.name, params


def error_line(port: str, job_id: str, error: UserError, level: str = "error") -> LogLine:
    """A `UserError` as a log line: its English message, and its code and arguments."""
    params = (
        ("code", error.code),
        ("hint", error.hint),
        *((ERROR_FIELD + name, value) for name, value in error.params.items()),
    )
    return LogLine(
        port=port, job_id=job_id, level=level, text=error.message, say=ERROR, params=params
    )
