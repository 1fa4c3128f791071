"""The signed statement (`signature.json`): the issuer's Ed25519 signature over every member's
SHA-256, the manifest included, so one signature check covers the whole package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from prodtool.license.errors import MalformedPackage, TamperedPackage, UnsupportedFormat

SIGNATURE_MEMBER = "signature.json"
SIGNATURE_FORMAT = 1
_DOMAIN = b"prodtool credential package statement v1\n"


@dataclass(frozen=True)
class Statement:
    """What the issuer signed: its key id and the SHA-256 of each member."""

    issuer_key_id: str
    members: dict[str, str]
    signature: bytes

    def message(self) -> bytes:
        body = {
            "format": SIGNATURE_FORMAT,
            "algorithm": "Ed25519",
            "issuer_key_id": self.issuer_key_id,
            "members": self.members,
        }
        return _DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign_members(
    members: Sequence[tuple[str, bytes]], key: Ed25519PrivateKey, issuer_key_id: str
) -> bytes:
    """The `signature.json` member for `members`."""
    unsigned = Statement(issuer_key_id, {name: sha256_hex(data) for name, data in members}, b"")
    signature = key.sign(unsigned.message())
    document = {
        "format": SIGNATURE_FORMAT,
        "algorithm": "Ed25519",
        "issuer_key_id": issuer_key_id,
        "members": unsigned.members,
        "signature": base64.b64encode(signature).decode(),
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def read_statement(raw: bytes) -> Statement:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise MalformedPackage(f"{SIGNATURE_MEMBER} is not valid JSON") from None
    if not isinstance(doc, dict):
        raise MalformedPackage(f"{SIGNATURE_MEMBER} is not a JSON object")
    if doc.get("format") != SIGNATURE_FORMAT or doc.get("algorithm") != "Ed25519":
        raise UnsupportedFormat(
            f"the package's signature format {doc.get('format')!r} is not supported",
            hint="update prodtool",
        )
    kid, members, sig = doc.get("issuer_key_id"), doc.get("members"), doc.get("signature")
    if not (
        isinstance(kid, str)
        and isinstance(sig, str)
        and isinstance(members, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in members.items())
    ):
        raise MalformedPackage(f"{SIGNATURE_MEMBER} lacks issuer_key_id, members or signature")
    try:
        signature = base64.b64decode(sig, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedPackage(f"{SIGNATURE_MEMBER}: the signature is not base64") from None
    return Statement(kid, members, signature)


def content_digest(statement: Statement) -> str:
    """One SHA-256 naming a package's whole content: its issuer and every member's hash. Two
    packages with the same id but another digest are different packages."""
    body = {"issuer_key_id": statement.issuer_key_id, "members": statement.members}
    return sha256_hex(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def verify_statement(statement: Statement, key: Ed25519PublicKey) -> None:
    try:
        key.verify(statement.signature, statement.message())
    except InvalidSignature:
        raise TamperedPackage(
            f"the package was changed: the issuer's signature ({SIGNATURE_MEMBER}) does not match",
            hint="download the package again",
        ) from None


def check_members(statement: Statement, digests: Mapping[str, str]) -> None:
    """Every member (by its SHA-256 hex) is listed and unchanged, nothing missing or added."""
    listed = set(statement.members)
    present = set(digests) - {SIGNATURE_MEMBER}
    for name in sorted(present - listed):
        raise TamperedPackage(f"the package was changed: member {name!a} was added")
    for name in sorted(listed - present):
        raise TamperedPackage(f"the package was changed: member {name!a} is missing")
    for name in sorted(listed):
        if digests[name] != statement.members[name]:
            raise TamperedPackage(
                f"the package was changed: member {name} differs from what the issuer signed",
                hint="download the package again",
            )
