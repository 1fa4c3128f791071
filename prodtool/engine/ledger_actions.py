"""A supervisor's ledger actions, one function each, for the command line and the window alike.

`prodtool ledger quarantine|settle` and the window's ledger panel both call these, so a license
is released, settled or quarantined the same way wherever a person clicks or types. Settling by
reading the chip back is `prodtool.engine.reconcile.reconcile_ports`. `needing_attention` lists
the licenses a person must decide on (needs_check, quarantined) with why, where and when, and
the next step as a code the window words. No AuthKey is ever returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from prodtool.errors import UserError
from prodtool.license.ledger import ChipIdentity, Ledger, LicenseRecord
from prodtool.license.model import LicenseState


class NextStep(StrEnum):
    """What a person does next about a license that needs attention."""

    READ_BACK = "read_back"  # needs_check, chip known: plug that chip in and read it back
    DECIDE = "decide"  # needs_check, no chip known: settle it as on no chip, or find the chip
    CHECK_CHIP = "check_chip"  # quarantined, bound to a chip: check it; release → needs_check
    RELEASE = "release"  # quarantined, on no chip: release puts it back in use


class LicenseNotFoundError(UserError):
    code = "not_found"

    def __init__(self, uuid: str) -> None:
        super().__init__(f"license {uuid} is not in the ledger", params={"uuid": uuid})
        self.uuid = uuid


@dataclass(frozen=True)
class Attention:
    """A license a person must decide on: its record, why it is here, and the next step."""

    record: LicenseRecord
    reason: str
    next_step: NextStep


def find_license(ledger: Ledger, uuid: str) -> LicenseRecord:
    record = ledger.find_uuid(uuid.strip())
    if record is None:
        raise LicenseNotFoundError(uuid.strip())
    return record


def quarantine_license(ledger: Ledger, uuid: str, *, reason: str) -> LicenseRecord:
    """Take a license out of use; returns it as it was before."""
    record = find_license(ledger, uuid)
    ledger.quarantine(record.license_id, reason=reason)
    return record


def release_license(ledger: Ledger, uuid: str, *, reason: str) -> LicenseState:
    """Put a quarantined license back: needs_check when bound to a chip, else available."""
    record = find_license(ledger, uuid)
    ledger.release_quarantine(record.license_id, reason=reason)
    return ledger.record(record.license_id).state


def settle_license(ledger: Ledger, uuid: str, *, found_on_mac: str | None) -> LicenseState:
    """Record what a person saw: the license on the chip with this MAC, or (None) on no chip."""
    record = find_license(ledger, uuid)
    chip = None
    if found_on_mac is not None:
        family = ledger.manifest(record.package_id).chip_family
        try:
            mac = ChipIdentity(family=family, mac=found_on_mac, chip_id="").mac
        except ValueError:
            raise UserError(
                f"{found_on_mac} is not a MAC address", code="bad_mac", params={"mac": found_on_mac}
            ) from None
        chip = ChipIdentity(family, mac, mac.replace(":", ""))
    return ledger.settle(record.license_id, found_on=chip)


def _last_reason(ledger: Ledger, record: LicenseRecord) -> str:
    if record.note:
        return record.note
    for event in reversed(ledger.history(record.license_id)):
        if event.get("to_state") == record.state.value and event.get("reason"):
            return str(event["reason"])
    return ""


def next_step(record: LicenseRecord) -> NextStep:
    bound = bool(record.chip_mac or record.chip_id)
    if record.state is LicenseState.QUARANTINED:
        return NextStep.CHECK_CHIP if bound else NextStep.RELEASE
    return NextStep.READ_BACK if bound else NextStep.DECIDE


def needing_attention(ledger: Ledger) -> list[Attention]:
    """needs_check licenses (oldest first), then quarantined ones, each with its reason."""
    records = ledger.in_state(LicenseState.NEEDS_CHECK) + ledger.quarantined()
    return [Attention(r, _last_reason(ledger, r), next_step(r)) for r in records]
