"""`prodtool label preview|print --job JOB_ID`: a label from a job's write record, drawn to a PNG
or reprinted. A reprint needs the supervisor PIN: a second label for one unit is a supervisor's
call. Only a job whose record says `passed` gets a label."""

from __future__ import annotations

import argparse
from pathlib import Path

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.cli.supervisor import add_pin_option, require_supervisor
from prodtool.labels.printers import printer_for
from prodtool.labels.render_pdf import save_png
from prodtool.labels.reprint import passed_record, reprint_label
from prodtool.labels.template import fill, load_template
from prodtool.settings import load_settings

SAMPLE_RECORD = {
    "job_id": "20260101T080000-0a1b2c3d",
    "uuid": "uuid0123456789abcdef",
    "mac": "24:0A:C4:12:34:56",
    "serial": "PLUG-000001",
    "code": "PCB-000001",
    "order_number": "ORDER-1",
    "station_id": "station-1",
    "port": "/dev/ttyUSB0",
    "chip_family": "esp32c3",
    "chip_id": "0",
    "firmware_version": "1.0.0",
    "finished_at": "2026-01-01T08:00:30Z",
    "result": "passed",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("label", help="preview or reprint a passed unit's label")
    commands = parser.add_subparsers(dest="label_command", metavar="COMMAND", required=True)

    preview = commands.add_parser("preview", help="draw a job's label to a PNG file")
    _common(preview, sample=True)
    preview.add_argument("--out", required=True, help="the PNG file to write")
    preview.set_defaults(func=_preview)

    reprint = commands.add_parser("print", help="reprint a job's label (supervisor)")
    _common(reprint)
    reprint.add_argument(
        "--printer", help="a CUPS queue or zpl://host:port (default: the label_printer setting)"
    )
    add_pin_option(reprint)
    reprint.set_defaults(func=_print)


def _common(parser: argparse.ArgumentParser, *, sample: bool = False) -> None:
    add_data_dir_option(parser)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--job", metavar="JOB_ID", help="the job, as in the write log")
    if sample:
        which.add_argument(
            "--sample", action="store_true", help="made-up values: to try a template out"
        )
    parser.add_argument(
        "--template", help="a label template file (default: the label_template setting)"
    )


def _preview(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    template = load_template(args.template or settings.label_template)
    record = SAMPLE_RECORD if args.sample else passed_record(paths, args.job)
    out = Path(args.out)
    save_png(fill(template, record), out)
    print(f"label of {'a made-up unit' if args.sample else 'job ' + args.job} drawn to {out}")
    return 0


def _print(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    template = load_template(args.template or settings.label_template)
    printer_name = args.printer or settings.label_printer
    printer_for(printer_name)  # a bad printer setting is said before the PIN is asked
    record = passed_record(paths, args.job)
    require_supervisor(args, paths, f"reprint the label of job {args.job}")
    where = reprint_label(paths, template, record, printer_name)
    print(f"label of job {args.job} reprinted: {where}")
    return 0
