"""Test-wide rules: isolated station folders, no leaked threads, no unexpected warnings.

- Every test gets its own data, config and cache folders, so no test touches the user's files.
- A test that leaves a thread running fails (after napari's `_dangling_qthreads`).
- A warning logged by prodtool fails the test unless the test asks for `caplog` and so handles
  logs itself (after qutebrowser's `logfail`).
- `hardware` tests run only with `--port PORT`; `--soak` runs reliability suites at full size.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgserver import pg_server, pool_url  # noqa: F401 - the pool tests' server

THREAD_GRACE_SECONDS = 5.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--port", action="store", default=None, help="a real chip's serial port")
    parser.addoption(
        "--family", action="store", default=None, help="the real chip's family (with --port)"
    )
    parser.addoption(
        "--soak", action="store_true", default=False, help="full-size reliability runs"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--port"):
        return
    skip = pytest.mark.skip(reason="needs a real chip: run with --port PORT")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point every platform folder and the station folder at a fresh temporary tree."""
    home = tmp_path_factory.mktemp("home")
    for variable, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        monkeypatch.setenv(variable, str(home / sub))
    station = home / "station"
    monkeypatch.setenv("PRODTOOL_DATA_DIR", str(station))
    monkeypatch.delenv("PRODTOOL_LEDGER", raising=False)
    return station


@pytest.fixture
def data_dir(_isolated_folders: Path) -> Path:
    """The station folder this test's commands use (also in $PRODTOOL_DATA_DIR)."""
    return _isolated_folders


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in leaked:
        thread.join(timeout=THREAD_GRACE_SECONDS / max(1, len(leaked)))
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"test left threads running: {still}"


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_logged_warnings(request: pytest.FixtureRequest) -> Iterator[None]:
    if "caplog" in request.fixturenames:
        yield
        return
    collector = _WarningCollector()
    logger = logging.getLogger("prodtool")
    logger.addHandler(collector)
    try:
        yield
    finally:
        logger.removeHandler(collector)
    messages = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in collector.records]
    assert not messages, f"unexpected warnings logged (use caplog to expect them): {messages}"
