"""`prodtool outbox status|flush`: the write records waiting for the MES."""

from __future__ import annotations

import argparse

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.engine.mes import OUTBOX_FILE, MesOutbox, check_url
from prodtool.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    outbox = subparsers.add_parser("outbox", help="write records waiting for the MES")
    commands = outbox.add_subparsers(dest="outbox_command", metavar="COMMAND", required=True)
    status = commands.add_parser("status", help="how many records wait, and the last error")
    add_data_dir_option(status)
    status.set_defaults(func=status_command)
    flush = commands.add_parser(
        "flush", help="deliver what waits; exits 0 once nothing is left, 1 if some remain"
    )
    flush.add_argument("--mes-url", metavar="URL", help="the MES (default: the setting)")
    flush.add_argument("--timeout", type=float, default=60.0, help="give up after SECONDS")
    add_data_dir_option(flush)
    flush.set_defaults(func=flush_command)


def _outbox(args: argparse.Namespace) -> MesOutbox:
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    url = getattr(args, "mes_url", None) or settings.mes_url
    return MesOutbox(
        paths.root / OUTBOX_FILE,
        check_url(url) if url else "",
        station_id=settings.station_id,
        ca_bundle=settings.mes_ca_bundle,
    )


def status_command(args: argparse.Namespace) -> int:
    outbox = _outbox(args)
    try:
        status = outbox.status()
    finally:
        outbox.close()
    print(f"{status.pending} pending, {status.delivered} delivered")
    if status.oldest_error:
        print(f"last error: {status.oldest_error}")
    return 0


def flush_command(args: argparse.Namespace) -> int:
    outbox = _outbox(args)
    try:
        empty = outbox.flush(args.timeout)
        status = outbox.status()
    finally:
        outbox.close()
    print(f"{status.pending} pending, {status.delivered} delivered")
    if status.oldest_error and not empty:
        print(f"last error: {status.oldest_error}")
    return 0 if empty else 1
