"""Memory: the station process's peak resident memory while 32 ports write.

A fresh process (so the peak is this run's), the real Station, 32 simulated chips in simulator
processes, a 1 MiB firmware at 921600 baud (256 KiB with --quick). Reports VmHWM before the
ports start (imports, package loaded) and after, from /proc/self/status, and the peaks of the
station's worker processes (which run the jobs), read from /proc just before they stop.

Run: python -m bench.bench_memory [--quick] [--ports N] [--size BYTES]
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import (
    KIB,
    MIB,
    bench_station,
    failures,
    peak_rss_mb,
    sim_chips,
    table,
    workers_peak_rss_mb,
    write_results,
)

BAUD = 921600


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="256 KiB firmware")
    parser.add_argument("--ports", type=int, default=32)
    parser.add_argument("--size", type=int, default=MIB, help="firmware bytes")
    args = parser.parse_args(argv)
    size = 256 * KIB if args.quick else args.size
    with bench_station(size, BAUD, licenses=args.ports + 4) as bench:
        before = peak_rss_mb()
        with sim_chips(args.ports, seed=5000) as sim:
            cycles, wall = bench.run(sim.urls, timeout=900)
        after = peak_rss_mb()
        workers = workers_peak_rss_mb(bench.station)
        processes = len(bench.station.worker_pids())
    total = after + workers
    r = {
        "ports": args.ports,
        "firmware_bytes": size,
        "passed": len(cycles) - len(failures(cycles)),
        "wall_s": wall,
        "peak_rss_before_mb": before,
        "peak_rss_station_mb": after,
        "worker_processes": processes,
        "peak_rss_workers_mb": workers,
        "peak_rss_mb": total,
        "per_port_mb": (total - before) / args.ports,
    }
    print(f"Memory, {args.ports} ports, {size // KIB} KiB firmware at {BAUD} Bd")
    print(
        table(
            ["ports", "passed", "idle MB", "station MB", "workers", "workers MB", "total MB"],
            [[r["ports"], r["passed"], before, after, processes, workers, total]],
        )
    )
    print(f"written to {write_results('memory', {'quick': args.quick, **r})}")
    return r


if __name__ == "__main__":
    main()
