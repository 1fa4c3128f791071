"""Helpers for QA and support tests: packages with features, writing chips, poking sim flash."""

from __future__ import annotations

import secrets as pysecrets
from pathlib import Path

from prodtool.engine.demo import DEMO_NVS, DEMO_VERSION
from prodtool.engine.station import Station
from prodtool.families import registry
from prodtool.families.esp.appimage import make_app_image
from prodtool.families.esp.nvs import AuthRecord, build_nvs_record
from prodtool.license.builder import build_package, demo_licenses, demo_signing_key
from prodtool.license.model import (
    AdvancedFeature,
    AuthMethod,
    DeliveryMode,
    License,
    ScryptParams,
)
from prodtool.sim import SimChip, SimulatedChip
from tests.engine.simhelp import SMALL_FIRMWARE

CLOUD = AdvancedFeature(code="cloud-storage", name="Cloud storage", paid=True, required=True)
KV_SECTOR = 0x1000

APP_OFFSET = registry.get(registry.DEFAULT_FAMILY).app_offset


class Pkg:
    """A built package and everything secret about it (so tests can scan for it)."""

    def __init__(self, path: Path, password: str, licenses: list[License]) -> None:
        self.path = path
        self.password = password
        self.licenses = licenses

    @property
    def secrets(self) -> list[str]:
        return [self.password, *(lic.authkey for lic in self.licenses)]


def make_package(
    folder: Path,
    *,
    seed: int,
    licenses: int = 4,
    auth_method: AuthMethod = AuthMethod.TUYAOPEN_SHELL,
    min_firmware_version: str = "",
    features: tuple[AdvancedFeature, ...] = (),
) -> Pkg:
    """A demo credential package (64 KiB firmware, version 1.2.0), optionally with features."""
    folder.mkdir(parents=True, exist_ok=True)
    password = pysecrets.token_urlsafe(12)
    key_id, key = demo_signing_key()
    lics = demo_licenses(licenses, seed=seed)
    path = folder / f"pkg-{seed}.prodpkg"
    image = make_app_image(version=DEMO_VERSION, size=SMALL_FIRMWARE)
    build_package(
        path,
        password=password,
        licenses=lics,
        mode=DeliveryMode.CREDENTIAL,
        firmware=[(image, APP_OFFSET, DEMO_VERSION)],
        signing_key=key,
        issuer_key_id=key_id,
        order_number=f"DEMO-000{seed}",
        product_id="demo-plug",
        product_name="Demo smart plug",
        chip_family="esp32c3",
        min_firmware_version=min_firmware_version,
        auth_method=auth_method,
        nvs=DEMO_NVS if auth_method is AuthMethod.ESP_IDF_NVS else None,
        features=features,
        demo=True,
        kdf=ScryptParams.TEST,
    )
    return Pkg(path, password, lics)


def write_chips(station: Station, urls: list[str], timeout: float = 60) -> None:
    """Run the station on `urls` and wait until every job ended."""
    station.add_ports(urls, start=True)
    assert station.wait_idle(timeout)


def copy_credentials(source: SimulatedChip, target: SimulatedChip) -> None:
    """Clone the shell's key-value sector (the UUID and AuthKey) from one chip to another."""
    assert isinstance(source, SimChip)
    offset = source.profile.kv_offset
    data = bytes(source.flash[offset : offset + KV_SECTOR])
    target.flash_memory.erase(offset, KV_SECTOR)
    target.flash_memory.program(offset, data)


def install_app(chip: SimulatedChip, version: str) -> None:
    """Put another application image (e.g. an older version) at the app offset."""
    image = make_app_image(version=version, size=SMALL_FIRMWARE)
    chip.flash_memory.erase(APP_OFFSET, len(image))
    chip.flash_memory.program(APP_OFFSET, image)


def install_nvs_record(chip: SimulatedChip, record: AuthRecord) -> None:
    """Overwrite the license partition with `record`."""
    data = build_nvs_record(record, namespace=DEMO_NVS.namespace, size=DEMO_NVS.size)
    chip.flash_memory.erase(DEMO_NVS.offset, DEMO_NVS.size)
    chip.flash_memory.program(DEMO_NVS.offset, data)
