"""`prodtool package ...`: build, inspect, load and trust credential packages; make issuer keys.

Output names UUID counts, ids and fingerprints only: no command prints an AuthKey or password.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from prodtool.cli.common import add_data_dir_option, paths_from, read_password_file
from prodtool.cli.supervisor import add_pin_option, require_supervisor
from prodtool.errors import UserError
from prodtool.families import registry
from prodtool.license.builder import build_package, demo_licenses, demo_signing_key
from prodtool.license.formats import printable
from prodtool.license.keys import generate_issuer_keys, load_private_key
from prodtool.license.ledger import Ledger
from prodtool.license.licenselist import read_license_list
from prodtool.license.model import (
    AdvancedFeature,
    AuthMethod,
    DeliveryMode,
    LicenseState,
    Manifest,
    NvsTarget,
    ScryptParams,
)
from prodtool.license.package import open_package, verify_package
from prodtool.license.trust import TrustStore

_DEMO_PRODUCT = {
    "product_id": "demo0000product01",
    "product_name": "DEMO smart plug (not for production)",
    "order_number": "DEMO-ORDER-0001",
    "pickup_list": "DEMO-PICKUP-0001",
    "category": "Electrical / Smart plug",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("package", help="credential packages: build, inspect, load")
    commands = parser.add_subparsers(dest="package_command", metavar="ACTION", required=True)

    build = commands.add_parser("build", help="build a signed, encrypted credential package")
    add_data_dir_option(build)
    build.add_argument("--out", required=True, type=Path, help="package file to write")
    build.add_argument("--password-file", required=True, help="file holding the download password")
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument("--licenses", type=Path, help="License List (CSV or XLSX) to package")
    source.add_argument("--demo-licenses", type=int, metavar="N", help="N random demo licenses")
    build.add_argument("--seed", type=int, help="seed for --demo-licenses (repeatable output)")
    build.add_argument("--mode", choices=["credential", "authorization-only"])
    build.add_argument(
        "--firmware", action="append", default=[], metavar="FILE@OFFSET", help="image to flash"
    )
    build.add_argument("--firmware-version", default="", help="version of the firmware images")
    build.add_argument("--min-firmware-version", default="")
    build.add_argument(
        "--auth-method", choices=[m.value for m in AuthMethod], default="tuyaopen-shell"
    )
    build.add_argument(
        "--nvs", metavar="OFFSET:SIZE:NAMESPACE", help="for --auth-method esp-idf-nvs"
    )
    build.add_argument(
        "--chip",
        default=registry.DEFAULT_FAMILY,
        help=f"chip family: {', '.join(registry.names())}",
    )
    build.add_argument(
        "--feature", action="append", default=[], metavar="CODE:NAME:paid|free:required|optional"
    )
    build.add_argument("--communication", default="Wi-Fi,BLE", help="comma-separated methods")
    for name in ("product-id", "product-name", "order-number", "pickup-list", "category"):
        build.add_argument(f"--{name}", default=None)
    build.add_argument("--signing-key", type=Path, help="issuer private key (PEM)")
    build.add_argument("--signing-key-password-file", help="password of an encrypted signing key")
    build.add_argument(
        "--demo", action="store_true", help="sign with the public DEMO key; fill demo product data"
    )
    # Tests only: a cheap scrypt cost (log2 of N). Production packages use the strong default.
    build.add_argument("--kdf-test-cost", type=int, help=argparse.SUPPRESS)
    build.set_defaults(func=_build)

    inspect = commands.add_parser("inspect", help="check a package and show what it holds")
    add_data_dir_option(inspect)
    inspect.add_argument("package", type=Path)
    inspect.add_argument("--password-file", help="also decrypt and check the licenses")
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    inspect.set_defaults(func=_inspect)

    load = commands.add_parser("load", help="load a package's licenses into the ledger")
    add_data_dir_option(load)
    load.add_argument("package", type=Path)
    load.add_argument("--password-file", required=True)
    load.set_defaults(func=_load)

    trust = commands.add_parser("trust", help="trust an issuer's public key (supervisor)")
    add_data_dir_option(trust)
    trust.add_argument("keyfile", type=Path)
    add_pin_option(trust)
    trust.set_defaults(func=_trust)

    keygen = commands.add_parser("keygen", help="make an issuer key pair for your license server")
    add_data_dir_option(keygen)
    keygen.add_argument("--out", required=True, type=Path, help="folder for the two key files")
    keygen.add_argument("--password-file", help="encrypt the private key with this password")
    keygen.set_defaults(func=_keygen)


def _firmware(spec: str, version: str) -> tuple[bytes, int, str]:
    file, sep, offset = spec.rpartition("@")
    if not sep or not file:
        raise UserError(f"--firmware {spec}: give FILE@OFFSET, e.g. app.bin@0x10000")
    try:
        where = int(offset, 0)
    except ValueError:
        raise UserError(f"--firmware {spec}: {offset!r} is not a flash offset") from None
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        raise UserError(f"cannot read firmware {file}: {error.strerror}") from None
    return data, where, version


def _feature(spec: str) -> AdvancedFeature:
    parts = spec.split(":")
    if (
        len(parts) != 4
        or parts[2] not in {"paid", "free"}
        or parts[3]
        not in {
            "required",
            "optional",
        }
    ):
        raise UserError(f"--feature {spec}: give CODE:NAME:paid|free:required|optional")
    return AdvancedFeature(parts[0], parts[1], parts[2] == "paid", parts[3] == "required")


def _nvs(spec: str | None, method: AuthMethod) -> NvsTarget | None:
    if method is not AuthMethod.ESP_IDF_NVS:
        if spec:
            raise UserError("--nvs is only for --auth-method esp-idf-nvs")
        return None
    parts = (spec or "").split(":")
    try:
        return NvsTarget(int(parts[0], 0), int(parts[1], 0), parts[2])
    except (IndexError, ValueError):
        raise UserError("--auth-method esp-idf-nvs needs --nvs OFFSET:SIZE:NAMESPACE") from None


def _build(args: argparse.Namespace) -> int:
    password = read_password_file(args.password_file)
    if args.demo_licenses is not None:
        if args.demo_licenses < 1:
            raise UserError("--demo-licenses needs a number of 1 or more")
        licenses = demo_licenses(args.demo_licenses, seed=args.seed)
    else:
        licenses = read_license_list(args.licenses)
    if args.signing_key:
        key_password = (
            read_password_file(args.signing_key_password_file)
            if args.signing_key_password_file
            else None
        )
        signing_key = load_private_key(args.signing_key, key_password)
    elif args.demo:
        signing_key = demo_signing_key()[1]
    else:
        raise UserError("give --signing-key KEY (or --demo for a demo package)")
    firmware = [_firmware(spec, args.firmware_version) for spec in args.firmware]
    family = registry.get(args.chip)
    for spec, (data, offset, _version) in zip(args.firmware, firmware, strict=True):
        family.check_region(offset, data, name=Path(spec.rpartition("@")[0]).name)
    mode = DeliveryMode(args.mode or ("credential" if firmware else "authorization-only"))
    if mode is DeliveryMode.CREDENTIAL and not firmware:
        raise UserError("--mode credential needs at least one --firmware FILE@OFFSET")
    if mode is DeliveryMode.AUTHORIZATION_ONLY and firmware:
        raise UserError("--mode authorization-only carries no firmware")
    method = AuthMethod(args.auth_method)
    product = {
        key: getattr(args, key)
        if getattr(args, key) is not None
        else (_DEMO_PRODUCT[key] if args.demo else "")
        for key in _DEMO_PRODUCT
    }
    kdf = ScryptParams.PRODUCTION
    if args.kdf_test_cost is not None:
        kdf = ScryptParams(n=2**args.kdf_test_cost, r=1, p=1)
    manifest = build_package(
        args.out,
        password=password,
        licenses=licenses,
        mode=mode,
        firmware=firmware,
        signing_key=signing_key,
        communication=[c.strip() for c in args.communication.split(",") if c.strip()],
        chip_family=family.name,
        min_firmware_version=args.min_firmware_version,
        auth_method=method,
        nvs=_nvs(args.nvs, method),
        features=[_feature(spec) for spec in args.feature],
        demo=args.demo,
        kdf=kdf,
        **product,
    )
    demo = " DEMO" if manifest.demo else ""
    print(
        f"wrote{demo} package {manifest.package_id} to {args.out}: "
        f"{manifest.license_count} licenses, {manifest.delivery_mode}, "
        f"issuer {manifest.issuer_key_id}"
    )
    return 0


def _summary(manifest: Manifest, *, demo: bool, checked: bool) -> dict[str, Any]:
    data = manifest.to_dict()
    data.pop("encryption", None)
    return {"manifest": data, "demo": demo, "verified": True, "licenses_checked": checked}


def _inspect(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    trust = TrustStore.for_station(paths)
    if args.password_file:
        package = open_package(args.package, read_password_file(args.password_file), trust)
        manifest, checked = package.manifest, True
    else:
        manifest, checked = verify_package(args.package, trust).manifest, False
    demo = manifest.demo
    if args.json:
        json.dump(_summary(manifest, demo=demo, checked=checked), sys.stdout, indent=2)
        print()
        return 0
    lines = []
    if demo:
        lines.append("*** DEMO PACKAGE: signed with the public DEMO key, NOT FOR PRODUCTION ***")
    lines += [
        f"package        {manifest.package_id}  (format {manifest.format_version})",
        f"issuer         {manifest.issuer_key_id}  (signature verified)",
        f"mode           {manifest.delivery_mode}",
        f"product        {manifest.product_name} [{manifest.product_id}]",
        f"category       {manifest.category}",
        f"order          {manifest.order_number}   pickup list {manifest.pickup_list}",
        f"chip           {manifest.chip_family}   via {', '.join(manifest.communication)}",
        f"authorization  {manifest.auth_method}"
        + (
            f" at {manifest.nvs.offset:#x} size {manifest.nvs.size:#x}"
            f" namespace {manifest.nvs.namespace}"
            if manifest.nvs
            else ""
        ),
        f"min firmware   {manifest.min_firmware_version or '-'}",
        f"licenses       {manifest.license_count}"
        + ("  (decrypted and checked)" if checked else "  (give --password-file to check)"),
        f"created        {manifest.created_at}",
    ]
    for image in manifest.firmware:
        lines.append(
            f"firmware       {image.file} at {image.offset:#x}, {image.size} bytes,"
            f" version {image.version or '-'}, sha256 {image.sha256[:16]}..."
        )
    for feature in manifest.features:
        lines.append(
            f"feature        {feature.code} {feature.name}"
            f" ({'paid' if feature.paid else 'free'}, "
            f"{'required' if feature.required else 'optional'})"
        )
    print("\n".join(printable(line) for line in lines))
    return 0


def _load(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    package = open_package(
        args.package, read_password_file(args.password_file), TrustStore.for_station(paths)
    )
    family = registry.get(package.manifest.chip_family)
    for image in package.manifest.firmware:  # refused before the ledger takes the licenses
        family.check_region(image.offset, package.firmware_bytes(image), name=image.file)
    with Ledger.for_station(paths) as ledger:
        before = {m.package_id for m in ledger.packages()}
        package_id = ledger.load_package(package)
        counts = ledger.counts(package_id)[package_id]
    verb = "already loaded" if package_id in before else "loaded"
    demo = " DEMO" if package.manifest.demo else ""
    print(
        f"{verb}{demo} package {package_id}: {package.manifest.license_count} licenses,"
        f" {counts[LicenseState.AVAILABLE]} available"
    )
    return 0


def _trust(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    require_supervisor(args, paths, "trust a new issuer key")
    kid = TrustStore.for_station(paths).add(args.keyfile)
    print(f"trusted issuer key {kid}")
    return 0


def _keygen(args: argparse.Namespace) -> int:
    password = read_password_file(args.password_file) if args.password_file else None
    kid, private, public = generate_issuer_keys(args.out, password)
    print(f"issuer key {kid}\n  private (keep off the stations): {private}\n  public: {public}")
    return 0
