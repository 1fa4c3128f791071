"""Simulated chips behind virtual serial ports, speaking the real wire protocols.

`ChipFarm` serves N chips (pty, socket:// or rfc2217://); `SimChip` is one chip; `Fault` and
`parse_fault` describe faults to inject. See docs/simulated-chips.md.
"""

from prodtool.families.esp.sim.chip import ChipMode, ChipStats, SimChip
from prodtool.sim.farm import ChipFarm, ChipServer
from prodtool.sim.faults import Fault, FaultKind, FaultSpecError, format_fault, parse_fault

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
