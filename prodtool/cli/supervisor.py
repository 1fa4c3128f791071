"""The supervisor's PIN on the command line: what the window asks for, `prodtool` asks for too.

The PIN comes from `--pin-file` (for scripts) or is typed at a terminal, never from an argument
(it would show in the process list and the shell history). A station with no PIN yet takes the
first one given as its PIN, as the window does.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from prodtool.cli.common import read_password_file
from prodtool.errors import UserError
from prodtool.paths import StationPaths
from prodtool.settings import check_pin, hash_pin, load_settings, save_settings


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
    """Return when the supervisor's PIN was given; a `UserError` (nothing changed) otherwise."""
    settings = load_settings(paths.settings)
    pin = _read_pin(args, purpose)
    if not settings.supervisor_pin_hash:
        save_settings(settings.replace(supervisor_pin_hash=hash_pin(pin)), paths.settings)
        print("supervisor PIN set: it is asked for settings, issuer keys and quarantine")
        return
    if not check_pin(pin, settings.supervisor_pin_hash):
        raise UserError(
            "wrong supervisor PIN: nothing was changed",
            hint="a supervisor enters the PIN",
            code="supervisor_pin",
        )
