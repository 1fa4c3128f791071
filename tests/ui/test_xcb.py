"""The window on a real X server (Xvfb) with Qt's xcb platform, in a child process: it opens,
quits, and stops cleanly on SIGTERM and SIGINT with the licenses settled.

Xvfb is started on a free display with `-displayfd` (it writes the display number once it
accepts clients), so nothing waits on a timer. Skipped where Xvfb is not installed; `.ci/run`
installs it and the libraries Qt's xcb plugin needs.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from prodtool.license.ledger import Ledger
from prodtool.license.model import LicenseState
from prodtool.paths import station_paths
from prodtool.ui.platform_check import window_problem

pytestmark = [pytest.mark.gui, pytest.mark.slow]

READY_TIMEOUT = 60.0
QUIT_WITHIN = 5.0


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (.ci/run installs it)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read], [], [], READY_TIMEOUT)
            chunk = os.read(read, 16) if ready else b""
            if not chunk:
                raise RuntimeError("Xvfb did not start")
            number += chunk
        yield f":{number.decode().strip()}"
    finally:
        os.close(read)
        server.terminate()
        server.wait(10)


def _env(display: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    env.pop("WAYLAND_DISPLAY", None)
    env["PRODTOOL_DATA_DIR"] = str(data_dir)
    return env


def _wait_for_line(process: subprocess.Popen[str], words: str) -> list[str]:
    """Read the child's output until a line holds `words` (select with a deadline)."""
    assert process.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT
    seen: list[str] = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if words in line:
            return seen
    raise AssertionError(f"no line with {words!r}; got {seen!r}")


def test_xcb_has_every_library(display: str) -> None:
    assert window_problem({"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}) == ""


def test_window_opens_and_quits_on_x11(display: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "prodtool", "gui", "--self-test"],
        env=_env(display, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "window open (xcb)" in done.stdout
    assert "self-test passed" in done.stdout


@pytest.mark.sim
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_writing_window_cleanly(
    display: str, tmp_path: Path, signum: signal.Signals
) -> None:
    with subprocess.Popen(
        # the first chip stalls for 30 s mid-job: a job is surely running when the signal comes
        [
            sys.executable,
            "-m",
            "prodtool",
            "demo",
            "--ports",
            "4",
            "--fault",
            "delay@nth=6,ms=30000",
        ],
        env=_env(display, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            _wait_for_line(process, "window open (xcb)")
            _wait_for_line(process, "simulated chip(s) plugged in")
            process.send_signal(signum)
            started = time.monotonic()
            code = process.wait(QUIT_WITHIN)
            took = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.stderr is not None
        errors = process.stderr.read()
    assert code == 0, errors
    print(f"quit {signum.name} after {took:.2f} s")
    assert took < QUIT_WITHIN
    with Ledger.for_station(station_paths(tmp_path)) as ledger:
        counts = ledger.counts()
    states = {state for per_package in counts.values() for state, n in per_package.items() if n}
    assert LicenseState.RESERVED not in states, counts  # every job's license was settled
