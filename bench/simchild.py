"""Simulated chips in a child process that also answers for their wire counters.

`prodtool sim serve` prints ports and serves; benchmarks also need what each chip counted
(bytes and wire seconds both ways) and fresh chips between cycles, without the simulator sharing
the tool's interpreter. This child reads one command per line on stdin and answers one JSON line:

    stats            -> {"chips": [{"bytes_in", "bytes_out", "wire_in_s", "wire_out_s", ...}]}
    replace I [J..]  -> {"urls": [...]}   fresh blank chips (new MACs) in those slots
    quit (or EOF)    -> the farm stops and the process exits 0

Run by `SimChild` below; `python -m bench.simchild --chips N [--family F]` by hand for
debugging. Beken chips take a flash timing (`--timing ideal|nor`) and a boot window
(`--window S`); `BekenChild` is `SimChild` with Beken's defaults (pty, bk7231n).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from types import TracebackType
from typing import Any

from prodtool.families.beken.sim.chip import IDEAL, NOR
from prodtool.families.beken.sim.serve import BekenFarm
from prodtool.families.beken.variants import is_beken
from prodtool.sim import ChipFarm, SimulatedChip

TIMINGS = {"ideal": IDEAL, "nor": NOR}


def chip_stats(chip: SimulatedChip) -> dict[str, Any]:
    link = chip.link
    return {
        "bytes_in": chip.stats.bytes_in,
        "bytes_out": chip.stats.bytes_out,
        "wire_in_s": link.rx.seconds if link else 0.0,
        "wire_out_s": link.tx.seconds if link else 0.0,
        "commands": chip.stats.commands,
        "boots": chip.stats.boots,
        "mode": str(getattr(chip, "state", chip.mode)),  # Beken: its own finer states
    }


def _terminate(_signum: int, _frame: object) -> None:
    raise SystemExit(0)  # unwinds through the farm's `with`: ports closed, loop joined


def make_farm(
    chips: int, transport: str, family: str, seed: int, timing: str, window: float
) -> ChipFarm:
    """Beken chips with their flash timing and boot window; every other family as it is."""
    if not is_beken(family):
        return ChipFarm(count=chips, family=family, transport=transport, seed=seed)
    chosen = TIMINGS[timing]
    if window:
        chosen = replace(chosen, window_s=window)
    return BekenFarm(chips, family, transport, seed=seed, timing=chosen)


def serve(
    chips: int, transport: str, family: str, seed: int, timing: str = "ideal", window: float = 0.0
) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    with make_farm(chips, transport, family, seed, timing, window) as farm:
        _answer({"urls": farm.urls})
        for line in sys.stdin:
            words = line.split()
            if not words or words[0] == "quit":
                break
            if words[0] == "stats":
                _answer({"chips": [chip_stats(c) for c in farm.chips]})
            elif words[0] == "replace":
                for word in words[1:]:
                    farm.replace(int(word))
                _answer({"urls": farm.urls})
            else:
                _answer({"error": f"unknown command {words[0]!r}"})
    return 0


def _answer(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class SimChild:
    """`with SimChild(chips=8) as sim: sim.urls; sim.stats(); sim.replace([0])`."""

    def __init__(
        self,
        chips: int,
        *,
        transport: str = "socket",
        family: str = "esp32c3",
        seed: int = 0,
        timing: str = "ideal",
        window: float = 0.0,
    ) -> None:
        self.argv = [sys.executable, "-m", "bench.simchild", "--chips", str(chips)]
        self.argv += ["--transport", transport, "--family", family, "--seed", str(seed)]
        self.argv += ["--timing", timing, "--window", str(window)]
        self.process: subprocess.Popen[str] | None = None
        self.urls: list[str] = []

    def __enter__(self) -> SimChild:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.urls = self._ask(None)["urls"]
        return self

    def _ask(self, command: str | None) -> dict[str, Any]:
        process = self.process
        assert process is not None and process.stdin and process.stdout
        if command is not None:
            process.stdin.write(command + "\n")
            process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"simulator child exited ({process.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stats(self) -> list[dict[str, Any]]:
        chips: list[dict[str, Any]] = self._ask("stats")["chips"]
        return chips

    def replace(self, slots: list[int]) -> list[str]:
        self.urls = self._ask("replace " + " ".join(str(i) for i in slots))["urls"]
        return self.urls

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.write("quit\n")
                process.stdin.close()
            process.wait(15)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


class BekenChild(SimChild):
    """Simulated Beken modules: pty ports and BK7231N unless told otherwise."""

    def __init__(
        self,
        chips: int,
        *,
        transport: str = "pty",
        family: str = "bk7231n",
        timing: str = "ideal",
        seed: int = 0,
        window: float = 0.0,
    ) -> None:
        super().__init__(
            chips, transport=transport, family=family, seed=seed, timing=timing, window=window
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chips", type=int, default=1)
    parser.add_argument("--transport", default="socket")
    parser.add_argument("--family", default="esp32c3")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timing", choices=sorted(TIMINGS), default="ideal", help="Beken only")
    parser.add_argument("--window", type=float, default=0.0, help="Beken boot window, s")
    args = parser.parse_args()
    return serve(args.chips, args.transport, args.family, args.seed, args.timing, args.window)


if __name__ == "__main__":
    sys.exit(main())
