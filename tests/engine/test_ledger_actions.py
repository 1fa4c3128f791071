"""The supervisor's ledger actions (shared by `prodtool ledger` and the window's panel): what
needs attention, with why and the next step; release, settle and quarantine by UUID."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prodtool.engine.ledger_actions import (
    LicenseNotFoundError,
    NextStep,
    needing_attention,
    quarantine_license,
    release_license,
    settle_license,
)
from prodtool.errors import UserError
from prodtool.license.ledger import Ledger
from prodtool.license.model import LicenseState
from prodtool.license.testing import chip, loaded_package, open_ledger

S = LicenseState


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(tmp_path) as opened:
        yield opened


def sent_but_unconfirmed(ledger: Ledger, pid: str, n: int) -> str:
    """A license whose AuthKey went to chip `n` without a confirmation: needs_check."""
    r = ledger.reserve(pid, chip(n), job_id=f"j{n}", port=f"COM{n}")
    ledger.mark_sending(r.license_id, job_id=f"j{n}")
    ledger.mark_needs_check(r.license_id, job_id=f"j{n}", reason="the chip stopped answering")
    return r.uuid


def test_attention_lists_reasons_and_next_steps(ledger: Ledger, tmp_path: Path) -> None:
    pid = ledger.load_package(loaded_package(tmp_path, 4))
    unsure = sent_but_unconfirmed(ledger, pid, 1)
    spare = next(r for r in ledger.in_state(S.AVAILABLE))
    quarantine_license(ledger, spare.uuid, reason="label torn")
    items = {item.record.uuid: item for item in needing_attention(ledger)}
    assert set(items) == {unsure, spare.uuid}
    assert items[unsure].reason == "the chip stopped answering"
    assert items[unsure].next_step is NextStep.READ_BACK
    assert items[unsure].record.port == "COM1" and items[unsure].record.chip_mac
    assert items[spare.uuid].reason == "label torn"
    assert items[spare.uuid].next_step is NextStep.RELEASE


def test_release_settle_quarantine_by_uuid(ledger: Ledger, tmp_path: Path) -> None:
    pid = ledger.load_package(loaded_package(tmp_path, 4))
    unsure = sent_but_unconfirmed(ledger, pid, 1)
    quarantine_license(ledger, unsure, reason="check by hand")
    assert [i.next_step for i in needing_attention(ledger)] == [NextStep.CHECK_CHIP]
    assert release_license(ledger, unsure, reason="checked") is S.NEEDS_CHECK  # bound: read back
    mac = ledger.find_uuid(unsure).chip_mac  # type: ignore[union-attr]
    assert mac
    assert settle_license(ledger, unsure, found_on_mac=mac.upper()) is S.VERIFIED
    other = sent_but_unconfirmed(ledger, pid, 2)
    assert settle_license(ledger, other, found_on_mac=None) is S.AVAILABLE
    assert needing_attention(ledger) == []
    with pytest.raises(LicenseNotFoundError):
        release_license(ledger, "no-such-uuid", reason="x")
    third = sent_but_unconfirmed(ledger, pid, 3)
    with pytest.raises(UserError, match="not a MAC"):
        settle_license(ledger, third, found_on_mac="hello")
    ledger.check_invariants()
