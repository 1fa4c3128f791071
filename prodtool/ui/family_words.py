"""What a chip family says on a tile, in the window's language: its title, the step while the
driver links, and its hint for a failure reason.

The words come from the family (`ChipFamily.title`, `connect_step`, `hints`), in English, and
are translated here by their English text, as the engine's reasons are (`reasons.py`): the
built-in families' sentences are listed once more with QT_TRANSLATE_NOOP so lupdate extracts
them. A test checks every registered built-in family's words are listed, so a new hint cannot go
untranslated; a family added at run time (a plug-in) shows its own words as they are.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from prodtool.families import registry
from prodtool.flash.events import Reason

CONTEXT = "Family"

EXTRACTED: tuple[object, ...] = (
    # Espressif (prodtool/families/esp/family.py)
    QT_TRANSLATE_NOOP("Family", "connecting (hold BOOT, tap EN)"),
    QT_TRANSLATE_NOOP(
        "Family", "check the cable; a board without auto-reset needs BOOT held while EN is tapped"
    ),
    QT_TRANSLATE_NOOP(
        "Family",
        "check that this is the application UART (U0) and the firmware has the production shell",
    ),
    # Beken (prodtool/families/beken/guide.py)
    QT_TRANSLATE_NOOP("Family", "linking (reset module / CEN)"),
    QT_TRANSLATE_NOOP(
        "Family", "wire RTS to CEN (or bridge CEN to GND briefly), check TX/RX and 3.3 V"
    ),
    QT_TRANSLATE_NOOP(
        "Family",
        "lower the baud rate (some adapters fail above 1,000,000) or check the 3.3 V supply",
    ),
    QT_TRANSLATE_NOOP(
        "Family",
        "the flash stayed write-protected or its ID is not in prodtool's table: set the module "
        "aside and report the flash ID from the log",
    ),
    QT_TRANSLATE_NOOP(
        "Family", "check the package's chip: T2/CB2S/CB3S = BK7231N, WB2S/WB3S = BK7231T"
    ),
    QT_TRANSLATE_NOOP("Family", "retry once; a second CRC mismatch means a weak flash or supply"),
)


def _translate(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text) if text else ""


def title(name: str) -> str:
    """The family's title for people ("BK7231N / T2" for "bk7231n"); the name itself when no
    registered family answers to it (a chip the station does not know)."""
    family = registry.find(name) if name else None
    return family.title if family is not None else name


def connect_step(text: str) -> str | None:
    """`text`, translated, when it is a registered family's link step; None otherwise."""
    if text and any(f.connect_step == text for f in registry.families()):
        return _translate(text)
    return None


def hint(name: str, reason: Reason) -> str:
    """The family's hint for `reason`, translated ("" when it has none or is unknown)."""
    family = registry.find(name) if name else None
    return _translate(family.hint(reason)) if family is not None else ""
