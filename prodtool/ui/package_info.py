"""What the package panel shows, independent of where it came from.

A credential package has a manifest; a License List has rows and no firmware. Both become one
`PackageInfo`, so the panel has a single thing to draw. No secret ever enters it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from prodtool.license.model import Manifest


class DeliveryKind(StrEnum):
    CREDENTIAL = "credential"
    AUTHORIZATION_ONLY = "authorization-only"
    LICENSE_LIST = "license-list"


@dataclass(frozen=True)
class Feature:
    code: str
    name: str
    paid: bool
    required: bool


@dataclass(frozen=True)
class PackageInfo:
    file_name: str
    delivery: DeliveryKind
    license_count: int
    order_number: str = ""
    pickup_list: str = ""
    product_id: str = ""
    product_name: str = ""
    category: str = ""
    communication: tuple[str, ...] = ()
    chip_family: str = ""
    firmware: tuple[tuple[str, str], ...] = ()  # (file name, version)
    min_firmware_version: str = ""
    features: tuple[Feature, ...] = ()
    demo: bool = False
    package_id: str = ""

    @property
    def kind(self) -> DeliveryKind:
        return (
            DeliveryKind.LICENSE_LIST
            if self.delivery == DeliveryKind.LICENSE_LIST
            else (DeliveryKind.CREDENTIAL)
        )


def from_manifest(manifest: Manifest, file_name: str) -> PackageInfo:
    """The panel's view of a credential package or an imported License List."""
    return PackageInfo(
        file_name=file_name,
        delivery=DeliveryKind(manifest.delivery_mode.value),
        license_count=manifest.license_count,
        order_number=manifest.order_number,
        pickup_list=manifest.pickup_list,
        product_id=manifest.product_id,
        product_name=manifest.product_name,
        category=manifest.category,
        communication=tuple(manifest.communication),
        chip_family=manifest.chip_family,
        firmware=tuple((image.file, image.version) for image in manifest.firmware),
        min_firmware_version=manifest.min_firmware_version,
        features=tuple(
            Feature(code=f.code, name=f.name, paid=f.paid, required=f.required)
            for f in manifest.features
        ),
        demo=manifest.demo,
        package_id=manifest.package_id,
    )
