"""One Beken port (and N at once) against the wire: the driver's cycle vs its bytes' wire time.

A 1 MiB QIO image (`make_qio_image`: our bootloader partition, then a realistic app partition)
is written by `BekenDriver` to a fresh simulated BK7231N in a child process (pty ports, wire
throttled to the baud rate), then CRC-verified, the chip rebooted into its app and the license
written and read back over the TuyaOpen shell at 115200. Two figures per rate:

- write + verify: the time of `write_regions` + `verify_regions` against the wire time of the
  bytes that crossed in those two steps;
- whole cycle: open, link (CEN reset or reboot frame), SetBaudRate, write, verify, reboot,
  shell license: against the wire time of every byte of the cycle.

Flash timing: `ideal` (instant flash, as the ESP simulator) and `nor` (typical NOR datasheet
figures: 4K erase 45 ms, 64K erase 250 ms, 4K program 12 ms, CRC 1 MB/s), which shows what a
real chip's flash adds on a protocol that waits for every command. Target (ideal): <= 1.15x.

With `--mixed N`, N Beken ports (2,000,000 baud) and N simulated ESP32-C3 ports (921,600, in
their own simulator process) run at once, each port's rate against one port of its family.

Run standalone: python -m bench.bench_beken [--quick] [--ports N] [--mixed N] [--timing ideal|nor]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import serial

from bench.common import MIB, table, write_results
from bench.simchild import BekenChild, SimChild
from prodtool.engine.job import open_port
from prodtool.families import registry
from prodtool.families.beken import image
from prodtool.families.beken.driver import BekenDriver
from prodtool.families.driver import Region
from prodtool.families.tuya_shell import TuyaShell, WriteReply

TARGET_RATIO = 1.15
ESP_BAUD = 921_600  # the mixed run's ESP ports: the rate the ESP scaling figures use
UUID = "uuidbench0000000001a"
AUTHKEY = "k" * 32


@dataclass
class Cycle:
    baud: int
    ok: bool
    identify_s: float = 0.0
    write_s: float = 0.0
    verify_s: float = 0.0
    license_s: float = 0.0
    cycle_s: float = 0.0
    wire_wv_s: float = 0.0  # wire time of the write and verify steps
    wire_s: float = 0.0  # wire time of the whole cycle
    error: str = ""

    @property
    def ratio_wv(self) -> float:
        return (self.write_s + self.verify_s) / self.wire_wv_s if self.wire_wv_s else 0.0

    @property
    def ratio(self) -> float:
        return self.cycle_s / self.wire_s if self.wire_s else 0.0


def _wire(stats: dict[str, Any]) -> float:
    return float(stats["wire_in_s"] + stats["wire_out_s"])


def one_cycle(
    url: str, baud: int, regions: list[Region], stats: Any, index: int, with_license: bool
) -> Cycle:
    result = Cycle(baud, ok=False)
    start = time.monotonic()
    driver = BekenDriver(url, family="bk7231n", baud=baud)
    try:
        driver.identify()
        result.identify_s = time.monotonic() - start
        before = _wire(stats()[index]) if stats else 0.0
        mark = time.monotonic()
        driver.write_regions(regions, lambda done, total: None)
        result.write_s = time.monotonic() - mark
        mark = time.monotonic()
        driver.verify_regions(regions)
        result.verify_s = time.monotonic() - mark
        after = _wire(stats()[index]) if stats else 0.0
        result.wire_wv_s = after - before
        driver.reset_to_app()
        if with_license:
            mark = time.monotonic()
            port = driver._t.port if driver._t is not None else None
            assert port is not None
            shell = TuyaShell(port, timeout=5)
            shell.wait_prompt()
            if shell.auth_write(UUID, AUTHKEY) is not WriteReply.OK:
                raise RuntimeError("auth refused")
            creds = shell.auth_read()
            if creds is None or creds.uuid != UUID:
                raise RuntimeError("auth read-back differs")
            result.license_s = time.monotonic() - mark
        result.ok = True
    except (OSError, RuntimeError, serial.SerialException) as error:
        result.error = str(error)
    except Exception as error:  # noqa: BLE001 - a DriverError: report it in the table
        result.error = f"{type(error).__name__}: {error}"
    finally:
        driver.close()
    result.cycle_s = time.monotonic() - start
    if stats:
        result.wire_s = _wire(stats()[index])
    return result


def single(baud: int, size: int, cycles: int, timing: str, window: float = 0.0) -> list[Cycle]:
    qio = image.make_qio_image("bk7231n", "9.9.9", size=size)
    regions = [Region(0, qio, "firmware")]
    out = []
    with BekenChild(1, timing=timing, window=window) as sim:
        for n in range(cycles):
            if n:
                sim.replace([0])
            out.append(one_cycle(sim.urls[0], baud, regions, sim.stats, 0, with_license=True))
    return out


def parallel(ports: int, baud: int, size: int, timing: str) -> list[Cycle]:
    qio = image.make_qio_image("bk7231n", "9.9.9", size=size)
    regions = [Region(0, qio, "firmware")]
    children = [
        BekenChild(min(16, ports - at), timing=timing, seed=at) for at in range(0, ports, 16)
    ]
    for child in children:
        child.__enter__()
    try:
        urls = [url for child in children for url in child.urls]
        results: list[Cycle | None] = [None] * len(urls)
        barrier = threading.Barrier(len(urls))

        def run(i: int) -> None:
            barrier.wait()
            results[i] = one_cycle(urls[i], baud, regions, None, i, with_license=True)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(urls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stats = [s for child in children for s in child.stats()]
        done = [r for r in results if r is not None]
        for cycle, stat in zip(done, stats, strict=True):
            cycle.wire_s = _wire(stat)
        return done
    finally:
        for child in children:
            child.__exit__(None, None, None)


class _Quiet:
    """esptool's output for the mixed run: kept out of the figures' stdout."""

    def driver_message(self, level: str, text: str) -> None:
        del level, text

    def driver_progress(self, done: int, total: int) -> None:
        del done, total


def esp_cycle(url: str, baud: int, regions: list[Region]) -> Cycle:
    """One ESP32-C3 port's cycle through its family's driver, as the job drives it."""
    family = registry.get("esp32c3")
    result = Cycle(baud, ok=False)
    start = time.monotonic()
    raw: Any = None
    try:
        raw = open_port(url)
        with family.log_route(_Quiet()):
            driver = family.open_driver(raw, baud=baud)
            driver.identify(family.name)
            driver.write_regions(regions, lambda done, total: None)
            driver.verify_regions(regions)
            family.start_app(driver, raw)
        shell = TuyaShell(raw, timeout=5)
        shell.wait_prompt()
        if shell.auth_write(UUID, AUTHKEY) is not WriteReply.OK:
            raise RuntimeError("auth refused")
        result.ok = True
    except Exception as error:  # noqa: BLE001 - reported in the figures
        result.error = f"{type(error).__name__}: {error}"
    finally:
        if raw is not None:
            raw.close()
    result.cycle_s = time.monotonic() - start
    return result


def mixed(per_family: int, size: int, timing: str, beken_one_s: float) -> dict[str, Any]:
    """`per_family` Beken ports (2,000,000 baud) and as many ESP32-C3 ports (921,600) at once;
    each port's rate against one port of its own family alone."""
    qio = image.make_qio_image("bk7231n", "9.9.9", size=size)
    beken_regions = [Region(0, qio, "firmware")]
    esp = registry.get("esp32c3")
    esp_regions = [Region(esp.app_offset, esp.make_image(version="9.9.9", size=size), "app")]
    with SimChild(1, transport="pty", family="esp32c3", seed=900) as one:
        esp_one = esp_cycle(one.urls[0], ESP_BAUD, esp_regions)
    children: list[Any] = [
        BekenChild(per_family, timing=timing, seed=500),
        SimChild(per_family, transport="pty", family="esp32c3", seed=700),
    ]
    for child in children:
        child.__enter__()
    try:
        beken_urls, esp_urls = children[0].urls, children[1].urls
        jobs = [(u, "beken") for u in beken_urls] + [(u, "esp") for u in esp_urls]
        results: list[Cycle | None] = [None] * len(jobs)
        barrier = threading.Barrier(len(jobs))

        def run(i: int) -> None:
            url, kind = jobs[i]
            barrier.wait()
            if kind == "beken":
                results[i] = one_cycle(url, 2_000_000, beken_regions, None, i, with_license=True)
            else:
                results[i] = esp_cycle(url, ESP_BAUD, esp_regions)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for child in children:
            child.__exit__(None, None, None)
    fractions = []
    for (_url, kind), cycle in zip(jobs, results, strict=True):
        if cycle is not None and cycle.ok:
            one_s = beken_one_s if kind == "beken" else esp_one.cycle_s
            fractions.append(one_s / cycle.cycle_s)
    done = [c for c in results if c is not None]
    return {
        "ports": len(jobs),
        "passed": sum(c.ok for c in done),
        "esp_one_s": esp_one.cycle_s,
        "beken_one_s": beken_one_s,
        "slowest_fraction": min(fractions) if fractions else 0.0,
        "errors": sorted({c.error for c in done if not c.ok} | ({esp_one.error} - {""})),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="256 KiB, one cycle per rate")
    parser.add_argument("--size", type=int, default=MIB)
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--timing", choices=("ideal", "nor"), default="ideal")
    parser.add_argument("--ports", type=int, default=0, help="also run N ports at once")
    parser.add_argument("--window", type=float, default=0.0, help="boot window, s (0: 0.15)")
    parser.add_argument("--bauds", type=int, nargs="+", default=[921_600, 2_000_000])
    parser.add_argument(
        "--mixed", type=int, default=0, help="also N Beken + N ESP32-C3 ports at once"
    )
    args = parser.parse_args()
    size = 256 * 1024 if args.quick else args.size
    cycles = 1 if args.quick else args.cycles
    runs: list[dict[str, Any]] = []
    rows = []
    for baud in args.bauds:
        best = min(
            (c for c in single(baud, size, cycles, args.timing, args.window) if c.ok),
            key=lambda c: c.ratio,
            default=None,
        )
        if best is None:
            rows.append([baud, "failed", "", "", "", "", ""])
            continue
        runs.append({**asdict(best), "ratio": best.ratio, "ratio_wv": best.ratio_wv})
        rows.append(
            [
                baud,
                f"{best.write_s + best.verify_s:.2f}",
                f"{best.wire_wv_s:.2f}",
                f"{best.ratio_wv:.3f}x",
                f"{best.cycle_s:.2f}",
                f"{best.wire_s:.2f}",
                f"{best.ratio:.3f}x",
            ]
        )
    print(f"\nBeken BK7231N, {size // 1024} KiB QIO image, flash timing {args.timing}")
    print(
        table(
            ["baud", "write+verify s", "its wire s", "ratio", "cycle s", "wire s", "ratio"],
            rows,
        )
    )
    scaling: dict[str, Any] = {}
    if args.ports:
        cycles_n = parallel(args.ports, 2_000_000, size, args.timing)
        ok = [c for c in cycles_n if c.ok]
        one = next((r for r in runs if r["baud"] == 2_000_000), None)
        rates = [size / c.cycle_s for c in ok]
        one_rate = size / one["cycle_s"] if one else 0.0
        scaling = {
            "ports": args.ports,
            "passed": len(ok),
            "slowest_fraction": min(rates) / one_rate if rates and one_rate else 0.0,
            "errors": sorted({c.error for c in cycles_n if not c.ok}),
        }
        print(json.dumps(scaling, indent=2))
    mixed_result: dict[str, Any] = {}
    one = next((r for r in runs if r["baud"] == 2_000_000), None)
    if args.mixed and one:
        mixed_result = mixed(args.mixed, size, args.timing, one["cycle_s"])
        print(json.dumps(mixed_result, indent=2))
    write_results(
        "beken",
        {
            "size": size,
            "timing": args.timing,
            "target_ratio": TARGET_RATIO,
            "runs": runs,
            "scaling": scaling,
            "mixed": mixed_result,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
