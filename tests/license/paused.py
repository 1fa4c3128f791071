"""A child process stopped at a chosen moment, then killed with SIGKILL: the crash tests' cut."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def paused_child(code: str, *args: str, said: str) -> Iterator[subprocess.Popen[str]]:
    """Run `code` in a Python child with `args` until it prints `said` (it then waits on its
    stdin); the block runs while it waits; then SIGKILL, and the child is checked killed."""
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == said
        yield child
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        child.kill()
        child.wait(timeout=60)
        assert child.stdout is not None and child.stdin is not None
        child.stdout.close()
        child.stdin.close()
    assert child.returncode == -signal.SIGKILL
