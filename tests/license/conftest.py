"""The ledger contract runs against both stores: `ledger` and `make_ledger` are parametrized."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prodtool.license.ledger import Ledger
from prodtool.license.testing import open_ledger
from tests.pgserver import open_pool

STORES = ["sqlite", "postgresql"]
MakeLedger = Callable[..., Ledger]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_ledger(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MakeLedger]:
    """Opens the store under test; each call opens it again (another station, for a pool)."""
    opened: list[Ledger] = []
    url = str(request.getfixturevalue("pool_url")) if store == "postgresql" else ""

    def make(folder: Path | None = None, **options: Any) -> Ledger:
        folder = folder or tmp_path
        if store == "sqlite":
            ledger: Ledger = open_ledger(folder, **options)
        else:
            ledger = open_pool(url, folder, station=f"station-{len(opened) + 1}", **options)
        opened.append(ledger)
        return ledger

    yield make
    for ledger in opened:
        ledger.close()


@pytest.fixture
def ledger(make_ledger: MakeLedger) -> Ledger:
    return make_ledger()
