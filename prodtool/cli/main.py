"""`prodtool` entry point: finds the command modules, parses, and turns errors into one clear line.

Each module in this package (other than this one and `common`) that defines
`register(subparsers)` adds its commands; a handler returns the exit code. A `UserError` becomes
one line on stderr and exit code 2; anything else is a bug and goes to the crash handler, which
writes the traceback to the station's log folder and prints where it is.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

import prodtool.cli
from prodtool import __version__
from prodtool.cli.common import add_data_dir_option
from prodtool.crash import install_crash_handlers, report_crash
from prodtool.errors import UserError

_NOT_COMMANDS = {"main", "common"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prodtool",
        description="Write firmware and cloud licenses to IoT chips, many ports at once.",
    )
    parser.add_argument("--version", action="version", version=f"prodtool {__version__}")
    add_data_dir_option(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(prodtool.cli.__path__), key=lambda m: m.name):
        if module_info.name in _NOT_COMMANDS or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"prodtool.cli.{module_info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    install_crash_handlers(args.data_dir)
    try:
        return int(args.func(args))
    except UserError as error:
        print(f"prodtool: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("prodtool: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`prodtool ... | head`): not a bug, and nothing more to say.
        _silence_stdout()
        return 141
    except Exception as error:  # noqa: BLE001 - the one place bugs are caught and reported
        report_crash(type(error), error, error.__traceback__)
        return 70


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    raise SystemExit(main())
