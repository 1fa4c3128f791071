"""The supervisor PIN in the window: set at first start, a wrong PIN keeps the dialog open and
then waits, changing it asks the current one, and supervisor items (settings, License Lists)
are refused without it."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from prodtool.cli.main import main
from prodtool.engine.station import Station
from prodtool.settings import Settings, check_pin, hash_pin, load_settings
from prodtool.supervisor_pin import FREE_TRIES, PinGate
from prodtool.ui.operator_dialog import SignInDialog
from prodtool.ui.pin_dialog import PinCheckDialog, PinSetDialog
from prodtool.ui.settings_dialog import SettingsDialog
from prodtool.ui.window import StationWindow
from tests.pinfile import pin_only_hashed

pytestmark = pytest.mark.gui


def answer_check(monkeypatch: pytest.MonkeyPatch, pin: str) -> list[str]:
    """Each PIN check types `pin` and presses OK; it is accepted only if the gate agrees."""
    asked: list[str] = []

    def run(self: PinCheckDialog) -> int:
        asked.append(self.purpose)
        self.field.setText(pin)
        self.ok_button.click()
        return int(self.result())

    monkeypatch.setattr(PinCheckDialog, "exec", run)
    return asked


def answer_set(monkeypatch: pytest.MonkeyPatch, new: str, current: str = "") -> list[bool]:
    asked: list[bool] = []

    def run(self: PinSetDialog) -> int:
        asked.append(self.changing)
        self.current.setText(current)
        self.new.setText(new)
        self.again.setText(new)
        self.ok_button.click()
        return int(self.result())

    monkeypatch.setattr(PinSetDialog, "exec", run)
    return asked


def test_settings_refused_without_the_right_pin(
    monkeypatch: pytest.MonkeyPatch, window: StationWindow
) -> None:
    window.settings = window.settings.replace(supervisor_pin_hash=hash_pin("2468"))
    asked = answer_check(monkeypatch, "1111")

    def must_not_open(self: SettingsDialog) -> int:
        raise AssertionError("the settings dialog opened without the PIN")

    monkeypatch.setattr(SettingsDialog, "exec", must_not_open)
    window.settings_action.trigger()
    assert asked == ["Changing the settings"]
    assert "not changed" in window.notice.text()
    assert not window.paths.settings.exists()


def test_first_use_sets_the_pin_then_saves_settings(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow
) -> None:
    asked = answer_set(monkeypatch, "2468")

    def fill_in(self: SettingsDialog) -> int:
        self.station_id.setText("L3/S7")
        self.retries.setValue(4)
        self.auto_start.setChecked(False)
        self.other_usb_ids.setText("0x1234:0x5678")
        self.buttons.button(self.buttons.StandardButton.Save).click()
        return int(self.result())

    monkeypatch.setattr(SettingsDialog, "exec", fill_in)
    window.settings_action.trigger()
    assert asked == [False]
    qtbot.waitUntil(lambda: not window.busy())
    saved = load_settings(window.paths.settings)
    assert saved.station_id == "L3/S7" and saved.retries == 4 and not saved.auto_start
    assert "1234:5678" in saved.usb_ids
    assert check_pin("2468", saved.supervisor_pin_hash)
    assert pin_only_hashed(window.paths.settings, "2468")
    assert not window.auto_start_action.isChecked()
    assert "L3/S7" in window.windowTitle()  # the title follows the saved station ID
    assert window.notice.text() == "Settings saved."


def test_wrong_pin_keeps_the_dialog_open_then_waits(qtbot: QtBot, tmp_path: Path) -> None:
    store = [Settings(supervisor_pin_hash=hash_pin("2468"))]
    gate = PinGate(tmp_path / "tries.json", lambda: store[-1], store.append)
    dialog = PinCheckDialog(gate, "Changing the settings")
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(FREE_TRIES):
        dialog.field.setText("1111")
        dialog.ok_button.click()
        assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
        assert "Wrong PIN" in dialog.error.text()
        assert dialog.field.text() == ""  # typed again, not edited
    assert not dialog.ok_button.isEnabled()  # the fourth try must wait
    assert "next try is possible in" in dialog.error.text()


def test_right_pin_accepts(qtbot: QtBot, tmp_path: Path) -> None:
    store = [Settings(supervisor_pin_hash=hash_pin("2468"))]
    gate = PinGate(tmp_path / "tries.json", lambda: store[-1], store.append)
    dialog = PinCheckDialog(gate, "Changing the settings")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.field.setText("2468")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.ok_button.click()


def test_change_pin_flow(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow
) -> None:
    window.settings = window.settings.replace(supervisor_pin_hash=hash_pin("2468"))
    answer_set(monkeypatch, "97531", current="1111")
    window.change_pin_action.trigger()
    assert window.notice.text() == "The supervisor PIN was not changed."
    assert check_pin("2468", window.settings.supervisor_pin_hash)
    asked = answer_set(monkeypatch, "97531", current="2468")
    window.change_pin_action.trigger()
    assert asked == [True]  # the dialog knows a PIN is set: it asks the current one
    assert window.notice.text() == "The supervisor PIN was changed."
    qtbot.waitUntil(lambda: not window.busy())
    assert check_pin("97531", load_settings(window.paths.settings).supervisor_pin_hash)


def test_pin_fields_hide_what_is_typed(qtbot: QtBot, tmp_path: Path) -> None:
    store = [Settings(supervisor_pin_hash=hash_pin("2468"))]
    dialog = PinSetDialog(PinGate(tmp_path / "t.json", lambda: store[-1], store.append))
    qtbot.addWidget(dialog)
    fields = dialog.findChildren(QLineEdit)
    assert len(fields) == 3
    assert all(f.echoMode() == QLineEdit.EchoMode.Password for f in fields)
    dialog.show()
    dialog.current.setText("2468")
    dialog.new.setText("12")
    dialog.again.setText("12")
    dialog.ok_button.click()
    assert "at least" in dialog.error.text() and dialog.isVisible()
    assert gate_unchanged(store)


def gate_unchanged(store: list[Settings]) -> bool:
    return len(store) == 1


def test_license_list_needs_the_pin(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow, tmp_path: Path
) -> None:
    window.settings = window.settings.replace(supervisor_pin_hash=hash_pin("2468"))
    asked = answer_check(monkeypatch, "0000")
    listing = tmp_path / "licenses.csv"
    listing.write_text("uuid,authkey\n")
    with ExitStack() as stack:
        station = Station(window.paths, window.settings, comports=list)
        stack.callback(station.close)
        stack.callback(window.shutdown)
        window.attach(station)
        window.load_file(listing)
        qtbot.waitUntil(lambda: bool(asked) and not window.busy())
    assert asked == ["Loading a License List"]
    assert window.notice.text() == "The License List was not loaded."
    assert window.package is None


def test_operator_needs_no_pin(monkeypatch: pytest.MonkeyPatch, window: StationWindow) -> None:
    window.settings = window.settings.replace(supervisor_pin_hash=hash_pin("2468"))

    def no_pin(self: PinCheckDialog) -> int:
        raise AssertionError("the operator's name asked for the PIN")

    monkeypatch.setattr(PinCheckDialog, "exec", no_pin)

    def type_name(self: SignInDialog) -> int:  # no operators set up: a name alone signs in
        self.name.setText("  Li Wei ")
        self.accept()
        return int(self.result())

    monkeypatch.setattr(SignInDialog, "exec", type_name)
    window.operator_action.trigger()
    assert window.settings.operator == "Li Wei"


def test_first_start_asks_for_a_pin_once(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow
) -> None:
    asked = answer_set(monkeypatch, "2468")
    assert window.supervisor.first_start(window)
    assert window.supervisor.first_start(window)  # set: not asked again
    assert asked == [False]
    qtbot.waitUntil(lambda: not window.busy())
    assert check_pin("2468", load_settings(window.paths.settings).supervisor_pin_hash)


def test_set_pin_on_the_command_line_survives_the_windows_next_save(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow
) -> None:
    answer_set(monkeypatch, "2468")
    assert window.supervisor.first_start(window)
    qtbot.waitUntil(lambda: not window.busy())
    typed = ["2468", "97531", "97531"]  # current, new, again
    monkeypatch.setattr("getpass.getpass", lambda prompt="": typed.pop(0))
    data = str(window.paths.root)
    assert main(["supervisor", "set-pin", "--data-dir", data]) == 0  # the window stays open
    window.apply_settings(window.settings.replace(operator="Li Wei"))  # a save, no PIN asked
    qtbot.waitUntil(lambda: not window.busy())
    saved = load_settings(window.paths.settings)
    assert saved.operator == "Li Wei"
    assert check_pin("97531", saved.supervisor_pin_hash)  # not the window's older hash
    asked = answer_check(monkeypatch, "97531")  # and the window now checks the new PIN
    assert window.supervisor.authorize(window, "Changing the settings")
    assert asked == ["Changing the settings"]
    answer_set(monkeypatch, "13579", current="97531")  # the window's own change still saves
    window.change_pin_action.trigger()
    qtbot.waitUntil(lambda: not window.busy())
    assert check_pin("13579", load_settings(window.paths.settings).supervisor_pin_hash)
