"""The license side's refusals, each with a stable code that logs, the CLI and the window key on.

Messages name members, files, rows and UUIDs only, never an AuthKey, a password or a key.
"""

# ruff: noqa: N818 - refusals are named for the condition (`except WrongPassword`), as the API is
from __future__ import annotations

from dataclasses import dataclass

from prodtool.errors import UserError


class PackageError(UserError):
    """A credential package is refused whole; `code` says why."""

    code = "package"


class TamperedPackage(PackageError):
    code = "tampered"


class WrongPassword(PackageError):
    code = "wrong_password"


class UnknownIssuer(PackageError):
    code = "unknown_issuer"


class UnsupportedFormat(PackageError):
    code = "unsupported_format"


class FirmwareMismatch(PackageError):
    code = "firmware_mismatch"


class MalformedPackage(PackageError):
    code = "malformed"


class KeyFileError(UserError):
    """A key file (issuer key, trust store entry) cannot be read or is of the wrong kind."""

    code = "bad_key"


@dataclass(frozen=True)
class RowProblem:
    """One bad row of a License List, by the row number a spreadsheet shows."""

    row: int
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.problem}"


class LicenseListError(UserError):
    """A License List is refused whole; `problems` lists every bad row."""

    code = "license_list"

    def __init__(
        self, message: str, *, problems: tuple[RowProblem, ...] = (), hint: str = ""
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems


class LedgerError(UserError):
    """The ledger refuses an action; nothing was changed."""

    code = "ledger"


class NoLicensesLeft(LedgerError):
    code = "no_licenses_left"


class TransitionError(LedgerError):
    """A state change that does not fit the license's state or its owner."""

    code = "bad_transition"


class ChipBusy(LedgerError):
    code = "chip_busy"


class LicenseQuarantined(LedgerError):
    code = "license_quarantined"


class DuplicateLicenses(LedgerError):
    code = "duplicate_license"


class PackageIdClash(LedgerError):
    """Another package (manifest or any member) under the id of one already loaded."""

    code = "package_id_clash"


class UnknownPackage(LedgerError):
    code = "unknown_package"


class UnknownLicense(LedgerError):
    code = "unknown_license"


class LedgerInvariantError(AssertionError):
    """The ledger's books do not add up: a bug or outside tampering, never a user error."""
