"""`prodtool ledger find|quarantined|quarantine|settle|reconcile`: a supervisor's ledger tools.

`find` and `quarantined` only read. `quarantine` takes a license out of use, `settle` records
what a person saw on a chip, `reconcile` reads the chips on the given ports and settles every
needs_check license they decide (see prodtool/engine/reconcile.py). None prints an AuthKey.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.engine.ledger_actions import quarantine_license, settle_license
from prodtool.engine.reconcile import Outcome, reconcile_ports
from prodtool.engine.writelog import WriteLog
from prodtool.errors import UserError
from prodtool.license.ledger import ChipIdentity, Ledger, LicenseRecord
from prodtool.license.model import LicenseState
from prodtool.settings import load_settings


def register_fixes(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    find = commands.add_parser("find", help="a license by UUID, or the licenses of a chip's MAC")
    find.add_argument("what", help="a UUID or a MAC address (aa:bb:cc:dd:ee:ff)")
    find.add_argument("--history", action="store_true", help="also print each license's events")
    find.add_argument("--json", action="store_true")
    find.set_defaults(func=_find)

    listing = commands.add_parser("quarantined", help="list quarantined licenses and why")
    listing.add_argument("--package-id", default=None)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_quarantined)

    quarantine = commands.add_parser("quarantine", help="take a license out of use")
    quarantine.add_argument("uuid")
    quarantine.add_argument("--reason", required=True, help="why (kept in the history)")
    quarantine.set_defaults(func=_quarantine)

    settle = commands.add_parser("settle", help="record where a needs_check license is")
    settle.add_argument("uuid")
    where = settle.add_mutually_exclusive_group(required=True)
    where.add_argument("--found-on", metavar="MAC", help="the chip it was read back from")
    where.add_argument("--on-no-chip", action="store_true", help="no chip holds it")
    settle.set_defaults(func=_settle)

    reconcile = commands.add_parser(
        "reconcile", help="read chips back and settle the needs_check licenses they decide"
    )
    reconcile.add_argument("--ports", required=True, help="comma-separated paths or URLs")
    reconcile.add_argument("--json", action="store_true")
    reconcile.set_defaults(func=_reconcile)
    for sub in (find, listing, quarantine, settle, reconcile):
        add_data_dir_option(sub)


def _describe(record: LicenseRecord) -> dict[str, Any]:
    return {
        "uuid": record.uuid,
        "package_id": record.package_id,
        "state": record.state.value,
        "chip_mac": record.chip_mac,
        "port": record.port,
        "job_id": record.job_id,
        "updated_at": record.updated_at,
        **({"reason": record.note} if record.note else {}),
    }


def _print(records: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        json.dump(records, sys.stdout, indent=2, default=str)
        print()
        return
    for r in records:
        line = f"{r['uuid']}  {r['state']:<11}  chip {r['chip_mac'] or '-'}  {r['package_id']}"
        print(line + (f"  ({r['reason']})" if r.get("reason") else ""))
        for event in r.get("history", []):
            print(
                f"    {event['at']}  {event['event']:<18} -> {event['to_state']}  "
                f"{event.get('reason') or ''}".rstrip()
            )


def _find(args: argparse.Namespace) -> int:
    with Ledger.for_station(paths_from(args)) as ledger:
        records = _lookup(ledger, args.what)
        out = [_describe(r) for r in records]
        if args.history:
            for described, record in zip(out, records, strict=True):
                described["history"] = ledger.history(record.license_id)
    if not out:
        raise UserError(f"no license matches {args.what}", code="not_found")
    _print(out, args.json)
    return 0


def _lookup(ledger: Ledger, what: str) -> list[LicenseRecord]:
    if ":" in what or "-" in what:
        try:
            chip = ChipIdentity(family="", mac=what, chip_id="")
        except ValueError:
            raise UserError(f"{what} is neither a UUID nor a MAC address", code="usage") from None
        return ledger.licenses_for_chip(chip)
    found = ledger.find_uuid(what)
    return [found] if found else []


def _quarantined(args: argparse.Namespace) -> int:
    with Ledger.for_station(paths_from(args)) as ledger:
        records = ledger.quarantined(args.package_id)
    if not records and not args.json:
        print("no license is quarantined")
        return 0
    _print([_describe(r) for r in records], args.json)
    return 0


def _quarantine(args: argparse.Namespace) -> int:
    with Ledger.for_station(paths_from(args)) as ledger:
        record = quarantine_license(ledger, args.uuid, reason=args.reason)
    print(f"{args.uuid} quarantined (was {record.state.value})")
    return 0


def _settle(args: argparse.Namespace) -> int:
    with Ledger.for_station(paths_from(args)) as ledger:
        state = settle_license(ledger, args.uuid, found_on_mac=args.found_on or None)
    print(f"{args.uuid}: {LicenseState.NEEDS_CHECK.value} -> {state.value}")
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    ports = [p.strip() for p in args.ports.split(",") if p.strip()]
    if not ports:
        raise UserError("--ports names no port", code="usage")
    with Ledger.for_station(paths) as ledger:
        results = reconcile_ports(
            ports,
            ledger,
            shell_timeout_s=settings.shell_timeout_s,
            connect_attempts=settings.connect_attempts,
            writelog=WriteLog(paths.write_log),
            station_id=settings.station_id,
            operator=settings.operator,
        )
        left = sum(
            n
            for c in ledger.counts().values()
            for s, n in c.items()
            if s is LicenseState.NEEDS_CHECK
        )
    if args.json:
        json.dump(
            {"settled": [r.__dict__ for r in results], "needs_check_left": left},
            sys.stdout,
            indent=2,
        )
        print()
    else:
        for r in results:
            print(f"{r.port}: {r.outcome.value:<10} {r.uuid or '-'}  {r.text}")
        print(f"{left} license(s) still need a check")
    unsettled = any(r.outcome in {Outcome.LEFT, Outcome.UNREADABLE} for r in results)
    return 1 if unsettled else 0
