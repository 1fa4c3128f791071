"""The log panel's lines and steps in the window's language, from their template key and fields.

The engine keeps the English line (`LogLine.text`, `StateChanged.step`) for the transcript and
support, and hands the key and fields (`say`, `params`, see `engine.log_text`) to the window,
which words them here: a `reason` field as what the reason says happened, an error line as the
error's notice (`ui.messages`). A line without a key (the chip tool's own words, a family's
guide) is shown as it is.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from prodtool.engine.log_text import ERROR, ERROR_FIELD, LogSay
from prodtool.errors import UserError
from prodtool.flash.events import Reason, StateChanged
from prodtool.ui.i18n import DEFAULT_LANGUAGE, current_language
from prodtool.ui.messages import error_text
from prodtool.ui.reasons import reason_text
from prodtool.ui.states import state_step


def sentence(say: str, params: tuple[tuple[str, str], ...], english: str) -> str:
    """A line or step in the window's language; `english` when it has no key (or lost one)."""
    if not say:
        return english
    fields = dict(params)
    if say == ERROR:
        error = UserError(
            english,
            hint=fields.get("hint", ""),
            code=fields.get("code") or "error",
            params={
                k[len(ERROR_FIELD) :]: v for k, v in fields.items() if k.startswith(ERROR_FIELD)
            },
        )
        return error_text(error).replace("\n", " — ")
    try:
        template = templates()[LogSay[say]]
        if "reason" in fields:
            fields["reason"] = reason_text(Reason(fields["reason"]))[0]
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):  # an unknown key or a field lost in translation
        return english


def step_sentence(event: StateChanged) -> str:
    """A state change's step in the window's language. A step without a key (a failure's
    technical detail, said again by the job's last line) gives way to the state's own step in
    any language but English."""
    if event.say:
        return sentence(event.say, event.params, event.step)
    if event.step and current_language() == DEFAULT_LANGUAGE:
        return event.step
    return state_step(event.state)


def templates() -> dict[LogSay, str]:
    """Every line and step, translated (lupdate reads the literal strings below)."""
    return {
        LogSay.RETRYING: QCoreApplication.translate(
            "LogWords", "{reason}; retrying at {baud} baud"
        ),
        LogSay.RESERVED: QCoreApplication.translate("LogWords", "license {uuid} reserved"),
        LogSay.REUSED: QCoreApplication.translate(
            "LogWords", "license {uuid} reused (already bound to this chip)"
        ),
        LogSay.LEDGER_KNOWS_CHIP: QCoreApplication.translate(
            "LogWords", "the ledger knows this chip: license {uuid} of {package}"
        ),
        LogSay.OVERWRITE: QCoreApplication.translate(
            "LogWords",
            "supervisor {supervisor} chose to overwrite this finished device (order {order}, "
            "uuid {uuid}): that license is quarantined",
        ),
        LogSay.DAMAGED_KEY: QCoreApplication.translate(
            "LogWords", "the chip holds license {uuid} with a damaged key: rewriting"
        ),
        LogSay.ALREADY_HOLDS: QCoreApplication.translate(
            "LogWords", "the chip already holds license {uuid}"
        ),
        LogSay.OVERWRITE_FOREIGN: QCoreApplication.translate(
            "LogWords",
            "supervisor {supervisor} chose to overwrite this finished device (license {uuid}, from"
            " another station or order)",
        ),
        LogSay.LEDGER_REFUSED: QCoreApplication.translate(
            "LogWords", "the ledger refused: {refused}"
        ),
        LogSay.OPENING: QCoreApplication.translate("LogWords", "opening {port} at {baud} baud"),
        LogSay.IDENTIFYING: QCoreApplication.translate("LogWords", "reading the chip's identity"),
        LogSay.CHOOSING: QCoreApplication.translate("LogWords", "choosing the license"),
        LogSay.WRITING_FIRMWARE: QCoreApplication.translate(
            "LogWords", "writing {kib} KiB at {offset}"
        ),
        LogSay.FIRMWARE_PRESENT: QCoreApplication.translate(
            "LogWords", "firmware already present, skipped"
        ),
        LogSay.FIRMWARE_SKIPPED: QCoreApplication.translate(
            "LogWords",
            "firmware already present, skipped: {image} at {offset} ({kib} KiB, same digest)",
        ),
        LogSay.COMPARING_FLASH: QCoreApplication.translate("LogWords", "comparing the flash's MD5"),
        LogSay.WRITING_PARTITION: QCoreApplication.translate(
            "LogWords", "writing the license partition at {offset}"
        ),
        LogSay.COMPARING_PARTITION: QCoreApplication.translate(
            "LogWords", "comparing the license partition's MD5"
        ),
        LogSay.STARTING_SHELL: QCoreApplication.translate(
            "LogWords", "starting the firmware's shell"
        ),
        LogSay.HOLDS_THIS: QCoreApplication.translate(
            "LogWords", "the chip already holds this license"
        ),
        LogSay.READING_BACK: QCoreApplication.translate("LogWords", "reading the license back"),
        LogSay.VERIFIED: QCoreApplication.translate("LogWords", "license verified"),
    }
