"""A PostgreSQL server for the pool tests, without manual steps.

`PRODTOOL_TEST_PG` (a URL whose user may create databases) names a server to use; otherwise one
private cluster per test session is started in a temp folder (`prodtool.license.pgcluster`).
Without PostgreSQL's programs the pool tests are skipped on a developer's machine and fail
under `CI=true`, so CI never passes without them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from prodtool.license.pg_store import PgLedger, init_pool
from prodtool.license.pgcluster import Cluster, find_bindir, init_cluster, remove_cluster

ENV_URL = "PRODTOOL_TEST_PG"


class Server:
    """Hands out fresh databases on one server."""

    def __init__(self, admin_url: str, cluster: Cluster | None) -> None:
        self.admin_url = admin_url
        self.cluster = cluster
        self._names = itertools.count(1)

    def new_database(self) -> str:
        name = f"prodtool_t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(urlsplit(self.admin_url)._replace(path=f"/{name}"))


_server: Server | None = None


def server() -> Server:
    """The session's server, started on first use."""
    global _server  # noqa: PLW0603 - one server per test session
    if _server is None:
        given = os.environ.get(ENV_URL)
        if given:
            if not given.startswith(("postgresql://", "postgres://")):
                pytest.fail(f"{ENV_URL} must be a postgresql:// URL")
            conninfo_to_dict(given)  # a bad URL fails here, loudly
            _server = Server(given, None)
        elif find_bindir() is None:
            message = "PostgreSQL is not installed (apt-get install postgresql)"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"the pool tests need a server in CI: {message}")
            pytest.skip(message)
        else:
            cluster = init_cluster()
            _server = Server(cluster.admin_url(), cluster)
    return _server


def stop_server() -> None:
    global _server  # noqa: PLW0603 - one server per test session
    if _server is not None and _server.cluster is not None:
        remove_cluster(_server.cluster)
    _server = None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    yield server()
    stop_server()


@pytest.fixture
def pool_url(pg_server: Server) -> str:
    """A fresh, initialised pool (the schema made; the pool key is made by the first open)."""
    return pg_server.new_database()


def open_pool(url: str, folder: Path, *, station: str = "station-1", **options: object) -> PgLedger:
    """Initialise the pool if new (the key in `folder/keys`) and join it, lease keeper off."""
    key_file = folder / "keys" / "pool.key"
    init_pool(url, key_file)
    options.setdefault("keeper", False)
    return PgLedger.join(url, key_file=key_file, station=station, **options)  # type: ignore[arg-type]
