"""Simulated chips behind virtual serial ports, speaking the real wire protocols.

`ChipFarm` serves N chips (pty, socket:// or rfc2217://); `SimChip` is one chip; `Fault` and
`parse_fault` describe faults to inject. See docs/simulated-chips.md.
"""

from prodtool.flash.sim.chip import ChipMode, ChipStats, SimChip
from prodtool.flash.sim.farm import ChipFarm, ChipServer
from prodtool.flash.sim.faults import Fault, FaultKind, FaultSpecError, format_fault, parse_fault

__all__ = [
    "ChipFarm",
    "ChipMode",
    "ChipServer",
    "ChipStats",
    "Fault",
    "FaultKind",
    "FaultSpecError",
    "SimChip",
    "format_fault",
    "parse_fault",
]
