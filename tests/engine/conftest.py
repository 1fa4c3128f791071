"""Fixtures for engine tests: the station folder and a fast station."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prodtool.engine.station import Station
from prodtool.paths import StationPaths
from tests.engine.simhelp import fast_settings


@pytest.fixture
def paths(data_dir: Path) -> StationPaths:
    return StationPaths(data_dir).ensure()


@pytest.fixture
def station(paths: StationPaths) -> Iterator[Station]:
    with Station(paths, fast_settings(), comports=list) as station:
        yield station
