"""What a UUID and an AuthKey look like, as TuyaOpen firmware accepts them.

A UUID is 16 or 20 ASCII letters or digits (`uuid` + 16 hex digits is the common form), an
AuthKey exactly 32. The checks never quote the AuthKey back.
"""

from __future__ import annotations

import hashlib
import string
import unicodedata
from collections.abc import Sequence

from prodtool.credentials import AUTHKEY_RE as _AUTHKEY
from prodtool.credentials import UUID_RE as _UUID


def uuid_problem(uuid: str) -> str | None:
    """Why `uuid` is not a valid license UUID, or None."""
    if _UUID.fullmatch(uuid):
        return None
    if not uuid:
        return "the UUID is empty"
    # Not quoted: in a list with its columns swapped this cell holds an AuthKey.
    return f"the UUID must be 16 or 20 letters or digits (it has {len(uuid)} characters)"


def authkey_problem(authkey: str) -> str | None:
    """Why `authkey` is not a valid AuthKey, or None (never quoting the key)."""
    if _AUTHKEY.fullmatch(authkey):
        return None
    if not authkey:
        return "the AuthKey is empty"
    if len(authkey) != 32:
        return f"the AuthKey must be 32 letters or digits (it has {len(authkey)})"
    return "the AuthKey may hold only the letters A-Z, a-z and the digits 0-9"


# --- DEMO licenses -------------------------------------------------------------------------------
# A DEMO license's AuthKey is computed from its UUID by this public rule, so anyone can make one
# and none is worth anything: a real AuthKey is random, and the chance that it fits the rule is
# 62^-32. A DEMO package (anyone can sign one with the public DEMO key) may carry only these,
# so a real license can never travel in one.
DEMO_ID_PREFIX = "DEMO-"
_DEMO_DOMAIN = b"prodtool DEMO license v1\n"
_ALNUM = (string.ascii_letters + string.digits).encode()
_TO_ALNUM = bytes(_ALNUM[b % len(_ALNUM)] for b in range(256))


def demo_authkey(uuid: str) -> str:
    """The one AuthKey a DEMO license with this UUID has."""
    return hashlib.sha256(_DEMO_DOMAIN + uuid.encode()).digest().translate(_TO_ALNUM).decode()


def all_demo_licenses(uuids: Sequence[str], authkeys: Sequence[str]) -> bool:
    """True when every (uuid, authkey) pair is a DEMO license."""
    return all(map(str.__eq__, map(demo_authkey, uuids), authkeys))


# --- text fields ---------------------------------------------------------------------------------
# Control and format characters (ESC sequences, bidi overrides, line separators) would reach a
# terminal or a log raw: a package's text fields may hold none of them.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def text_problem(field: str, value: str) -> str | None:
    """Why `value` may not be a package text field (a control character), or None."""
    bad = next((c for c in value if _unsafe(c)), None)
    if bad is None:
        return None
    return f"{field} holds the control character U+{ord(bad):04X}, which a package may not hold"


def printable(value: str) -> str:
    """`value` with every control or format character escaped, safe to print on a terminal."""
    if not any(map(_unsafe, value)):
        return value
    return "".join(ascii(c)[1:-1] if _unsafe(c) else c for c in value)
