"""`prodtool demo`: the station on simulated chips, in this process, with a demo package."""

from __future__ import annotations

import argparse
import os
import sys

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.engine.console import EventPrinter, format_summary
from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.errors import UserError
from prodtool.families import registry
from prodtool.families.registry import DEFAULT_FAMILY
from prodtool.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subparsers.add_parser(
        "demo",
        help="run the station on simulated chips",
        description=(
            "Build a demo package and write it to N simulated chips in this process: in the "
            "station window, or headless with --headless (also when no display is found)."
        ),
    )
    sub.add_argument("--ports", type=int, default=8, help="how many simulated chips (default 8)")
    sub.add_argument("--headless", action="store_true", help="no window: progress on the terminal")
    sub.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="a fault for the first chip, e.g. unplug@block=5 (repeatable)",
    )
    sub.add_argument("--json", action="store_true", help="one JSON object per event")
    sub.add_argument(
        "--family",
        default=DEFAULT_FAMILY,
        help=f"the simulated chips' family (default {DEFAULT_FAMILY}); another one runs headless",
    )
    add_data_dir_option(sub)
    sub.set_defaults(func=demo_command)


def has_display() -> bool:
    """Whether a window can be shown: always on Windows and macOS, on Linux with X11 or Wayland."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def demo_command(args: argparse.Namespace) -> int:
    from prodtool.sim import ChipFarm, FaultSpecError, parse_fault  # noqa: PLC0415

    for spec in args.fault:  # a bad spec is refused before anything starts
        try:
            parse_fault(spec)
        except FaultSpecError as error:
            raise UserError(f"bad --fault {spec!r}: {error}", code="fault_spec") from None
    family = registry.get(args.family).name  # an unknown name is one line, before anything
    if not args.headless and family != DEFAULT_FAMILY:
        print(f"prodtool demo: {family} chips run headless", file=sys.stderr)
        args.headless = True
    if not args.headless:
        if has_display():
            return _window_demo(args)
        print("prodtool demo: no display found, running headless", file=sys.stderr)
    paths = paths_from(args)
    package, password = build_demo_package(
        paths.root / "demo", licenses=max(64, 2 * args.ports), chip_family=family
    )
    settings = load_settings(paths.settings).replace(operator="demo")
    with ChipFarm(count=args.ports, family=family, transport="socket") as farm:
        for spec in args.fault:
            farm.chips[0].add_fault(parse_fault(spec))
        with Station(paths, settings) as station:
            station.load_package(package, password)
            station.subscribe(EventPrinter(as_json=args.json, demo=True))
            station.add_ports(farm.urls, start=True)
            station.wait_idle()
            summary = station.summary()
    print(format_summary(summary, as_json=args.json), flush=True)
    return 0 if summary.failed == 0 else 1


def _window_demo(args: argparse.Namespace) -> int:
    from prodtool.ui.app import GuiOptions, run  # noqa: PLC0415 - Qt only when a window opens

    options = GuiOptions(demo=True, ports=max(1, args.ports), faults=tuple(args.fault))
    return run(paths_from(args), options)
