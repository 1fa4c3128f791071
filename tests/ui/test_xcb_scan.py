"""Scans typed on a real X server (Xvfb, Qt's xcb platform) bind codes without a click: the
window runs in a child process (`tests/ui/xcb_scan.py`) whose key events take the window
system's path to the focus widget and the application's key filter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.test_xcb import _env, display

pytestmark = [pytest.mark.gui, pytest.mark.slow]

__all__ = ["display"]  # the Xvfb fixture, shared with test_xcb.py

ROOT = Path(__file__).resolve().parents[2]


def test_scans_typed_under_xcb_bind_codes(display: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.ui.xcb_scan",
            str(tmp_path),
            "PCB-0001",
            "bad",
            "PCB-0001",
            "PCB-0002",
        ],
        env=_env(display, tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "window open (xcb)" in done.stdout
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["platform"] == "xcb"
    ports = sorted(result["codes"])
    assert [result["codes"][p] for p in ports] == ["PCB-0001", "PCB-0002", ""]
    assert result["said"] == [
        "PCB-0001 → slot 1",
        r"Refused: bad is not this product's code (expected PCB-\d{4}).",
        "Refused: PCB-0001 is already bound to slot 1.",
        "PCB-0002 → slot 2",
    ]
    assert result["tiles"][ports[0]] == "Code: PCB-0001"
    assert result["tiles"][ports[1]] == "Code: PCB-0002"
