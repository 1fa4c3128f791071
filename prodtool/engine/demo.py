"""A demo package made on the spot: demo issuer, demo licenses, a demo firmware image.

Used by `prodtool demo`, by the window's demo mode and by the tests, so that the whole station
runs on simulated chips with nothing else to install. Demo packages are marked `demo` and signed
by the public DEMO issuer key: they never pass for production.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from prodtool.families import registry
from prodtool.license.builder import build_package, demo_licenses, demo_signing_key
from prodtool.license.model import AuthMethod, DeliveryMode, NvsTarget, ScryptParams

DEMO_VERSION = "1.2.0"
DEMO_FIRMWARE_SIZE = 256 * 1024
DEMO_NVS = NvsTarget(offset=0x9000, size=0x6000, namespace="tuya_auth")


def build_demo_package(
    folder: Path,
    *,
    licenses: int = 64,
    firmware_size: int = DEMO_FIRMWARE_SIZE,
    version: str = DEMO_VERSION,
    mode: DeliveryMode = DeliveryMode.CREDENTIAL,
    auth_method: AuthMethod = AuthMethod.TUYAOPEN_SHELL,
    min_firmware_version: str = "",
    chip_family: str = registry.DEFAULT_FAMILY,
    fast_kdf: bool = False,
    seed: int | None = None,
) -> tuple[Path, str]:
    """Write a demo package into `folder`; returns (path, password)."""
    folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    key_id, key = demo_signing_key()
    family = registry.get(chip_family)
    firmware = (
        [(family.make_image(version=version, size=firmware_size), family.app_offset, version)]
        if mode is DeliveryMode.CREDENTIAL
        else []
    )
    path = folder / f"demo-{secrets.token_hex(4)}.prodpkg"
    build_package(
        path,
        password=password,
        licenses=demo_licenses(licenses, seed=seed),
        mode=mode,
        firmware=firmware,
        signing_key=key,
        issuer_key_id=key_id,
        order_number="DEMO-0001",
        product_id="demo-plug",
        product_name="Demo smart plug",
        chip_family=family.name,
        min_firmware_version=min_firmware_version,
        auth_method=auth_method,
        nvs=DEMO_NVS if auth_method is AuthMethod.ESP_IDF_NVS else None,
        demo=True,
        kdf=ScryptParams.TEST if fast_kdf else ScryptParams.PRODUCTION,
    )
    return path, password
