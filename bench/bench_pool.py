"""The license pool on PostgreSQL: a 1,000,000-license load, reserve + commit latency with 4
stations x 32 ports, and the ledger's share of fleet throughput.

Targets (issue 16): the load <= 20 s; reserve and each commit p99 <= 5 ms with 4 stations x 32
ports; 4 stations together >= 0.9 x 4 x one station's devices per hour. Each station is its own
process (its own connection pool and lease); each port a thread that reserves, marks sending,
"writes the chip" (a pause), marks written and verified. Uses $PRODTOOL_BENCH_PG (a URL whose
user may create databases) or starts a private server in a temp folder.

Where a move's time goes (session 7, 4 x 32 at a station's pace, 1,280 samples a move, timed
around the station's one statement): waiting for a pool connection p99 0.06 ms; the server's
own work on the statement (its start to its last row) p50 0.15-0.3 ms, p99 0.3-0.6 ms; the round
trip around it p50 0.7-1.0 ms, p99 2.2-2.4 ms; the station's own Python p99 0.15-0.25 ms. The
rest of the round trip is waking: on this VM a `SELECT 1` takes 0.05 ms back to back and 0.6 ms
after 50 ms of quiet (its idle cores halt), and a move follows a chip's write. The server, 4
station processes of 32 port threads each and whatever else the machine runs share 2 cores;
4 real stations run on 4 machines. So each move's latency is also given less the time its
thread waited for a CPU ("less CPU wait": Linux only, from the thread's schedstat): what a
station on its own machine would see, given the same server. The server's own waits for a core
stay in both figures.

Every run writes chips of its own (`_chip`): a chip written before is a re-write, which finds
the chip's license and takes the shared path (three round trips). Until session 7 station 0 of
the four re-wrote the one-station run's chips, and the stress runs all of them: a quarter of
the 4 x 32 reservations, and the stress pace's whole tail. A re-write is printed apart.

Two paces. A station's: each chip written in 1.8-2.8 s, as bench_scaling's 32 ports cycle
(2.3-2.5 s a chip, 256 KiB at 921,600 baud): 4 x 32 such ports make ~160,000 devices an hour;
the targets are for this pace. The stress pace: 0.2-0.6 s a chip, five times any cycle measured
here, printed for the headroom (on 2 cores its tail is CPU queueing, see above).

Run: python -m bench.bench_pool [--licenses N] [--chips N] [--write-ms LO,HI] [--stress-ms LO,HI]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench.common import percentile, write_results
from prodtool.license.builder import build_package, demo_licenses, demo_signing_key
from prodtool.license.ledger import ChipIdentity
from prodtool.license.model import DeliveryMode, ScryptParams
from prodtool.license.package import open_package
from prodtool.license.pg_store import PgLedger, init_pool
from prodtool.license.pgcluster import init_cluster, remove_cluster
from prodtool.license.trust import TrustStore

PASSWORD = "bench-password"
PORTS = 32
STATIONS = 4
MOVES = ("reserve", "sending", "written", "verified")
_RUNS = itertools.count()  # each fleet run writes chips of its own (see `_chip`)


@contextmanager
def server() -> Iterator[str]:
    """An admin URL: $PRODTOOL_BENCH_PG, or a private server started for the run."""
    given = os.environ.get("PRODTOOL_BENCH_PG")
    if given:
        yield given
        return
    cluster = init_cluster()
    try:
        yield cluster.admin_url()
    finally:
        remove_cluster(cluster)


def new_database(admin: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def _chip(run: int, station: int, n: int) -> ChipIdentity:
    """A chip no other run or station of the bench has written: a chip seen before is a
    re-write, which reuses its license on the shared path (three round trips, see
    `PgLedger.reserve`), not the fresh reservation timed here."""
    v = run << 40 | station << 32 | n
    return ChipIdentity(
        "esp32c3", ":".join(f"{(v >> s) & 255:02x}" for s in (40, 32, 24, 16, 8, 0)), ""
    )


def _cpu_wait_s() -> float:
    """How long this thread has waited, ready to run, for a CPU (Linux's schedstat; 0 where
    there is none)."""
    try:
        with Path(f"/proc/self/task/{threading.get_native_id()}/schedstat").open("rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def bench_load(url: str, folder: Path, count: int) -> dict[str, float]:
    _, key = demo_signing_key()
    path = folder / "big.prodpkg"
    build_package(
        path,
        password=PASSWORD,
        licenses=demo_licenses(count, seed=7),
        mode=DeliveryMode.AUTHORIZATION_ONLY,
        signing_key=key,
        demo=True,
        kdf=ScryptParams.PRODUCTION,
    )
    t0 = time.perf_counter()
    package = open_package(path, PASSWORD, TrustStore(None))
    t1 = time.perf_counter()
    init_pool(url, folder / "pool.key")
    with PgLedger.join(url, key_file=folder / "pool.key", station="loader") as ledger:
        t2 = time.perf_counter()
        ledger.load_package(package)
        t3 = time.perf_counter()
    return {
        "licenses": count,
        "open_verify_decrypt_s": t1 - t0,
        "pool_insert_s": t3 - t2,
        "load_total_s": (t1 - t0) + (t3 - t2),
    }


def station(
    args: tuple[str, Path, str, int, int, int, tuple[float, float], int, Any],
) -> dict[str, Any]:
    """One station process: `ports` threads, `chips` chips each; latencies in ms. Its ledger
    opens as many connections as a station's (`STATION_CONNECTIONS`, shared by its ports; one
    per port gave 128 server processes, and a longer tail). Its ports start once every station
    has joined the pool (`fleet`, a barrier across the processes): a station still starting up
    took the CPU from the others' first moves."""
    url, key_file, package_id, run, number, chips, write_ms, ports, fleet = args
    latencies: dict[str, list[float]] = {
        f"{move}{how}": [] for move in MOVES for how in ("", "_less_cpu_wait")
    }
    lock = threading.Lock()
    start = threading.Barrier(ports + 1)
    with PgLedger.join(url, key_file=key_file, station=f"s{number}") as ledger:

        def port(p: int) -> None:
            rng = random.Random(number * 1000 + p)
            mine: dict[str, list[float]] = {k: [] for k in latencies}
            start.wait()
            if write_ms[1]:
                time.sleep(rng.uniform(0, write_ms[1]) / 1000)  # ports do not start in lockstep

            def timed(move: str, call: Any, *args: Any, **kwargs: Any) -> Any:
                w = _cpu_wait_s()
                t = time.perf_counter()
                value = call(*args, **kwargs)
                took = time.perf_counter() - t
                mine[move].append(took)
                mine[f"{move}_less_cpu_wait"].append(max(0.0, took - (_cpu_wait_s() - w)))
                return value

            for i in range(chips):
                job = f"s{number}-p{p}-{i}"
                chip = _chip(run, number, p * 100_000 + i)
                r = timed("reserve", ledger.reserve, package_id, chip, job_id=job, port=f"p{p}")
                timed("sending", ledger.mark_sending, r.license_id, job_id=job)
                if write_ms[1]:
                    time.sleep(rng.uniform(*write_ms) / 1000)  # the chip being written
                timed("written", ledger.mark_written, r.license_id, job_id=job)
                timed("verified", ledger.mark_verified, r.license_id, job_id=job)
            with lock:
                for k, v in mine.items():
                    latencies[k].extend(x * 1000 for x in v)

        threads = [threading.Thread(target=port, args=(p,)) for p in range(ports)]
        for t in threads:
            t.start()
        fleet.wait()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    return {"latencies": latencies, "wall_s": wall, "devices": ports * chips}


