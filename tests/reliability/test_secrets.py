"""Secrets: after a station session with passes, failures, a crash log, QA, reconciliation, an
export and a support bundle, no AuthKey or password is in any file prodtool wrote (as text, hex or
base64, also inside zips) nor in any text of the window; private keys are owner-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QFileDialog,
)
from pytestqt.qtbot import QtBot

import prodtool.crash as crash
from prodtool.engine.demo import build_demo_package
from prodtool.engine.export import export_log
from prodtool.engine.qa import check_port
from prodtool.engine.reconcile import reconcile_ports
from prodtool.engine.station import Station
from prodtool.engine.support import build_bundle
from prodtool.engine.writelog import read_records
from prodtool.flash.events import JobState
from prodtool.license.builder import demo_licenses
from prodtool.paths import station_paths
from prodtool.sim import ChipFarm, parse_fault
from prodtool.ui.app import build_window
from prodtool.ui.dialogs import PasswordDialog
from prodtool.ui.window import StationWindow
from tests.reliability.harness import (
    TINY_FIRMWARE,
    fast_settings,
    owner_only,
    record,
    scan_files,
    scan_text,
)
from tests.ui.uihelpers import visible_texts

pytestmark = [pytest.mark.gui, pytest.mark.sim]
SEED = 31


@pytest.fixture
def window(qtbot: QtBot, data_dir: Path) -> Iterator[StationWindow]:
    win = build_window(station_paths(data_dir).ensure(), fast_settings(), language="en")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()


def test_no_secret_in_any_file_or_window_text(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    window: StationWindow,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    package, password = build_demo_package(
        tmp_path / "in", licenses=6, fast_kdf=True, seed=SEED, firmware_size=TINY_FIRMWARE
    )
    secrets = [password, *(lic.authkey for lic in demo_licenses(6, seed=SEED))]
    paths = window.paths
    monkeypatch.setattr(crash, "_log_folder", paths.logs)
    out = tmp_path / "out"
    out.mkdir()
    station = Station(paths, window.settings)
    try:
        window.attach(station)
        monkeypatch.setattr(
            QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(package), ""))
        )
        monkeypatch.setattr(
            PasswordDialog, "unlock", staticmethod(lambda _p, _n, work: work(password))
        )
        window.load_action.trigger()
        qtbot.waitUntil(lambda: window.package is not None and not window.busy(), timeout=15_000)
        with ChipFarm(count=3, family="esp32c3", transport="socket", seed=SEED) as farm:
            farm.chips[0].add_fault(parse_fault("auth-reject"))
            farm.chips[1].add_fault(parse_fault("unplug@block=0"))
            station.add_ports(farm.urls, start=True)
            qtbot.waitUntil(
                lambda: (
                    all(t.state == JobState.REMOVE_CHIP for t in window.grid.tiles.values())
                    and len(window.grid.tiles) == 3
                ),
                timeout=60_000,
            )
            farm.chips[0].clear_faults()
            farm.plug(1)
            report = check_port(farm.urls[2], station.ledger, station.manifest, settle=True)  # type: ignore[arg-type]
            assert report.passed, report
            reconcile_ports(farm.urls, station.ledger, shell_timeout_s=2.0, connect_attempts=2)
            texts = visible_texts(window)
            window.shutdown()
        failed = [r for r in read_records(paths.write_log) if r["result"] != "passed"]
        for r in failed:
            build_bundle(
                paths,
                r["job_id"],
                out / f"support-{r['job_id']}.zip",
                settings=window.settings,
                ledger=station.ledger,
                comports=list,
            )
        export_log(paths, out / "log.csv", station_id="s")
        export_log(paths, out / "log.json", station_id="s")
    finally:
        station.close()
    files, leaks = scan_files([paths.root, out], secrets)
    leaks += scan_text(texts, secrets)
    assert failed
    assert leaks == []
    assert owner_only(paths.keys) == []
    record(
        "secrets",
        files_scanned=files,
        window_texts=len(texts),
        secrets_tried=len(secrets),
        forms_each=5,
        secrets_found=len(leaks),
    )


def test_a_crash_log_never_holds_an_authkey(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug whose exception text carries an AuthKey must not put it in the crash log."""
    paths = station_paths(data_dir).ensure()
    monkeypatch.setattr(crash, "_log_folder", paths.logs)
    authkey = demo_licenses(1, seed=SEED)[0].authkey
    crash.report_crash(ValueError, ValueError(f"bad key {authkey}"), None)
    _, leaks = scan_files([paths.logs], [authkey])
    assert list(paths.logs.glob("crash-*.txt")) and leaks == []
