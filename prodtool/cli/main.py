"""`prodtool` entry point: registers the commands, parses, and turns errors into one clear line.

Each command module defines `register(subparsers)`; a handler returns the exit code. The groups
are listed here by name (`COMMANDS`), so a command line never comes up empty, even where the
package folder cannot be listed (a user who may import but not read the checkout's folders);
a module added to the package but not yet to the list is still found by listing the folder.
A `UserError` becomes one line on stderr and exit code 2; anything else is a bug and goes to the
crash handler, which writes the traceback to the station's log folder and prints where it is.
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
_COMMAND_NAMES = (
    "batch",
    "check",
    "demo",
    "families",
    "gui",
    "label",
    "ledger",
    "ledger_fix",
    "log",
    "outbox",
    "package",
    "pool",
    "run",
    "shift",
    "sim",
    "supervisor",
    "support",
)
COMMANDS = tuple(importlib.import_module(f"prodtool.cli.{name}") for name in _COMMAND_NAMES)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prodtool",
        description="Write firmware and cloud licenses to IoT chips, many ports at once.",
    )
    parser.add_argument("--version", action="version", version=f"prodtool {__version__}")
    add_data_dir_option(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {m.__name__.rsplit(".", 1)[-1]: m for m in COMMANDS}
    for module_info in pkgutil.iter_modules(prodtool.cli.__path__):
        name = module_info.name
        if name not in modules and name not in _NOT_COMMANDS and not name.startswith("_"):
            modules[name] = importlib.import_module(f"prodtool.cli.{name}")
    for _, module in sorted(modules.items()):
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
