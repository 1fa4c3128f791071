"""`prodtool demo`: the station on simulated chips, in this process, with a demo package."""

from __future__ import annotations

import argparse

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.engine.console import EventPrinter, format_summary
from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subparsers.add_parser(
        "demo",
        help="run the station on simulated chips",
        description="Build a demo package and write it to N simulated chips in this process.",
    )
    sub.add_argument("--ports", type=int, default=8, help="how many simulated chips (default 8)")
    sub.add_argument("--headless", action="store_true", help="no window (the default for now)")
    sub.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="a fault for the first chip, e.g. unplug@block=5 (repeatable)",
    )
    sub.add_argument("--json", action="store_true", help="one JSON object per event")
    add_data_dir_option(sub)
    sub.set_defaults(func=demo_command)


def demo_command(args: argparse.Namespace) -> int:
    from prodtool.flash.sim import ChipFarm, parse_fault  # noqa: PLC0415 - only for the demo

    paths = paths_from(args)
    package, password = build_demo_package(paths.root / "demo", licenses=max(64, 2 * args.ports))
    settings = load_settings(paths.settings).replace(operator="demo")
    with ChipFarm(count=args.ports, family="esp32c3", transport="socket") as farm:
        for spec in args.fault:
            farm.chips[0].add_fault(parse_fault(spec))
        with Station(paths, settings) as station:
            station.load_package(package, password)
            station.subscribe(EventPrinter(as_json=args.json))
            station.add_ports(farm.urls, start=True)
            station.wait_idle()
            summary = station.summary()
    print(format_summary(summary, as_json=args.json), flush=True)
    return 0 if summary.failed == 0 else 1
