"""Scaling: 1, 8, 16 and 32 simulated chips at once through one real Station.

The chips live in separate simulator processes (16 per process), the station drives them from
this process exactly as the window would. Each port's rate is 1 / its cycle time (plug to pass);
its fraction is the one-port cycle over its own. Firmware: 256 KiB at 921600 baud (about 2 s of
wire per chip, so 32 ports stay bounded in time). Target: at 32 ports every port >= 0.9 of the
one-port rate. Also records this process's peak resident memory and the CPU it used.

Run: python -m bench.bench_scaling [--quick] [--ports 1,8,16,32] [--size BYTES]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.common import (
    KIB,
    bench_station,
    failures,
    median,
    peak_rss_mb,
    sim_chips,
    station_cpu_s,
    table,
    write_results,
)

TARGET_FRACTION = 0.9
BAUD = 921600
ROUND_SEED = 100  # each round gets new MACs: fresh chips, never a re-plug


def measure(counts: list[int], size: int, single_runs: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    one_port: float | None = None
    with bench_station(size, BAUD, licenses=sum(counts) + 3 * single_runs + 8) as bench:
        for r, count in enumerate(counts):
            runs = single_runs if count == 1 else 1
            cycles: list[float] = []
            phases: dict[str, list[float]] = {"seconds_firmware": [], "seconds_auth": []}
            walls: list[float] = []
            cpu0 = station_cpu_s(bench.station)
            for k in range(runs):
                with sim_chips(count, seed=ROUND_SEED * (r * 4 + k + 1)) as sim:
                    result, wall = bench.run(sim.urls, timeout=900)
                    bad = failures(result)
                    if bad:
                        raise RuntimeError(f"{count} ports: {bad[:3]}")
                    bench.forget(sim.urls)
                for record in bench.records([c.job_id for c in result]):
                    for key, values in phases.items():
                        values.append(record[key])
                cycles += [c.seconds for c in result]
                walls.append(wall)
            cpu = station_cpu_s(bench.station) - cpu0
            if count == 1:
                one_port = median(cycles)
            base = one_port if one_port is not None else min(cycles)
            fractions = [base / c for c in cycles]
            wall = median(walls)
            rows.append(
                {
                    "ports": count,
                    "cycle_median_s": median(cycles),
                    "cycle_max_s": max(cycles),
                    "firmware_median_s": median(phases["seconds_firmware"]),
                    "auth_median_s": median(phases["seconds_auth"]),
                    "fraction_min": min(fractions),
                    "fraction_median": median(fractions),
                    "wall_s": wall,
                    "devices_per_hour": count * 3600 / wall,
                    "tool_cpu_s": cpu / runs,
                    "tool_cpu_cores": cpu / sum(walls),
                    "peak_rss_mb": peak_rss_mb(),
                }
            )
            print(
                f"  {count:>2} ports: cycle {median(cycles):.2f} s (max {max(cycles):.2f}), "
                f"firmware {median(phases['seconds_firmware']):.2f} s, "
                f"auth {median(phases['seconds_auth']):.2f} s, "
                f"min fraction {min(fractions):.3f}",
                flush=True,
            )
            time.sleep(0.5)  # let the simulators' ports close before the next round
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 and 32 ports only")
    parser.add_argument("--ports", default="1,8,16,32")
    parser.add_argument("--size", type=int, default=256 * KIB, help="firmware bytes")
    parser.add_argument("--single-runs", type=int, default=2, help="one-port runs (median)")
    args = parser.parse_args(argv)
    counts = [1, 32] if args.quick else [int(x) for x in args.ports.split(",")]
    if counts[0] != 1:
        counts.insert(0, 1)
    print(f"Scaling, {args.size // KIB} KiB firmware + shell license at {BAUD} Bd, socket")
    rows = measure(counts, args.size, 1 if args.quick else args.single_runs)
    print(
        table(
            ["ports", "cycle med s", "cycle max s", "min frac", "med frac", "dev/h", "tool CPU"],
            [
                [
                    r["ports"],
                    r["cycle_median_s"],
                    r["cycle_max_s"],
                    r["fraction_min"],
                    r["fraction_median"],
                    round(r["devices_per_hour"]),
                    f"{r['tool_cpu_cores']:.2f} cores",
                ]
                for r in rows
            ],
        )
    )
    last = rows[-1]
    verdict = "ok" if last["fraction_min"] >= TARGET_FRACTION else "MISS"
    print(f"at {last['ports']} ports every port >= {TARGET_FRACTION} of one port: {verdict}")
    result = {
        "firmware_bytes": args.size,
        "baud": BAUD,
        "rows": rows,
        "target_fraction": TARGET_FRACTION,
        "quick": args.quick,
    }
    print(f"written to {write_results('scaling', result)}")
    return result


if __name__ == "__main__":
    main()
