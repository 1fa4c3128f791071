"""A package's load into the pool is one transaction with one COPY: a station killed midway, or a
load that fails midway, leaves no license and no package row behind, and the package loads
whole afterwards."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from prodtool.license.model import LicenseState
from prodtool.license.pg_store import PgLedger
from prodtool.license.testing import loaded_package, open_test_package
from tests.license.paused import paused_child
from tests.pgserver import open_pool

# A station that loads the package and is killed after the COPY has sent every row, before the
# transaction commits: the worst moment (the server holds all the rows, uncommitted).
_CHILD = """
import sys
from pathlib import Path
from prodtool.license.pg_store import PgLedger
from prodtool.license.testing import open_test_package

url, key, package = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
end = PgLedger._bulk_end

def stop_after_the_rows(self, tx, count):
    end(self, tx, count)  # the COPY is done: every row is on the server, not committed
    print("copied", flush=True)
    sys.stdin.readline()  # killed here

PgLedger._bulk_end = stop_after_the_rows
with PgLedger.join(url, key_file=key, station="loader", keeper=False) as ledger:
    ledger.load_package(open_test_package(package))
"""


def _rows(url: str) -> tuple[int, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        licenses = conn.execute("SELECT count(*) FROM licenses").fetchone()
        packages = conn.execute("SELECT count(*) FROM packages").fetchone()
    assert licenses is not None and packages is not None
    return int(licenses[0]), int(packages[0])


def test_a_station_killed_mid_load_leaves_no_half_loaded_package(
    pool_url: str, tmp_path: Path
) -> None:
    package = loaded_package(tmp_path, 40)
    with open_pool(pool_url, tmp_path, station="first"):
        pass  # the schema and the pool key
    key_file = str(tmp_path / "keys" / "pool.key")
    with (
        paused_child(_CHILD, pool_url, key_file, str(package.path)) as child,
        open_pool(pool_url, tmp_path, station="watcher") as watcher,
    ):
        assert child.said == "copied"
        assert not watcher.has_package(package.manifest.package_id)  # not visible yet
    with open_pool(pool_url, tmp_path, station="again") as again:
        assert not again.has_package(package.manifest.package_id)
        assert again.packages() == []
        assert _rows(pool_url) == (0, 0)  # once the server has seen the client go
        package_id = again.load_package(open_test_package(package.path))
        assert again.counts(package_id)[package_id][LicenseState.AVAILABLE] == 40
        again.check_invariants()


def test_a_load_that_fails_midway_leaves_nothing_and_loads_whole_after(
    pool_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = loaded_package(tmp_path, 30)
    with open_pool(pool_url, tmp_path) as pool:
        insert = PgLedger._insert_licenses
        sent: list[int] = []

        def fail_after_some(self: PgLedger, tx: object, pkg: int, *columns: list[object]) -> None:
            insert(self, tx, pkg, *columns)  # type: ignore[arg-type]
            sent.append(len(columns[0]))
            raise OSError("the disk went away")

        monkeypatch.setattr(PgLedger, "_insert_licenses", fail_after_some)
        with pytest.raises(OSError, match="disk went away"):
            pool.load_package(package)
        assert sent == [30]  # the rows were in the COPY when it failed
        monkeypatch.undo()
        assert _rows(pool_url) == (0, 0)
        assert not pool.has_package(package.manifest.package_id)
        package_id = pool.load_package(package)
        assert pool.counts(package_id)[package_id][LicenseState.AVAILABLE] == 30
        pool.check_invariants()
