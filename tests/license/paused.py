"""A child process stopped at a chosen moment, then killed with SIGKILL: the crash tests' cut."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Paused:
    said: str  # the child's first line
    out: IO[str]  # the rest of its output, while it lives
    after: list[str] = field(default_factory=list)  # what it wrote before the kill landed


@contextmanager
def paused_child(code: str, *args: str) -> Iterator[Paused]:
    """Run `code` in a Python child with `args` until it prints its first line (then it
    waits on its stdin, or goes on reporting); the block runs while the child lives; then
    SIGKILL, the lines it wrote before that are kept, and the child is checked killed."""
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        paused = Paused(child.stdout.readline().strip(), child.stdout)
        yield paused
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        paused.after = child.stdout.read().splitlines()
    finally:
        child.kill()
        child.wait(timeout=60)
        assert child.stdout is not None and child.stdin is not None
        child.stdout.close()
        child.stdin.close()
    assert child.returncode == -signal.SIGKILL
