"""`python -m bench` (`make bench`): every benchmark in order, each in its own process, then
one summary table from their JSON results. `--quick` passes `--quick` to each.

Each benchmark runs in a fresh interpreter so memory peaks, esptool's process-wide state and
Qt's application object never leak from one into the next.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Any

from bench.common import machine, read_results, table

BENCHMARKS = (
    "cycle",
    "scaling",
    "vs_esptool",
    "window",
    "memory",
    "ledger",
    "list_import",
    "pool",
    "beken",
    "beken_vs_bk7231tools",
)


def _run(name: str, quick: bool) -> float:
    argv = [sys.executable, "-m", f"bench.bench_{name}"]
    if quick and name == "ledger":
        argv += ["--licenses", "100000", "--reserves", "10"]
    elif quick and name == "pool":
        argv += ["--licenses", "100000", "--chips", "3"]
    elif name == "beken":  # one port at 921,600 and 2,000,000; 32 ports; 16 + 16 with ESP
        argv += ["--ports", "32", "--mixed", "16", *(["--quick"] if quick else [])]
    elif quick:
        argv.append("--quick")
    print(f"\n=== {' '.join(argv[1:])}", flush=True)
    started = time.monotonic()
    subprocess.run(argv, check=False, env=_env())
    return time.monotonic() - started


def _env() -> dict[str, str]:
    import os

    return dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))


def summary() -> list[list[Any]]:
    rows: list[list[Any]] = []
    cycle = read_results("cycle")
    if cycle:
        for run in cycle["runs"]:
            ok = run["ratio"] <= run["target_ratio"]
            rows.append(
                [f"cycle / wire at {run['baud']}", f"{run['ratio']:.3f}x", "<= 1.15x", _v(ok)]
            )
    scaling = read_results("scaling")
    if scaling:
        last = scaling["rows"][-1]
        ok = last["fraction_min"] >= scaling["target_fraction"]
        rows.append(
            [
                f"{last['ports']} ports: min port rate",
                f"{last['fraction_min']:.3f}",
                ">= 0.9",
                _v(ok),
            ]
        )
        rows.append(
            [f"{last['ports']} ports: devices/hour", round(last["devices_per_hour"]), "", ""]
        )
    vs = read_results("vs_esptool")
    if vs:
        for row in vs["rows"]:
            ok = row["ratio"] >= vs["target_ratio"]
            rows.append(
                [f"vs esptool CLI, {row['ports']} ports", f"{row['ratio']:.2f}x", ">= 1.5x", _v(ok)]
            )
    window = read_results("window")
    if window:
        ok = window["max_ms"] <= window["target_ms"]
        rows.append(
            [
                f"window stall, {window['ports']} ports (max / p99)",
                f"{window['max_ms']:.0f} / {window['p99_ms']:.0f} ms",
                "<= 50 ms",
                _v(ok),
            ]
        )
    memory = read_results("memory")
    if memory:
        rows.append(
            [f"peak RSS, {memory['ports']} ports", f"{memory['peak_rss_mb']:.0f} MB", "", ""]
        )
    ledger = read_results("ledger")
    if ledger:
        load = ledger["load"]
        ok = load["load_total_s"] <= ledger["targets"]["load_total_s"]
        rows.append(
            [
                f"ledger load {load['licenses']:,} ({load.get('issuer', 'demo')} issuer)",
                f"{load['load_total_s']:.2f} s",
                "<= 10 s",
                _v(ok),
            ]
        )
        demo = ledger.get("load_demo")
        if demo:  # a DEMO package also proves every AuthKey is a DEMO one
            label = f"ledger load {demo['licenses']:,} (DEMO)"
            rows.append([label, f"{demo['load_total_s']:.2f} s", "", ""])
        scenarios = ledger["reserve_32_workers"]
        station = scenarios.get("station", {})
        if station:  # the target: 32 ports each writing a chip between ledger moves
            ok = station["median_ms"] <= 2 and station["p99_ms"] <= 2
            rows.append(
                [
                    "reserve, 32 ports (median / p99)",
                    f"{station['median_ms']:.2f} / {station['p99_ms']:.2f} ms",
                    "<= 2 ms",
                    _v(ok),
                ]
            )
        saturated = scenarios.get("saturated", {})
        if saturated:  # no pause between moves: a stress figure, not the target
            rows.append(
                [
                    "reserve, 32 threads saturated",
                    f"{saturated['median_ms']:.2f} / {saturated['p99_ms']:.2f} ms",
                    "",
                    "",
                ]
            )
    lists = read_results("list_import")
    for run in lists["rows"] if lists else []:
        ok = run["peak_rss_mb"] < lists["target_mb"] if lists else False
        rows.append(
            [
                f"{run['licenses']}-row {run['format']} list import, peak RSS",
                f"{run['peak_rss_mb']:.0f} MB",
                "< 300 MB",
                _v(ok),
            ]
        )
    rows += _pool_rows()
    rows += _beken_rows()
    return rows


def _beken_rows() -> list[list[Any]]:
    rows: list[list[Any]] = []
    beken = read_results("beken")
    if beken:
        for run in beken["runs"]:
            ok = run["ratio"] <= beken["target_ratio"]
            rows.append(
                [
                    f"Beken cycle / wire at {run['baud']}",
                    f"{run['ratio']:.3f}x",
                    "<= 1.15x",
                    _v(ok),
                ]
            )
        for key, label in (("scaling", "Beken ports"), ("mixed", "ports, Beken + ESP")):
            scaling = beken.get(key) or {}
            if scaling:
                ok = scaling["slowest_fraction"] >= 0.9 and not scaling["errors"]
                rows.append(
                    [
                        f"{scaling['ports']} {label}: min port rate",
                        f"{scaling['slowest_fraction']:.3f}",
                        ">= 0.9",
                        _v(ok),
                    ]
                )
    vs = read_results("beken_vs_bk7231tools")
    for row in vs["rows"] if vs else []:
        rows.append(
            [
                f"vs bk7231tools CLI, {row['ports']} ports",
                f"{row['ratio']:.2f}x",
                ">= 1.5x",
                _v(row["ratio"] >= 1.5),
            ]
        )
    return rows


def _pool_rows() -> list[list[Any]]:
    pool = read_results("pool")
    if not pool:
        return []
    load, four, ratio = pool["load"], pool["four_stations"], pool["fleet_ratio"]
    p99 = max(four["p99_ms"].values())
    return [
        [
            f"pool load {load['licenses']:,}",
            f"{load['load_total_s']:.2f} s",
            "<= 20 s",
            _v(load["load_total_s"] <= 20),
        ],
        ["pool, 4x32 ports: worst move p99", f"{p99:.2f} ms", "<= 5 ms", _v(p99 <= 5)],
        ["pool fleet ratio (ledger only)", f"{ratio:.3f}", ">= 0.9", _v(ratio >= 0.9)],
        *_stress_rows(pool.get("stress")),
        *_rewrite_rows(pool.get("rewrite")),
    ]


def _rewrite_rows(rewrite: dict[str, Any] | None) -> list[list[Any]]:
    """A chip written before, written again: its reservation takes the shared path."""
    if not rewrite:
        return []
    p99 = rewrite["p99_ms"]["reserve"]
    return [["pool re-write, 1x32: reserve p99", f"{p99:.2f} ms", "(no target)", ""]]


def _stress_rows(stress: dict[str, Any] | None) -> list[list[Any]]:
    """The pool at five times a station's pace: figures without a target."""
    if not stress:
        return []
    p99 = max(stress["four_stations"]["p99_ms"].values())
    return [
        ["pool, 4x32 at stress pace: worst p99", f"{p99:.2f} ms", "(no target)", ""],
        ["pool fleet ratio at stress pace", f"{stress['fleet_ratio']:.3f}", "(no target)", ""],
    ]


def _v(ok: bool) -> str:
    return "ok" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    args = parser.parse_args()
    for name in args.only.split(","):
        _run(name, args.quick)
    info = machine()
    print(
        f"\n=== summary ({info['cores']} cores {info['cpu']}, Python {info['python']}, "
        f"Qt {info.get('qt', '?')}, esptool {info['esptool']})"
    )
    print(table(["figure", "value", "target", ""], summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
