"""Trusting an issuer's key the careful way: look at its fingerprint first, list, remove.

A key file could come from anyone; the supervisor compares the fingerprint shown here with the
one the issuer gave by another channel (phone, paper, the platform's page) before trusting it.
Built on `TrustStore`'s public parts only; the demo key cannot be removed (it is not a file).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from prodtool.errors import UserError
from prodtool.license.keys import key_id, load_public_key
from prodtool.license.trust import TrustStore


class KeyNotRemovableError(UserError):
    code = "key_not_removable"

    def __init__(self, kid: str) -> None:
        super().__init__(
            f"issuer key {kid} cannot be removed",
            hint="it is built in or unknown",
            params={"kid": kid},
        )
        self.kid = kid


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, as 16 groups of 4 hex digits (easy to read aloud)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


@dataclass(frozen=True)
class IssuerKey:
    """One issuer key as a person compares it: id, fingerprint, and whether it is the demo's."""

    kid: str
    fingerprint: str
    demo: bool = False
    trusted: bool = False


def preview_key(path: Path, store: TrustStore) -> IssuerKey:
    """Read a key file without trusting it (`KeyFileError` when it holds no issuer key)."""
    key = load_public_key(path)
    kid = key_id(key)
    return IssuerKey(kid, fingerprint(key), store.is_demo(kid), kid in store.key_ids())


def trusted_keys(store: TrustStore) -> list[IssuerKey]:
    """Every key the station trusts, the demo key included."""
    return [
        IssuerKey(kid, fingerprint(store.key(kid)), store.is_demo(kid), True)
        for kid in store.key_ids()
    ]


def remove_key(store: TrustStore, kid: str) -> None:
    """Stop trusting an added key; packages signed by it are refused from now on."""
    path = store.folder / f"{kid}.pem" if store.folder else None
    if store.is_demo(kid) or path is None or not kid.isalnum() or not path.is_file():
        raise KeyNotRemovableError(kid)
    path.unlink()