def run_fleet(
    url: str,
    key_file: Path,
    package_id: str,
    stations: int,
    chips: int,
    write_ms: tuple[float, float],
    *,
    run: int | None = None,
) -> dict[str, Any]:
    """`stations` stations at once on chips of their own, or of an earlier `run` (re-writes)."""
    context = multiprocessing.get_context("spawn")
    run = next(_RUNS) if run is None else run
    with context.Manager() as manager, context.Pool(stations) as pool:
        fleet = manager.Barrier(stations)
        jobs = [
            (url, key_file, package_id, run, n, chips, write_ms, PORTS, fleet)
            for n in range(stations)
        ]
        results = pool.map(station, jobs)
    merged: dict[str, list[float]] = {}
    for r in results:
        for k, v in r["latencies"].items():
            merged.setdefault(k, []).extend(v)
    devices = sum(r["devices"] for r in results)
    wall = max(r["wall_s"] for r in results)
    return {
        "stations": stations,
        "devices": devices,
        "devices_per_hour": devices / wall * 3600,
        "p50_ms": {k: percentile(v, 0.5) for k, v in merged.items()},
        "p95_ms": {k: percentile(v, 0.95) for k, v in merged.items()},
        "p99_ms": {k: percentile(v, 0.99) for k, v in merged.items()},
        "max_ms": {k: max(v) for k, v in merged.items()},
    }


