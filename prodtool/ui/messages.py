"""Engine errors in the window's language, worded from their stable code.

The engine's `UserError` carries an English message and a `code` (see prodtool/errors.py); some
carry their arguments as attributes (`LicenseNotFoundError.uuid`). The window words the errors a
person meets most in its own language, keyed on the code and filled with those arguments, and
points to where in the window the fix is; any other error shows its English message and hint.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from prodtool.engine.issuer_keys import KeyNotRemovableError
from prodtool.engine.ledger_actions import LicenseNotFoundError
from prodtool.errors import UserError


def error_text(error: UserError) -> str:
    """What the notice says about `error`: translated when its code is known."""
    code = error.code
    if code == "wrong_password":
        return QCoreApplication.translate(
            "Messages",
            "Wrong download password. It is on the order's download page; type it again.",
        )
    if code == "unknown_issuer":
        return QCoreApplication.translate(
            "Messages",
            "This package comes from an issuer this station does not trust yet. A supervisor "
            "adds the issuer's key in Supervisor > Trusted issuer keys…, after comparing its "
            "fingerprint.",
        )
    if code == "tampered":
        return QCoreApplication.translate(
            "Messages",
            "The package was changed after it was signed. Do not use it: download it again.",
        )
    if code in {"unsupported_format", "malformed"}:
        return QCoreApplication.translate(
            "Messages",
            "This file is not a credential package this version of prodtool can read.",
        )
    if code == "no_licenses_left":
        return QCoreApplication.translate(
            "Messages", "No license is left in the loaded package: load the next one."
        )
    if code == "storage":
        return (
            QCoreApplication.translate(
                "Messages",
                "The disk refused to save (full, read-only or locked). Nothing was lost; free some "
                "space or call a supervisor.",
            )
            + f"\n{error.message}"
        )
    if isinstance(error, LicenseNotFoundError):
        return QCoreApplication.translate(
            "Messages", "License %1 is not in this station's ledger."
        ).replace("%1", error.uuid)
    if isinstance(error, KeyNotRemovableError):
        return QCoreApplication.translate(
            "Messages", "Issuer key %1 is built in or unknown: it cannot be removed."
        ).replace("%1", error.kid)
    if code == "bad_transition":
        return QCoreApplication.translate(
            "Messages",
            "The license is no longer in the state this needs (someone changed it meanwhile): "
            "refresh and look again.",
        )
    if code == "chip_conflict":
        return QCoreApplication.translate(
            "Messages",
            "This chip is bound to another license already: quarantine one of them and call "
            "support.",
        )
    if code == "export_nothing_new":
        return QCoreApplication.translate(
            "Messages",
            "Nothing was written since the last export: there is nothing new to upload.",
        )
    if code == "export_anchor_lost":
        return QCoreApplication.translate(
            "Messages",
            "The write log no longer holds the record the last export ended with: export the "
            "whole log instead, and call a supervisor.",
        )
    if code == "export":
        return (
            QCoreApplication.translate(
                "Messages",
                "The write log could not be exported: do not upload it; call a supervisor.",
            )
            + f"\n{error.message}"
        )
    return error.message + (f"\n{error.hint}" if error.hint else "")
