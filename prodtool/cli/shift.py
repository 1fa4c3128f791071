"""`prodtool shift report`: the shift's figures from the write log, as CSV or PDF."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.engine.shift_report import build_report, export_report
from prodtool.engine.writelog import read_records
from prodtool.settings import load_settings


def when(text: str) -> dt.datetime:
    """An ISO 8601 time for --since/--until (UTC when it names no zone)."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2026-11-28T06:00") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def add_span_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=when, help="from this time (ISO 8601; default: all)")
    parser.add_argument("--until", type=when, help="up to this time (ISO 8601)")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shift = subparsers.add_parser("shift", help="shift figures from the write log")
    commands = shift.add_subparsers(dest="shift_command", metavar="COMMAND", required=True)
    report = commands.add_parser(
        "report",
        help="export the shift report (CSV or PDF)",
        description="First-pass yield, failures by reason, port and operator, devices per hour.",
    )
    report.add_argument("--out", type=Path, required=True, help="FILE.csv or FILE.pdf")
    report.add_argument("--operator", help="only this operator's jobs")
    add_span_options(report)
    add_data_dir_option(report)
    report.set_defaults(func=report_command)


def report_command(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    report = build_report(
        read_records(paths.write_log), since=args.since, until=args.until, operator=args.operator
    )
    export_report(report, args.out, station_id=settings.station_id)
    print(
        f"{report.chips} chips, {report.passed} passed, first-pass yield "
        f"{report.first_pass_yield:.1%}, {report.devices_per_hour:.1f}/h: {args.out}"
    )
    return 0
