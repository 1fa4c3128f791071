"""Turning secrets into something safe to show, log or export.

An AuthKey is shown only as a fingerprint (`key#` and 8 hex digits of its SHA-256): support can
match two records without anyone learning a character of the key.
"""

from __future__ import annotations

import hashlib
import re

_AUTH_COMMAND = re.compile(r"(\bauth\s+\S+\s+)(\S+)")


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
