"""Turning secrets into something safe to show, log or export.

An AuthKey is shown only as a fingerprint (`key#` and 8 hex digits of its SHA-256): support can
match two records without anyone learning a character of the key. Crash logs (`mask_secrets`)
also lose whatever else is secret by its shape (a password in a URL, a private key in PEM) and
the secrets this process holds that no shape gives away (download passwords, `hold_secret`).
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Callable

from prodtool.credentials import AUTHKEY_PATTERN

_AUTH_COMMAND = re.compile(r"(\bauth\s+\S+\s+)(\S+)")
# Anything shaped like an AuthKey (the one pattern in prodtool.credentials): a chip may hold a key
# the station does not know, and an exception may quote one. Lower-case hex of that length is an
# MD5 digest or an id, which support needs, and is kept.
_KEY_SHAPED = re.compile(rf"(?<![0-9A-Za-z]){AUTHKEY_PATTERN}(?![0-9A-Za-z])")
_HEX_DIGEST = re.compile(r"^[0-9a-f]{32}$")
# scheme://user:PASSWORD@host (a pool URL): the password goes, the rest stays readable
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:)[^\s/@]+(@)")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.S
)
# An AuthKey in a byte dump: 64 hex digits or 44 base64 characters that decode to one
_HEX_64 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
_BASE64_44 = re.compile(r"(?<![0-9A-Za-z+/_-])[0-9A-Za-z+/_-]{43}=")  # also URL-safe
_AUTHKEY_BYTES = re.compile(AUTHKEY_PATTERN.encode())
_URLSAFE = str.maketrans("-_", "+/")
HIDDEN = "<hidden>"

_held: set[str] = set()
MIN_HELD = 8  # characters: see `hold_secret`
_held_lock = threading.Lock()


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


def hold_secret(secret: str) -> None:
    """Remember a secret no shape gives away (a download password) for as long as this process
    runs, so that `mask_secrets` takes it out of any crash log. Where it is replaced, no
    fingerprint is shown: a password's hash could be guessed back.

    Only secrets of `MIN_HELD` characters or more: a shorter one (a 4-digit PIN, "wrong") is
    also ordinary text, and masking it would rewrite numbers and words in a support bundle's JSON
    (a PIN "2468" inside a timestamp). The platform's download passwords are long."""
    if len(secret) >= MIN_HELD:
        with _held_lock:
            _held.add(secret)


def mask_secrets(text: str) -> str:
    """Text (a traceback) with every secret taken out: the secrets this process holds, the
    `auth` command's key, AuthKey-shaped tokens, URL passwords and PEM private keys."""
    with _held_lock:
        held = sorted(_held, key=len, reverse=True)  # a longer secret before one inside it
    for secret in held:
        text = text.replace(secret, HIDDEN)
    text = _PRIVATE_KEY.sub("-----" + HIDDEN + " PRIVATE KEY-----", text)
    text = _URL_PASSWORD.sub(rf"\1{HIDDEN}\2", text)
    text = _HEX_64.sub(lambda m: _mask_encoded(m.group(0), bytes.fromhex), text)
    text = _BASE64_44.sub(lambda m: _mask_encoded(m.group(0), _b64decode), text)
    return mask_key_shaped(redact_text(text))


def _b64decode(token: str) -> bytes:
    return base64.b64decode(token.translate(_URLSAFE), validate=True)


def _mask_encoded(token: str, decode: Callable[[str], bytes]) -> str:
    """An AuthKey hex- or base64-encoded becomes its fingerprint; a digest stays as it was."""
    try:
        raw = decode(token)
    except ValueError:
        return token
    return fingerprint(raw) if _AUTHKEY_BYTES.fullmatch(raw) else token


def encode_secret(secret: str) -> bytes | None:
    """A password as UTF-8, held for `mask_secrets`; None when it cannot be encoded (a lone
    surrogate). No exception escapes: a UnicodeEncodeError carries the whole string in its args,
    where a crash log or a `repr` would show it."""
    hold_secret(secret)
    try:
        return secret.encode("utf-8")
    except UnicodeEncodeError:
        pass
    return None
