"""Building credential packages: the platform's side, for tests, the demo and factories that run
their own license server. Output is the canonical archive that `open_package` accepts.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import tempfile
import uuid as uuidlib
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from prodtool.license.archive import write_archive
from prodtool.license.errors import LicenseListError, RowProblem
from prodtool.license.formats import (
    DEMO_ID_PREFIX,
    all_demo_licenses,
    authkey_problem,
    demo_authkey,
    uuid_problem,
)
from prodtool.license.keys import key_id, load_private_key
from prodtool.license.model import (
    FORMAT_VERSION,
    AdvancedFeature,
    AuthMethod,
    DeliveryMode,
    FirmwareImage,
    License,
    Manifest,
    NvsTarget,
    ScryptParams,
)
from prodtool.license.package import MANIFEST_MEMBER, check_text_and_demo
from prodtool.license.sealing import seal_licenses
from prodtool.license.signing import SIGNATURE_MEMBER, sha256_hex, sign_members
from prodtool.license.trust import DEMO_PRIVATE_KEY_FILE, demo_issuer_dir


def demo_licenses(n: int, *, seed: int | None = None) -> list[License]:
    """`n` DEMO licenses in TuyaOpen's form: `uuid` + 16 random hex digits, and the AuthKey the
    public DEMO rule gives that UUID (`formats.demo_authkey`): worthless outside a demo."""
    randbytes = random.Random(seed).randbytes if seed is not None else secrets.token_bytes
    uuids: list[str] = []
    seen: set[str] = set()
    while len(uuids) < n:  # a repeat (one in 10^7 per million) is drawn again
        block = randbytes(8 * (n - len(uuids))).hex()
        for j in range(0, len(block), 16):
            candidate = "uuid" + block[j : j + 16]
            if candidate not in seen:
                seen.add(candidate)
                uuids.append(candidate)
    return [License(u, demo_authkey(u)) for u in uuids]


def demo_signing_key() -> tuple[str, Ed25519PrivateKey]:
    """(key id, private key) of the public DEMO issuer: never for production packages."""
    key = load_private_key(demo_issuer_dir() / DEMO_PRIVATE_KEY_FILE)
    return key_id(key.public_key()), key


def check_licenses(licenses: Sequence[License]) -> None:
    """Refuse a license set with a bad or repeated entry, naming every one (1-based)."""
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}  # by lower case: UUIDs differing only in case are one license
    seen_key: dict[str, int] = {}
    for number, lic in enumerate(licenses, start=1):
        why = uuid_problem(lic.uuid) or authkey_problem(lic.authkey)
        if why is None and lic.uuid.lower() in seen:
            why = f"UUID {lic.uuid} repeats license {seen[lic.uuid.lower()]}"
        elif why is None and lic.authkey in seen_key:
            why = f"the AuthKey repeats the one of license {seen_key[lic.authkey]}"
        if why:
            problems.append(RowProblem(number, why))
        seen.setdefault(lic.uuid.lower(), number)
        seen_key.setdefault(lic.authkey, number)
    if problems:
        shown = "; ".join(str(p) for p in problems[:20])
        more = f"; and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise LicenseListError(
            f"{len(problems)} bad licenses: {shown}{more}", problems=tuple(problems)
        )
    if not licenses:
        raise LicenseListError("a package needs at least one license")


def build_package(
    out: Path,
    *,
    password: str,
    licenses: Sequence[License],
    mode: DeliveryMode,
    firmware: Sequence[tuple[bytes, int, str]] = (),
    signing_key: Ed25519PrivateKey,
    issuer_key_id: str | None = None,
    order_number: str = "",
    pickup_list: str = "",
    product_id: str = "",
    product_name: str = "",
    category: str = "",
    communication: Sequence[str] = ("Wi-Fi", "BLE"),
    chip_family: str = "esp32c3",
    min_firmware_version: str = "",
    auth_method: AuthMethod = AuthMethod.TUYAOPEN_SHELL,
    nvs: NvsTarget | None = None,
    features: Sequence[AdvancedFeature] = (),
    demo: bool = False,
    kdf: ScryptParams = ScryptParams.PRODUCTION,
    package_id: str | None = None,
) -> Manifest:
    """Seal, sign and write a package to `out` (atomically); returns its manifest.

    `firmware` is (image bytes, flash offset, version) per image, for the Credential mode only.
    `kdf` may be lowered for tests only; the cost used is recorded in the manifest.
    """
    if mode is DeliveryMode.LICENSE_LIST:
        raise ValueError("a License List is a CSV or XLSX file, not a package")
    if not password:
        raise ValueError("a package needs a download password")
    check_licenses(licenses)
    if demo and not all_demo_licenses([x.uuid for x in licenses], [x.authkey for x in licenses]):
        raise LicenseListError(
            "a DEMO package may carry only DEMO licenses (see demo_licenses), never real ones"
        )
    kid = key_id(signing_key.public_key())
    if issuer_key_id is not None and issuer_key_id != kid:
        raise ValueError("issuer_key_id does not belong to the signing key")
    package_id = package_id or (DEMO_ID_PREFIX if demo else "") + "pkg-" + uuidlib.uuid4().hex
    images = [
        (
            FirmwareImage(
                file=f"firmware/image{i}-{offset:#x}.bin",
                offset=offset,
                size=len(data),
                sha256=sha256_hex(data),
                version=version,
            ),
            data,
        )
        for i, (data, offset, version) in enumerate(firmware)
    ]
    encryption, sealed = seal_licenses(
        licenses, password=password, package_id=package_id, params=kdf
    )
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        package_id=package_id,
        issuer_key_id=kid,
        order_number=order_number,
        pickup_list=pickup_list,
        product_id=product_id,
        product_name=product_name,
        category=category,
        communication=tuple(communication),
        delivery_mode=mode,
        chip_family=chip_family,
        firmware=tuple(image for image, _ in images),
        min_firmware_version=min_firmware_version,
        auth_method=auth_method,
        nvs=nvs,
        features=tuple(features),
        license_count=len(licenses),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        demo=demo,
        encryption=encryption,
    )
    manifest.check_consistent()
    check_text_and_demo(manifest)
    members = [
        (MANIFEST_MEMBER, manifest.to_json().encode()),
        (encryption.member, sealed),
        *((image.file, data) for image, data in images),
    ]
    seal_package(out, members, signing_key)
    return manifest


def seal_package(
    out: Path, members: Sequence[tuple[str, bytes]], signing_key: Ed25519PrivateKey
) -> None:
    """Sign `members` and write the archive to `out` atomically (also used by tests to craft
    packages that are validly signed but otherwise wrong)."""
    signature = sign_members(members, signing_key, key_id(signing_key.public_key()))
    data = write_archive([*members, (SIGNATURE_MEMBER, signature)])
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=".prodpkg")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(temp).replace(out)
    finally:
        Path(temp).unlink(missing_ok=True)
