"""QA's verdict on a written chip: does what it holds agree with the ledger and the package?

`judge` is pure: a `ChipReading` (see qa_read), the ledger and the package's manifest in, a
`QaReport` out, with one sentence per check as a person reads it. `check_port` reads a chip and
judges it. QA never changes the ledger, with one explicit exception: with `settle=True` a
needs_check license found intact on this chip is recorded as verified (`Ledger.settle`).

Advanced features: an NVS record carries its feature codes, so each required feature must be
in it. The shell's `auth-read` says nothing about features (they live with the license in the
cloud), so for the shell method a required feature counts as present when the package the UUID
came from lists it, and the firmware meets the package's minimum version (the version recorded
when the feature was activated: below it the device loses the feature).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from prodtool.engine.job import open_port
from prodtool.engine.qa_read import ChipReading, read_chip
from prodtool.engine.writelog import read_records
from prodtool.errors import UserError
from prodtool.families.tuya_shell import version_tuple
from prodtool.license.errors import LedgerError
from prodtool.license.ledger import ChipIdentity, Ledger, LicenseRecord
from prodtool.license.model import AuthMethod, DeliveryMode, LicenseState, Manifest
from prodtool.redact import fingerprint


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"


class Status(StrEnum):
    OK = "ok"
    FAIL = "fail"
    NOTE = "note"  # worth knowing, does not fail the chip


class CheckCode(StrEnum):
    """Stable names for each check (JSON, reports and tests key on them)."""

    READ = "read"
    CHIP = "chip"
    LICENSE = "license"
    PACKAGE = "package"
    PRODUCT = "product"
    BINDING = "binding"
    WRITE_LOG = "write_log"
    AUTHKEY = "authkey"
    LEDGER_STATE = "ledger_state"
    FIRMWARE = "firmware"
    FEATURES = "features"


@dataclass(frozen=True)
class Check:
    code: CheckCode
    status: Status
    text: str


@dataclass(frozen=True)
class QaReport:
    """One chip's verdict and every reason. Holds no secret (AuthKeys only as fingerprints)."""

    port: str
    verdict: Verdict
    checks: tuple[Check, ...]
    package_id: str
    mac: str = ""
    uuid: str = ""
    firmware_version: str = ""
    settled: bool = False
    checked_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status is Status.FAIL]

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["verdict"] = self.verdict.value
        data["checks"] = [
            {"code": c.code.value, "status": c.status.value, "text": c.text} for c in self.checks
        ]
        return data


class _Checks:
    def __init__(self) -> None:
        self.items: list[Check] = []

    def ok(self, code: CheckCode, text: str) -> None:
        self.items.append(Check(code, Status.OK, text))

    def fail(self, code: CheckCode, text: str) -> None:
        self.items.append(Check(code, Status.FAIL, text))

    def note(self, code: CheckCode, text: str) -> None:
        self.items.append(Check(code, Status.NOTE, text))


def _order(manifest: Manifest) -> str:
    product = manifest.product_name or manifest.product_id
    return f"order {manifest.order_number or '-'}, product {product}"


def judge(
    reading: ChipReading,
    ledger: Ledger,
    manifest: Manifest,
    *,
    write_log: Path | None = None,
    settle: bool = False,
) -> QaReport:
    """The verdict on `reading` against `manifest` (the package QA checks for) and the ledger."""
    checks = _Checks()
    settled = False
    for problem in reading.problems:
        checks.fail(CheckCode.READ, f"Could not read the chip: {problem}")
    if reading.identified:
        _check_chip(reading, manifest, checks)
    record = _check_license(reading, ledger, manifest, checks)
    if record is not None and reading.identified:
        _check_binding(reading, record, ledger, write_log, checks)
        key_ok = _check_authkey(reading, record, ledger, checks)
        settled = _check_state(reading, record, ledger, key_ok=key_ok, settle=settle, checks=checks)
    _check_firmware(reading, manifest, checks)
    _check_features(reading, record, ledger, manifest, checks)
    failed = any(c.status is Status.FAIL for c in checks.items)
    return QaReport(
        port=reading.port,
        verdict=Verdict.FAIL if failed else Verdict.PASS,
        checks=tuple(checks.items),
        package_id=manifest.package_id,
        mac=reading.mac,
        uuid=reading.uuid or "",
        firmware_version=reading.version or "",
        settled=settled,
    )


def _check_chip(reading: ChipReading, manifest: Manifest, checks: _Checks) -> None:
    wanted = manifest.chip_family.lower().replace("-", "")
    if reading.family != wanted:
        checks.fail(
            CheckCode.CHIP,
            f"This chip is {reading.family} ({reading.mac}); the package is for {wanted}",
        )
    else:
        checks.ok(CheckCode.CHIP, f"Chip {reading.family}, MAC {reading.mac}")


