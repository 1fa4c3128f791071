"""Reliability suites: full size with `--soak` (make soak), reduced otherwise (make test).

Each suite records its figures with `harness.record(...)`; one summary line per suite is printed
at the end of the run (cuts survived, faults injected, licenses checked, inputs tried, secrets
found).
"""

from __future__ import annotations

import pytest
from hypothesis import settings

from tests.reliability.harness import FIGURES


def pytest_configure(config: pytest.Config) -> None:
    """Fuzz 20x harder in the soak run."""
    if config.getoption("--soak"):
        settings.register_profile("soak", max_examples=2000, deadline=None)
        settings.load_profile("soak")


@pytest.fixture
def soak(request: pytest.FixtureRequest) -> bool:
    """True for the full-size run (`pytest -m slow --soak`)."""
    return bool(request.config.getoption("--soak"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for suite, figures in sorted(FIGURES.items()):
        text = ", ".join(f"{k.replace('_', ' ')}={v}" for k, v in figures.items())
        terminalreporter.write_line(f"{suite}: {text}")
