"""Devices per hour: prodtool's Beken driver against bk7231tools' command line, 1 to N ports.

bk7231tools runs as people script it: one `write_flash` process per port (through the
`tests/families/beken/bktools_cli.py` shim, which only lets it open a pyserial URL), writing a
1 MiB QIO image at 0x0 (`-B`) at 2,000,000 baud with its CRC checks on, after resetting the chip
through CEN. prodtool runs one `BekenDriver` per port in threads of one process: link (CEN
reset), 2,000,000 baud, write, CRC verify, reboot. Both write the same fresh simulated BK7231N
chips (child-process simulator, RFC 2217 ports so both tools' CEN resets arrive; boot window
0.6 s for pyserial's RFC 2217 client). Neither writes a license here.

devices/hour = ports * 3600 / (time until the last port is done). Target: prodtool >= 1.5x.

Run standalone: python -m bench.bench_beken_vs_bk7231tools [--ports 1 8 32] [--size BYTES]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import MIB, table, write_results
from bench.simchild import BekenChild
from prodtool.families.beken import image
from prodtool.families.beken.driver import BekenDriver
from prodtool.families.driver import Region

ROOT = Path(__file__).resolve().parents[1]
SHIM = ROOT / "tests" / "families" / "beken" / "bktools_cli.py"
BAUD = 2_000_000
WINDOW = 0.6


def _children(ports: int) -> list[BekenChild]:
    return [
        BekenChild(min(16, ports - at), transport="rfc2217", seed=at, window=WINDOW)
        for at in range(0, ports, 16)
    ]


def run_bk7231tools(urls: list[str], path: Path) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
    start = time.monotonic()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(SHIM),
                "write_flash",
                "-d",
                url,
                "-b",
                str(BAUD),
                "-B",
                "-s",
                "0x0",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for url in urls
    ]
    ok = 0
    for proc in procs:
        _out, err = proc.communicate(timeout=900)
        ok += proc.returncode == 0 and "Traceback" not in err
    return time.monotonic() - start, ok


def run_prodtool(urls: list[str], data: bytes) -> tuple[float, int]:
    regions = [Region(0, data, "firmware")]
    passed = [False] * len(urls)
    barrier = threading.Barrier(len(urls) + 1)

    def one(i: int) -> None:
        barrier.wait()
        driver = BekenDriver(urls[i], family="bk7231n", baud=BAUD)
        try:
            driver.identify()
            driver.write_regions(regions, lambda done, total: None)
            driver.verify_regions(regions)
            driver.reset_to_app()
            passed[i] = True
        except Exception as error:  # noqa: BLE001 - counted as a failed device
            print(f"port {i}: {error}", file=sys.stderr)
        finally:
            driver.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(urls))]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.monotonic()
    for thread in threads:
        thread.join()
    return time.monotonic() - start, sum(passed)


def measure(ports: int, data: bytes, path: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"ports": ports}
    for tool in ("bk7231tools", "prodtool"):
        children = _children(ports)
        for child in children:
            child.__enter__()
        try:
            urls = [u for c in children for u in c.urls]
            if tool == "bk7231tools":
                seconds, ok = run_bk7231tools(urls, path)
            else:
                seconds, ok = run_prodtool(urls, data)
        finally:
            for child in children:
                child.__exit__(None, None, None)
        row[f"{tool}_s"] = seconds
        row[f"{tool}_ok"] = ok
        row[f"{tool}_per_hour"] = ok * 3600 / seconds if seconds else 0.0
    row["ratio"] = (
        row["prodtool_per_hour"] / row["bk7231tools_per_hour"] if row["bk7231tools_per_hour"] else 0
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ports", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--size", type=int, default=MIB)
    parser.add_argument("--quick", action="store_true", help="256 KiB, 1 and 8 ports")
    args = parser.parse_args()
    if args.quick:
        args.size, args.ports = 256 * 1024, [1, 8]
    data = image.make_qio_image("bk7231n", "9.9.9", size=args.size)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qio.bin"
        path.write_bytes(data)
        for ports in args.ports:
            rows.append(measure(ports, data, path))
            r = rows[-1]
            theirs = f"bk7231tools {r['bk7231tools_s']:.1f} s ({r['bk7231tools_ok']} ok)"
            ours = f"prodtool {r['prodtool_s']:.1f} s ({r['prodtool_ok']} ok)"
            print(f"{ports} ports: {theirs}, {ours}, {r['ratio']:.2f}x", flush=True)
    print(
        table(
            ["ports", "bk7231tools dev/h", "prodtool dev/h", "ratio"],
            [
                [
                    r["ports"],
                    f"{r['bk7231tools_per_hour']:.0f}",
                    f"{r['prodtool_per_hour']:.0f}",
                    f"{r['ratio']:.2f}x",
                ]
                for r in rows
            ],
        )
    )
    write_results("beken_vs_bk7231tools", {"size": args.size, "baud": BAUD, "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
