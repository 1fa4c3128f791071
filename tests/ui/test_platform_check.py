"""A missing X11 library is named in one line, with its package, before Qt can abort; the demo
then runs headless instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prodtool.ui.platform_check import describe_missing, missing_libraries, uses_xcb, window_problem

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffc)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
\tlibxcb-icccm.so.4 => not found
"""


def test_missing_libraries_are_read_from_the_loader(tmp_path: Path) -> None:
    asked: list[list[str]] = []

    def ldd(command: list[str]) -> str:
        asked.append(command)
        return LDD_OUTPUT

    plugin = tmp_path / "libqxcb.so"
    assert missing_libraries(plugin, ldd) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert asked == [["ldd", str(plugin)]]


def test_the_problem_is_one_line_naming_libraries_and_packages(tmp_path: Path) -> None:
    line = window_problem({"DISPLAY": ":0"}, run=lambda _: LDD_OUTPUT, plugin=tmp_path / "x.so")
    assert "\n" not in line
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in line
    assert "apt install libxcb-icccm4 libxcb-keysyms1" in line
    assert describe_missing(["libfoo.so.9"]).endswith("apt install libfoo.so.9)")


def test_only_the_xcb_platform_is_checked(tmp_path: Path) -> None:
    def fail(_: list[str]) -> str:
        raise AssertionError("ldd must not run")

    plugin = tmp_path / "x.so"
    assert window_problem({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, fail, plugin) == ""
    assert window_problem({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, fail, plugin) == ""
    assert window_problem({}, fail, plugin) == ""
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"}, platform="linux")
    assert not uses_xcb({"DISPLAY": ":0"}, platform="win32")


@pytest.mark.sim
@pytest.mark.slow
def test_the_demo_names_the_missing_library_and_runs_headless(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "ldd"  # the loader's answer on a desktop without libxcb-icccm4
    fake.write_text("#!/bin/sh\necho '\tlibxcb-icccm.so.4 => not found'\n", encoding="utf-8")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", DISPLAY=":77")
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["PRODTOOL_DATA_DIR"] = str(tmp_path / "station")
    done = subprocess.run(
        [sys.executable, "-m", "prodtool", "demo", "--ports", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "libxcb-icccm.so.4" in line]
    assert len(said) == 1 and "apt install libxcb-icccm4" in said[0]
    assert "running headless" in said[0]
    gui = subprocess.run(
        [sys.executable, "-m", "prodtool", "gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert gui.returncode == 2
    assert "libxcb-icccm.so.4" in gui.stderr and "Traceback" not in gui.stderr
