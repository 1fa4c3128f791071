"""Loading a package from the window: the issuer is checked before the password, the password
dialog stays open on a wrong password, a switch says what is left, and no package is switched
while chips are being written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobState
from prodtool.license.builder import build_package, demo_licenses
from prodtool.license.keys import generate_issuer_keys, load_private_key
from prodtool.license.model import DeliveryMode, ScryptParams
from prodtool.ui.dialogs import PasswordDialog, UnlockDialog
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def station(window: StationWindow) -> Iterator[Station]:
    with ExitStack() as stack:
        engine = Station(window.paths, window.settings)
        stack.callback(engine.close)
        stack.callback(window.shutdown)
        window.attach(engine)
        yield engine


def demo(tmp_path: Path, seed: int) -> tuple[Path, str]:
    return build_demo_package(
        tmp_path / f"pkg{seed}", licenses=3, fast_kdf=True, seed=seed, firmware_size=16 * 1024
    )


def no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    def unlock(*_: object) -> object:
        raise AssertionError("the password was asked")

    monkeypatch.setattr(PasswordDialog, "unlock", staticmethod(unlock))


def test_unknown_issuer_is_said_before_the_password(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    window: StationWindow,
    station: Station,
    tmp_path: Path,
) -> None:
    _, private, _ = generate_issuer_keys(tmp_path / "issuer")
    package = tmp_path / "foreign.prodpkg"
    build_package(
        package,
        password="irrelevant-pw",
        licenses=demo_licenses(2, seed=1),
        mode=DeliveryMode.AUTHORIZATION_ONLY,
        signing_key=load_private_key(private),
        kdf=ScryptParams.TEST,
    )
    no_password(monkeypatch)
    window.load_file(package)
    qtbot.waitUntil(lambda: not window.busy())
    assert "Supervisor > Trusted issuer keys" in window.notice.text()
    assert window.package is None and window.load_action.isEnabled()


def test_wrong_password_keeps_the_dialog_open(
    qtbot: QtBot, window: StationWindow, station: Station, tmp_path: Path
) -> None:
    package, password = demo(tmp_path, 1)
    dialog = UnlockDialog(package.name, lambda pw: station.load_package(package, pw))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.field.setText("not-the-password")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.is_checking(), timeout=10_000)
    assert dialog.isVisible() and dialog.error.text() == "Wrong password: type it again."
    assert dialog.field.text() == "" and station.ledger.packages() == []
    dialog.field.setText(password)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.buttons.accepted.emit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [m.package_id for m in station.ledger.packages()] == [dialog.value.package_id]


def test_a_switch_says_what_is_left(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    window: StationWindow,
    station: Station,
    tmp_path: Path,
) -> None:
    first, first_pw = demo(tmp_path, 1)
    second, second_pw = demo(tmp_path, 2)
    passwords = {first.name: first_pw, second.name: second_pw}
    monkeypatch.setattr(
        PasswordDialog,
        "unlock",
        staticmethod(lambda parent, name, work: work(passwords[name])),
    )
    window.load_file(first)
    qtbot.waitUntil(lambda: window.package is not None and not window.busy())
    asked: list[str] = []

    def question(parent: object, title: str, text: str) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    window.load_file(second)
    qtbot.waitUntil(lambda: bool(asked) and not window.busy())
    assert "still has 3 license(s) left" in asked[0] and "DEMO-0001" in asked[0]
    assert window.package is not None and window.package.file_name == first.name
    assert window.notice.text() == f"{second.name} was not loaded."


def test_no_switch_while_chips_are_written(
    monkeypatch: pytest.MonkeyPatch, window: StationWindow, station: Station, tmp_path: Path
) -> None:
    busy = [type("Port", (), {"state": JobState.WRITING_FIRMWARE})()]
    monkeypatch.setattr(station, "ports", lambda: busy)
    no_password(monkeypatch)
    window.load_file(tmp_path / "next.prodpkg")
    assert "Chips are being written" in window.notice.text()
    assert not window.busy()
