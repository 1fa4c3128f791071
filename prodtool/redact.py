"""Turning secrets into something safe to show, log or export.

An AuthKey is shown only as a fingerprint (`key#` and 8 hex digits of its SHA-256): support can
match two records without anyone learning a character of the key.
"""

from __future__ import annotations

import hashlib
import re

_AUTH_COMMAND = re.compile(r"(\bauth\s+\S+\s+)(\S+)")
# Anything shaped like an AuthKey (32 letters and digits): a chip may hold a key the station does
# not know, and an exception may quote one. Lower-case hex of that length is an MD5 digest or an
# id, which support needs, and is kept.
_KEY_SHAPED = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{32}(?![0-9A-Za-z])")
_HEX_DIGEST = re.compile(r"^[0-9a-f]{32}$")


def fingerprint(secret: str | bytes) -> str:
    """A short, stable, non-reversible name for a secret."""
    data = secret.encode() if isinstance(secret, str) else secret
    return "key#" + hashlib.sha256(data).hexdigest()[:8]


def redact_text(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Replace known secrets, and the key argument of a shell `auth` command, by fingerprints."""
    text = _AUTH_COMMAND.sub(_fingerprint_auth_argument, text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, fingerprint(secret))
    return text


def _fingerprint_auth_argument(match: re.Match[str]) -> str:
    key = match.group(2)
    return match.group(0) if key.startswith("key#") else match.group(1) + fingerprint(key)


def mask_key_shaped(text: str) -> str:
    """Fingerprint every AuthKey-shaped token in `text`, known to the caller or not."""
    return _KEY_SHAPED.sub(_fingerprint_key_shaped, text)


def _fingerprint_key_shaped(match: re.Match[str]) -> str:
    token = match.group(0)
    return token if _HEX_DIGEST.match(token) else fingerprint(token)
