"""Options and helpers shared by every command."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from prodtool.errors import UserError
from prodtool.license.ledger import ENV_URL
from prodtool.paths import DATA_DIR_ENV, StationPaths, station_paths
from prodtool.redact import hold_secret


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    """`--data-dir` on the top-level parser and on each subcommand, so it may stand anywhere."""
    parser.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS if parser.prog != "prodtool" else None,
        help=f"station folder: ledger, logs, settings (default: ${DATA_DIR_ENV}, else the user's)",
    )
    parser.add_argument(
        "--ledger",
        metavar="URL",
        default=argparse.SUPPRESS if parser.prog != "prodtool" else None,
        help=f"the license ledger: postgresql://user@host/db for a shared pool, sqlite:PATH"
        f" (default: ${ENV_URL}, else the station's settings, else the station folder's file)",
    )


def paths_from(args: argparse.Namespace) -> StationPaths:
    """The station folder; a `--ledger URL` is passed on as $PRODTOOL_LEDGER, which every
    ledger this process (and its workers) opens honours."""
    if getattr(args, "ledger", None):
        os.environ[ENV_URL] = args.ledger
    return station_paths(getattr(args, "data_dir", None)).ensure()


def read_password_file(path: str | Path) -> str:
    """The download password, from a file so that it never shows in a process list or history."""
    try:
        # utf-8-sig: Notepad and PowerShell save a byte-order mark that is no part of the password.
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UserError(
            f"cannot read the password file {path}: {error.strerror}",
            hint="give the file the platform's download password is saved in",
            code="password_file",
        ) from None
    except UnicodeDecodeError:
        raise UserError(
            f"the password file {path} is not UTF-8 text",
            hint="save it as UTF-8 (e.g. Notepad: Save as, Encoding UTF-8)",
            code="password_file",
        ) from None
    password = text.strip("\r\n")
    if not password:
        raise UserError(f"the password file {path} is empty", code="password_file")
    hold_secret(password)  # no crash log of this process shows it
    return password
