"""One port against the wire limit: how close a whole cycle comes to the bytes' own wire time.

A 1 MiB app image (`make_app_image`, realistically compressible) plus the license over the
TuyaOpen shell, written by the real Station to one simulated chip in a child process whose cable
is throttled to the baud rate. Cycle = plug to pass (the job's own clock: open, sync, stub,
write, MD5, reset into the app, shell, auth, read back, write log). Wire = the wire time of
every byte the chip received and sent, each at the rate it travelled (counted by the simulator).
Target: cycle <= 1.15 x wire, at 921,600 and at 2,000,000 baud (issue 14: ESP at 2,000,000 as
well as Beken). A fresh blank chip for every cycle.

Run: python -m bench.bench_cycle [--quick] [--cycles N] [--fast-cycles N] [--slow-cycles N]
[--size BYTES]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.common import MIB, bench_station, failures, median, table, write_results
from bench.simchild import SimChild

TARGET_RATIO = 1.15
BANNER_S = 0.1  # a replaced chip's power-on banner is over by then (not in the cycle's time)


def measure(baud: int, size: int, cycles: int, transport: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    with bench_station(size, baud) as bench, SimChild(1, transport=transport) as sim:
        for n in range(cycles):
            if n:
                sim.replace([0])
                # The fresh chip prints its ROM banner at power-on (~20 ms at 115200). On a jig
                # the station sees a new module long after that; a job started at once would
                # have the banner's tail garble its first SYNC (socket:// ports cannot reset
                # the chip, so esptool does not read the banner away) and pay a 50 ms retry.
                time.sleep(BANNER_S)
            cycle_list, _wall = bench.run(sim.urls, timeout=600)
            bad = failures(cycle_list)
            if bad:
                raise RuntimeError(f"cycle failed at {baud} baud: {bad}")
            stats = sim.stats()[0]
            record = _last_record(bench.station.paths.write_log)
            wire = stats["wire_in_s"] + stats["wire_out_s"]
            rows.append(
                {
                    "cycle_s": cycle_list[0].seconds,
                    "wire_s": wire,
                    "ratio": cycle_list[0].seconds / wire,
                    "firmware_s": record.get("seconds_firmware", 0.0),
                    "auth_s": record.get("seconds_auth", 0.0),
                    **stats,
                }
            )
            bench.forget(sim.urls)
    best = min(rows, key=lambda r: r["ratio"])
    return {
        "baud": baud,
        "firmware_bytes": size,
        "cycles": rows,
        "cycle_s": median([r["cycle_s"] for r in rows]),
        "wire_s": median([r["wire_s"] for r in rows]),
        "ratio": median([r["ratio"] for r in rows]),
        "best_ratio": best["ratio"],
        "target_ratio": TARGET_RATIO,
    }


def _last_record(path: Path) -> dict[str, Any]:
    lines = path.read_text().splitlines() if path.exists() else []
    record: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    return {k: float(v) if k.startswith("seconds") else v for k, v in record.items()}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one cycle at 921600 only")
    parser.add_argument("--cycles", type=int, default=3, help="cycles at 921600 (default 3)")
    parser.add_argument(
        "--fast-cycles", type=int, default=3, help="cycles at 2000000 (default 3; 0: none)"
    )
    parser.add_argument("--slow-cycles", type=int, default=1, help="cycles at 115200 (default 1)")
    parser.add_argument("--size", type=int, default=MIB, help="firmware bytes (default 1 MiB)")
    parser.add_argument("--transport", default="socket", choices=("socket", "pty", "rfc2217"))
    args = parser.parse_args(argv)
    plan = [(921600, 1 if args.quick else args.cycles)]
    if not args.quick and args.fast_cycles > 0:
        plan.append((2_000_000, args.fast_cycles))
    if not args.quick and args.slow_cycles > 0:
        plan.append((115200, args.slow_cycles))
    runs = [measure(baud, args.size, n, args.transport) for baud, n in plan]
    rows = [
        [
            f"{r['baud']} Bd",
            len(r["cycles"]),
            r["cycles"][0]["bytes_in"] + r["cycles"][0]["bytes_out"],
            r["wire_s"],
            r["cycle_s"],
            r["cycles"][0]["firmware_s"],
            r["cycles"][0]["auth_s"],
            f"{r['ratio']:.3f}x",
            "ok" if r["ratio"] <= TARGET_RATIO else "MISS",
        ]
        for r in runs
    ]
    print(f"One port, {args.size // 1024} KiB firmware + shell license, {args.transport}")
    print(
        table(
            ["wire", "cycles", "bytes", "wire s", "cycle s", "fw s", "auth s", "ratio", "<=1.15"],
            rows,
        )
    )
    result = {"transport": args.transport, "runs": runs, "quick": args.quick}
    print(f"written to {write_results('cycle', result)}")
    return result


if __name__ == "__main__":
    main()
