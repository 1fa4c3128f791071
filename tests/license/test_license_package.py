"""Credential packages: build, open, and refuse a bad package whole with the right reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from prodtool.license.archive import read_archive, write_archive
from prodtool.license.builder import demo_licenses, demo_signing_key, seal_package
from prodtool.license.errors import (
    FirmwareMismatch,
    KeyFileError,
    LicenseListError,
    MalformedPackage,
    PackageError,
    TamperedPackage,
    UnknownIssuer,
    UnsupportedFormat,
    WrongPassword,
)
from prodtool.license.formats import authkey_problem, demo_authkey, uuid_problem
from prodtool.license.keys import generate_issuer_keys, load_private_key
from prodtool.license.model import (
    AdvancedFeature,
    AuthMethod,
    DeliveryMode,
    License,
    Manifest,
    NvsTarget,
    ScryptParams,
)
from prodtool.license.package import open_package, verify_package
from prodtool.license.testing import FIRMWARE, PASSWORD, make_package, open_test_package
from prodtool.license.trust import TrustStore
from prodtool.paths import station_paths


def _members(path: Path) -> dict[str, bytes]:
    return dict(read_archive(path.read_bytes()))


def _resign(path: Path, members: dict[str, bytes], key: Ed25519PrivateKey | None = None) -> None:
    """Write `members` back as a validly signed package (signed by the demo key by default)."""
    members.pop("signature.json")
    seal_package(path, list(members.items()), key or demo_signing_key()[1])


def _edit_manifest(path: Path, **changes: object) -> None:
    members = _members(path)
    manifest = json.loads(members["manifest.json"])
    manifest.update(changes)
    members["manifest.json"] = json.dumps(manifest).encode()
    _resign(path, members)


def test_round_trip_keeps_manifest_firmware_and_licenses(tmp_path: Path) -> None:
    licenses = demo_licenses(5, seed=7)
    path = make_package(
        tmp_path / "a.prodpkg",
        licenses=licenses,
        order_number="ORD-1",
        pickup_list="PL-9",
        product_id="p123",
        product_name="Plug",
        category="Electrical",
        communication=("Wi-Fi", "BLE", "Zigbee"),
        min_firmware_version="1.0.0",
        auth_method=AuthMethod.ESP_IDF_NVS,
        nvs=NvsTarget(0x3F0000, 0x6000, "tuya"),
        features=(AdvancedFeature("F01", "Voice", paid=True, required=False),),
    )
    package = open_test_package(path)
    m = package.manifest
    assert list(package.licenses()) == licenses
    assert (m.order_number, m.pickup_list, m.product_id, m.product_name) == (
        "ORD-1",
        "PL-9",
        "p123",
        "Plug",
    )
    assert m.communication == ("Wi-Fi", "BLE", "Zigbee")
    assert m.nvs == NvsTarget(0x3F0000, 0x6000, "tuya")
    assert m.features[0].paid and not m.features[0].required
    assert m.license_count == 5 and m.demo and m.delivery_mode is DeliveryMode.CREDENTIAL
    assert package.firmware_bytes(m.firmware[0]) == FIRMWARE
    assert m.firmware[0].offset == 0x10000 and m.firmware[0].version == "1.0.0"
    assert Manifest.from_json(m.to_json()) == m


def test_production_scrypt_cost_is_the_default_and_recorded(tmp_path: Path) -> None:
    path = make_package(
        tmp_path / "p.prodpkg",
        count=1,
        mode=DeliveryMode.AUTHORIZATION_ONLY,
        kdf=ScryptParams.PRODUCTION,
    )
    manifest = verify_package(path, TrustStore(None)).manifest
    assert manifest.encryption is not None
    assert manifest.encryption.kdf == ScryptParams.PRODUCTION
    assert ScryptParams.PRODUCTION.n >= 2**17


def test_demo_licenses_have_tuyaopen_form_and_are_repeatable() -> None:
    licenses = demo_licenses(200, seed=3)
    assert licenses == demo_licenses(200, seed=3)
    assert len({lic.uuid for lic in licenses}) == 200
    for lic in licenses:
        assert lic.uuid.startswith("uuid") and len(lic.uuid) == 20
        assert uuid_problem(lic.uuid) is None and authkey_problem(lic.authkey) is None
    assert licenses[0].authkey not in repr(licenses[0])


def test_wrong_password_is_refused(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    with pytest.raises(WrongPassword) as info:
        open_test_package(path, "not the password")
    assert info.value.code == "wrong_password"


def test_unknown_issuer_until_a_supervisor_trusts_its_key(tmp_path: Path) -> None:
    kid, private, public = generate_issuer_keys(tmp_path / "issuer")
    assert private.stat().st_mode & 0o777 == 0o600
    path = make_package(tmp_path / "a.prodpkg", signing_key=load_private_key(private), demo=False)
    trust = TrustStore.for_station(station_paths(tmp_path / "station").ensure())
    with pytest.raises(UnknownIssuer) as info:
        open_package(path, PASSWORD, trust)
    assert info.value.code == "unknown_issuer" and "prodtool package trust" in str(info.value)
    assert trust.add(public) == kid
    package = open_package(path, PASSWORD, trust)
    assert package.manifest.issuer_key_id == kid and not package.manifest.demo


def test_trust_refuses_a_private_key_and_garbage(tmp_path: Path) -> None:
    _, private, _ = generate_issuer_keys(tmp_path / "issuer")
    trust = TrustStore(tmp_path / "trust")
    with pytest.raises(KeyFileError, match="private key"):
        trust.add(private)
    junk = tmp_path / "junk.pem"
    junk.write_text("hello")
    with pytest.raises(KeyFileError):
        trust.add(junk)


def test_demo_key_can_be_left_out_of_the_trust_store(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    with pytest.raises(UnknownIssuer):
        open_package(path, PASSWORD, TrustStore(tmp_path / "trust", include_demo=False))


def test_demo_key_signing_a_production_package_is_refused(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg", demo=False)
    with pytest.raises(MalformedPackage, match="DEMO"):
        open_test_package(path)


def test_tampered_member_is_named(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    members = _members(path)
    data = bytearray(members["licenses.enc"])
    data[0] ^= 1
    members["licenses.enc"] = bytes(data)
    path.write_bytes(write_archive(list(members.items())))  # a valid archive, not re-signed
    with pytest.raises(TamperedPackage, match=r"licenses\.enc") as info:
        open_test_package(path)
    assert info.value.code == "tampered"


def test_added_and_missing_members_are_tampering(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    members = _members(path)
    path.write_bytes(write_archive([*members.items(), ("extra.bin", b"x")]))
    with pytest.raises(TamperedPackage, match=r"extra\.bin"):
        open_test_package(path)
    del members["licenses.enc"]
    path.write_bytes(write_archive(list(members.items())))
    with pytest.raises(TamperedPackage, match="missing"):
        open_test_package(path)


def test_unsupported_format_version(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    _edit_manifest(path, format_version=2)
    with pytest.raises(UnsupportedFormat) as info:
        open_test_package(path)
    assert info.value.code == "unsupported_format"


def test_unsupported_signature_format(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    members = _members(path)
    statement = json.loads(members["signature.json"])
    statement["format"] = 9
    members["signature.json"] = json.dumps(statement).encode()
    path.write_bytes(write_archive(list(members.items())))
    with pytest.raises(UnsupportedFormat):
        open_test_package(path)


@pytest.mark.parametrize(
    "changes",
    [
        {"license_count": "three"},
        {"delivery_mode": "teleport"},
        {"package_id": ""},
        {"firmware": []},  # a credential package without firmware
        {"nvs": {"offset": 1, "size": 2, "namespace": "x"}},  # nvs with tuyaopen-shell
        {"license_count": 4},  # more than the package holds
        {"encryption": {"member": "licenses.enc", "cipher": "ROT13"}},
    ],
)
def test_malformed_manifest(tmp_path: Path, changes: dict[str, object]) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    _edit_manifest(path, **changes)
    with pytest.raises(MalformedPackage) as info:
        open_test_package(path)
    assert info.value.code == "malformed"


def test_manifest_that_is_not_json(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    members = _members(path)
    members["manifest.json"] = b"{not json"
    _resign(path, members)
    with pytest.raises(MalformedPackage):
        open_test_package(path)


def test_firmware_hash_mismatch(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    members = _members(path)
    manifest = json.loads(members["manifest.json"])
    manifest["firmware"][0]["sha256"] = "0" * 64
    members["manifest.json"] = json.dumps(manifest).encode()
    _resign(path, members)
    with pytest.raises(FirmwareMismatch) as info:
        open_test_package(path)
    assert info.value.code == "firmware_mismatch"


def test_firmware_changed_after_opening_is_caught(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    package = open_test_package(path)
    members = _members(path)
    name = package.manifest.firmware[0].file
    members[name] = b"\x00" * len(members[name])
    path.write_bytes(write_archive(list(members.items())))
    with pytest.raises(FirmwareMismatch):
        package.firmware_bytes(package.manifest.firmware[0])


def test_not_a_zip_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "a.prodpkg"
    path.write_bytes(b"PK\x03\x04 hello")
    with pytest.raises(TamperedPackage):
        open_test_package(path)
    with pytest.raises(PackageError, match="cannot read"):
        open_test_package(tmp_path / "missing.prodpkg")


def test_every_flipped_byte_of_a_small_package_is_refused(tmp_path: Path) -> None:
    """Any single-byte change anywhere (member, header, timestamp, directory) is refused with a
    `PackageError`, never accepted and never a crash."""
    lic = License("uuid0123456789abcdef", demo_authkey("uuid0123456789abcdef"))
    path = make_package(
        tmp_path / "a.prodpkg",
        licenses=[lic],
        communication=(),
        firmware=[(b"\x01\x02", 0x1000, "")],
    )
    original = path.read_bytes()
    assert len(original) < 3000
    trust = TrustStore(None)
    codes: set[str] = set()
    target = tmp_path / "flipped.prodpkg"
    for index in range(len(original)):
        data = bytearray(original)
        data[index] ^= 0xFF
        target.write_bytes(data)
        with pytest.raises(PackageError) as info:
            open_package(target, PASSWORD, trust)
        codes.add(info.value.code)
        assert lic.authkey not in str(info.value)
    assert codes <= {"tampered", "malformed", "unsupported_format", "unknown_issuer"}
    assert open_package(path, PASSWORD, trust).manifest.license_count == 1


def test_builder_refuses_bad_licenses_and_mode_mismatch(tmp_path: Path) -> None:
    with pytest.raises(LicenseListError, match="row 2"):
        make_package(
            tmp_path / "a.prodpkg",
            licenses=[License("uuid0123456789abcdef", "A" * 32), License("short", "B" * 32)],
        )
    with pytest.raises(MalformedPackage):
        make_package(tmp_path / "b.prodpkg", firmware=[])
    with pytest.raises(ValueError, match="License List"):
        make_package(tmp_path / "c.prodpkg", mode=DeliveryMode.LICENSE_LIST)


def test_package_repr_and_errors_hold_no_secret(tmp_path: Path) -> None:
    lic = License("uuid0123456789abcdef", demo_authkey("uuid0123456789abcdef"))
    path = make_package(tmp_path / "a.prodpkg", licenses=[lic])
    package = open_test_package(path)
    assert lic.authkey not in repr(package) and lic.authkey not in repr(lic)
    assert lic.authkey.encode() not in path.read_bytes()
    with pytest.raises(WrongPassword) as info:
        open_test_package(path, "wrong")
    assert PASSWORD not in str(info.value) and "wrong" not in str(info.value).split("(")[0][:8]
