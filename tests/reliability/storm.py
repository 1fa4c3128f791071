"""The fault storm's fault picker: seeded, every kind of the simulator's fault specs."""

from __future__ import annotations

import random
from collections.abc import Callable

from prodtool.sim import Fault, parse_fault

KV_SECTOR = 0x3FC000  # the credentials sector of both 4 MB profiles


def pick_spec(rng: random.Random) -> str:
    """One fault spec (docs/simulated-chips.md); tiny firmware means one stub block (0)."""
    op = rng.choice(["0x0a", "0x10", "0x11", "0x12", "0x13", "0x0f", "0x08"])
    choices: list[Callable[[], str]] = [
        lambda: "unplug@block=0",
        lambda: f"unplug@op=0x0a,nth={rng.randint(1, 30)}",
        lambda: f"drop@op={op},nth={rng.randint(1, 3)}",
        lambda: f"delay@op={op},ms={rng.choice([100, 800, 2500])}",
        lambda: (
            f"corrupt@rate={rng.choice([0.0005, 0.002, 0.01])},"
            f"dir={rng.choice(['rx', 'tx', 'both'])},seed={rng.randint(0, 10**6)}"
        ),
        lambda: f"block-error@block=0,count={rng.choice(['1', '2', 'all'])}",
        lambda: f"flash-stuck@offset={rng.choice(['0x10000', hex(KV_SECTOR)])},size=0x1000",
        lambda: "flash-rot@offset=0x10000,size=0x1000",
        lambda: "no-baud-change",
        lambda: f"wrong-chip={rng.choice(['esp32', 'esp32s3', 'esp32c6'])}",
        lambda: "no-download",
        lambda: "auth-reject",
        lambda: "shell-noise",
        lambda: "shell-ansi",
    ]
    return rng.choice(choices)()


def pick_faults(rng: random.Random, most: int) -> list[Fault]:
    return [parse_fault(pick_spec(rng)) for _ in range(rng.randint(0, most))]
