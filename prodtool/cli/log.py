"""`prodtool log export|verify|audit`: the signed write log for upload, checking such a file,
and the station's write log against its ledger.

With a license pool (`--ledger`, $PRODTOOL_LEDGER or the settings) `export` writes the whole
fleet's log (`--station` for one station's, `--local` for this station's own file).
`export --since-last` writes only the records after the last such export; `verify --follows`
checks that an export starts where the one before it ended.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.cli.pool import export_fleet_command, pool_url
from prodtool.engine.export import (
    KEY_FILE,
    export_log,
    last_export,
    log_sealer,
    sig_path,
    station_key,
    verify_export,
)
from prodtool.engine.fleetlog import is_fleet_export, verify_fleet
from prodtool.engine.logaudit import audit
from prodtool.engine.writelog import START, ChainProblem, read_records, verify_chain, verify_seals
from prodtool.errors import UserError
from prodtool.license.ledger import Ledger
from prodtool.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subparsers.add_parser("log", help="export or verify the write log")
    commands = sub.add_subparsers(dest="log_command", metavar="ACTION", required=True)
    export = commands.add_parser("export", help="write the log as signed CSV or JSON for upload")
    export.add_argument("--out", type=Path, required=True, help="FILE.csv or FILE.json")
    export.add_argument(
        "--station", help="with a license pool: only this station's records (default: the fleet)"
    )
    export.add_argument(
        "--local", action="store_true", help="with a license pool: this station's own log only"
    )
    export.add_argument(
        "--since-last",
        action="store_true",
        help="only the records written since the last --since-last export (all, the first time)",
    )
    add_data_dir_option(export)
    export.set_defaults(func=export_command)
    verify = commands.add_parser("verify", help="check an exported file and its .sig")
    verify.add_argument("file", type=Path)
    verify.add_argument(
        "--key-fingerprint",
        help="the station key's fingerprint (off the station: refuse any other signer)",
    )
    verify.add_argument(
        "--follows",
        type=Path,
        metavar="EARLIER",
        help="the export before this one: this one must start where it ended",
    )
    add_data_dir_option(verify)
    verify.set_defaults(func=verify_command)
    check = commands.add_parser(
        "audit", help="cross-check the write log with the ledger: name what either lacks"
    )
    add_data_dir_option(check)
    check.set_defaults(func=audit_command)
    add_data_dir_option(sub)


def export_command(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    if not args.local and pool_url(paths) is not None:
        if args.since_last:
            raise UserError("--since-last exports this station's own log", hint="add --local to it")
        return export_fleet_command(args)  # the pool: the whole fleet's log
    if args.station:
        raise UserError("--station needs a license pool", hint="give --ledger postgresql://...")
    after = last_export(paths) if args.since_last else START
    count = export_log(paths, args.out, station_id=settings.station_id, since_last=args.since_last)
    since = f" since the last export (after record {after.seq})" if after != START else ""
    print(f"exported {count} records{since} to {args.out} (signature {args.out.name}.sig)")
    return 0


def verify_command(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    if sig_path(args.file).is_dir():
        raise UserError(f"{sig_path(args.file)} is a folder, not the export's signature file")
    trusted = station_key(paths).public_key() if (paths.keys / KEY_FILE).exists() else None
    verify = verify_fleet if is_fleet_export(args.file) else verify_export
    report = verify(args.file, trusted=trusted, expect_fingerprint=args.key_fingerprint)
    print(f"{args.file}: {report.records} records, signed by key {report.key_fingerprint or '?'}")
    if report.after != START:
        print(f"  starts after record {report.after.seq} (hash {report.after.hash[:16]}...)")
    if args.follows is not None:
        earlier = verify_export(
            args.follows, trusted=trusted, expect_fingerprint=args.key_fingerprint
        )
        broken = (
            f"the earlier export {args.follows.name} does not verify"
            if not earlier.ok
            else f"it does not start where {args.follows.name} ended"
            if earlier.head != report.after.hash
            else ""
        )
        if broken:
            report.problems.append(ChainProblem(-1, report.after.seq, "deleted", broken))
    for note in report.notes:
        print(f"  {note}")
    for problem in report.problems:
        print(f"  {problem.text}")
    print("OK: the file is intact" if report.ok else "FAILED: the file was changed")
    return 0 if report.ok else 1


def audit_command(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    records = list(read_records(paths.write_log))
    problems = verify_chain(records)
    if (paths.keys / KEY_FILE).exists():
        problems += verify_seals(records, log_sealer(paths))
    else:
        print("  no station key: the seals cannot be checked")
    with Ledger.for_station(paths) as ledger:
        events = ledger.job_events()
    findings = audit(records, events)
    jobs = len({(e["job_id"], e["uuid"]) for e in events})
    print(f"write log: {len(records)} records; ledger: {jobs} jobs with a license")
    for problem in problems:
        print(f"  {problem.text}")
    for finding in findings:
        print(f"  {finding.text}")
    if problems or findings:
        print(f"FAILED: {len(problems)} breaks in the write log, {len(findings)} jobs on one side")
        return 1
    print("OK: the write log and the ledger agree")
    return 0
