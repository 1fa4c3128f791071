"""Engine errors in the window's language, worded from their stable code.

The engine's `UserError` carries an English message and a `code` (see prodtool/errors.py). The
window words the errors a person meets most in its own language, keyed on that code, and
points to where in the window the fix is; any other error shows its English message and hint.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

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
    return error.message + (f"\n{error.hint}" if error.hint else "")
