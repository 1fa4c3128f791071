"""A private, throwaway PostgreSQL server in a temp folder, for tests and benchmarks.

`initdb` + `pg_ctl` on a unix socket inside the folder (no TCP port, so nothing clashes with
another server on the machine); as root, the server runs as the `postgres` user (`runuser`),
since PostgreSQL refuses to run as root. Never used by a station.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prodtool.errors import UserError

ENV_BIN = "PRODTOOL_PG_BIN"  # the folder holding initdb and pg_ctl, when not found by itself


class NoPostgresError(UserError):
    code = "no_postgres"


def find_bindir() -> Path | None:
    """The folder of PostgreSQL's server programs: $PRODTOOL_PG_BIN, Debian's newest
    /usr/lib/postgresql/N/bin, or wherever `initdb` is on the PATH."""
    given = os.environ.get(ENV_BIN)
    candidates = [Path(given)] if given else []
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = sorted(
            (p for p in debian.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)
        )
        candidates += [p / "bin" for p in reversed(versions)]
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).parent)
    return next(
        (c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()), None
    )


@dataclass
class Cluster:
    """A running private server; `url` reaches its database `prodtool`."""

    folder: Path
    bindir: Path
    port: int = 5432

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/prodtool?host={self.folder}&port={self.port}"

    def admin_url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.folder}&port={self.port}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "server.log"),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "restart",
        )

    def create_database(self, name: str) -> str:
        """A fresh database on this server; returns its URL."""
        import psycopg  # noqa: PLC0415 - only where a pool is used

        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@/{name}?host={self.folder}&port={self.port}"


def init_cluster(bindir: Path | None = None, *, port: int = 5432) -> Cluster:
    """Create and start a server in a new temp folder (owned by `postgres` when run as root)."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise NoPostgresError(
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed",
            hint="apt-get install postgresql, or set PRODTOOL_PG_BIN to their folder",
        )
    folder = Path(tempfile.mkdtemp(prefix="prodtool-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, bindir, port)
    cluster._run(
        "initdb",
        "-D",
        str(folder / "data"),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-sync",
    )
    conf = folder / "data" / "postgresql.conf"
    settings = (
        f"\nlisten_addresses = ''\nunix_socket_directories = '{folder}'\nport = {port}\n"
        "max_connections = 300\nshared_buffers = 128MB\nfsync = on\n"
    )
    with conf.open("a", encoding="utf-8") as out:
        out.write(settings)
    cluster.start()
    try:
        cluster.create_database("prodtool")
    except BaseException:
        cluster.stop("immediate")
        raise
    return cluster


def remove_cluster(cluster: Cluster) -> None:
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        cluster.stop("immediate")
    shutil.rmtree(cluster.folder, ignore_errors=True)


@contextlib.contextmanager
def private_cluster() -> Iterator[Cluster]:
    cluster = init_cluster()
    try:
        yield cluster
    finally:
        remove_cluster(cluster)
