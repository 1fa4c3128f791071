"""Closing a batch: one signed archive with everything an order or a shift leaves behind.

`close_batch` writes a ZIP holding the write-log export (`writelog.csv`, the whole chain, so it
verifies on its own), the ledger summary (`ledger-summary.json`: licenses per state and package),
the firmware digests (`firmware.json`: every loaded package's images with size and SHA-256), the
shift report (`shift-report.csv` and `.pdf`), and `manifest.json` (each member's SHA-256, the
chain head, the time span). `manifest.sig` is the station key's Ed25519 signature over
`manifest.json`; `verify_batch` checks the signature and every member's digest. The signature is
checked against the station's key as known beforehand (the station's own, or the fingerprint
`prodtool log verify` prints on it), never against the key the archive names: a forger who
rewrote the members could sign them with a key of their own and name that one. No member holds
a secret: the ledger summary has counts, the write log identifiers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from prodtool.engine.export import _raw, key_fingerprint, render, station_key
from prodtool.engine.shift_report import ShiftReport, build_report, render_csv, render_pdf
from prodtool.engine.writelog import GENESIS, read_records, verify_chain
from prodtool.errors import StorageError, UserError
from prodtool.license.ledger import Ledger
from prodtool.paths import StationPaths

BATCH_FORMAT = "prodtool-batch/1"


class BatchError(UserError):
    code = "batch"


def _ledger_summary(ledger: Ledger) -> dict[str, Any]:
    counts = ledger.counts()
    return {
        package: {state.value: n for state, n in sorted(states.items())}
        for package, states in sorted(counts.items())
    }


def _firmware(ledger: Ledger) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for manifest in ledger.packages():
        for image in manifest.firmware:
            out.append(
                {
                    "package_id": manifest.package_id,
                    "file": image.file,
                    "offset": image.offset,
                    "size": image.size,
                    "sha256": image.sha256,
                    "version": image.version,
                }
            )
    return out


def close_batch(
    paths: StationPaths,
    ledger: Ledger,
    out: Path,
    *,
    station_id: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> ShiftReport:
    """Write the archive `out` (a .zip); returns the shift report it holds."""
    if out.suffix.lower() != ".zip":
        raise BatchError(f"{out.name}: give a file name ending in .zip")
    records = list(read_records(paths.write_log))
    problems = verify_chain(records)
    if problems:
        raise BatchError(
            f"the station's write log is damaged: {problems[0].text}",
            hint="do not close the batch; call a supervisor",
        )
    report = build_report(records, since=since, until=until)
    members: dict[str, bytes] = {
        "writelog.csv": render(records, "csv", station_id),
        "ledger-summary.json": _json(_ledger_summary(ledger)),
        "firmware.json": _json(_firmware(ledger)),
        "shift-report.csv": render_csv(report),
        "shift-report.pdf": render_pdf(report, station_id=station_id),
    }
    key = station_key(paths)
    manifest = {
        "format": BATCH_FORMAT,
        "station_id": station_id,
        "closed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "since": report.since,
        "until": report.until,
        "records": len(records),
        "chain_head": str(records[-1]["hash"]) if records else GENESIS,
        "public_key": _raw(key.public_key()).hex(),
        "members": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    manifest_bytes = _json(manifest)
    signature = key.sign(manifest_bytes).hex().encode()
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
            archive.writestr("manifest.json", manifest_bytes)
            archive.writestr("manifest.sig", signature)
    except OSError as error:
        raise StorageError(f"cannot write {out}: {error.strerror}") from None
    return report


@dataclass
class BatchCheck:
    signature_ok: bool = False  # signed by the pinned station key
    problems: list[str] = field(default_factory=list)
    key_fingerprint: str = ""  # of the key the archive names

    @property
    def ok(self) -> bool:
        return self.signature_ok and not self.problems


def verify_batch(
    path: Path,
    *,
    trusted: Ed25519PublicKey | None = None,
    expect_fingerprint: str | None = None,
) -> BatchCheck:
    """Check the archive's signature against the pinned station key (`trusted`, or the key
    whose fingerprint is `expect_fingerprint`) and each member's digest. Without a pin the
    archive is not OK: its own key proves nothing."""
    check = BatchCheck()
    try:
        with zipfile.ZipFile(path) as archive:
            manifest_bytes = archive.read("manifest.json")
            signature = bytes.fromhex(archive.read("manifest.sig").decode())
            manifest = json.loads(manifest_bytes)
            named = Ed25519PublicKey.from_public_bytes(bytes.fromhex(manifest["public_key"]))
            check.key_fingerprint = key_fingerprint(named)
            key = named
            if trusted is not None:
                key = trusted  # the station's key, whatever the archive names
                if _raw(trusted) != _raw(named):
                    check.problems.append("signed by another key than this station's")
            elif expect_fingerprint is not None:
                if check.key_fingerprint != expect_fingerprint.strip().lower():
                    check.problems.append(f"signed by another key than {expect_fingerprint}")
            else:
                check.problems.append(
                    "no station key to check the signature against: run it on the station, or"
                    " give the station key's fingerprint (prodtool log verify prints it there)"
                )
            try:
                key.verify(signature, manifest_bytes)
                check.signature_ok = not check.problems
            except InvalidSignature:
                check.problems.append("the manifest's signature does not match")
            for name, digest in manifest["members"].items():
                try:
                    data = archive.read(name)
                except KeyError:
                    check.problems.append(f"{name} is missing")
                    continue
                if hashlib.sha256(data).hexdigest() != digest:
                    check.problems.append(f"{name} was changed")
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise BatchError(f"{path.name} is not a prodtool batch archive: {error}") from None
    return check


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()
