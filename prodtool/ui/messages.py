"""Engine errors in the window's language, worded from their stable code and arguments.

The engine's `UserError` carries an English message (the command line prints it), a `code` and
the message's arguments by name (`params`, see prodtool/errors.py). The window words every error
a person meets in it from a translated template per code (`templates`), filled with those
arguments, and points to where in the window the fix is. A license state among the arguments is
worded too. An error whose code has no template here (the command line's own, such as a bad
option) shows its English message and hint; a test walks the window's errors in Chinese so that
a new one cannot stay English unnoticed.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from prodtool.errors import UserError
from prodtool.license.model import LicenseState

# The technical line some errors add under their sentence (a file, the system's words).
WITH_DETAIL = frozenset(
    {"storage", "export", "license_list", "package", "ledger", "bad_key", "slot"}
)


def error_text(error: UserError) -> str:
    """What the notice says about `error`: translated when its code is known."""
    template = templates().get(error.code)
    if template is None:
        return error.message + (f"\n{error.hint}" if error.hint else "")
    fields = {k: state_word(v) if k == "state" else v for k, v in error.params.items()}
    try:
        text = template.format(**fields)
    except (KeyError, IndexError, ValueError):  # raised without its arguments: say it as it is
        return error.message + (f"\n{error.hint}" if error.hint else "")
    return text + (f"\n{error.message}" if error.code in WITH_DETAIL else "")


def state_word(value: str) -> str:
    """A license state in the window's language (the value as it is if it is not a state)."""
    words = {
        LicenseState.AVAILABLE: QCoreApplication.translate("Messages", "available"),
        LicenseState.RESERVED: QCoreApplication.translate("Messages", "reserved"),
        LicenseState.WRITTEN: QCoreApplication.translate("Messages", "written"),
        LicenseState.VERIFIED: QCoreApplication.translate("Messages", "verified"),
        LicenseState.NEEDS_CHECK: QCoreApplication.translate("Messages", "needs a check"),
        LicenseState.QUARANTINED: QCoreApplication.translate("Messages", "quarantined"),
    }
    try:
        return words[LicenseState(value)]
    except ValueError:
        return value


