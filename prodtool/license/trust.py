"""Which issuers a station believes: user-added keys plus the public DEMO key.

One PEM file per issuer key in `StationPaths.trust_store`, named `<key id>.pem`. The demo key is
trusted by default so the demo works, and every package it signs is marked DEMO (see
docs/credential-package.md). A package from any other issuer is refused until a supervisor adds
that issuer's public key (`prodtool package trust KEYFILE`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from prodtool.errors import StorageError
from prodtool.license.errors import KeyFileError, UnknownIssuer
from prodtool.license.keys import key_id, load_public_key, public_pem
from prodtool.paths import StationPaths

DEMO_PUBLIC_KEY_FILE = "DEMO-ONLY-issuer-public-key.pem"
DEMO_PRIVATE_KEY_FILE = "DEMO-ONLY-issuer-private-key.pem"


def demo_issuer_dir() -> Path:
    """resources/demo-issuer, in a source tree or a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    return base / "resources" / "demo-issuer"


def demo_public_key() -> Ed25519PublicKey:
    return load_public_key(demo_issuer_dir() / DEMO_PUBLIC_KEY_FILE)


class TrustStore:
    """Issuer public keys by key id: a folder of added keys, plus the demo key if enabled."""

    def __init__(self, folder: Path | None, *, include_demo: bool = True) -> None:
        self.folder = folder
        self._demo: dict[str, Ed25519PublicKey] = {}
        if include_demo:
            demo = demo_public_key()
            self._demo[key_id(demo)] = demo

    @classmethod
    def for_station(cls, paths: StationPaths, *, include_demo: bool = True) -> TrustStore:
        return cls(paths.trust_store, include_demo=include_demo)

    def add(self, public_key_file: Path) -> str:
        """Trust the issuer whose public key is in `public_key_file`; returns its key id."""
        if self.folder is None:
            raise KeyFileError("this trust store has no folder to add keys to")
        key = load_public_key(public_key_file)
        kid = key_id(key)
        target = self.folder / f"{kid}.pem"
        temp = target.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            temp.write_bytes(public_pem(key))
            temp.replace(target)
        except OSError as error:
            raise StorageError(
                f"cannot add the issuer key to {self.folder}: {error.strerror}",
                hint="the station folder must be writable by the user running prodtool",
            ) from None
        return kid

    def is_demo(self, kid: str) -> bool:
        return kid in self._demo

    def key_ids(self) -> list[str]:
        added = sorted(p.stem for p in self.folder.glob("*.pem")) if self.folder else []
        return sorted(set(added) | set(self._demo))

    def key(self, kid: str) -> Ed25519PublicKey:
        """The issuer's public key; `UnknownIssuer` if the station does not trust it."""
        if kid in self._demo:
            return self._demo[kid]
        safe = kid.isascii() and kid.isalnum() and 0 < len(kid) <= 64
        path = self.folder / f"{kid}.pem" if (self.folder and safe) else None
        if path is None or not path.is_file():
            raise UnknownIssuer(
                f"the package comes from an unknown issuer (key id {kid[:64]!r})",
                hint="a supervisor adds the issuer's public key: prodtool package trust KEYFILE",
            )
        key = load_public_key(path)
        if key_id(key) != kid:
            raise UnknownIssuer(f"the trust store entry {path.name} does not hold key {kid}")
        return key
