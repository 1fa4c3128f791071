"""The ledger's state moves as one table, shared by every store.

A store reads the license row (locked), asks `check` whether the move fits, and writes the state
`target` names together with a history event, all in one transaction. Anything that does not fit
is refused here, before a store changes anything, so SQLite and PostgreSQL refuse alike.

    available --reserve--> reserved --mark_written--> written --mark_verified--> verified
    reserved --mark_verified--> verified       reserved|written --mark_needs_check--> needs_check
    reserved (never sent) --release--> available (or back to what a reused license was)
    written|verified|needs_check --reserve (same chip)--> reserved
    needs_check --settle--> verified (found on a chip) | available (on no chip)
    any --quarantine--> quarantined --release_quarantine--> available (no chip) | needs_check
    reserved, owner gone --recover--> back as by release (never sent) | needs_check (sent)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from prodtool.license.errors import TransitionError
from prodtool.license.model import LicenseState

_S = LicenseState


class Move(enum.StrEnum):
    """A state move; its value is the history event it writes."""

    SENDING = "sending"
    RELEASE = "release"
    WRITTEN = "written"
    VERIFIED = "verified"
    NEEDS_CHECK = "needs-check"
    QUARANTINE = "quarantine"
    RELEASE_QUARANTINE = "release-quarantine"
    SETTLE = "settle"
    RECOVER = "recover"


@dataclass(frozen=True)
class Rule:
    """Where a move may start, where it ends (None: decided from the row) and what it does."""

    action: str  # the verb in a refusal: "cannot {action} license ..."
    sources: frozenset[LicenseState]
    to: LicenseState | None
    owned: bool  # only the job holding the reservation may make it
    durable: bool  # committed with an fsync (see the SQLite store's `_write`)
    sent: int | None  # the `sent` flag afterwards (None: unchanged)


_ALL = frozenset(LicenseState)
RULES: dict[Move, Rule] = {
    Move.SENDING: Rule("send", frozenset({_S.RESERVED}), _S.RESERVED, True, True, 1),
    Move.RELEASE: Rule("release", frozenset({_S.RESERVED}), None, True, False, None),
    Move.WRITTEN: Rule("mark written", frozenset({_S.RESERVED}), _S.WRITTEN, True, False, 1),
    Move.VERIFIED: Rule(
        "mark verified", frozenset({_S.RESERVED, _S.WRITTEN}), _S.VERIFIED, True, True, 1
    ),
    Move.NEEDS_CHECK: Rule(
        "mark needs_check", frozenset({_S.RESERVED, _S.WRITTEN}), _S.NEEDS_CHECK, True, True, 1
    ),
    Move.QUARANTINE: Rule("quarantine", _ALL - {_S.QUARANTINED}, _S.QUARANTINED, False, True, None),
    Move.RELEASE_QUARANTINE: Rule("release", frozenset({_S.QUARANTINED}), None, False, True, None),
    Move.SETTLE: Rule("settle", frozenset({_S.NEEDS_CHECK}), None, False, True, None),
    Move.RECOVER: Rule("recover", frozenset({_S.RESERVED}), None, False, True, None),
}

# States a chip's own license may be reserved again from (by the chip, in any job).
REUSABLE = frozenset({_S.WRITTEN, _S.VERIFIED, _S.NEEDS_CHECK, _S.RESERVED})


def check(move: Move, *, uuid: str, state: LicenseState, holder: str | None, job_id: str) -> Rule:
    """The rule for `move` if it fits a license in `state` held by job `holder`; else refused."""
    rule = RULES[move]
    if state not in rule.sources:
        if move is Move.QUARANTINE:
            raise TransitionError(
                f"license {uuid} is already quarantined",
                code="already_quarantined",
                params={"uuid": uuid},
            )
        if move is Move.RELEASE_QUARANTINE:
            raise TransitionError(
                f"license {uuid} is not quarantined (it is {state})",
                code="not_quarantined",
                params={"uuid": uuid, "state": state.value},
            )
        raise TransitionError(
            f"cannot {rule.action} license {uuid}: it is {state}",
            params={"uuid": uuid, "state": state.value},
        )
    if rule.owned and holder != job_id:
        raise TransitionError(
            f"cannot {rule.action} license {uuid}: it belongs to job {holder}, not {job_id}",
            code="other_job",
            params={"uuid": uuid, "job": holder},
        )
    return rule


def release_target(*, uuid: str, sent: int, prior: str | None) -> LicenseState:
    """Where releasing a reservation takes it: back to what it was; refused once sent."""
    if sent:
        raise TransitionError(
            f"cannot release license {uuid}: its AuthKey was sent to the chip",
            hint="mark it needs_check instead",
            code="authkey_sent",
            params={"uuid": uuid},
        )
    return LicenseState(prior or _S.AVAILABLE)


def recover_target(*, sent: int, prior: str | None) -> LicenseState:
    """A reservation whose holder is gone: one whose AuthKey provably never left the station
    (`mark_sending` is committed with an fsync before it leaves) goes back as a release would;
    one that may have left becomes needs_check, to be settled by reading the chip."""
    return _S.NEEDS_CHECK if sent else LicenseState(prior or _S.AVAILABLE)


def release_quarantine_target(*, bound: bool) -> LicenseState:
    """A quarantined license bound to a chip must be checked on it; one never bound is free."""
    return _S.NEEDS_CHECK if bound else _S.AVAILABLE
