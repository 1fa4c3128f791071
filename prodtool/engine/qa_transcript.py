"""Reading a job's serial transcript back: the steps it took, and the fault it most likely met.

Support compares runs by their *steps*, not their bytes (timing, sync attempts and prompt polls
differ between any two runs): the job's states in order, each flash data block sent (by
sequence number, as esptool numbers them per write), each shell command (consecutive repeats
folded: `wait_prompt` polls) and the outcome. `infer_setup` turns a failed transcript into the
simulated-chip fault that reproduces it (see prodtool/sim/faults.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prodtool.families import registry
from prodtool.families.family import ChipFamily
from prodtool.flash.events import JobState, Reason

_STATES = frozenset(s.value for s in JobState)
_AUTH_REFUSED = "Authorization write failure"
_WRONG_CHIP = re.compile(r"this chip is ([\w()\-]+)", re.IGNORECASE)
_VERIFY_AT = re.compile(r"at (0x[0-9a-f]+) differs", re.IGNORECASE)
_RUNS = re.compile(r"the chip runs (\S+), needs", re.IGNORECASE)


def parse_transcript(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The JSON records of a transcript; a torn last line is skipped."""
    records: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


@dataclass
class _Walker:
    """Collects steps while walking the records in order."""

    family: ChipFamily
    steps: list[str] = field(default_factory=list)
    state: str = ""
    tx: bytearray = field(default_factory=bytearray)

    def add(self, step: str) -> None:
        if not self.steps or self.steps[-1] != step:
            self.steps.append(step)

    def flush_tx(self) -> None:
        for seq in self.family.transcript_blocks(bytes(self.tx)):
            self.add(f"{self.state}: block {seq}")
        self.tx.clear()


def _family(family: ChipFamily | None) -> ChipFamily:
    return family if family is not None else registry.get(registry.DEFAULT_FAMILY)


def job_steps(records: Sequence[dict[str, Any]], family: ChipFamily | None = None) -> list[str]:
    """The comparable steps of one job of `family` (wire steps decoded by the family's
    protocol), in order, ending with `finished: <reason>`."""
    walker = _Walker(_family(family))
    for record in records:
        direction = record.get("dir")
        if direction == "tx" and "hex" in record:
            try:
                walker.tx += bytes.fromhex(str(record["hex"]))
            except ValueError:
                continue
            continue
        if direction == "step":
            walker.flush_tx()
            text = str(record.get("text", ""))
            if text in _STATES:
                walker.state = text
                walker.add(f"state: {text}")
            elif text == "finished":
                walker.add(f"finished: {record.get('reason', '')}")
        elif direction == "tx" and "text" in record:
            walker.flush_tx()
            words = str(record["text"]).split()
            if words:
                walker.add(f"{walker.state}: shell {words[0]}")
        elif direction == "tx" and "opaque" in record:
            walker.flush_tx()
            walker.add(f"{walker.state}: license partition")
    walker.flush_tx()
    return walker.steps


def outcome(records: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """(reason, detail) of the job's `finished` step; ("", "") if it never finished."""
    for record in reversed(records):
        if record.get("dir") == "step" and record.get("text") == "finished":
            return str(record.get("reason", "")), str(record.get("detail", ""))
    return "", ""


@dataclass(frozen=True)
class ReplaySetup:
    """How to set up a simulated chip so the job meets what the recorded one met."""

    faults: tuple[str, ...] = ()
    app_version: str | None = None
    explanation: str = ""


def _rx_text(records: Sequence[dict[str, Any]]) -> str:
    return "\n".join(str(r.get("text", "")) for r in records if r.get("dir") == "rx")


def _loader_answered(records: Sequence[dict[str, Any]], family: ChipFamily) -> bool:
    rx = bytearray()
    for record in records:
        if record.get("dir") == "rx" and "hex" in record:
            try:
                rx += bytes.fromhex(str(record["hex"]))
            except ValueError:
                continue
    return family.loader_answered(bytes(rx))


def _last_block(steps: Sequence[str]) -> int | None:
    for step in reversed(steps):
        _, sep, rest = step.partition(": block ")
        if sep:
            return int(rest)
    return None


def infer_setup(records: Sequence[dict[str, Any]], family: ChipFamily | None = None) -> ReplaySetup:
    """The fault (and firmware on the chip) that explains a failed transcript."""
    family = _family(family)
    reason, detail = outcome(records)
    steps = job_steps(records, family)
    if _AUTH_REFUSED in _rx_text(records):
        return ReplaySetup(("auth-reject",), explanation="the shell refused the license")
    if reason == Reason.WRONG_CHIP:
        match = _WRONG_CHIP.search(detail)
        if match:
            other = registry.canonical(match.group(1))
            return ReplaySetup((f"wrong-chip={other}",), explanation=f"the chip was a {other}")
    if reason == Reason.CABLE_PULLED:
        block = _last_block(steps)
        if block is not None:
            return ReplaySetup(
                (f"unplug@block={block}",),
                explanation=f"the link dropped during flash data block {block}",
            )
    if reason == Reason.NO_ANSWER and not _loader_answered(records, family):
        return ReplaySetup(("no-download",), explanation="the chip's loader never answered")
    if reason == Reason.FIRMWARE_VERIFY_FAILED:
        match = _VERIFY_AT.search(detail)
        if match:
            return ReplaySetup(
                (f"flash-stuck@offset={match.group(1)}",),
                explanation=f"the flash at {match.group(1)} did not take the image",
            )
    if reason == Reason.FIRMWARE_TOO_OLD:
        match = _RUNS.search(detail)
        if match:
            return ReplaySetup(
                app_version=match.group(1), explanation=f"the chip ran firmware {match.group(1)}"
            )
    return ReplaySetup(explanation=f"no fault inferred for {reason or 'an unfinished job'}")


@dataclass(frozen=True)
class Divergence:
    """The first point where two runs differ (index into the step lists)."""

    index: int
    recorded: str | None
    replayed: str | None

    def sentence(self) -> str:
        recorded = self.recorded or "(nothing more)"
        replayed = self.replayed or "(nothing more)"
        return f"step {self.index + 1}: the recorded run did {recorded!r}, the replay {replayed!r}"


def first_divergence(recorded: Sequence[str], replayed: Sequence[str]) -> Divergence | None:
    for index in range(max(len(recorded), len(replayed))):
        a = recorded[index] if index < len(recorded) else None
        b = replayed[index] if index < len(replayed) else None
        if a != b:
            return Divergence(index, a, b)
    return None
