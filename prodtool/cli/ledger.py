"""`prodtool ledger ...`: what the station's license ledger holds, and importing License Lists."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.cli.ledger_fix import register_fixes
from prodtool.families import registry
from prodtool.families.registry import DEFAULT_FAMILY
from prodtool.license.formats import printable
from prodtool.license.ledger import Ledger
from prodtool.license.model import LicenseState


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("ledger", help="the station's license ledger")
    commands = parser.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)

    status = commands.add_parser("status", help="licenses per state, per package")
    add_data_dir_option(status)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--check",
        action="store_true",
        help="also check the ledger's invariants and open every stored AuthKey (slower)",
    )
    status.set_defaults(func=_status)

    imp = commands.add_parser("import-list", help="import a License List (CSV or XLSX)")
    add_data_dir_option(imp)
    imp.add_argument("file", type=Path)
    imp.add_argument("--product-name", default="")
    imp.add_argument("--chip", default=DEFAULT_FAMILY, help="chip family the licenses are for")
    imp.set_defaults(func=_import_list)
    register_fixes(commands)


def _status(args: argparse.Namespace) -> int:
    with Ledger.for_station(paths_from(args)) as ledger:
        manifests = {m.package_id: m for m in ledger.packages()}
        counts = ledger.counts()
        broken = []
        if args.check:
            ledger.check_invariants()
            broken = list(ledger.check_authkeys())
    if args.json:
        out = {
            "ledger": ledger.location,
            "invariants_checked": bool(args.check),
            "authkeys_not_opening": [
                {"uuid": r.uuid, "state": r.state.value, "reason": why} for r, why in broken
            ],
            "packages": [
                {
                    "package_id": pid,
                    "product_name": manifests[pid].product_name,
                    "order_number": manifests[pid].order_number,
                    "delivery_mode": manifests[pid].delivery_mode.value,
                    "demo": manifests[pid].demo,
                    "license_count": manifests[pid].license_count,
                    "counts": {state.value: n for state, n in by_state.items()},
                }
                for pid, by_state in counts.items()
            ],
        }
        json.dump(out, sys.stdout, indent=2)
        print()
        return 1 if broken else 0
    if not counts:
        print(f"the ledger {ledger.location} holds no packages")
        return 0
    states = list(LicenseState)
    header = f"{'package':<42} {'total':>9} " + " ".join(f"{s.value:>11}" for s in states)
    print(header)
    for pid, by_state in counts.items():
        manifest = manifests[pid]
        label = ("DEMO " if manifest.demo else "") + printable(pid)
        print(
            f"{label:<42} {manifest.license_count:>9} "
            + " ".join(f"{by_state[s]:>11}" for s in states)
        )
        if manifest.product_name or manifest.order_number:
            name, order = printable(manifest.product_name), printable(manifest.order_number)
            print(f"  {name}  order {order or '-'}")
    if args.check:
        print("invariants: OK")
        for r, why in broken:
            print(f"license {r.uuid} ({r.state.value}): {why}")
        print(
            f"AuthKeys: {len(broken)} do not open (quarantine them: prodtool ledger quarantine)"
            if broken
            else "AuthKeys: every one opens"
        )
    return 1 if broken else 0


def _import_list(args: argparse.Namespace) -> int:
    with Ledger.for_station(paths_from(args)) as ledger:
        known = {m.package_id for m in ledger.packages()}
        package_id = ledger.import_license_list(
            args.file, product_name=args.product_name, chip_family=registry.get(args.chip).name
        )
        count = ledger.manifest(package_id).license_count
    verb = "already imported" if package_id in known else "imported"
    print(f"{verb} {count} licenses from {args.file.name} as package {package_id}")
    return 0
