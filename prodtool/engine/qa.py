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
from prodtool.engine.qa_text import Say
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
    """One check's outcome; `text` is the English sentence, `say` and `args` what the window
    needs to word it in another language."""

    code: CheckCode
    status: Status
    text: str
    say: Say | None = None
    args: tuple[tuple[str, str], ...] = ()


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

    def _add(self, code: CheckCode, status: Status, say: Say, args: dict[str, object]) -> None:
        fields = tuple((name, str(value)) for name, value in args.items())
        self.items.append(Check(code, status, say.value.format(**dict(fields)), say, fields))

    def ok(self, code: CheckCode, say: Say, **args: object) -> None:
        self._add(code, Status.OK, say, args)

    def fail(self, code: CheckCode, say: Say, **args: object) -> None:
        self._add(code, Status.FAIL, say, args)

    def note(self, code: CheckCode, say: Say, **args: object) -> None:
        self._add(code, Status.NOTE, say, args)


def _order(manifest: Manifest, prefix: str = "") -> dict[str, str]:
    """The order number and product name of a package, as template fields."""
    return {
        f"{prefix}order": manifest.order_number or "-",
        f"{prefix}product": manifest.product_name or manifest.product_id,
    }


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
        checks.fail(CheckCode.READ, Say.NOT_READ, problem=problem)
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
            CheckCode.CHIP, Say.CHIP_WRONG, family=reading.family, mac=reading.mac, wanted=wanted
        )
    else:
        checks.ok(CheckCode.CHIP, Say.CHIP_OK, family=reading.family, mac=reading.mac)


def _check_license(
    reading: ChipReading, ledger: Ledger, manifest: Manifest, checks: _Checks
) -> LicenseRecord | None:
    if not reading.uuid:
        if reading.auth_source and not reading.problems:
            checks.fail(CheckCode.LICENSE, Say.NO_LICENSE, source=reading.auth_source)
        return None
    record = ledger.find_uuid(reading.uuid)
    if record is None:
        checks.fail(CheckCode.LICENSE, Say.NOT_IN_LEDGER, uuid=reading.uuid)
        return None
    owner = manifest if record.package_id == manifest.package_id else _manifest(ledger, record)
    if owner is None or record.package_id != manifest.package_id:
        checks.fail(
            CheckCode.PACKAGE,
            Say.OTHER_ORDER if owner else Say.OTHER_PACKAGE,
            uuid=reading.uuid,
            owner=record.package_id,
            package=manifest.package_id,
            **_order(manifest),
            **(_order(owner, "owner_") if owner else {}),
        )
    else:
        checks.ok(CheckCode.PACKAGE, Say.PACKAGE_OK, uuid=reading.uuid, **_order(manifest))
    if reading.product_id is not None and reading.product_id != manifest.product_id:
        checks.fail(
            CheckCode.PRODUCT,
            Say.PRODUCT_WRONG,
            named=reading.product_id or "(none)",
            product=manifest.product_id,
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
        checks.fail(CheckCode.BINDING, Say.NOT_GIVEN, uuid=record.uuid, state=record.state)
    elif (bound and bound != mine) or (not bound and record.chip_id != reading.chip_id):
        other = bound or record.chip_id
        checks.fail(CheckCode.BINDING, Say.OTHER_CHIP, other=other, mac=reading.mac)
    else:
        checks.ok(CheckCode.BINDING, Say.BOUND_OK, uuid=record.uuid)
    identity = ChipIdentity(family=reading.family, mac=reading.mac, chip_id=reading.chip_id)
    others = [r.uuid for r in ledger.licenses_for_chip(identity) if r.uuid != record.uuid]
    if others:
        checks.fail(CheckCode.BINDING, Say.TWO_LICENSES, others=", ".join(others))
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
                CheckCode.WRITE_LOG, Say.LOG_ELSEWHERE, uuid=record.uuid, macs=", ".join(elsewhere)
            )


def _check_authkey(
    reading: ChipReading, record: LicenseRecord, ledger: Ledger, checks: _Checks
) -> bool:
    expected = ledger.authkey(record.license_id)
    if hmac.compare_digest(reading.authkey.encode(), expected.encode()):
        checks.ok(CheckCode.AUTHKEY, Say.KEY_OK)
        return True
    checks.fail(
        CheckCode.AUTHKEY,
        Say.KEY_WRONG,
        chip_key=fingerprint(reading.authkey),
        uuid=record.uuid,
        ledger_key=fingerprint(expected),
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
        checks.ok(CheckCode.LEDGER_STATE, Say.VERIFIED)
        return False
    if state is LicenseState.NEEDS_CHECK:
        if not settle:
            checks.fail(CheckCode.LEDGER_STATE, Say.NEEDS_CHECK)
            return False
        if not key_ok:
            checks.fail(CheckCode.LEDGER_STATE, Say.NOT_SETTLED_KEY)
            return False
        identity = ChipIdentity(family=reading.family, mac=reading.mac, chip_id=reading.chip_id)
        try:
            ledger.settle(record.license_id, found_on=identity)
        except LedgerError as error:
            checks.fail(CheckCode.LEDGER_STATE, Say.NOT_SETTLED, why=error.message)
            return False
        checks.ok(CheckCode.LEDGER_STATE, Say.SETTLED)
        return True
    checks.fail(CheckCode.LEDGER_STATE, Say.OTHER_STATE, state=state.value)
    return False


def _check_firmware(reading: ChipReading, manifest: Manifest, checks: _Checks) -> None:
    version = reading.version
    minimum = manifest.min_firmware_version
    if version is None:
        if minimum or manifest.delivery_mode is DeliveryMode.CREDENTIAL:
            checks.fail(CheckCode.FIRMWARE, Say.NO_VERSION)
        return
    if minimum and version_tuple(version) < version_tuple(minimum):
        paid = [f.name or f.code for f in manifest.features]
        checks.fail(
            CheckCode.FIRMWARE,
            Say.TOO_OLD_LOSES if paid else Say.TOO_OLD,
            version=version,
            minimum=minimum,
            **({"features": ", ".join(paid)} if paid else {}),
        )
    elif minimum:
        checks.ok(CheckCode.FIRMWARE, Say.FIRMWARE_OK_MIN, version=version, minimum=minimum)
    else:
        checks.ok(CheckCode.FIRMWARE, Say.FIRMWARE_OK, version=version)
    if (
        reading.firmware_version
        and reading.shell_version
        and reading.firmware_version != reading.shell_version
    ):
        checks.note(
            CheckCode.FIRMWARE,
            Say.IMAGE_VS_SHELL,
            image=reading.firmware_version,
            shell=reading.shell_version,
        )
    written = manifest.firmware[0].version if manifest.firmware else ""
    if written and version != written:
        checks.note(CheckCode.FIRMWARE, Say.OTHER_FIRMWARE, written=written, version=version)


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
        say, where = Say.FEATURE_NOT_IN_RECORD, {}
    else:
        owner = _manifest(ledger, record) if record is not None else None
        if owner is None:
            return
        have = {f.code for f in owner.features}
        say, where = Say.FEATURE_NOT_IN_PACKAGE, {"owner": owner.package_id}
    missing = [f for f in required if f.code not in have]
    for feature in missing:
        checks.fail(
            CheckCode.FEATURES,
            say,
            name=feature.name or feature.code,
            feature_code=feature.code,
            **where,
        )
    if not missing:
        names = ", ".join(f.name or f.code for f in required)
        checks.ok(CheckCode.FEATURES, Say.FEATURES_OK, names=names)


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