def _check_license(
    reading: ChipReading, ledger: Ledger, manifest: Manifest, checks: _Checks
) -> LicenseRecord | None:
    if not reading.uuid:
        if reading.auth_source and not reading.problems:
            checks.fail(
                CheckCode.LICENSE, f"The chip holds no license ({reading.auth_source} is empty)"
            )
        return None
    record = ledger.find_uuid(reading.uuid)
    if record is None:
        checks.fail(
            CheckCode.LICENSE,
            f"UUID {reading.uuid} is not in this station's ledger: it came from elsewhere",
        )
        return None
    owner = manifest if record.package_id == manifest.package_id else _manifest(ledger, record)
    if owner is None or record.package_id != manifest.package_id:
        where = f"package {record.package_id}" + (f" ({_order(owner)})" if owner else "")
        checks.fail(
            CheckCode.PACKAGE,
            f"UUID {reading.uuid} belongs to {where}, not to package {manifest.package_id} "
            f"({_order(manifest)})",
        )
    else:
        checks.ok(CheckCode.PACKAGE, f"UUID {reading.uuid} belongs to {_order(manifest)}")
    if reading.product_id is not None and reading.product_id != manifest.product_id:
        checks.fail(
            CheckCode.PRODUCT,
            f"The license record names product {reading.product_id or '(none)'}, "
            f"the package {manifest.product_id}",
        )
    return record


def _manifest(ledger: Ledger, record: LicenseRecord) -> Manifest | None:
    try:
        return ledger.manifest(record.package_id)
    except UserError:
        return None


def _check_binding(
    reading: ChipReading,
    record: LicenseRecord,
    ledger: Ledger,
    write_log: Path | None,
    checks: _Checks,
) -> None:
    mine = reading.mac.lower()
    bound = (record.chip_mac or "").lower()
    if not bound and not record.chip_id:
        checks.fail(
            CheckCode.BINDING,
            f"The ledger has not given UUID {record.uuid} to any chip (it is {record.state})",
        )
    elif (bound and bound != mine) or (not bound and record.chip_id != reading.chip_id):
        other = bound or record.chip_id
        checks.fail(
            CheckCode.BINDING,
            f"This UUID was written to chip {other}, not this one ({reading.mac})",
        )
    else:
        checks.ok(CheckCode.BINDING, f"The ledger binds UUID {record.uuid} to this chip")
    identity = ChipIdentity(family=reading.family, mac=reading.mac, chip_id=reading.chip_id)
    others = [r.uuid for r in ledger.licenses_for_chip(identity) if r.uuid != record.uuid]
    if others:
        checks.fail(
            CheckCode.BINDING,
            f"The ledger also binds this chip to {', '.join(others)}: one chip, one license",
        )
    if write_log is not None:
        elsewhere = sorted(
            {
                str(r.get("mac"))
                for r in read_records(write_log)
                if r.get("uuid") == record.uuid
                and r.get("result") == "passed"
                and str(r.get("mac", "")).lower() not in {"", mine}
            }
        )
        if elsewhere:
            checks.fail(
                CheckCode.WRITE_LOG,
                f"The write log shows UUID {record.uuid} also written to {', '.join(elsewhere)}",
            )


def _check_authkey(
    reading: ChipReading, record: LicenseRecord, ledger: Ledger, checks: _Checks
) -> bool:
    expected = ledger.authkey(record.license_id)
    if hmac.compare_digest(reading.authkey.encode(), expected.encode()):
        checks.ok(CheckCode.AUTHKEY, "The AuthKey matches the ledger's")
        return True
    checks.fail(
        CheckCode.AUTHKEY,
        f"The AuthKey on the chip ({fingerprint(reading.authkey)}) is not the one the ledger "
        f"holds for UUID {record.uuid} ({fingerprint(expected)})",
    )
    return False


def _check_state(
    reading: ChipReading,
    record: LicenseRecord,
    ledger: Ledger,
    *,
    key_ok: bool,
    settle: bool,
    checks: _Checks,
) -> bool:
    """The license's ledger state; True when a needs_check license was settled here."""
    state = record.state
    if state is LicenseState.VERIFIED:
        checks.ok(CheckCode.LEDGER_STATE, "The ledger records the license as verified")
        return False
    if state is LicenseState.NEEDS_CHECK:
        if not settle:
            checks.fail(
                CheckCode.LEDGER_STATE,
                "The ledger still holds this license as needs_check: check again with "
                "--settle to record it as found on this chip",
            )
            return False
        if not key_ok:
            checks.fail(CheckCode.LEDGER_STATE, "Not settled: the chip's AuthKey does not match")
            return False
        identity = ChipIdentity(family=reading.family, mac=reading.mac, chip_id=reading.chip_id)
        try:
            ledger.settle(record.license_id, found_on=identity)
        except LedgerError as error:
            checks.fail(CheckCode.LEDGER_STATE, f"Not settled: {error.message}")
            return False
        checks.ok(CheckCode.LEDGER_STATE, "Settled: the ledger now records it as verified here")
        return True
    checks.fail(
        CheckCode.LEDGER_STATE,
        f"The ledger holds this license as {state.value}, not verified",
    )
    return False


