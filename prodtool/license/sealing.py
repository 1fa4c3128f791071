"""Sealing the license member: AES-256-GCM under a key from the download password (scrypt).

The plaintext is one `UUID,AUTHKEY` line per license (ASCII, `\n`-terminated). The package id is
bound in as associated data, so a license member cannot be moved into another package.
"""

from __future__ import annotations

import base64
import binascii
import operator
import os
import string
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from prodtool.license.errors import MalformedPackage, WrongPassword
from prodtool.license.model import License, LicenseEncryption, ScryptParams
from prodtool.redact import encode_secret

LICENSES_MEMBER = "licenses.enc"
_ALLOWED = (string.ascii_letters + string.digits + ",\n").encode()
_LINE_LENGTHS = {16 + 1 + 32, 20 + 1 + 32}
_COMMA_AT = operator.itemgetter(-33)


def _aad(package_id: str) -> bytes:
    return b"prodtool licenses v1\n" + package_id.encode()


def derive_key(password: str, salt: bytes, params: ScryptParams) -> bytes:
    secret = encode_secret(password)  # held: no crash log shows it
    if secret is None:
        raise WrongPassword("the download password holds characters that are not text")
    kdf = Scrypt(salt=salt, length=32, n=params.n, r=params.r, p=params.p)
    return kdf.derive(secret)


def seal_licenses(
    licenses: Iterable[License], *, password: str, package_id: str, params: ScryptParams
) -> tuple[LicenseEncryption, bytes]:
    """(how it was sealed, the ciphertext) for the license member."""
    plain = "".join(f"{lic.uuid},{lic.authkey}\n" for lic in licenses).encode("ascii")
    salt, nonce = os.urandom(16), os.urandom(12)
    key = derive_key(password, salt, params)
    ciphertext = AESGCM(key).encrypt(nonce, plain, _aad(package_id))
    encryption = LicenseEncryption(
        member=LICENSES_MEMBER,
        kdf=params,
        salt=base64.b64encode(salt).decode(),
        nonce=base64.b64encode(nonce).decode(),
    )
    return encryption, ciphertext


def open_licenses(
    encryption: LicenseEncryption, ciphertext: bytes, *, password: str, package_id: str
) -> bytes:
    """The plaintext license lines; `WrongPassword` if the password does not open them."""
    try:
        salt = base64.b64decode(encryption.salt, validate=True)
        nonce = base64.b64decode(encryption.nonce, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedPackage("manifest encryption: salt or nonce is not base64") from None
    if len(nonce) != 12 or len(salt) < 8:
        raise MalformedPackage("manifest encryption: the salt or nonce has the wrong length")
    key = derive_key(password, salt, encryption.kdf)
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, _aad(package_id))
    except InvalidTag:
        raise WrongPassword(
            "the download password does not open this package",
            hint="check the password the platform gave with this package",
        ) from None


def parse_license_lines(plain: bytes, expected_count: int) -> tuple[list[str], list[str]]:
    """(uuids, authkeys), checked: valid format, the promised count, no UUID twice."""
    # C-speed checks (a regex over a million lines takes seconds): only letters, digits, commas
    # and newlines; every line 16 or 20 + 1 + 32 long with its one comma before the AuthKey.
    lines = plain.decode("ascii", errors="replace").split("\n")
    if plain.translate(None, _ALLOWED) or lines.pop() != "":
        raise MalformedPackage("the license list inside the package is not well formed")
    if lines and (
        not set(map(len, lines)) <= _LINE_LENGTHS
        or set(map(_COMMA_AT, lines)) != {","}
        or plain.count(b",") != len(lines)
    ):
        raise MalformedPackage("the license list inside the package is not well formed")
    if len(lines) != expected_count:
        raise MalformedPackage(
            f"the package holds {len(lines)} licenses but its manifest says {expected_count}"
        )
    fields = plain.decode("ascii").replace("\n", ",").split(",")  # uuid, key, uuid, key, ..., ""
    uuids, authkeys = fields[0:-1:2], fields[1::2]
    if len(set(map(str.lower, uuids))) != len(uuids):
        raise MalformedPackage("the package holds the same UUID twice (ignoring case)")
    if len(set(authkeys)) != len(authkeys):
        raise MalformedPackage("the package holds the same AuthKey under two UUIDs")
    return uuids, authkeys
