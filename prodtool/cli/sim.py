"""`prodtool sim serve` and `prodtool sim image`: simulated chips for demos, tests and benchmarks.

`serve` prints one port name or URL per chip, one per line, then serves until SIGINT or SIGTERM
and exits 0; `--chips N --family F` pairs repeat to mix families, in order. `image` writes a
firmware image that simulated chips of a family boot. See docs/simulated-chips.md and
docs/families.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from prodtool.cli.common import add_data_dir_option
from prodtool.errors import UserError
from prodtool.families import registry
from prodtool.families.beken.sim.chip import BekenSimChip
from prodtool.families.beken.sim.faults import BekenFault, BekenFaultSpecError, parse_beken_fault
from prodtool.families.beken.variants import is_beken
from prodtool.sim import ChipFarm, Fault, FaultSpecError, parse_fault
from prodtool.sim.farm import TRANSPORTS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = subparsers.add_parser("sim", help="simulated chips on virtual serial ports")
    add_data_dir_option(sim)
    actions = sim.add_subparsers(dest="sim_command", metavar="ACTION")
    serve = actions.add_parser("serve", help="serve simulated chips until interrupted")
    add_data_dir_option(serve)
    serve.add_argument(
        "--chips",
        type=int,
        action="append",
        default=[],
        help="how many chips (default 1); repeat with --family to mix families",
    )
    serve.add_argument(
        "--family",
        action="append",
        default=[],
        help=f"their family (default {registry.DEFAULT_FAMILY}): {', '.join(registry.names())}",
    )
    serve.add_argument("--transport", choices=TRANSPORTS, default="pty" if _posix() else "socket")
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault on every chip, e.g. unplug@block=5 (repeatable); Beken chips also "
        "take their own kinds, e.g. baud-ceiling@max=1500000 (docs/beken.md)",
    )
    serve.add_argument("--app-version", default=None, help="preload a valid app of this version")
    serve.add_argument("--seed", type=int, default=0, help="MAC seed (default 0)")
    serve.set_defaults(func=serve_command)
    image = actions.add_parser("image", help="write a firmware image simulated chips boot")
    add_data_dir_option(image)
    image.add_argument("--family", default=registry.DEFAULT_FAMILY, help="chip family")
    image.add_argument("--version", required=True, help="the version the app reports")
    image.add_argument("--size", type=int, default=None, help="image size in bytes")
    image.add_argument("--out", required=True, type=Path, help="file to write")
    image.set_defaults(func=image_command)
    sim.set_defaults(func=lambda _args: _usage(sim))


def _posix() -> bool:
    return sys.platform != "win32"


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def chip_families(chips: list[int], families: list[str]) -> list[str]:
    """One canonical family name per chip, from the `--chips N --family F` pairs."""
    chips = chips or [1]
    families = families or [registry.DEFAULT_FAMILY] * len(chips)
    if len(chips) != len(families):
        raise UserError(
            f"give one --family per --chips ({len(chips)} --chips, {len(families)} --family)",
            code="sim_args",
        )
    if any(count < 1 for count in chips):
        raise UserError("--chips must be at least 1", code="sim_args")
    names: list[str] = []
    for count, name in zip(chips, families, strict=True):
        names += [registry.get(name).name] * count
    return names


def image_command(args: argparse.Namespace) -> int:
    family = registry.get(args.family)
    data = family.make_image(version=args.version, size=args.size)
    family.read_image(data, name=str(args.out))  # what the chips and the package check accept
    try:
        args.out.write_bytes(data)
    except OSError as error:
        raise UserError(f"cannot write {args.out}: {error.strerror}", code="sim_args") from None
    print(f"{args.out}: {family.name} image, version {args.version}, {len(data)} bytes")
    return 0


def serve_command(args: argparse.Namespace) -> int:
    families = chip_families(args.chips, args.family)
    if args.transport == "pty" and not _posix():
        raise UserError("pty needs a POSIX system", hint="use --transport socket", code="sim_args")
    faults, beken_faults = parse_faults(args.fault, families)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        farm = ChipFarm(
            families=families,
            transport=args.transport,
            faults=faults,
            app_version=args.app_version,
            seed=args.seed,
        )
        for chip in farm.chips:  # before the farm starts: some act at power-on (no-link)
            if isinstance(chip, BekenSimChip):
                for fault in beken_faults:
                    chip.add_fault(fault)
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


def parse_faults(specs: list[str], families: list[str]) -> tuple[list[Fault], list[BekenFault]]:
    """The shared kinds every simulated chip knows, and Beken's own (only for Beken chips).

    A spec is read as a shared kind first (`unplug@block=5`), then as a Beken one
    (`unplug@offset=0x30000`, `baud-ceiling@max=1500000`); a Beken kind on a farm with other
    chips is refused, since those chips could not show it.
    """
    shared: list[Fault] = []
    beken: list[BekenFault] = []
    all_beken = bool(families) and all(is_beken(name) for name in families)
    for spec in specs:
        try:
            shared.append(parse_fault(spec))
            continue
        except FaultSpecError as error:
            first = str(error)
        try:
            fault = parse_beken_fault(spec)
        except BekenFaultSpecError as error:
            raise UserError(
                f"bad --fault: {error if all_beken else first}", code="sim_args"
            ) from None
        if not all_beken:
            raise UserError(
                f"bad --fault: {spec!r} is a Beken fault, and not every chip here is a Beken chip",
                hint="serve Beken chips on their own (--family bk7231n, t2, bk7231t, t3, t5)",
                code="sim_args",
            )
        beken.append(fault)
    return shared, beken