def templates() -> dict[str, str]:
    """Every code the window words, translated (lupdate reads the literal strings below)."""
    return {
        # loading a package
        "wrong_password": QCoreApplication.translate(
            "Messages",
            "Wrong download password. It is on the order's download page; type it again.",
        ),
        "unknown_issuer": QCoreApplication.translate(
            "Messages",
            "This package comes from an issuer this station does not trust yet. A supervisor "
            "adds the issuer's key in Supervisor > Trusted issuer keys…, after comparing its "
            "fingerprint.",
        ),
        "tampered": QCoreApplication.translate(
            "Messages",
            "The package was changed after it was signed. Do not use it: download it again.",
        ),
        "unsupported_format": QCoreApplication.translate(
            "Messages", "This file is not a credential package this version of prodtool can read."
        ),
        "malformed": QCoreApplication.translate(
            "Messages", "This file is not a credential package this version of prodtool can read."
        ),
        "firmware_mismatch": QCoreApplication.translate(
            "Messages",
            "The package's firmware does not match its manifest: the issuer built a broken "
            "package; ask for a new one.",
        ),
        "unreadable": QCoreApplication.translate(
            "Messages", "The package {name} cannot be read from the disk."
        ),
        "package_id_clash": QCoreApplication.translate(
            "Messages",
            "A different package with the same id {package} was loaded here before: ask the "
            "issuer.",
        ),
        "package": QCoreApplication.translate("Messages", "The package was refused."),
        "license_list": QCoreApplication.translate(
            "Messages", "The License List was refused; nothing was imported."
        ),
        "ledger": QCoreApplication.translate(
            "Messages", "The ledger refused this; nothing was changed."
        ),
        "bad_key": QCoreApplication.translate(
            "Messages", "This file holds no issuer public key prodtool can use."
        ),
        "duplicate_license": QCoreApplication.translate(
            "Messages",
            "This package is in the license pool this station is set up for: it is used from "
            "there, not loaded into the station's own ledger as well.",
        ),
        "unknown_package": QCoreApplication.translate(
            "Messages", "That package is not in this station's ledger."
        ),
        "unknown_license": QCoreApplication.translate(
            "Messages", "That license is not in this station's ledger."
        ),
        "no_licenses_left": QCoreApplication.translate(
            "Messages", "No license is left in the loaded package: load the next one."
        ),
        # the disk
        "storage": QCoreApplication.translate(
            "Messages",
            "The disk refused to save (full, read-only or locked). Nothing was lost; free some "
            "space or call a supervisor.",
        ),
        # the ledger and its actions
        "not_found": QCoreApplication.translate(
            "Messages", "License {uuid} is not in this station's ledger."
        ),
        "key_not_removable": QCoreApplication.translate(
            "Messages", "Issuer key {kid} is built in or unknown: it cannot be removed."
        ),
        "bad_transition": QCoreApplication.translate(
            "Messages",
            "License {uuid} is {state} now, not in the state this needs (someone changed it "
            "meanwhile): refresh and look again.",
        ),
        "already_quarantined": QCoreApplication.translate(
            "Messages", "License {uuid} is quarantined already."
        ),
        "not_quarantined": QCoreApplication.translate(
            "Messages",
            "License {uuid} is not quarantined (it is {state}): there is nothing to release.",
        ),
        "other_job": QCoreApplication.translate(
            "Messages",
            "License {uuid} belongs to job {job}, which is still running: wait for it to end.",
        ),
        "authkey_sent": QCoreApplication.translate(
            "Messages",
            "License {uuid} cannot be released: its AuthKey was sent to the chip. Mark it as "
            "needing a check instead, and read the chip back.",
        ),
        "chip_conflict": QCoreApplication.translate(
            "Messages",
            "Chip {chip} is bound to license {other} already: quarantine one of them and call "
            "support.",
        ),
        "license_quarantined": QCoreApplication.translate(
            "Messages",
            "License {uuid} of chip {chip} is quarantined: a supervisor decides about it in "
            "Supervisor > Licenses to check…; the chip gets no other license.",
        ),
        "chip_busy": QCoreApplication.translate(
            "Messages",
            "Chip {chip} is being written on port {port} already: wait for that job to finish.",
        ),
        "bad_mac": QCoreApplication.translate("Messages", "{mac} is not a MAC address."),
        # QA and slots
        "qa_no_package": QCoreApplication.translate(
            "Messages",
            "The ledger holds no package to check against: load the package on this station first.",
        ),
        "qa_which_package": QCoreApplication.translate(
            "Messages", "The ledger holds several packages: choose the one to check against."
        ),
        "slot": QCoreApplication.translate("Messages", "The slot numbers could not be used."),
        # exporting the write log
        "export": QCoreApplication.translate(
            "Messages", "The write log could not be exported: do not upload it; call a supervisor."
        ),
        "export_nothing_new": QCoreApplication.translate(
            "Messages", "Nothing was written since the last export: there is nothing new to upload."
        ),
        "export_anchor_lost": QCoreApplication.translate(
            "Messages",
            "The write log no longer holds the record the last export ended with: export the "
            "whole log instead, and call a supervisor.",
        ),
        "export_mark_damaged": QCoreApplication.translate(
            "Messages",
            "Where the last export ended is not known (its note in the station folder is "
            "damaged): export the whole log instead, and call a supervisor.",
        ),
        "export_bad_name": QCoreApplication.translate(
            "Messages", "{name}: give a file name ending in .csv or .json."
        ),
        "export_torn_tail": QCoreApplication.translate(
            "Messages",
            "The write log ends in an incomplete record (the disk was full). Free disk space "
            "and start the station again: it repairs the log before exporting.",
        ),
        "export_damaged_log": QCoreApplication.translate(
            "Messages",
            "The station's write log is damaged at record {record}: do not upload it; call a "
            "supervisor.",
        ),
        "export_unreadable": QCoreApplication.translate("Messages", "{name} cannot be read."),
        "export_not_an_export": QCoreApplication.translate(
            "Messages", "This file is not a write-log export of prodtool."
        ),
        "export_bad_line": QCoreApplication.translate(
            "Messages", "Line {line} of the export does not match its header: it was changed."
        ),
    }
