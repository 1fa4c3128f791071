"""Against the usual way: esptool's command line, one process per port, then an auth script.

Factory scripts and esp-batch-flash run `python -m esptool --port P --baud 921600 write-flash
0x10000 fw.bin` per port in parallel (compressed, with the stub: esptool's defaults), then a
small per-port program for the license. Here that program is `bench.authport` (the same
TuyaOpen shell exchange prodtool runs). prodtool does the same work for the same chips through
one Station. Both sides: same simulator processes, same ports, same image, same baud rate.
Devices per hour = ports x 3600 / wall time of the round. Target: prodtool >= 1.5 x.

Run: python -m bench.bench_vs_esptool [--quick] [--ports N] [--size BYTES]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    KIB,
    bench_station,
    failures,
    firmware_image,
    median,
    sim_chips,
    table,
    write_results,
)
from prodtool.license.builder import demo_licenses

TARGET = 1.5
BAUD = 921600


def esptool_round(urls: list[str], image: Path, licenses: list[Any]) -> dict[str, Any]:
    """Each port: esptool CLI, then the auth script, as one shell pipeline; all ports at once."""
    started = time.monotonic()
    procs = []
    for url, lic in zip(urls, licenses, strict=False):
        py = sys.executable
        script = (
            f"{py} -m esptool --port {url} --baud {BAUD} write-flash 0x10000 {image} "
            f"&& {py} -m bench.authport {url} {lic.uuid} {lic.authkey}"
        )
        procs.append(
            subprocess.Popen(
                ["/bin/sh", "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        )
    codes, ends = [], []
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        codes.append(proc.returncode)
        ends.append(time.monotonic() - started)
        if proc.returncode:
            print(f"  esptool port failed: {err.decode(errors='replace')[-300:]}", flush=True)
    wall = time.monotonic() - started
    return {
        "wall_s": wall,
        "passed": sum(1 for c in codes if c == 0),
        "cycle_median_s": median(ends),
        "devices_per_hour": sum(1 for c in codes if c == 0) * 3600 / wall,
    }


def measure(ports: int, size: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-esptool-") as tmp:
        image = Path(tmp) / "fw.bin"
        image.write_bytes(firmware_image(size))
        licenses = demo_licenses(ports, seed=99)
        with sim_chips(ports, seed=seed) as sim:
            classic = esptool_round(sim.urls, image, licenses)
    with (
        bench_station(size, BAUD, licenses=ports + 4) as bench,
        sim_chips(ports, seed=seed + 50) as sim,
    ):
        cycles, wall = bench.run(sim.urls, timeout=900)
        bad = failures(cycles)
        passed = len(cycles) - len(bad)
        ours = {
            "wall_s": wall,
            "passed": passed,
            "cycle_median_s": median([c.seconds for c in cycles]),
            "devices_per_hour": passed * 3600 / wall,
            "failures": bad,
        }
    ratio = ours["devices_per_hour"] / classic["devices_per_hour"] if classic["passed"] else 0.0
    return {"ports": ports, "esptool": classic, "prodtool": ours, "ratio": ratio}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="8 ports, 256 KiB")
    parser.add_argument("--ports", default="1,8,32", help="port counts (default 1,8,32)")
    parser.add_argument("--size", type=int, default=256 * KIB, help="firmware bytes")
    args = parser.parse_args(argv)
    counts = [8] if args.quick else [int(x) for x in args.ports.split(",")]
    print(f"prodtool vs esptool CLI + auth script, {args.size // KIB} KiB at {BAUD} Bd, socket")
    rows = []
    for n, count in enumerate(counts):
        rows.append(measure(count, args.size, seed=1000 + 200 * n))
        r = rows[-1]
        print(
            f"  {count:>2} ports: esptool {r['esptool']['devices_per_hour']:.0f}/h, "
            f"prodtool {r['prodtool']['devices_per_hour']:.0f}/h",
            flush=True,
        )
    print(
        table(
            ["ports", "esptool wall s", "esptool dev/h", "prodtool wall s", "prodtool dev/h", "x"],
            [
                [
                    r["ports"],
                    r["esptool"]["wall_s"],
                    round(r["esptool"]["devices_per_hour"]),
                    r["prodtool"]["wall_s"],
                    round(r["prodtool"]["devices_per_hour"]),
                    f"{r['ratio']:.2f}x",
                ]
                for r in rows
            ],
        )
    )
    result = {"firmware_bytes": args.size, "baud": BAUD, "rows": rows, "target_ratio": TARGET}
    print(f"written to {write_results('vs_esptool', result)}")
    return result


if __name__ == "__main__":
    main()
