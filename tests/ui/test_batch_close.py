"""Closing the batch from the window: the same signed archive `prodtool batch close` writes,
verified against the station's own key."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from prodtool.engine.batch import verify_batch
from prodtool.engine.export import station_key
from prodtool.engine.writelog import WriteLog, WriteRecord
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


def test_the_batch_closes_from_the_window(
    qtbot: QtBot, window: StationWindow, tmp_path: Path
) -> None:
    log = WriteLog(window.paths.write_log)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")  # this shift's jobs
    for i, result in enumerate(("passed", "passed", "failed")):
        log.append(
            WriteRecord(
                job_id=f"j{i}",
                station_id="s",
                operator="ana",
                port="p",
                mac=f"aa:bb:cc:00:00:0{i}",
                result=result,
                started_at=now,
                finished_at=now,
            )
        )
    assert window.line_ui.batch_action.text() == "Close the batch (signed archive)…"
    out = tmp_path / "batch.zip"
    window.line_ui.close_batch(out)
    qtbot.waitUntil(lambda: "Batch closed" in window.notice.text(), timeout=20_000)
    assert "3 job(s), 2 chip(s) passed" in window.notice.text()
    check = verify_batch(out, trusted=station_key(window.paths).public_key())
    assert check.ok, check.problems
    with zipfile.ZipFile(out) as archive:
        assert {"writelog.csv", "ledger-summary.json", "shift-report.csv"} <= set(
            archive.namelist()
        )


def test_a_batch_that_cannot_be_written_says_why(
    qtbot: QtBot, window: StationWindow, tmp_path: Path
) -> None:
    window.line_ui.close_batch(tmp_path / "batch.tar")
    qtbot.waitUntil(lambda: ".zip" in window.notice.text(), timeout=20_000)
    assert not (tmp_path / "batch.tar").exists()
