"""Trusting an issuer key shows its fingerprint first and lists/removes keys; file dialogs
open in Documents or the last folder, with safe default names and the extension appended; an
unknown issuer's package points to the menu item."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from prodtool.engine.ledger_actions import LicenseNotFoundError
from prodtool.license.errors import UnknownIssuer
from prodtool.license.keys import generate_issuer_keys
from prodtool.license.trust import TrustStore
from prodtool.settings import hash_pin
from prodtool.ui.folders import Folders, documents, safe_file_name, with_extension
from prodtool.ui.pin_dialog import PinCheckDialog
from prodtool.ui.trust_dialog import KeyConfirmDialog, TrustDialog
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


def confirm_with(monkeypatch: pytest.MonkeyPatch, answer: bool, seen: list[str]) -> None:
    def run(self: KeyConfirmDialog) -> int:
        seen.append(self.fingerprint.text())
        return int(QDialog.DialogCode.Accepted if answer else QDialog.DialogCode.Rejected)

    monkeypatch.setattr(KeyConfirmDialog, "exec", run)


def test_fingerprint_is_shown_before_a_key_is_trusted(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kid, _, public = generate_issuer_keys(tmp_path / "issuer")
    store = TrustStore(tmp_path / "trusted")
    dialog = TrustDialog(store, Folders(tmp_path / "folders.json"))
    qtbot.addWidget(dialog)
    seen: list[str] = []
    confirm_with(monkeypatch, False, seen)
    assert not dialog.add_key(public)
    assert len(seen) == 1 and len(seen[0].split()) == 16
    assert kid not in store.key_ids() and dialog.status.text() == "No key was added."
    confirm_with(monkeypatch, True, seen)
    assert dialog.add_key(public)
    assert kid in store.key_ids() and kid in dialog.said
    texts = [dialog.keys.item(i).text() for i in range(dialog.keys.count())]
    assert any(t.startswith(kid) and seen[0].split()[0] in t for t in texts)
    assert any("DEMO" in t for t in texts)
    # the demo key cannot be removed; the added one can, after a question
    for row in range(dialog.keys.count()):
        dialog.keys.setCurrentRow(row)
        assert dialog.remove_button.isEnabled() == dialog.keys.item(row).text().startswith(kid)
    dialog.keys.setCurrentRow(next(i for i, t in enumerate(texts) if t.startswith(kid)))
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    dialog.remove_button.click()
    assert kid not in store.key_ids() and "refused" in dialog.said


def test_not_a_key_file(qtbot: QtBot, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.pem"
    bogus.write_text("hello")
    dialog = TrustDialog(TrustStore(tmp_path / "trusted"), Folders(tmp_path / "f.json"))
    qtbot.addWidget(dialog)
    assert not dialog.add_key(bogus)
    assert "holds no issuer public key" in dialog.status.text()


def test_trusting_keys_needs_the_pin(
    monkeypatch: pytest.MonkeyPatch, window: StationWindow
) -> None:
    window.settings = window.settings.replace(supervisor_pin_hash=hash_pin("2468"))

    def wrong(self: PinCheckDialog) -> int:
        return int(QDialog.DialogCode.Rejected)

    def must_not_open(self: TrustDialog) -> int:
        raise AssertionError("opened without the PIN")

    monkeypatch.setattr(PinCheckDialog, "exec", wrong)
    monkeypatch.setattr(TrustDialog, "exec", must_not_open)
    window.trust_action.trigger()
    assert window.notice.text() == "The trusted issuer keys were not changed."


def test_unknown_issuer_points_to_the_menu_item(window: StationWindow) -> None:
    window.show_error(UnknownIssuer("the package comes from an unknown issuer (key id 'x')"))
    assert "Supervisor > Trusted issuer keys" in window.notice.text()
    assert window.trust_action.text().rstrip("…") in window.notice.text()


def test_file_names_and_folders(tmp_path: Path) -> None:
    assert safe_file_name("writelog-L3/S7.csv") == "writelog-L3-S7.csv"
    assert safe_file_name('a:b*c?"<>|\\d') == "a-b-c-d"
    assert safe_file_name("../..") == "prodtool"
    assert with_extension(Path("/x/log"), "JSON (*.json)") == Path("/x/log.json")
    assert with_extension(Path("/x/log.CSV"), "CSV (*.csv)") == Path("/x/log.CSV")
    folders = Folders(tmp_path / "folders.json")
    assert Path(folders.start("export", "a/b.csv")) == documents() / "a-b.csv"
    target = tmp_path / "exports"
    target.mkdir()
    folders.used("export", target / "writelog.csv")
    assert Path(Folders(tmp_path / "folders.json").start("export", "x.csv")) == target / "x.csv"
    assert Path(folders.start("package")) == documents()


def test_export_dialog_suggests_a_safe_name_and_appends_the_extension(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: StationWindow, tmp_path: Path
) -> None:
    window.settings = window.settings.replace(station_id="L3/S7")
    asked: list[str] = []
    out = tmp_path / "export-here" / "mylog"
    out.parent.mkdir()

    def save_name(parent: object, title: str, start: str, filters: str) -> tuple[str, str]:
        asked.append(start)
        return str(out), "JSON (*.json)"

    exported: list[Path] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    monkeypatch.setattr(window, "export_to", exported.append)
    window.export_action.trigger()
    assert Path(asked[0]).name == "writelog-L3-S7.csv"
    assert Path(asked[0]).parent == documents()
    assert exported == [out.with_name("mylog.json")]
    window.export_action.trigger()
    assert Path(asked[1]).parent == out.parent  # the last folder next time


def test_errors_with_arguments_are_worded(window: StationWindow) -> None:
    window.show_error(LicenseNotFoundError("uuid-123"))
    assert window.notice.text() == "License uuid-123 is not in this station's ledger."
    window.translations.switch("zh_CN")
    window.show_error(LicenseNotFoundError("uuid-123"))
    assert window.notice.text() == "授权 uuid-123 不在本工位的账本中。"