def vacuum(url: str) -> float:
    """VACUUM ANALYZE the licenses: what autovacuum starts within its minute after a big
    load, done here before the moves are timed, so that it never runs in the middle of them
    (0.4-0.6 s here). Its time is printed, apart from the load's, which does not wait for it."""
    t = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) licenses")
    return time.perf_counter() - t


def _paces(
    url: str, key_file: Path, package_id: str, chips: int, write_ms: tuple[float, float]
) -> dict[str, Any]:
    """One station, then four, at one pace; and the fleet ratio."""
    one = run_fleet(url, key_file, package_id, 1, chips, write_ms)
    four = run_fleet(url, key_file, package_id, STATIONS, chips, write_ms)
    ratio = four["devices_per_hour"] / (STATIONS * one["devices_per_hour"])
    return {"one_station": one, "four_stations": four, "fleet_ratio": ratio, "write_ms": write_ms}


def _print_pace(title: str, pace: dict[str, Any]) -> None:
    lo, hi = pace["write_ms"]
    print(f"{title}: each chip written in {lo:.0f}-{hi:.0f} ms (ledger only)")
    for name, which in (("1 station x 32 ports", "one_station"), ("4 x 32", "four_stations")):
        r = pace[which]
        print(f"  {name}: {r['devices_per_hour']:,.0f} devices/hour")
        for move in MOVES:
            for key, label in ((move, move), (f"{move}_less_cpu_wait", "  less CPU wait")):
                print(
                    f"    {label:<16} p50 {r['p50_ms'][key]:6.2f} ms"
                    f"  p95 {r['p95_ms'][key]:6.2f} ms  p99 {r['p99_ms'][key]:6.2f} ms"
                    f"  max {r['max_ms'][key]:7.1f} ms"
                )
    print(f"  fleet ratio (4 stations / 4 x one): {pace['fleet_ratio']:.3f}")


def _ms_range(text: str) -> tuple[float, float]:
    lo, hi = (float(x) for x in text.split(","))
    return lo, hi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--licenses", type=int, default=1_000_000)
    parser.add_argument("--chips", type=int, default=10, help="per port")
    parser.add_argument(
        "--write-ms", default="1800,2800", help="a chip's write time at a station's pace, lo,hi"
    )
    parser.add_argument(
        "--stress-ms", default="200,600", help="the same at the stress pace ('' to skip)"
    )
    args = parser.parse_args()
    with server() as admin, tempfile.TemporaryDirectory(prefix="bench-pool-") as tmp:
        folder = Path(tmp)
        key_file = folder / "pool.key"
        url = new_database(admin, "bench_pool")
        load = bench_load(url, folder, args.licenses)
        load["vacuum_s"] = vacuum(url)
        with PgLedger.join(url, key_file=key_file, station="probe") as ledger:
            package_id = ledger.packages()[0].package_id
        station_pace = _paces(url, key_file, package_id, args.chips, _ms_range(args.write_ms))
        stress = (
            _paces(url, key_file, package_id, args.chips, _ms_range(args.stress_ms))
            if args.stress_ms
            else None
        )
        # one station writes the first run's chips again: each reservation finds the chip's
        # license and gives it back (`PgLedger.reserve`'s shared path)
        rewrite = run_fleet(url, key_file, package_id, 1, args.chips, (200, 600), run=0)
        with PgLedger.join(url, key_file=key_file, station="probe") as ledger:
            ledger.check_invariants()
    result = {
        "load": load,
        **station_pace,
        "stress": stress,
        "rewrite": rewrite,
        "targets": {"load_total_s": 20.0, "p99_ms": 5.0, "fleet_ratio": 0.9},
    }
    print(f"load of {load['licenses']:,} licenses into the pool")
    for k in ("open_verify_decrypt_s", "pool_insert_s", "load_total_s"):
        print(f"  {k:<28}{load[k]:>8.2f} s")
    print(f"  then VACUUM ANALYZE (not in the load){load['vacuum_s']:>8.2f} s")
    _print_pace("at a station's pace (the targets)", station_pace)
    if stress is not None:
        _print_pace("at the stress pace (no target: the headroom on this machine)", stress)
    print("a re-write: 1 station x 32 ports write chips written before (their own licenses again)")
    print(
        f"  reserve p50 {rewrite['p50_ms']['reserve']:.2f} ms"
        f"  p95 {rewrite['p95_ms']['reserve']:.2f} ms  p99 {rewrite['p99_ms']['reserve']:.2f} ms"
    )
    print(f"written to {write_results('pool', result)}")


if __name__ == "__main__":
    main()
