"""Errors a person can act on, apart from bugs.

A `UserError` carries a short message, a hint saying what to do, and a stable code that logs,
exports and the window key on, with the message's arguments by name (`params`: a UUID, a file
name, a count). The command line prints the English message; the window words the error in its
own language from the code and the arguments (`prodtool.ui.messages`). (`params`, not `args`:
`Exception.args` is the constructor's tuple, which pickling between processes relies on.)
Anything that is not a `UserError` is a bug and goes to the crash handler. Messages and
arguments must never contain a secret (an AuthKey, a password, a key): build them from
identifiers such as a UUID, a port name or a file name only.
"""

from __future__ import annotations

from collections.abc import Mapping


class UserError(Exception):
    """Something went wrong that the person at the station can fix."""

    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        code: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        self.params: dict[str, str] = {k: str(v) for k, v in (params or {}).items()}

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class StorageError(UserError):
    """The disk or the database refused: read-only, full, locked or corrupt."""

    code = "storage"
