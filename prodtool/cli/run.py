"""`prodtool run`: the station without a window, on listed ports or on every matching one."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from prodtool.cli.common import add_data_dir_option, paths_from, read_password_file
from prodtool.engine.console import EventPrinter, format_summary
from prodtool.engine.mes import check_url
from prodtool.engine.serials import read_serial_list
from prodtool.engine.station import Station
from prodtool.errors import UserError
from prodtool.license.formats import printable
from prodtool.settings import Settings, check_baud_rates, load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subparsers.add_parser(
        "run",
        help="write firmware and licenses headless",
        description="Write firmware and licenses on serial ports without the window. "
        "Exits 0 when every chip passed.",
    )
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument("--package", type=Path, help="a credential package (.prodpkg)")
    source.add_argument("--license-list", type=Path, help="a License List (CSV or XLSX)")
    sub.add_argument("--password-file", type=Path, help="file holding the package's password")
    sub.add_argument(
        "--ports",
        default="auto",
        help="'auto' (watch for USB serial adapters) or comma-separated paths / pyserial URLs",
    )
    sub.add_argument("--count", type=int, default=0, help="stop after N chips passed")
    sub.add_argument("--json", action="store_true", help="one JSON object per event")
    sub.add_argument("--baud", type=int, help="write at this baud rate (falls back lower)")
    sub.add_argument("--station-id", help="name of this station in the write log")
    sub.add_argument("--operator", help="who is operating the station")
    serials = sub.add_mutually_exclusive_group()
    serials.add_argument(
        "--serial-format",
        metavar="PATTERN",
        help="give each passed chip a serial number, e.g. 'PLUG-{n:06}' ({c}: a check digit)",
    )
    serials.add_argument("--serial-list", type=Path, metavar="FILE", help="serials from a CSV")
    sub.add_argument("--serial-start", type=int, default=0, metavar="N", help="the first {n}")
    sub.add_argument("--mes-url", metavar="URL", help="POST every write record to the MES here")
    add_data_dir_option(sub)
    sub.set_defaults(func=run_command)


def settings_for(args: argparse.Namespace, settings: Settings) -> Settings:
    changes: dict[str, object] = {}
    if args.baud:
        check_baud_rates((args.baud,))  # a rate no chip family supports: exit 2, one line
        changes["baud_rates"] = tuple(b for b in (args.baud, 460800, 115200) if b <= args.baud) or (
            args.baud,
        )
    if args.station_id:
        changes["station_id"] = args.station_id
    if args.operator:
        changes["operator"] = args.operator
    if getattr(args, "mes_url", None):
        changes["mes_url"] = check_url(args.mes_url)
    return settings.replace(**changes)


def run_command(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    settings = settings_for(args, load_settings(paths.settings))
    if args.package and not args.password_file:
        raise UserError("a package needs --password-file", code="usage")
    with Station(paths, settings) as station:
        if args.package:
            manifest = station.load_package(args.package, read_password_file(args.password_file))
        else:
            manifest = station.load_license_list(args.license_list)
        if args.serial_format:
            station.set_serial_counter(args.serial_format, args.serial_start)
        elif args.serial_list:
            station.set_serial_list(read_serial_list(args.serial_list))
        printer = EventPrinter(as_json=args.json, demo=manifest.demo)
        if not args.json:
            demo = "package "
            if manifest.demo:
                demo = "DEMO package (demo licenses, not for production) "
            name = printable(manifest.product_name or manifest.product_id)
            print(
                f"{demo}{manifest.package_id}: {name} "
                f"({manifest.delivery_mode.value}, {printable(manifest.chip_family)})",
                flush=True,
            )
        station.subscribe(printer)
        stop = threading.Event()
        previous = signal.signal(signal.SIGINT, _stopper(stop, station))
        try:
            _drive(station, args, stop)
        finally:
            signal.signal(signal.SIGINT, previous)
            station.stop()
        summary = station.summary()
    print(format_summary(summary, as_json=args.json), flush=True)
    return 0 if summary.failed == 0 and summary.passed > 0 else 1


def _stopper(stop: threading.Event, station: Station) -> Callable[[int, FrameType | None], None]:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        print("stopping...", file=sys.stderr, flush=True)
        stop.set()
        station.set_auto_start(False)
        for port in station.ports():
            station.cancel(port.port)

    return handler


def _drive(station: Station, args: argparse.Namespace, stop: threading.Event) -> None:
    count = args.count

    def enough() -> bool:
        return stop.is_set() or bool(count and station.summary().passed >= count)

    if args.ports == "auto":
        station.set_auto_start(True)
        station.watch_hotplug()
        while not enough():
            station.wait_for(enough, timeout=1.0)
        station.set_auto_start(False)
        return
    urls = [p.strip() for p in args.ports.split(",") if p.strip()]
    station.set_auto_start(False)
    station.add_ports(urls, start=True)
    while not enough() and not station.wait_idle(timeout=0.5):
        pass
