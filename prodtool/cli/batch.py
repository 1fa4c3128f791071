"""`prodtool batch close`: the order's or shift's records in one signed archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.cli.shift import add_span_options
from prodtool.engine.batch import close_batch, verify_batch
from prodtool.engine.export import KEY_FILE, station_key
from prodtool.license.ledger import Ledger
from prodtool.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = subparsers.add_parser("batch", help="close a batch into a signed archive")
    commands = batch.add_subparsers(dest="batch_command", metavar="COMMAND", required=True)
    close = commands.add_parser(
        "close",
        help="write the signed archive (write log, ledger summary, firmware, shift report)",
    )
    close.add_argument("--out", type=Path, required=True, help="FILE.zip")
    add_span_options(close)
    add_data_dir_option(close)
    close.set_defaults(func=close_command)
    verify = commands.add_parser("verify", help="check a batch archive's signature and members")
    verify.add_argument("archive", type=Path)
    verify.add_argument(
        "--key-fingerprint",
        help="the closing station key's fingerprint, when checking off that station",
    )
    add_data_dir_option(verify)
    verify.set_defaults(func=verify_command)


def close_command(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    with Ledger.for_station(paths) as ledger:
        report = close_batch(
            paths,
            ledger,
            args.out,
            station_id=settings.station_id,
            since=args.since,
            until=args.until,
        )
    print(f"batch closed: {report.jobs} jobs, {report.passed} chips passed: {args.out}")
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """Against the station's own key (or --key-fingerprint), never the key the archive names."""
    paths = paths_from(args)
    trusted = None
    if args.key_fingerprint is None and (paths.keys / KEY_FILE).exists():
        trusted = station_key(paths).public_key()
    check = verify_batch(args.archive, trusted=trusted, expect_fingerprint=args.key_fingerprint)
    for problem in check.problems:
        print(problem)
    print("batch archive OK" if check.ok else "batch archive NOT OK")
    return 0 if check.ok else 1
