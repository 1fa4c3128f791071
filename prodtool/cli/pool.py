"""`prodtool pool ...`: a license pool on a PostgreSQL server that several stations share."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.engine.fleetlog import Outbox, export_fleet
from prodtool.errors import UserError
from prodtool.license.ledger import ENV_URL
from prodtool.license.model import LicenseState
from prodtool.license.pg_store import POOL_KEY_FILE, PgLedger, init_pool, passfile, pool_status
from prodtool.license.stores import is_pool
from prodtool.paths import StationPaths
from prodtool.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("pool", help="a license pool shared by several stations")
    commands = parser.add_subparsers(dest="pool_command", metavar="ACTION", required=True)

    init = commands.add_parser("init", help="create or migrate the pool's schema")
    add_data_dir_option(init)
    init.add_argument("url", metavar="URL", help="postgresql://user@host/db")
    init.set_defaults(func=_init)

    status = commands.add_parser("status", help="stations, leases and licenses by state")
    add_data_dir_option(status)
    status.add_argument("url", metavar="URL", nargs="?", help="default: --ledger, the settings")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=_status)

    # kept as an alias of `prodtool log export` with a pool (which is the documented one)
    export = commands.add_parser("export", help="= prodtool log export with the pool")
    add_data_dir_option(export)
    export.add_argument("out", type=Path, help="FILE.json (and FILE.json.sig)")
    export.add_argument("--station", help="only this station's records")
    export.set_defaults(func=_export)


def pool_url(paths: StationPaths, given: str | None = None) -> str | None:
    """The pool this command works on: `given`, else --ledger/$PRODTOOL_LEDGER, else the
    settings'; None when that names no pool."""
    url = given or os.environ.get(ENV_URL) or load_settings(paths.settings).ledger_url
    return str(url) if is_pool(url) else None


def _url(args: argparse.Namespace) -> str:
    url = pool_url(paths_from(args), args.url)
    if url is None:
        raise UserError(
            "no license pool given",
            hint="give postgresql://user@host/db, --ledger URL, or set the pool in the settings",
            code="no_pool",
        )
    return url


def _init(args: argparse.Namespace) -> int:
    url = _url(args)
    paths = paths_from(args)
    found, latest, made_key = init_pool(url, paths.keys / POOL_KEY_FILE)
    status = pool_status(url, passfile=passfile(paths))
    verb = "created" if found == 0 else ("migrated" if found < latest else "is already")
    print(f"the license pool {status.where} {verb} at schema {latest}")
    if made_key:
        print(
            f"made the pool key {paths.keys / POOL_KEY_FILE}: copy it to keys/ of every station"
            " of this pool (it opens the pool's AuthKeys: keep it as secret as they are)"
        )
    return 0


def _export(args: argparse.Namespace) -> int:
    return export_fleet_command(args)


def export_fleet_command(args: argparse.Namespace) -> int:
    """The fleet's write log from the pool, signed with this station's key (`args.out`,
    `args.station`); this station's newest records are shipped first."""
    paths = paths_from(args)
    url = _url(argparse.Namespace(**{**vars(args), "url": None}))
    settings = load_settings(paths.settings)
    with PgLedger.join_station(url, paths) as pool:
        Outbox.ship_once(paths.write_log, pool, settings.station_id)  # this station's newest
        count = export_fleet(paths, pool, args.out, station=args.station)
    print(f"exported {count} records of the fleet to {args.out} (signature {args.out.name}.sig)")
    return 0


def _status(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    status = pool_status(_url(args), passfile=passfile(paths))
    if args.json:
        out = {
            "pool": status.where,
            "schema": status.schema,
            "stations": [
                {
                    "station": s.station,
                    "host": s.host,
                    "online": s.online,
                    "lease_expires_in_s": round(s.expires_in_s, 1),
                    "verified_per_hour": s.per_hour,
                    "block": s.block,
                }
                for s in status.stations
            ],
            "packages": {
                pid: {state.value: n for state, n in by_state.items()}
                for pid, by_state in status.counts.items()
            },
        }
        json.dump(out, sys.stdout, indent=2)
        print()
        return 0
    print(f"license pool {status.where} (schema {status.schema})")
    print(f"{'station':<20} {'host':<20} {'lease':>12} {'per hour':>9} {'block':>6}")
    for s in status.stations:
        lease = f"{s.expires_in_s:.0f} s left" if s.online else "lapsed"
        print(f"{s.station:<20} {s.host:<20} {lease:>12} {s.per_hour:>9} {s.block:>6}")
    if not status.stations:
        print("(no station holds a lease)")
    states = list(LicenseState)
    print(f"{'package':<42} " + " ".join(f"{st.value:>11}" for st in states))
    for pid, by_state in status.counts.items():
        print(f"{pid:<42} " + " ".join(f"{by_state[st]:>11}" for st in states))
    print(f"licenses left in the pool: {status.available}")
    return 0
