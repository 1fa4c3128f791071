"""The records of the license side: what a package promises and what a license is.

`Manifest` is the contract between the platform and the station, so its JSON form is strict:
unknown versions are refused as unsupported, anything else that does not fit as malformed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from prodtool.license.errors import MalformedPackage, UnsupportedFormat

FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = frozenset({FORMAT_VERSION})

_E = TypeVar("_E", bound=StrEnum)


class DeliveryMode(StrEnum):
    CREDENTIAL = "credential"
    AUTHORIZATION_ONLY = "authorization-only"
    LICENSE_LIST = "license-list"


class AuthMethod(StrEnum):
    TUYAOPEN_SHELL = "tuyaopen-shell"
    ESP_IDF_NVS = "esp-idf-nvs"


class LicenseState(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    WRITTEN = "written"
    VERIFIED = "verified"
    NEEDS_CHECK = "needs_check"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class FirmwareImage:
    """One image to flash: `file` is its member name inside the package."""

    file: str
    offset: int
    size: int
    sha256: str
    version: str


@dataclass(frozen=True)
class AdvancedFeature:
    code: str
    name: str
    paid: bool
    required: bool


@dataclass(frozen=True)
class NvsTarget:
    """Where the `esp-idf-nvs` method writes the authorization partition."""

    offset: int
    size: int
    namespace: str


@dataclass(frozen=True)
class ScryptParams:
    """Cost of turning the download password into the license key (recorded in the manifest)."""

    n: int
    r: int
    p: int

    PRODUCTION: ClassVar[ScryptParams]
    TEST: ClassVar[ScryptParams]

    @property
    def memory_bytes(self) -> int:
        """What scrypt allocates: 128 * r * n for its table, plus 128 * r * p."""
        return 128 * self.r * (self.n + self.p)

    @property
    def work(self) -> int:
        """The time it takes, in units of one production block mix (n * r * p)."""
        return self.n * self.r * self.p


ScryptParams.PRODUCTION = ScryptParams(n=2**17, r=8, p=1)
ScryptParams.TEST = ScryptParams(n=2**4, r=1, p=1)
# The most a package may ask for: 2x production's time (about 0.8 s on a 2-core station) and 256
# MiB of memory. Checked when the manifest is read, before any key is derived.
SCRYPT_MAX_MEMORY = 256 * 2**20 + 128 * 32 * 16
SCRYPT_MAX_WORK = 2**21


@dataclass(frozen=True)
class LicenseEncryption:
    """How the license member is sealed: AES-256-GCM under scrypt(password, salt)."""

    member: str
    kdf: ScryptParams
    salt: str  # base64
    nonce: str  # base64
    cipher: str = "AES-256-GCM"


@dataclass(frozen=True)
class License:
    uuid: str
    authkey: str = field(repr=False)


@dataclass(frozen=True)
class Manifest:
    """What a package (or an imported License List) holds, for whom, and how to write it."""

    format_version: int
    package_id: str
    issuer_key_id: str
    order_number: str
    pickup_list: str
    product_id: str
    product_name: str
    category: str
    communication: tuple[str, ...]
    delivery_mode: DeliveryMode
    chip_family: str
    firmware: tuple[FirmwareImage, ...]
    min_firmware_version: str
    auth_method: AuthMethod
    nvs: NvsTarget | None
    features: tuple[AdvancedFeature, ...]
    license_count: int
    created_at: str
    demo: bool
    encryption: LicenseEncryption | None = None

    def to_dict(self) -> dict[str, Any]:
        enc = self.encryption
        return {
            "format_version": self.format_version,
            "package_id": self.package_id,
            "issuer_key_id": self.issuer_key_id,
            "order_number": self.order_number,
            "pickup_list": self.pickup_list,
            "product_id": self.product_id,
            "product_name": self.product_name,
            "category": self.category,
            "communication": list(self.communication),
            "delivery_mode": self.delivery_mode.value,
            "chip_family": self.chip_family,
            "firmware": [
                {
                    "file": f.file,
                    "offset": f.offset,
                    "size": f.size,
                    "sha256": f.sha256,
                    "version": f.version,
                }
                for f in self.firmware
            ],
            "min_firmware_version": self.min_firmware_version,
            "auth_method": self.auth_method.value,
            "nvs": None
            if self.nvs is None
            else {
                "offset": self.nvs.offset,
                "size": self.nvs.size,
                "namespace": self.nvs.namespace,
            },
            "features": [
                {"code": a.code, "name": a.name, "paid": a.paid, "required": a.required}
                for a in self.features
            ],
            "license_count": self.license_count,
            "created_at": self.created_at,
            "demo": self.demo,
            "encryption": None
            if enc is None
            else {
                "member": enc.member,
                "cipher": enc.cipher,
                "kdf": {"name": "scrypt", "n": enc.kdf.n, "r": enc.kdf.r, "p": enc.kdf.p},
                "salt": enc.salt,
                "nonce": enc.nonce,
            },
        }

    def text_fields(self) -> list[tuple[str, str]]:
        """(field, value) of every free text the manifest holds: what is printed and logged."""
        fields = [
            ("package_id", self.package_id),
            ("issuer_key_id", self.issuer_key_id),
            ("order_number", self.order_number),
            ("pickup_list", self.pickup_list),
            ("product_id", self.product_id),
            ("product_name", self.product_name),
            ("category", self.category),
            ("chip_family", self.chip_family),
            ("min_firmware_version", self.min_firmware_version),
            ("created_at", self.created_at),
        ]
        fields += [("communication", c) for c in self.communication]
        fields += [("firmware file", f.file) for f in self.firmware]
        fields += [("firmware version", f.version) for f in self.firmware]
        fields += [("feature", f"{f.code} {f.name}") for f in self.features]
        if self.nvs is not None:
            fields.append(("nvs namespace", self.nvs.namespace))
        return fields

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise MalformedPackage("the manifest is not valid JSON") from None
        if not isinstance(data, dict):
            raise MalformedPackage("the manifest is not a JSON object")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        version = data.get("format_version")
        if type(version) is not int:
            raise MalformedPackage("the manifest has no format_version number")
        if version not in SUPPORTED_FORMAT_VERSIONS:
            raise UnsupportedFormat(
                f"package format version {version} is not supported "
                f"(this prodtool reads version {FORMAT_VERSION})",
                hint="update prodtool",
            )
        r = _Reader(data, "manifest")
        nvs_data = r.optional_object("nvs")
        enc_data = r.optional_object("encryption")
        manifest = cls(
            format_version=version,
            package_id=r.text("package_id", required=True),
            issuer_key_id=r.text("issuer_key_id"),
            order_number=r.text("order_number"),
            pickup_list=r.text("pickup_list"),
            product_id=r.text("product_id"),
            product_name=r.text("product_name"),
            category=r.text("category"),
            communication=tuple(r.text_list("communication")),
            delivery_mode=r.choice("delivery_mode", DeliveryMode),
            chip_family=r.text("chip_family", required=True),
            firmware=tuple(_firmware(item) for item in r.object_list("firmware")),
            min_firmware_version=r.text("min_firmware_version"),
            auth_method=r.choice("auth_method", AuthMethod),
            nvs=None if nvs_data is None else _nvs(nvs_data),
            features=tuple(_feature(item) for item in r.object_list("features")),
            license_count=r.integer("license_count"),
            created_at=r.text("created_at"),
            demo=r.boolean("demo"),
            encryption=None if enc_data is None else _encryption(enc_data),
        )
        manifest.check_consistent()
        return manifest

    def check_consistent(self) -> None:
        """Fields that must agree with each other (mode and firmware, method and NVS target)."""
        if self.delivery_mode is DeliveryMode.CREDENTIAL and not self.firmware:
            raise MalformedPackage("manifest: a credential package must carry firmware")
        if self.delivery_mode is not DeliveryMode.CREDENTIAL and self.firmware:
            raise MalformedPackage(f"manifest: a {self.delivery_mode} package carries no firmware")
        if (self.auth_method is AuthMethod.ESP_IDF_NVS) != (self.nvs is not None):
            raise MalformedPackage("manifest: esp-idf-nvs needs an nvs target, and only it does")
        if self.license_count < 0:
            raise MalformedPackage("manifest: license_count is negative")
        if self.delivery_mode is not DeliveryMode.LICENSE_LIST and self.encryption is None:
            raise MalformedPackage("manifest: no encryption section for the licenses")


class _Reader:
    """Typed access to one JSON object, naming the bad field in the refusal."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def _bad(self, key: str, what: str) -> MalformedPackage:
        return MalformedPackage(f"{self.where}: field {key!r} {what}")

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.data.get(key, None if required else "")
        if not isinstance(value, str) or (required and not value):
            raise self._bad(key, "must be a non-empty string" if required else "must be a string")
        return value

    def integer(self, key: str) -> int:
        value = self.data.get(key)
        if type(value) is not int or value < 0:
            raise self._bad(key, "must be a whole number, 0 or more")
        return value

    def boolean(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self._bad(key, "must be true or false")
        return value

    def text_list(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._bad(key, "must be a list of strings")
        return value

    def object_list(self, key: str) -> list[Mapping[str, Any]]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self._bad(key, "must be a list of objects")
        return value

    def optional_object(self, key: str) -> Mapping[str, Any] | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, dict):
            raise self._bad(key, "must be an object or null")
        return value

    def choice(self, key: str, enum: type[_E]) -> _E:
        value = self.data.get(key)
        try:
            return enum(str(value))
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise self._bad(key, f"must be one of {allowed}") from None


def _firmware(data: Mapping[str, Any]) -> FirmwareImage:
    r = _Reader(data, "manifest firmware")
    sha = r.text("sha256", required=True)
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise MalformedPackage("manifest firmware: sha256 must be 64 lower-case hex digits")
    return FirmwareImage(
        file=r.text("file", required=True),
        offset=r.integer("offset"),
        size=r.integer("size"),
        sha256=sha,
        version=r.text("version"),
    )


def _feature(data: Mapping[str, Any]) -> AdvancedFeature:
    r = _Reader(data, "manifest features")
    return AdvancedFeature(
        code=r.text("code", required=True),
        name=r.text("name"),
        paid=r.boolean("paid"),
        required=r.boolean("required"),
    )


def _nvs(data: Mapping[str, Any]) -> NvsTarget:
    r = _Reader(data, "manifest nvs")
    return NvsTarget(
        offset=r.integer("offset"),
        size=r.integer("size"),
        namespace=r.text("namespace", required=True),
    )


def _encryption(data: Mapping[str, Any]) -> LicenseEncryption:
    r = _Reader(data, "manifest encryption")
    if r.text("cipher") != "AES-256-GCM":
        raise MalformedPackage("manifest encryption: cipher must be AES-256-GCM")
    kdf = r.optional_object("kdf")
    if kdf is None or kdf.get("name") != "scrypt":
        raise MalformedPackage("manifest encryption: kdf must be scrypt")
    k = _Reader(kdf, "manifest encryption kdf")
    params = ScryptParams(n=k.integer("n"), r=k.integer("r"), p=k.integer("p"))
    # Bounds keep a hostile manifest from costing more than about a second and 256 MiB on a
    # 2-core station before the password check (production's cost is half of each).
    if params.n < 2 or params.n & (params.n - 1):
        raise MalformedPackage("manifest encryption kdf: n must be a power of two")
    if not 1 <= params.r <= 32 or not 1 <= params.p <= 16:
        raise MalformedPackage("manifest encryption kdf: r and p are out of range")
    if params.memory_bytes > SCRYPT_MAX_MEMORY or params.work > SCRYPT_MAX_WORK:
        raise MalformedPackage(
            f"manifest encryption kdf: n={params.n}, r={params.r}, p={params.p} would cost more"
            f" than a station allows ({SCRYPT_MAX_MEMORY // 2**20} MiB, n*r*p up to"
            f" {SCRYPT_MAX_WORK})",
            hint="the issuer must build the package with the standard cost",
        )
    return LicenseEncryption(
        member=r.text("member", required=True),
        kdf=params,
        salt=r.text("salt", required=True),
        nonce=r.text("nonce", required=True),
    )
