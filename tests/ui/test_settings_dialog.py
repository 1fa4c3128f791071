"""The settings dialog refuses nonsense, explains every field, and edits what it shows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from prodtool.engine.port_names import HiddenPort
from prodtool.settings import QuarantinePolicy, Settings
from prodtool.ui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui


def dialog_for(qtbot: QtBot, settings: Settings, **kw: object) -> SettingsDialog:
    dialog = SettingsDialog(settings, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog


def test_every_field_has_help(qtbot: QtBot) -> None:
    dialog = dialog_for(qtbot, Settings())
    for field in dialog.fields:
        assert field.toolTip(), field


def test_bad_usb_id_and_no_rate_are_refused(qtbot: QtBot) -> None:
    dialog = dialog_for(qtbot, Settings())
    dialog.other_usb_ids.setText("hello")
    assert "hello is not a USB id" in dialog.problem()
    dialog.other_usb_ids.setText("")
    for i in range(dialog.baud_rates.count()):
        dialog.baud_rates.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert "at least one baud rate" in dialog.problem()
    dialog.show()
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible() and "baud rate" in dialog.error.text()


def test_rates_come_from_the_family_and_adapters_are_named(qtbot: QtBot) -> None:
    dialog = dialog_for(qtbot, Settings(usb_ids=("10c4:ea60",), baud_rates=(2000000, 115200)))
    rates = [
        int(dialog.baud_rates.item(i).data(Qt.ItemDataRole.UserRole))
        for i in range(dialog.baud_rates.count())
    ]
    assert 7 not in rates and 99999999 not in rates and 921600 in rates
    assert "CP2102" in dialog.advice.text() and "921600" in dialog.advice.text()
    names = [dialog.adapters.item(i).text() for i in range(dialog.adapters.count())]
    assert any("CH343" in n and "1a86:55d3" in n for n in names)


def test_result_keeps_edits_and_the_operator(qtbot: QtBot) -> None:
    dialog = dialog_for(qtbot, Settings(operator="Li Wei"))
    dialog.job_timeout.setValue(300)
    dialog.job_processes.setValue(0)
    dialog.quarantine_policy.setCurrentIndex(
        dialog.quarantine_policy.findData(QuarantinePolicy.REPORT.value)
    )
    dialog.other_usb_ids.setText("1234:ABCD, 1a86:55d3")
    new = dialog.result_settings()
    assert new.operator == "Li Wei"
    assert new.job_timeout_s == 300.0 and new.job_processes == 0
    assert new.quarantine_policy is QuarantinePolicy.REPORT
    assert "1234:abcd" in new.usb_ids and new.usb_ids.count("1a86:55d3") == 1


def test_hidden_ports_are_said(qtbot: QtBot) -> None:
    dialog = dialog_for(qtbot, Settings(), hidden_ports=[HiddenPort("/dev/ttyACM0", "1234:5678")])
    assert "1 serial port(s) ignored" in dialog.hidden.text()
    assert "/dev/ttyACM0 (1234:5678)" in dialog.hidden.text()


def test_a_rate_no_chip_family_supports_is_refused(qtbot: QtBot) -> None:
    """Settings made in code may hold one; the form shows it and will not save it ticked."""
    from prodtool.families import registry

    dialog = dialog_for(qtbot, Settings(baud_rates=(250000, 921600)))
    rates = [
        int(dialog.baud_rates.item(i).data(Qt.ItemDataRole.UserRole))
        for i in range(dialog.baud_rates.count())
    ]
    assert rates == sorted({*registry.baud_rates(), 250000}, reverse=True)
    assert dialog.problem() == "No chip family supports 250000 baud: untick it."
    dialog.baud_rates.item(rates.index(250000)).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.problem() == ""
    assert dialog.result_settings().baud_rates == (921600,)
