"""What a UUID and an AuthKey look like, as TuyaOpen firmware accepts them.

A UUID is 16 or 20 ASCII letters or digits (`uuid` + 16 hex digits is the common form), an
AuthKey exactly 32. The checks never quote the AuthKey back.
"""

from __future__ import annotations

from prodtool.credentials import AUTHKEY_RE as _AUTHKEY
from prodtool.credentials import UUID_RE as _UUID


def uuid_problem(uuid: str) -> str | None:
    """Why `uuid` is not a valid license UUID, or None."""
    if _UUID.fullmatch(uuid):
        return None
    if not uuid:
        return "the UUID is empty"
    return f"UUID {uuid[:24]!r} must be 16 or 20 letters or digits (it has {len(uuid)})"


def authkey_problem(authkey: str) -> str | None:
    """Why `authkey` is not a valid AuthKey, or None (never quoting the key)."""
    if _AUTHKEY.fullmatch(authkey):
        return None
    if not authkey:
        return "the AuthKey is empty"
    if len(authkey) != 32:
        return f"the AuthKey must be 32 letters or digits (it has {len(authkey)})"
    return "the AuthKey may hold only the letters A-Z, a-z and the digits 0-9"
