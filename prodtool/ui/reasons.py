"""The engine's failure reasons in the window's language.

The engine's sentences (`events.REASON_TEXT`) are English; they are listed here once more with
QT_TRANSLATE_NOOP so that lupdate extracts them, and translated at run time by the English text.
A test checks this list matches the engine's table, so a new reason cannot go untranslated.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from prodtool.flash.events import REASON_TEXT, Reason

CONTEXT = "Reason"

EXTRACTED: tuple[object, ...] = (
    QT_TRANSLATE_NOOP("Reason", "Passed"),
    QT_TRANSLATE_NOOP("Reason", "No answer from the chip"),
    QT_TRANSLATE_NOOP(
        "Reason", "check the cable and that the board's auto-reset or boot button is wired"
    ),
    QT_TRANSLATE_NOOP("Reason", "Another program holds this port"),
    QT_TRANSLATE_NOOP(
        "Reason", "free it as the port's message says, or install prodtool's udev rule"
    ),
    QT_TRANSLATE_NOOP("Reason", "The serial number did not go on the unit"),
    QT_TRANSLATE_NOOP("Reason", "retry: the unit keeps its license and its serial number"),
    QT_TRANSLATE_NOOP("Reason", "The chip was unplugged during the write"),
    QT_TRANSLATE_NOOP("Reason", "plug it in again firmly and retry"),
    QT_TRANSLATE_NOOP("Reason", "This chip is not the one the package is for"),
    QT_TRANSLATE_NOOP("Reason", "check the tray"),
    QT_TRANSLATE_NOOP("Reason", "Too many errors on the serial link"),
    QT_TRANSLATE_NOOP("Reason", "try another cable or USB port, or a lower baud rate in Settings"),
    QT_TRANSLATE_NOOP("Reason", "The chip's flash did not take the firmware"),
    QT_TRANSLATE_NOOP("Reason", "retry once; if it fails again, set the module aside as faulty"),
    QT_TRANSLATE_NOOP("Reason", "The firmware read back differs from what was written"),
    QT_TRANSLATE_NOOP("Reason", "The firmware does not fit this chip's flash"),
    QT_TRANSLATE_NOOP("Reason", "check that the module has the flash size the product needs"),
    QT_TRANSLATE_NOOP(
        "Reason", "The firmware on the chip is older than the package's minimum version"
    ),
    QT_TRANSLATE_NOOP("Reason", "write the current firmware first"),
    QT_TRANSLATE_NOOP("Reason", "The chip has no application firmware to authorize"),
    QT_TRANSLATE_NOOP("Reason", "an Authorization Only package needs firmware already on the chip"),
    QT_TRANSLATE_NOOP("Reason", "The firmware's production shell did not answer"),
    QT_TRANSLATE_NOOP(
        "Reason",
        "check that this is the application UART and the firmware has the production shell",
    ),
    QT_TRANSLATE_NOOP("Reason", "The firmware refused the license"),
    QT_TRANSLATE_NOOP("Reason", "the firmware may be too old for this package; check its version"),
    QT_TRANSLATE_NOOP("Reason", "The license read back differs from what was written"),
    QT_TRANSLATE_NOOP("Reason", "the license is held for a check; set the module aside for QA"),
    QT_TRANSLATE_NOOP("Reason", "The chip's reply was garbled"),
    QT_TRANSLATE_NOOP("Reason", "try another cable or USB port"),
    QT_TRANSLATE_NOOP("Reason", "The chip already holds a different license"),
    QT_TRANSLATE_NOOP("Reason", "set the module aside for a supervisor"),
    QT_TRANSLATE_NOOP("Reason", "Another chip reports the same identity"),
    QT_TRANSLATE_NOOP(
        "Reason",
        "set both modules aside for a supervisor: two chips must never share a license",
    ),
    QT_TRANSLATE_NOOP("Reason", "This chip is a finished device of another order"),
    QT_TRANSLATE_NOOP("Reason", "set it aside; only a supervisor may choose to overwrite it"),
    QT_TRANSLATE_NOOP("Reason", "No licenses left in this package"),
    QT_TRANSLATE_NOOP("Reason", "load the next package"),
    QT_TRANSLATE_NOOP("Reason", "The station cannot record the write"),
    QT_TRANSLATE_NOOP("Reason", "the disk may be full or read-only: call a supervisor"),
    QT_TRANSLATE_NOOP("Reason", "Written to the chip, not yet recorded"),
    QT_TRANSLATE_NOOP(
        "Reason", "the disk is full: free space; the station records it as soon as it can"
    ),
    QT_TRANSLATE_NOOP("Reason", "The chip stopped answering"),
    QT_TRANSLATE_NOOP("Reason", "unplug it, plug it in again and retry"),
    QT_TRANSLATE_NOOP("Reason", "Stopped by the operator"),
    QT_TRANSLATE_NOOP("Reason", "Internal error in prodtool"),
    QT_TRANSLATE_NOOP("Reason", "export a support bundle for the developers"),
)


def reason_text(reason: Reason) -> tuple[str, str]:
    """What happened and what to do, translated (English if the catalogue lacks it)."""
    text, hint = REASON_TEXT[reason]
    translate = QCoreApplication.translate
    return translate(CONTEXT, text), (translate(CONTEXT, hint) if hint else "")


def reason_sentence(reason: Reason) -> str:
    """Like `events.reason_sentence`, in the window's language."""
    text, hint = reason_text(reason)
    return f"{text}: {hint}" if hint else text
