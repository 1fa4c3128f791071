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
from prodtool.license.errors import DuplicateLicenses
from prodtool.license.ledger import LEDGER_KEY_FILE
from prodtool.license.sqlite_store import SqliteLedger
from prodtool.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from prodtool.license.ledger import Ledger
    from prodtool.license.model import Manifest
    from prodtool.paths import StationPaths

POOL_SCHEMES = ("postgresql://", "postgres://")


class LedgerURLError(UserError):
    code = "bad_ledger_url"


def is_pool(url: str | None) -> bool:
    return bool(url and url.startswith(POOL_SCHEMES))


def open_store(paths: StationPaths, url: str | None) -> Ledger:
    """The ledger `url` names for this station (None: the station folder's SQLite file)."""
    key_file = paths.keys / LEDGER_KEY_FILE
    configured = load_settings(paths.settings).ledger_url
    url = url or configured or None
    if url and is_pool(url):
        from prodtool.license.pg_block import (  # noqa: PLC0415 - psycopg only for a pool
            BlockPgLedger,
        )

        # The station (`Station`) turns its outage block on; a command's ledger holds none.
        return BlockPgLedger.join_station(url, paths)
    if url and not url.startswith("sqlite:"):
        raise LedgerURLError(
            f"not a ledger address: {url.split('://')[0]}://...",
            hint="use postgresql://user@host/db for a pool, or sqlite:PATH",
        )
    path = Path(url.removeprefix("sqlite:")) if url else paths.ledger
    ledger = SqliteLedger.open(path, key_file=key_file)
    if is_pool(configured):
        ledger.load_guard = _not_in_pool(configured, paths)
    return ledger


def _not_in_pool(url: str, paths: StationPaths) -> Callable[[Manifest], None]:
    """A station set up for a pool loads nothing into its own ledger that the pool holds."""

    def guard(manifest: Manifest) -> None:
        from prodtool.license.pg_store import (  # noqa: PLC0415 - psycopg only for a pool
            pool_has_package,
        )

        if pool_has_package(url, manifest.package_id, paths):
            raise DuplicateLicenses(
                f"package {manifest.package_id} is in the license pool this station is set up"
                " for: it is not loaded into the station's own ledger as well",
                hint="run with the pool (drop --ledger sqlite:...)",
            )

    return guard
