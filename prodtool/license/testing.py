"""Helpers for tests (here and in the engine's tests): tiny demo packages with test-sized scrypt,
ledgers in a folder, chip identities. Never used by the station itself."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prodtool.license.builder import build_package, demo_licenses, demo_signing_key
from prodtool.license.ledger import ChipIdentity, Ledger
from prodtool.license.model import DeliveryMode, License, ScryptParams
from prodtool.license.package import CredentialPackage, open_package
from prodtool.license.sqlite_store import SqliteLedger
from prodtool.license.trust import TrustStore

PASSWORD = "correct horse battery staple"  # noqa: S105 - the test packages' password
FIRMWARE = b"\xe9\x03\x02\x20" + bytes(range(60))


def make_package(
    path: Path,
    *,
    licenses: Sequence[License] | None = None,
    count: int = 3,
    seed: int = 1,
    mode: DeliveryMode = DeliveryMode.CREDENTIAL,
    **options: Any,
) -> Path:
    """A demo-signed package with test-sized scrypt (production uses ScryptParams.PRODUCTION)."""
    _, key = demo_signing_key()
    firmware = options.pop("firmware", [(FIRMWARE, 0x10000, "1.0.0")])
    build_package(
        path,
        password=options.pop("password", PASSWORD),
        licenses=licenses if licenses is not None else demo_licenses(count, seed=seed),
        mode=mode,
        firmware=firmware if mode is DeliveryMode.CREDENTIAL else [],
        signing_key=options.pop("signing_key", key),
        demo=options.pop("demo", True),
        kdf=options.pop("kdf", ScryptParams.TEST),
        **options,
    )
    return path


def open_test_package(path: Path, password: str = PASSWORD) -> CredentialPackage:
    return open_package(path, password, TrustStore(None))


def loaded_package(folder: Path, count: int = 3, seed: int = 1) -> CredentialPackage:
    return open_test_package(make_package(folder / f"p{seed}.prodpkg", count=count, seed=seed))


def open_ledger(folder: Path, **options: Any) -> SqliteLedger:
    return Ledger.open(
        folder / "ledger.sqlite3", key_file=folder / "keys" / "ledger.key", **options
    )


def chip(n: int, *, family: str = "esp32c3") -> ChipIdentity:
    mac = ":".join(f"{b:02x}" for b in (0x24, 0x0A, 0xC4, (n >> 16) & 255, (n >> 8) & 255, n & 255))
    return ChipIdentity(family, mac, f"chip{n:08d}")
