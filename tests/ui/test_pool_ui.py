"""The pool's settings page keeps the password out of sight and out of the settings; the fleet
panel shows the pool's stations and the licenses left, read from a real pool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from prodtool.license.pg_store import pool_status
from prodtool.license.pgpass import PG_LOGIN_FILE, has_password
from prodtool.license.testing import chip, loaded_package
from prodtool.settings import hash_pin
from prodtool.ui.pin_dialog import PinCheckDialog
from prodtool.ui.pool_page import PoolSettingsDialog
from prodtool.ui.window import StationWindow
from tests.pgserver import open_pool

pytestmark = pytest.mark.gui
SECRET = "s3cret:with\\odd chars"


def _answer(monkeypatch: pytest.MonkeyPatch, url: str, password: str) -> None:
    def type_pin(self: PinCheckDialog) -> int:
        self.field.setText("2468")
        self.ok_button.click()
        return int(self.result())

    monkeypatch.setattr(PinCheckDialog, "exec", type_pin)

    def fill(self: PoolSettingsDialog) -> int:
        assert self.secret.text() == ""  # never shows a stored password
        assert self.secret.echoMode() is QLineEdit.EchoMode.Password
        self.url.setText(url)
        self.secret.setText(password)
        self._check()
        return int(self.result())

    monkeypatch.setattr(PoolSettingsDialog, "exec", fill)


def test_the_pool_page_stores_the_password_0600_never_in_the_settings(
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, window: StationWindow
) -> None:
    window.settings = window.settings.replace(supervisor_pin_hash=hash_pin("2468"))
    url = "postgresql://prodtool@db.example:5433/line1"
    _answer(monkeypatch, url, SECRET)
    window.pool_ui.action.trigger()
    qtbot.waitUntil(lambda: not window.busy(), timeout=10_000)
    assert window.settings.ledger_url == url
    path = window.paths.keys / PG_LOGIN_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text() == "db.example:5433:line1:prodtool:s3cret\\:with\\\\odd chars\n"
    assert has_password(window.paths.keys, url)
    saved = json.loads(window.paths.settings.read_text())
    assert saved["ledger_url"] == url and SECRET not in window.paths.settings.read_text()
    # a password typed into the address is refused, nothing changes
    _answer(monkeypatch, "postgresql://prodtool:pw@db/line1", "")
    window.pool_ui.action.trigger()
    assert window.settings.ledger_url == url


def test_the_pool_page_refuses_another_kind_of_address(qtbot: QtBot) -> None:
    dialog = PoolSettingsDialog("", password_stored=True)
    qtbot.addWidget(dialog)
    assert dialog.secret.placeholderText() == "(unchanged)"
    dialog.url.setText("mysql://db/line1")
    dialog._check()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "postgresql://" in dialog.error.text()


def test_the_fleet_panel_shows_stations_and_licenses_left(
    pool_url: str, tmp_path: Path, qtbot: QtBot, window: StationWindow
) -> None:
    with open_pool(pool_url, tmp_path, station="line-a") as a:
        pid = a.load_package(loaded_package(tmp_path, 5))
        r = a.reserve(pid, chip(1), job_id="j", port="p")
        a.mark_verified(r.license_id, job_id="j")
        window.settings = window.settings.replace(ledger_url=pool_url)
        window.pool_ui.refresh()
        panel = window.pool_ui.panel
        qtbot.waitUntil(lambda: "licenses left" in panel.left.text(), timeout=10_000)
        assert "4 licenses left" in panel.left.text()
        assert panel.table.rowCount() == 1
        cells = [panel.table.item(0, c) for c in range(3)]
        # one verified in the last ten minutes: 6 per hour
        assert [c.text() if c else "" for c in cells] == ["line-a", "yes", "6"]
        assert window.pool_ui.dock.isVisible()
    assert pool_status(pool_url).stations[0].online is False  # its lease given back


@pytest.mark.parametrize(("kind", "count", "expected"), [(2, 40, 40), (1, 40, -1), (0, 40, 0)])
def test_the_pool_page_sets_the_outage_block(
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
    window: StationWindow,
    kind: int,
    count: int,
    expected: int,
) -> None:
    window.settings = window.settings.replace(supervisor_pin_hash=hash_pin("2468"), pool_block=24)
    _answer(monkeypatch, "postgresql://prodtool@db.example/line1", "")
    fill = PoolSettingsDialog.exec

    def choose(self: PoolSettingsDialog) -> int:
        assert self.block() == 24 and self.block_count.isEnabled()  # the setting as it was
        assert "network outage" in self.block_kind.toolTip()  # the help says what it is for
        self.block_kind.setCurrentIndex(kind)
        self.block_count.setValue(count)
        assert self.block_count.isEnabled() == (kind == 2)
        return fill(self)

    monkeypatch.setattr(PoolSettingsDialog, "exec", choose)
    window.pool_ui.action.trigger()
    qtbot.waitUntil(lambda: not window.busy(), timeout=10_000)
    assert window.settings.pool_block == expected
    assert json.loads(window.paths.settings.read_text())["pool_block"] == expected


def test_the_pool_page_shows_no_block_and_twice_the_ports(qtbot: QtBot) -> None:
    none = PoolSettingsDialog("", password_stored=False, block=-1)
    twice = PoolSettingsDialog("", password_stored=False)
    qtbot.addWidget(none)
    qtbot.addWidget(twice)
    assert none.block() == -1 and not none.block_count.isEnabled()
    assert twice.block() == 0 and twice.block_kind.currentText() == "Twice the station's ports"


def test_the_fleet_dock_follows_a_language_switch(qtbot: QtBot, window: StationWindow) -> None:
    ui = window.pool_ui

    def header(column: int) -> str:
        item = ui.panel.table.horizontalHeaderItem(column)
        return item.text() if item is not None else ""

    assert (ui.dock.windowTitle(), ui.action.text()) == ("Fleet", "License pool…")
    window.translations.switch("zh_CN")
    qtbot.waitUntil(lambda: ui.dock.windowTitle() == "产线工位", timeout=5_000)
    assert ui.action.text() == "授权池…"
    assert header(0) == "工位"
    window.translations.switch("en")
    qtbot.waitUntil(lambda: ui.dock.windowTitle() == "Fleet", timeout=5_000)
    assert header(0) == "Station"
