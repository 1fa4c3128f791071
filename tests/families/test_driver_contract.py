"""The driver contract on every registered family's simulated chip, and on a real chip:
`pytest -m hardware --port /dev/ttyUSB0 --family esp32c3 tests/families/test_driver_contract.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prodtool.families import registry
from tests.families.contract import DriverContract, Target, farm_target

# Families whose simulated chip is served here: every registered one at collection time.
SIMULATED = [f.name for f in registry.families()]


@pytest.mark.sim
class TestSimulatedChips(DriverContract):
    @pytest.fixture(params=SIMULATED)
    def target(self, request: pytest.FixtureRequest) -> Iterator[Target]:
        yield from farm_target(registry.get(request.param))


@pytest.mark.hardware
class TestRealChip(DriverContract):
    """Faults are skipped on a real chip; the rest writes its flash at the app offset."""

    @pytest.fixture
    def target(self, request: pytest.FixtureRequest) -> Target:
        port = request.config.getoption("--port")
        family = request.config.getoption("--family") or registry.DEFAULT_FAMILY
        return Target(registry.get(family), port)
