"""Options and helpers shared by every command."""

from __future__ import annotations

import argparse
from pathlib import Path

from prodtool.errors import UserError
from prodtool.paths import DATA_DIR_ENV, StationPaths, station_paths


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    """`--data-dir` on the top-level parser and on each subcommand, so it may stand anywhere."""
    parser.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS if parser.prog != "prodtool" else None,
        help=f"station folder: ledger, logs, settings (default: ${DATA_DIR_ENV}, else the user's)",
    )


def paths_from(args: argparse.Namespace) -> StationPaths:
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
    return password
