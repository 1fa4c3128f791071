"""`prodtool check`: QA reads back written chips and judges them against the ledger and package.

One chip (`--port P`), or a batch (`--ports auto|LIST --batch`) that checks each chip as it is
plugged in and can export the QA report. Exit 0 only when every chip checked passed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.engine.qa import QaReport, check_port, choose_manifest, format_report
from prodtool.engine.qa_batch import QaBatch
from prodtool.errors import UserError
from prodtool.license.ledger import Ledger
from prodtool.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subparsers.add_parser(
        "check",
        help="QA: check what was written to chips",
        description="Read a chip's identity, firmware version and license back and judge them "
        "against the ledger and the package. Changes nothing, except with --settle.",
    )
    where = sub.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="the chip's serial port (device path or pyserial URL)")
    where.add_argument("--ports", help="with --batch: 'auto' or comma-separated ports")
    sub.add_argument("--package-id", help="the package to judge against (default: the only one)")
    sub.add_argument("--json", action="store_true", help="the report as JSON")
    sub.add_argument(
        "--settle",
        action="store_true",
        help="record a needs_check license found intact on the chip as verified",
    )
    sub.add_argument("--batch", action="store_true", help="check chips as they are plugged in")
    sub.add_argument("--report", type=Path, help="with --batch: write the report (.csv or .json)")
    sub.add_argument("--count", type=int, default=0, help="with --ports auto: stop after N chips")
    add_data_dir_option(sub)
    sub.set_defaults(func=check_command)


def check_command(args: argparse.Namespace) -> int:
    if args.ports and not args.batch:
        raise UserError("--ports checks a batch: add --batch (or use --port)", code="usage")
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    with Ledger.for_station(paths) as ledger:
        manifest = choose_manifest(ledger, args.package_id)
        if args.port:
            report = check_port(
                args.port,
                ledger,
                manifest,
                write_log=paths.write_log,
                settle=args.settle,
                shell_timeout_s=settings.shell_timeout_s,
                connect_attempts=settings.connect_attempts,
            )
            _print(report, as_json=args.json)
            return 0 if report.passed else 1
        batch = QaBatch(
            ledger,
            manifest,
            settings,
            write_log=paths.write_log,
            settle=args.settle,
            on_report=lambda r: _print(r, as_json=args.json),
        )
        _run_batch(batch, args)
        if args.report:
            count = batch.export(args.report)
            print(f"QA report: {count} chip(s) written to {args.report}", file=sys.stderr)
        passed, failed = batch.counts()
        print(f"QA: {passed} passed, {failed} failed", file=sys.stderr)
        return 0 if failed == 0 and passed > 0 else 1


def _run_batch(batch: QaBatch, args: argparse.Namespace) -> None:
    if args.ports != "auto":
        batch.run_list([p.strip() for p in args.ports.split(",") if p.strip()])
        return
    stop = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        print("QA: waiting for chips (Ctrl-C to stop)", file=sys.stderr, flush=True)
        batch.watch(stop, count=args.count)
    finally:
        signal.signal(signal.SIGINT, previous)


def _print(report: QaReport, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False), flush=True)
    else:
        print(format_report(report), flush=True)
