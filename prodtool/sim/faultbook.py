"""The faults active on one chip, with their counters; safe to change from any thread.

Tests add and remove faults on a live chip while the loop thread consults them, so every
access takes the book's lock. A fault is spent once it has fired `Fault.firings` times.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from prodtool.sim.faults import Fault, FaultKind


@dataclass
class ActiveFault:
    """A fault and how it has been used so far."""

    fault: Fault
    fired: int = 0
    seen: int = 0  # matching commands seen (for nth)
    per_block: Counter[int] = field(default_factory=Counter)

    @property
    def spent(self) -> bool:
        limit = self.fault.firings
        return limit is not None and self.fired >= limit


class FaultBook:
    """Faults on one chip; the chip asks it at each decision point."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self._lock = threading.Lock()
        self._active: list[ActiveFault] = [ActiveFault(f) for f in faults or []]
        self.generation = 0  # bumps on every change, so the chip can refresh wire faults

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._active.append(ActiveFault(fault))
            self.generation += 1

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._active = [a for a in self._active if a.fault != fault]
            self.generation += 1

    def clear(self) -> None:
        with self._lock:
            self._active.clear()
            self.generation += 1

    def faults(self) -> list[Fault]:
        with self._lock:
            return [a.fault for a in self._active if not a.spent]

    def persistent(self, kind: FaultKind) -> Fault | None:
        """The first live fault of `kind` (for faults that are states, not events)."""
        with self._lock:
            for active in self._active:
                if active.fault.kind is kind and not active.spent:
                    return active.fault
        return None

    def fire(self, kind: FaultKind) -> Fault | None:
        """Use one firing of the first live fault of `kind`."""
        with self._lock:
            for active in self._active:
                if active.fault.kind is kind and not active.spent:
                    active.fired += 1
                    return active.fault
        return None

    def on_command(self, kind: FaultKind, op: int) -> Fault | None:
        """A command with opcode `op` arrived: does a `kind` fault (drop, delay...) fire?"""
        with self._lock:
            for active in self._active:
                fault = active.fault
                if fault.kind is not kind or active.spent:
                    continue
                if fault.block is not None or (fault.op is not None and fault.op != op):
                    continue
                active.seen += 1
                if active.seen >= fault.nth:
                    active.fired += 1
                    return fault
        return None

    def on_block(self, kind: FaultKind, seq: int) -> Fault | None:
        """A flash data block `seq` arrived: does a block fault (error, unplug) fire?"""
        with self._lock:
            for active in self._active:
                fault = active.fault
                if fault.kind is not kind or active.spent:
                    continue
                if kind is FaultKind.UNPLUG and fault.block is None:
                    continue
                if fault.block is not None and fault.block != seq:
                    continue
                if fault.kind is FaultKind.BLOCK_ERROR and fault.count is not None:
                    if active.per_block[seq] >= fault.count:
                        continue
                    active.per_block[seq] += 1
                active.fired += 1
                return fault
        return None