def _check_firmware(reading: ChipReading, manifest: Manifest, checks: _Checks) -> None:
    version = reading.version
    minimum = manifest.min_firmware_version
    if version is None:
        if minimum or manifest.delivery_mode is DeliveryMode.CREDENTIAL:
            checks.fail(CheckCode.FIRMWARE, "The firmware version could not be read")
        return
    if minimum and version_tuple(version) < version_tuple(minimum):
        paid = [f.name or f.code for f in manifest.features]
        lost = f": devices shipped below it lose {', '.join(paid)}" if paid else ""
        checks.fail(
            CheckCode.FIRMWARE,
            f"Firmware {version} is older than the package's minimum {minimum}{lost}",
        )
    else:
        floor = f" (minimum {minimum})" if minimum else ""
        checks.ok(CheckCode.FIRMWARE, f"Firmware {version}{floor}")
    if (
        reading.firmware_version
        and reading.shell_version
        and reading.firmware_version != reading.shell_version
    ):
        checks.note(
            CheckCode.FIRMWARE,
            f"The image says {reading.firmware_version}, the shell {reading.shell_version}",
        )
    written = manifest.firmware[0].version if manifest.firmware else ""
    if written and version != written:
        checks.note(CheckCode.FIRMWARE, f"The package wrote firmware {written}; it runs {version}")


def _check_features(
    reading: ChipReading,
    record: LicenseRecord | None,
    ledger: Ledger,
    manifest: Manifest,
    checks: _Checks,
) -> None:
    required = [f for f in manifest.features if f.required]
    if not required:
        return
    if manifest.auth_method is AuthMethod.ESP_IDF_NVS:
        if reading.features is None:
            return  # no record read: the license check already failed
        have = set(reading.features)
        where = "the license record"
    else:
        owner = _manifest(ledger, record) if record is not None else None
        if owner is None:
            return
        have = {f.code for f in owner.features}
        where = f"package {owner.package_id}, which the license came from"
    missing = [f for f in required if f.code not in have]
    for feature in missing:
        checks.fail(
            CheckCode.FEATURES,
            f"Required feature {feature.name or feature.code} ({feature.code}) is missing "
            f"from {where}",
        )
    if not missing:
        names = ", ".join(f.name or f.code for f in required)
        checks.ok(CheckCode.FEATURES, f"Required features present: {names}")


def choose_manifest(ledger: Ledger, package_id: str | None) -> Manifest:
    """The package QA checks against: the one named, or the only one the ledger holds."""
    if package_id:
        return ledger.manifest(package_id)
    packages = ledger.packages()
    if not packages:
        raise UserError(
            "the ledger holds no package to check against",
            hint="load the package on this station first",
            code="qa_no_package",
        )
    if len(packages) > 1:
        ids = ", ".join(p.package_id for p in packages)
        raise UserError(
            f"the ledger holds several packages ({ids})",
            hint="say which one with --package-id",
            code="qa_which_package",
        )
    return packages[0]


def check_port(
    port: str,
    ledger: Ledger,
    manifest: Manifest,
    *,
    write_log: Path | None = None,
    settle: bool = False,
    opener: Callable[[str], Any] = open_port,
    shell_timeout_s: float = 8.0,
    connect_attempts: int = 3,
) -> QaReport:
    """Read the chip on `port` and judge it."""
    reading = read_chip(
        port,
        manifest,
        opener=opener,
        shell_timeout_s=shell_timeout_s,
        connect_attempts=connect_attempts,
    )
    return judge(reading, ledger, manifest, write_log=write_log, settle=settle)


def format_report(report: QaReport) -> str:
    """The report as lines for a terminal."""
    marks = {Status.OK: "ok  ", Status.FAIL: "FAIL", Status.NOTE: "note"}
    head = f"{report.port}: {report.verdict.value.upper()}"
    if report.mac:
        head += f"  (MAC {report.mac}, UUID {report.uuid or '-'})"
    return "\n".join([head, *(f"  {marks[c.status]}  {c.text}" for c in report.checks)])
