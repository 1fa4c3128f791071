"""What a restart keeps: the window opens maximised the first time and where it was left after,
the shift's counters carry on, and the last package is offered again (its password asked again,
never stored)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobFinished, PortAdded, Reason
from prodtool.paths import StationPaths, station_paths
from prodtool.settings import Settings
from prodtool.ui.app import build_window
from prodtool.ui.dialogs import PasswordDialog
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def paths(data_dir: Path) -> StationPaths:
    return station_paths(data_dir).ensure()


@contextmanager
def opened(
    qtbot: QtBot, paths: StationPaths, *, where_left: bool = True
) -> Iterator[StationWindow]:
    """A window as `prodtool gui` opens it, closed (as the operator closes it) at the end."""
    window = build_window(paths, Settings(), language="en")
    qtbot.addWidget(window)
    try:
        if where_left:
            window.show_where_left()
        else:
            window.show()
        qtbot.waitExposed(window)
        yield window
    finally:
        window.close()  # remembers the geometry and shuts down
        window.shutdown()


def test_the_window_opens_maximised_then_where_it_was_left(
    qtbot: QtBot, paths: StationPaths
) -> None:
    with opened(qtbot, paths) as first:
        assert first.isMaximized()  # the first time: every slot in view
    assert (paths.root / "window-geometry").is_file()
    with opened(qtbot, paths) as second:
        assert second.isMaximized()  # left maximised: opens maximised
        second.showNormal()
        qtbot.waitUntil(lambda: not second.isMaximized())
        second.resize(1100, 700)
        qtbot.waitUntil(lambda: second.size() == QSize(1100, 700))
    with opened(qtbot, paths) as third:
        assert not third.isMaximized()
        # (the offscreen screen is 800 px wide, under the window's minimum width: Qt fits the
        # width to the screen, so only the height says the size came back)
        assert third.height() == 700 and third.width() >= third.minimumWidth()
    (paths.root / "window-geometry").write_bytes(b"not a geometry")
    with opened(qtbot, paths) as damaged:
        assert damaged.isMaximized()  # a damaged file: as the first time


def finish(window: StationWindow, port: str, passed: bool, mac: str) -> None:
    reason = Reason.OK if passed else Reason.CABLE_PULLED
    window.bridge.post(PortAdded(port=port))
    window.bridge.post(JobFinished(port=port, passed=passed, reason=reason, mac=mac))
    window.bridge.flush()


def test_the_shifts_counters_survive_a_restart(qtbot: QtBot, paths: StationPaths) -> None:
    with opened(qtbot, paths, where_left=False) as window:
        finish(window, "/dev/ttyUSB0", True, "84:f7:03:00:00:01")
        finish(window, "/dev/ttyUSB1", False, "84:f7:03:00:00:02")
        assert (window.stats.passed, window.stats.failed) == (1, 1)
        # closed at once, before the window's next tick: nothing may be lost
    with opened(qtbot, paths, where_left=False) as again:
        assert (again.stats.passed, again.stats.failed) == (1, 1)
        assert again.counters.passed.value.text() == "1"
        assert again.counters.failed.value.text() == "1"
        assert again.counters.yield_.value.text() == "50.0%"
        finish(again, "/dev/ttyUSB1", True, "84:f7:03:00:00:02")  # the retry passes
        qtbot.waitUntil(lambda: again.counters.passed.value.text() == "2")
        again.new_shift_action.trigger()
        assert again.counters.passed.value.text() == "0"
    with opened(qtbot, paths, where_left=False) as third:
        assert (third.stats.passed, third.stats.failed) == (0, 0)


def loaded_name(window: StationWindow) -> str:
    return window.package.file_name if window.package is not None else ""


@contextmanager
def with_station(window: StationWindow) -> Iterator[Station]:
    station = Station(window.paths, window.settings.replace(job_processes=0), comports=list)
    try:
        window.attach(station)
        yield station
    finally:
        window.shutdown()
        station.close()


def test_the_last_package_is_offered_again_and_its_password_asked_again(
    qtbot: QtBot, paths: StationPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package, password = build_demo_package(
        tmp_path / "pkg", licenses=3, fast_kdf=True, seed=3, firmware_size=16 * 1024
    )
    asked: list[str] = []

    def unlock(_parent: object, name: str, work: Callable[[str], object]) -> object:
        asked.append(name)
        return work(password)

    monkeypatch.setattr(PasswordDialog, "unlock", staticmethod(unlock))
    with opened(qtbot, paths, where_left=False) as window, with_station(window):
        assert window.last_package() is None
        window.reload_action.trigger()
        assert window.notice.text() == "No package was loaded before."
        window.load_file(package)
        qtbot.waitUntil(lambda: window.package is not None and not window.busy())
    assert asked == [package.name]
    kept = (paths.root / "last-package").read_text(encoding="utf-8")
    assert kept.strip() == str(package.resolve()) and password not in kept

    with opened(qtbot, paths, where_left=False) as window, with_station(window):
        qtbot.waitUntil(lambda: "Last package" in window.notice.text())
        assert package.name in window.notice.text() and window.package is None
        window.reload_action.trigger()
        qtbot.waitUntil(lambda: window.package is not None and not window.busy())
        assert asked == [package.name, package.name]  # the password was asked again
        assert loaded_name(window) == package.name

    package.unlink()  # moved away: nothing is offered, and reloading says so
    with opened(qtbot, paths, where_left=False) as window, with_station(window):
        assert window.last_package() is None
        window.reload_action.trigger()
        assert package.name in window.notice.text()
