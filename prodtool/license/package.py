"""Opening a credential package (`.prodpkg`): every check passes, or the package is refused whole.

Order of checks (the first failure is the reason given): the archive declares sizes within the
limits and is intact and canonical (`tampered`), the signature format is known
(`unsupported_format`), the issuer is trusted (`unknown_issuer`), the signature holds and every
member matches its signed hash (`tampered`), the manifest is readable and its text fields hold no
control character (`unsupported_format`, `malformed`), a DEMO package says so (`malformed`), each
firmware image matches the manifest (`firmware_mismatch`), the password opens the licenses
(`wrong_password`) and they are as many and as well formed as promised, and DEMO licenses in a
DEMO package (`malformed`).

Members are streamed and hashed, never inflated (see `archive.py` for the limits); firmware
images are not kept in memory but read again, size and SHA-256 checked, when they are flashed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prodtool.license.archive import read_archive_file, read_member
from prodtool.license.errors import (
    FirmwareMismatch,
    MalformedPackage,
    PackageError,
    TamperedPackage,
)
from prodtool.license.formats import DEMO_ID_PREFIX, all_demo_licenses, text_problem
from prodtool.license.model import FirmwareImage, License, Manifest
from prodtool.license.sealing import open_licenses, parse_license_lines
from prodtool.license.signing import (
    SIGNATURE_MEMBER,
    check_members,
    content_digest,
    read_statement,
    verify_statement,
)
from prodtool.license.trust import TrustStore

MANIFEST_MEMBER = "manifest.json"


@dataclass(frozen=True)
class VerifiedPackage:
    """A package whose signature, members and manifest are checked, licenses still sealed.

    `members` holds the small members (manifest, signature, licenses); `digest` names the whole
    content (issuer and every member's SHA-256): the ledger keeps it to tell packages apart."""

    path: Path
    manifest: Manifest
    members: dict[str, bytes]
    demo_issuer: bool
    digest: str = ""


def _contents(path: Path) -> tuple[dict[str, str], dict[str, int], dict[str, bytes]]:
    try:
        contents = read_archive_file(path)
    except OSError as error:
        raise PackageError(
            f"cannot read the package {path.name}: {error.strerror}",
            code="unreadable",
            params={"name": path.name},
        ) from None
    return contents.digests, contents.sizes, contents.kept


def check_text_and_demo(manifest: Manifest) -> None:
    """No control character in a text field; a DEMO package's id says DEMO, and only its id."""
    for name, value in manifest.text_fields():
        if why := text_problem(name, value):
            raise MalformedPackage(f"manifest: {why}", hint="terminal control characters")
    if manifest.demo != manifest.package_id.startswith(DEMO_ID_PREFIX):
        raise MalformedPackage(
            f"manifest: a DEMO package's id starts with {DEMO_ID_PREFIX}, and no other's does"
        )


def verify_package(path: Path, trust: TrustStore) -> VerifiedPackage:
    """Everything but the password: structure, issuer, signature, manifest, firmware."""
    digests, sizes, members = _contents(path)
    if SIGNATURE_MEMBER not in members:
        raise TamperedPackage(f"the package has no {SIGNATURE_MEMBER}: it is not signed")
    statement = read_statement(members[SIGNATURE_MEMBER])
    verify_statement(statement, trust.key(statement.issuer_key_id))
    check_members(statement, digests)
    if MANIFEST_MEMBER not in members:
        raise MalformedPackage(f"the package has no {MANIFEST_MEMBER}")
    manifest = Manifest.from_json(members[MANIFEST_MEMBER])
    if manifest.issuer_key_id != statement.issuer_key_id:
        raise MalformedPackage("the manifest names another issuer than the signature")
    demo_issuer = trust.is_demo(statement.issuer_key_id)
    if demo_issuer and not manifest.demo:
        raise MalformedPackage(
            "the package is signed with the public DEMO key but claims to be a production package",
            hint="production packages must be signed with the issuer's own key",
        )
    check_text_and_demo(manifest)
    for image in manifest.firmware:
        if image.file not in digests:
            raise FirmwareMismatch(f"firmware image {image.file} named in the manifest is missing")
        _check_firmware(image, sizes[image.file], digests[image.file])
    expected = {MANIFEST_MEMBER, SIGNATURE_MEMBER} | {f.file for f in manifest.firmware}
    if manifest.encryption is not None:
        expected.add(manifest.encryption.member)
        if manifest.encryption.member not in members:
            raise MalformedPackage("the package has no license member")
    if set(digests) != expected:
        raise MalformedPackage("the package holds members its manifest does not describe")
    return VerifiedPackage(path, manifest, members, demo_issuer, content_digest(statement))


def _check_firmware(image: FirmwareImage, size: int, sha256: str) -> None:
    if size != image.size or sha256 != image.sha256:
        raise FirmwareMismatch(
            f"firmware image {image.file} does not match the size and SHA-256 in the manifest",
            hint="the issuer built a broken package: ask for a new one",
        )


def read_firmware(path: Path, image: FirmwareImage) -> bytes:
    """An image read from the package at `path`, checked against `image` (the manifest's record:
    the one the ledger kept when the package was loaded, for the station)."""
    data = read_member(path, image.file, image.size)
    if data is None:
        raise FirmwareMismatch(f"firmware image {image.file} named in the manifest is missing")
    _check_firmware(image, len(data), hashlib.sha256(data).hexdigest())
    return data


class CredentialPackage:
    """An opened package: manifest, firmware images (checked on every read), licenses."""

    def __init__(self, verified: VerifiedPackage, columns: tuple[list[str], list[str]]) -> None:
        self.manifest: Manifest = verified.manifest
        self.path: Path = verified.path
        self.demo: bool = verified.manifest.demo
        self.digest: str = verified.digest
        self._uuids, self._authkeys = columns

    def __repr__(self) -> str:
        return f"CredentialPackage({self.manifest.package_id!r}, {len(self._uuids)} licenses)"

    def firmware_bytes(self, image: FirmwareImage) -> bytes:
        """The image, read again from the package and checked against the manifest."""
        if image not in self.manifest.firmware:
            raise ValueError(f"{image.file} is not an image of this package")
        return read_firmware(self.path, image)

    def licenses(self) -> Iterator[License]:
        for uuid, authkey in zip(self._uuids, self._authkeys, strict=True):
            yield License(uuid, authkey)

    def license_columns(self) -> tuple[list[str], list[str]]:
        """(uuids, authkeys) in package order: the fast path for loading a million licenses."""
        return list(self._uuids), list(self._authkeys)


def open_package(path: Path, password: str, trust: TrustStore) -> CredentialPackage:
    """Verify and decrypt a package, or raise a `PackageError` saying why it is refused."""
    verified = verify_package(path, trust)
    manifest = verified.manifest
    encryption = manifest.encryption
    if encryption is None:
        raise MalformedPackage("the manifest has no encryption section")
    plain = open_licenses(
        encryption,
        verified.members[encryption.member],
        password=password,
        package_id=manifest.package_id,
    )
    columns = parse_license_lines(plain, manifest.license_count)
    if manifest.demo and not all_demo_licenses(*columns):
        raise MalformedPackage(
            "a DEMO package may carry only DEMO licenses, and this one carries others",
            hint="real licenses come only in a package signed with the issuer's own key",
        )
    return CredentialPackage(verified, columns)
