"""Operator sign-in (badge or name + PIN) and a passed unit's label preview and reprint, in the
window."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from prodtool.engine.operators import operator_book
from prodtool.labels.printlog import label_log_path
from prodtool.ui.operator_dialog import SignInDialog
from prodtool.ui.window import StationWindow
from tests.labels.conftest import ZplServer, add_record, zpl_server
from tests.ui.uihelpers import visible_texts

pytestmark = pytest.mark.gui

__all__ = ["zpl_server"]  # the loopback Zebra of the label tests


def _answer_sign_in(qtbot: QtBot, fill: dict[str, str], seen: list[str]) -> None:
    """When the sign-in dialog is up: type into its fields as a person (or scanner) would."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        for field, text in fill.items():
            QTest.keyClicks(getattr(dialog, field), text)
        QTest.keyClick(dialog.badge if "badge" in fill else dialog.pin, Qt.Key.Key_Return)
        seen.append(dialog.problem.text())
        if dialog.isVisible():  # refused: it stays open and says why
            dialog.reject()

    QTimer.singleShot(0, act)


def test_badge_or_name_and_pin_sign_in(qtbot: QtBot, window: StationWindow) -> None:
    book = operator_book(window.paths.root)
    book.add("Ana", badge="BADGE-00417")
    book.add("Bo", pin="4711")
    seen: list[str] = []
    _answer_sign_in(qtbot, {"badge": "BADGE-00417"}, seen)
    window.operator_action.trigger()
    assert window.settings.operator == "Ana"
    assert window.notice.text() == "Signed in: Ana."
    _answer_sign_in(qtbot, {"badge": "BADGE-99999"}, seen)
    window.operator_action.trigger()
    assert seen[-1] == "This badge is not on the station's list of operators."
    assert window.settings.operator == "Ana"
    fields = {"name": "", "pin": "0000"}
    _answer_sign_in(qtbot, fields, seen)
    window.operator_action.trigger()
    assert seen[-1] == "Wrong name or PIN."
    assert window.settings.operator == "Ana"
    qtbot.waitUntil(lambda: not window.busy())

    # the name field starts with the current operator: clear it first
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        dialog.name.clear()
        QTest.keyClicks(dialog.name, "bo")
        QTest.keyClicks(dialog.pin, "4711")
        QTest.keyClick(dialog.pin, Qt.Key.Key_Return)

    QTimer.singleShot(0, act)
    window.operator_action.trigger()
    assert window.settings.operator == "Bo"
    qtbot.waitUntil(lambda: not window.busy())
    saved = json.loads(window.paths.settings.read_text(encoding="utf-8"))
    assert saved["operator"] == "Bo"  # kept for the next start, and on every write record


def test_label_preview_and_supervisor_reprint(
    qtbot: QtBot,
    window: StationWindow,
    zpl_server: ZplServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window.settings = window.settings.replace(label_printer=zpl_server.url)
    add_record(window.paths, job_id="job-fail", result="failed", reason="no_answer")
    record = add_record(window.paths, job_id="job-ok", serial="PLUG-000777")
    dialog = window.line_ui.open_label("job-fail")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "did not pass" in dialog.said.text())
    assert not dialog.reprint_button.isEnabled()
    dialog.job.setText("job-ok")
    dialog.show_button.click()
    qtbot.waitUntil(dialog.reprint_button.isEnabled)
    pixmap = dialog.image.pixmap()
    assert not pixmap.isNull() and pixmap.width() == 480
    assert dialog.about.text() == f"UUID {record['uuid']} · serial PLUG-000777 · code PCB-77812"

    answers = iter([False, True])
    monkeypatch.setattr(window.supervisor, "authorize", lambda *_a: next(answers))
    dialog.reprint_button.click()
    assert dialog.said.text() == "Not reprinted: the supervisor PIN is needed."
    dialog.reprint_button.click()
    assert zpl_server.wait_for(1)
    qtbot.waitUntil(lambda: dialog.said.text().startswith("Reprinted:"))
    assert b"PLUG-000777" in zpl_server.labels[0]
    (entry,) = [json.loads(line) for line in label_log_path(window.paths).read_text().splitlines()]
    assert (entry["job_id"], entry["reprint"], entry["state"]) == ("job-ok", True, "printed")
    assert not any("authkey" in text.lower() for text in visible_texts(dialog))
