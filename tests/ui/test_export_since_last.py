"""Station > Export the write log since the last export: only the new records, named from where
they start; a second export with nothing new says so (in Chinese too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from prodtool.engine.export import log_sealer, parse, verify_export
from prodtool.engine.writelog import WriteLog, WriteRecord
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


def append(window: StationWindow, start: int, n: int) -> None:
    log = WriteLog(window.paths.write_log, log_sealer(window.paths))
    for i in range(start, start + n):
        log.append(WriteRecord(job_id=f"j{i}", station_id="s", operator="", port="COM3"))


def test_export_since_the_last_from_the_menu(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow, tmp_path: Path
) -> None:
    asked: list[str] = []
    answer = [tmp_path / "first", tmp_path / "second.json", tmp_path / "third.csv"]

    def save_name(parent: object, title: str, start: str, filters: str) -> tuple[str, str]:
        asked.append(Path(start).name)
        path = answer.pop(0)
        return str(path), "JSON (*.json)" if path.suffix == ".json" else "CSV (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    append(window, 0, 3)
    window.export_new_action.trigger()
    qtbot.waitUntil(lambda: not window.busy())
    assert "Exported 3 record(s) written since the last export" in window.notice.text()
    append(window, 3, 2)
    window.export_new_action.trigger()
    qtbot.waitUntil(lambda: not window.busy())
    second = tmp_path / "second.json"
    assert asked == ["writelog-station-1-from-0.csv", "writelog-station-1-from-3.csv"]
    assert [r["seq"] for r in parse(second.read_bytes(), "json")] == [3, 4]
    assert verify_export(second).ok and verify_export(tmp_path / "first.csv").ok
    window.translations.switch("zh_CN")
    window.export_new_action.trigger()
    qtbot.waitUntil(lambda: not window.busy())
    assert window.notice.tone == "error"
    assert window.notice.text() == "自上次导出以来没有写入新记录：没有需要上传的新内容。"
    assert not (tmp_path / "third.csv").exists()
