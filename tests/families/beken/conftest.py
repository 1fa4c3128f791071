"""Simulated Beken chips behind real ports, and a driver with a quick link policy for tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from prodtool.families.beken.driver import BekenDriver
from prodtool.families.beken.link import LinkPolicy
from prodtool.families.beken.sim.chip import BekenSimChip
from prodtool.families.beken.sim.serve import BekenServer
from prodtool.families.driver import CancelToken

QUICK = LinkPolicy(rounds=2, burst_s=0.4, as_is_burst_s=0.1)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `condition` every 5 ms until it holds or `timeout` passes; its last value."""
    tick = threading.Event()  # never set: a cancellable sleep
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        tick.wait(0.005)
    return True


@contextmanager
def served(chip: BekenSimChip, transport: str = "pty") -> Iterator[BekenServer]:
    with chip.serve(transport) as server:
        yield server


@pytest.fixture
def open_driver() -> Iterator[Callable[..., BekenDriver]]:
    """Make drivers that are closed when the test ends."""
    drivers: list[BekenDriver] = []

    def make(
        url: str,
        family: str = "bk7231n",
        baud: int = 2_000_000,
        cancel: CancelToken | None = None,
        policy: LinkPolicy = QUICK,
    ) -> BekenDriver:
        driver = BekenDriver(url, family=family, baud=baud, cancel=cancel, policy=policy)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.close()
