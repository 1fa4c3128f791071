"""`prodtool sim serve`: simulated chips on virtual serial ports, for demos, tests and benchmarks.

Prints one port name or URL per chip, one per line, then serves until SIGINT or SIGTERM and
exits 0. See docs/simulated-chips.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from prodtool.cli.common import add_data_dir_option
from prodtool.errors import UserError
from prodtool.families.esp.sim.profiles import PROFILES
from prodtool.sim import ChipFarm, FaultSpecError, parse_fault
from prodtool.sim.farm import TRANSPORTS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = subparsers.add_parser("sim", help="simulated chips on virtual serial ports")
    add_data_dir_option(sim)
    actions = sim.add_subparsers(dest="sim_command", metavar="ACTION")
    serve = actions.add_parser("serve", help="serve simulated chips until interrupted")
    add_data_dir_option(serve)
    serve.add_argument("--chips", type=int, default=1, help="how many chips (default 1)")
    serve.add_argument("--family", choices=sorted(PROFILES), default="esp32c3")
    serve.add_argument("--transport", choices=TRANSPORTS, default="pty" if _posix() else "socket")
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault on every chip, e.g. unplug@block=5 (repeatable)",
    )
    serve.add_argument("--app-version", default=None, help="preload a valid app of this version")
    serve.add_argument("--seed", type=int, default=0, help="MAC seed (default 0)")
    serve.set_defaults(func=serve_command)
    sim.set_defaults(func=lambda _args: _usage(sim))


def _posix() -> bool:
    return sys.platform != "win32"


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def serve_command(args: argparse.Namespace) -> int:
    if args.chips < 1:
        raise UserError("--chips must be at least 1", code="sim_args")
    if args.transport == "pty" and not _posix():
        raise UserError("pty needs a POSIX system", hint="use --transport socket", code="sim_args")
    try:
        faults = [parse_fault(spec) for spec in args.fault]
    except FaultSpecError as error:
        raise UserError(f"bad --fault: {error}", code="sim_args") from None
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        farm = ChipFarm(
            count=args.chips,
            family=args.family,
            transport=args.transport,
            faults=faults,
            app_version=args.app_version,
            seed=args.seed,
        )
        with farm:
            for url in farm.urls:
                print(url)
            sys.stdout.flush()
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
