"""Fixtures for QA and support tests: the station folder (also the CLI's) and a fast station."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prodtool.engine.station import Station
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from tests.engine.simhelp import fast_settings


@pytest.fixture
def paths(data_dir: Path) -> StationPaths:
    paths = StationPaths(data_dir).ensure()
    save_settings(fast_settings(), paths.settings)  # the CLI reads the same fast settings
    return paths


@pytest.fixture
def station(paths: StationPaths) -> Iterator[Station]:
    with Station(paths, fast_settings(), comports=list) as station:
        yield station
