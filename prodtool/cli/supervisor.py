"""`prodtool supervisor set-pin|check-pin`: the supervisor PIN from the command line.

Whoever installs a station sets the PIN here (or in the window at its first start), so the first
person to open a supervisor item is not the one who chooses it. Changing it needs the current PIN;
wrong tries count towards the same wait as in the window (`prodtool.supervisor_pin`). The PIN is
read without echo and never printed.
"""

from __future__ import annotations

import argparse
import getpass

from prodtool.cli.common import add_data_dir_option, paths_from
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
