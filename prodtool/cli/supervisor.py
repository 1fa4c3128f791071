"""The supervisor PIN on the command line: `prodtool supervisor set-pin|check-pin`, and the PIN
that other commands (`package trust`) ask for, as the window does.

Whoever installs a station sets the PIN here (or in the window at its first start), so the first
person to open a supervisor item is not the one who chooses it. Changing it needs the current PIN;
wrong tries count towards the same wait as in the window (`prodtool.supervisor_pin`). The PIN is
read without echo or from `--pin-file` (for scripts), never from an argument (it would show in the
process list and the shell history), and never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from prodtool.cli.common import add_data_dir_option, paths_from, read_password_file
from prodtool.errors import UserError
from prodtool.paths import StationPaths
from prodtool.supervisor_pin import PinGate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("supervisor", help="the supervisor PIN")
    commands = parser.add_subparsers(dest="supervisor_command", metavar="COMMAND", required=True)
    set_pin = commands.add_parser("set-pin", help="set the PIN (changing it asks the current one)")
    set_pin.set_defaults(func=_set_pin)
    check = commands.add_parser("check-pin", help="check a PIN (counts as a try)")
    check.set_defaults(func=_check_pin)
    for sub in (set_pin, check):
        add_data_dir_option(sub)


def _set_pin(args: argparse.Namespace) -> int:
    gate = PinGate.for_station(paths_from(args))
    current = getpass.getpass("Current supervisor PIN: ") if gate.has_pin() else None
    if current is not None:
        gate.verify(current)  # before the new PIN is typed: a wrong one stops here
    new = getpass.getpass("New supervisor PIN: ")
    again = getpass.getpass("The new PIN again: ")
    gate.set_pin(new, again, current=current)
    print("supervisor PIN set")
    return 0


def _check_pin(args: argparse.Namespace) -> int:
    gate = PinGate.for_station(paths_from(args))
    gate.verify(getpass.getpass("Supervisor PIN: "))
    print("PIN accepted")
    return 0


def add_pin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin-file", help="file holding the supervisor PIN (else it is asked at the terminal)"
    )


def _read_pin(args: argparse.Namespace, purpose: str) -> str:
    if args.pin_file:
        return read_password_file(args.pin_file)
    if not sys.stdin.isatty():
        raise UserError(
            f"{purpose} needs the supervisor PIN",
            hint="type it at a terminal, or give --pin-file FILE",
            code="supervisor_pin",
        )
    pin = getpass.getpass(f"Supervisor PIN ({purpose}): ")
    if not pin:
        raise UserError("no supervisor PIN given: nothing was changed", code="supervisor_pin")
    return pin


def require_supervisor(args: argparse.Namespace, paths: StationPaths, purpose: str) -> None:
    """Return when the supervisor's PIN was given; a `UserError` (nothing changed) otherwise.
    A station with no PIN yet takes the first one given, as the window does at its first start."""
    gate = PinGate.for_station(paths)
    pin = _read_pin(args, purpose)
    if not gate.has_pin():
        gate.set_pin(pin, pin)
        print("supervisor PIN set: it is asked for settings, issuer keys and quarantine")
        return
    gate.verify(pin)
