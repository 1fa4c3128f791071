"""Simulated chips behind virtual serial ports, speaking the real wire protocols.

`ChipFarm` serves N chips of any registered family (pty, socket:// or rfc2217://);
`SimulatedChip` is what it serves (`SimChip` is the ESP one); `Fault` and `parse_fault`
describe faults to inject. See docs/simulated-chips.md.
"""

from prodtool.families.esp.sim.chip import SimChip
from prodtool.sim.chip import ChipMode, ChipStats, SimulatedChip
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
    "SimulatedChip",
    "format_fault",
    "parse_fault",
]
