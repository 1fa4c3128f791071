"""`prodtool gui`: the station window (Qt is imported only when this command runs)."""

from __future__ import annotations

import argparse

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.errors import UserError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "gui",
        help="open the station window",
        description="Open the station window: load a package, plug in modules, watch them pass.",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="simulated chips and a DEMO package: the whole job in one command",
    )
    parser.add_argument(
        "--ports", type=int, default=8, metavar="N", help="simulated chips with --demo (default 8)"
    )
    parser.add_argument(
        "--lang", choices=["en", "zh_CN"], default=None, help="language (default: from settings)"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, close it again and exit (checks an installation)",
    )
    add_data_dir_option(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from prodtool.ui.platform_check import window_problem  # noqa: PLC0415 - imports no Qt

    problem = window_problem()
    if problem:  # Qt would abort the process with a message naming the wrong library
        raise UserError(problem, hint="or run `prodtool demo --headless`", code="no_window")
    from prodtool.ui.app import GuiOptions, run  # noqa: PLC0415 - keep Qt out of other commands

    options = GuiOptions(
        demo=args.demo, ports=max(1, args.ports), language=args.lang, self_test=args.self_test
    )
    return run(paths_from(args), options)
