"""Fixtures for the simulated-chip tests: run the real esptool CLI, farms, shell clients."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from prodtool.sim import ChipFarm
from tests.sim.simtools import Esptool, EsptoolRun, ShellClient

ESPTOOL_CFG = """[esptool]
timeout = {timeout}
connect_attempts = 2
write_block_attempts = 3
"""


@pytest.fixture
def esptool(tmp_path: Path) -> Esptool:
    """Run `python -m esptool --port URL ARGS...` in a subprocess; timeouts shortened."""

    def run(url: str, *args: str, timeout: float = 3.0, limit: float = 120.0) -> EsptoolRun:
        cfg = tmp_path / f"esptool-{timeout}.cfg"
        cfg.write_text(ESPTOOL_CFG.format(timeout=timeout), encoding="utf-8")
        env = dict(os.environ, ESPTOOL_CFGFILE=str(cfg), NO_COLOR="1", COLUMNS="200")
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "esptool", "--port", url, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=limit,
            check=False,
        )
        return EsptoolRun(
            result.returncode, result.stdout, result.stderr, time.monotonic() - started
        )

    return run


@pytest.fixture
def farm_factory() -> Iterator[Callable[..., ChipFarm]]:
    """Start farms that are stopped at the end of the test, whatever happens."""
    farms: list[ChipFarm] = []

    def make(**kwargs: object) -> ChipFarm:
        farm = ChipFarm(**kwargs)  # type: ignore[arg-type]
        farms.append(farm)
        return farm.start()

    yield make
    for farm in farms:
        farm.stop()


@pytest.fixture
def shell_client() -> Iterator[Callable[..., ShellClient]]:
    """Open a shell client; by default wait until the shell answers."""
    clients: list[ShellClient] = []

    def connect(url: str, *, ready: bool = True) -> ShellClient:
        client = ShellClient(url)
        clients.append(client)
        if ready:
            client.ready()
        return client

    yield connect
    for client in clients:
        client.close()
