"""After a crash: read chips back and settle the ledger's needs_check licenses by what they hold.

A supervisor runs `prodtool ledger reconcile --ports LIST` with the chips of the interrupted run
plugged in. For each chip (read like QA, nothing written):

- it holds a needs_check license of the ledger, bound to this chip, with the ledger's AuthKey
  → `settle(found_on=chip)`: verified;
- a needs_check license bound to this chip is not on it (the chip answered, and holds nothing or
  another license) → `settle(found_on=None)`: available again (its AuthKey reached only this chip);
- anything else (the chip could not be read, a license bound elsewhere, a wrong AuthKey) is left
  as it is and said in words: a person decides.

A license settled as verified was written by a job that never logged it (its station died
after the AuthKey left): given the station's write log, reconciliation logs that write now, once
(`passed`, detail "reconciled"), so every write appears in the log and the fleet's export.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from prodtool.engine.job import JobLog, new_job_id, open_port
from prodtool.engine.qa_read import ChipReading, read_chip
from prodtool.engine.writelog import WriteRecord
from prodtool.license.errors import LedgerError
from prodtool.license.ledger import ChipIdentity, Ledger, LicenseRecord
from prodtool.license.model import LicenseState, Manifest


class Outcome(StrEnum):
    VERIFIED = "verified"  # settled: found on this chip
    AVAILABLE = "available"  # settled: on no chip
    LEFT = "left"  # not settled; the text says why
    UNREADABLE = "unreadable"  # the chip could not be read


@dataclass(frozen=True)
class Settlement:
    """What reconciliation did for one license on one port (never an AuthKey)."""

    port: str
    mac: str
    uuid: str
    outcome: Outcome
    text: str


def packages_to_settle(ledger: Ledger) -> list[Manifest]:
    """The packages holding needs_check licenses (the chip is read once per package)."""
    return [
        m
        for m in ledger.packages()
        if ledger.counts(m.package_id)[m.package_id][LicenseState.NEEDS_CHECK]
    ]


def reconcile_ports(
    ports: Sequence[str],
    ledger: Ledger,
    *,
    opener: Callable[[str], Any] = open_port,
    shell_timeout_s: float = 8.0,
    connect_attempts: int = 3,
    writelog: JobLog | None = None,
    station_id: str = "",
    operator: str = "",
) -> list[Settlement]:
    """Read each port's chip and settle what it shows; one `Settlement` per license touched.
    With `writelog`, each license settled as verified is logged as the write it was."""
    results: list[Settlement] = []
    for manifest in packages_to_settle(ledger):
        for port in ports:
            reading = read_chip(
                port,
                manifest,
                opener=opener,
                shell_timeout_s=shell_timeout_s,
                connect_attempts=connect_attempts,
            )
            settled = settle_reading(reading, ledger, manifest)
            if writelog is not None:
                for s in settled:
                    if s.outcome is Outcome.VERIFIED:
                        writelog.append(
                            reconciled_record(s, reading, manifest, station_id, operator)
                        )
            results += settled
    return results


def reconciled_record(
    settlement: Settlement,
    reading: ChipReading,
    manifest: Manifest,
    station_id: str,
    operator: str,
) -> WriteRecord:
    """The write log's record of a write found on a chip when its license was settled."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return WriteRecord(
        job_id=f"reconcile-{new_job_id()}",
        station_id=station_id,
        operator=operator,
        port=settlement.port,
        chip_family=reading.family,
        mac=reading.mac,
        chip_id=reading.chip_id,
        uuid=settlement.uuid,
        package_id=manifest.package_id,
        order_number=manifest.order_number,
        firmware_version=reading.version or "",
        delivery_mode=manifest.delivery_mode.value,
        result="passed",
        reason="ok",
        detail="reconciled: found on the chip when its needs_check license was read back",
        started_at=now,
        finished_at=now,
    )


def settle_reading(reading: ChipReading, ledger: Ledger, manifest: Manifest) -> list[Settlement]:
    """Settle the needs_check licenses of `manifest`'s package that this reading decides."""
    if not reading.identified:
        why = "; ".join(reading.problems) or "no answer"
        return [Settlement(reading.port, "", "", Outcome.UNREADABLE, why)]
    chip = ChipIdentity(family=reading.family, mac=reading.mac, chip_id=reading.chip_id)
    out: list[Settlement] = []
    found = ledger.find_uuid(reading.uuid) if reading.uuid else None
    if found is not None and found.state is LicenseState.NEEDS_CHECK:
        out.append(_settle_found(reading, ledger, found, chip))
    answered = not reading.problems and bool(reading.auth_source)
    for record in ledger.licenses_for_chip(chip, manifest.package_id):
        if record.state is not LicenseState.NEEDS_CHECK or record.uuid == reading.uuid:
            continue
        if not answered:
            why = "; ".join(reading.problems) or "the license could not be read"
            out.append(_left(reading, record, f"not settled: {why}"))
            continue
        ledger.settle(record.license_id, found_on=None)
        out.append(
            Settlement(
                reading.port,
                reading.mac,
                record.uuid,
                Outcome.AVAILABLE,
                f"{record.uuid} is not on chip {reading.mac}: available again",
            )
        )
    return out


def _settle_found(
    reading: ChipReading, ledger: Ledger, record: LicenseRecord, chip: ChipIdentity
) -> Settlement:
    bound = (record.chip_mac or "").lower()
    if bound and bound != chip.mac:
        return _left(reading, record, f"bound to chip {bound}, found on {chip.mac}: call support")
    expected = ledger.authkey(record.license_id)
    if not hmac.compare_digest(reading.authkey.encode(), expected.encode()):
        return _left(reading, record, "the chip's AuthKey is not the ledger's")
    try:
        ledger.settle(record.license_id, found_on=chip)
    except LedgerError as error:
        return _left(reading, record, error.message)
    return Settlement(
        reading.port,
        reading.mac,
        record.uuid,
        Outcome.VERIFIED,
        f"{record.uuid} found on chip {chip.mac}: verified",
    )


def _left(reading: ChipReading, record: LicenseRecord, why: str) -> Settlement:
    return Settlement(reading.port, reading.mac, record.uuid, Outcome.LEFT, why)
