"""Which store a station's ledger lives in: a URL names it, the station folder is the default.

The URL comes from `--ledger` (passed on as $PRODTOOL_LEDGER), else the station's settings
(`ledger_url`).

`sqlite:PATH` (or a bare path) is a SQLite file; `postgresql://...` is a pool on a PostgreSQL
server that several stations share. The default is the station folder's SQLite file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from prodtool.errors import UserError
from prodtool.license.ledger import LEDGER_KEY_FILE
from prodtool.license.sqlite_store import SqliteLedger
from prodtool.settings import load_settings

if TYPE_CHECKING:
    from prodtool.license.ledger import Ledger
    from prodtool.paths import StationPaths

POOL_SCHEMES = ("postgresql://", "postgres://")


class LedgerURLError(UserError):
    code = "bad_ledger_url"


def is_pool(url: str | None) -> bool:
    return bool(url) and str(url).startswith(POOL_SCHEMES)


def open_store(paths: StationPaths, url: str | None) -> Ledger:
    """The ledger `url` names for this station (None: the station folder's SQLite file)."""
    key_file = paths.keys / LEDGER_KEY_FILE
    url = url or load_settings(paths.settings).ledger_url or None
    if not url:
        return SqliteLedger.open(paths.ledger, key_file=key_file)
    if is_pool(url):
        from prodtool.license.pg_store import (  # noqa: PLC0415 - psycopg only for a pool
            PgLedger,
        )

        return PgLedger.join_station(url, paths)
    if url.startswith("sqlite:"):
        return SqliteLedger.open(Path(url.removeprefix("sqlite:")), key_file=key_file)
    raise LedgerURLError(
        f"not a ledger address: {url.split('://')[0]}://...",
        hint="use postgresql://user@host/db for a pool, or sqlite:PATH",
    )
