"""Settings and issuer keys need the supervisor PIN; the PIN is set on first use, kept hashed."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from prodtool.settings import check_pin, hash_pin, load_settings
from prodtool.ui.dialogs import PinDialog
from prodtool.ui.settings_dialog import SettingsDialog
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


def answer_pin(monkeypatch: pytest.MonkeyPatch, pin: str | None) -> list[bool]:
    asked: list[bool] = []

    def get_pin(parent: object, purpose: str, new: bool) -> str | None:
        asked.append(new)
        return pin

    monkeypatch.setattr(PinDialog, "get_pin", staticmethod(get_pin))
    return asked


def test_settings_refused_without_the_right_pin(
    monkeypatch: pytest.MonkeyPatch, window: StationWindow
) -> None:
    window.settings = window.settings.replace(supervisor_pin_hash=hash_pin("2468"))
    asked = answer_pin(monkeypatch, "1111")

    def must_not_open(self: SettingsDialog) -> int:
        raise AssertionError("the settings dialog opened without the PIN")

    monkeypatch.setattr(SettingsDialog, "exec", must_not_open)
    window.settings_action.trigger()
    assert asked == [False]
    assert window.notice.tone == "error"
    assert "Wrong PIN" in window.notice.text()
    assert not window.paths.settings.exists()


def test_first_use_sets_the_pin_then_saves_settings(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow
) -> None:
    asked = answer_pin(monkeypatch, "2468")

    def fill_in(self: SettingsDialog) -> int:
        self.operator.setText("Li Wei")
        self.retries.setValue(4)
        self.auto_start.setChecked(False)
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(SettingsDialog, "exec", fill_in)
    window.settings_action.trigger()
    assert asked == [True]
    qtbot.waitUntil(lambda: not window.busy())
    saved = load_settings(window.paths.settings)
    assert saved.operator == "Li Wei" and saved.retries == 4 and not saved.auto_start
    assert check_pin("2468", saved.supervisor_pin_hash)
    assert "2468" not in window.paths.settings.read_text()
    assert not window.auto_start_action.isChecked()


def test_pin_fields_hide_what_is_typed(qtbot: QtBot) -> None:
    dialog = PinDialog("Changing the settings", new=True)
    qtbot.addWidget(dialog)
    fields = dialog.findChildren(QLineEdit)
    assert fields and all(f.echoMode() == QLineEdit.EchoMode.Password for f in fields)
    dialog.field.setText("12")
    dialog.again.setText("12")
    assert "at least" in dialog.problem()
    dialog.field.setText("123456")
    assert "differ" in dialog.problem()
