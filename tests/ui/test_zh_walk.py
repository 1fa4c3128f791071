"""Every window and dialog in Simplified Chinese: a test that fails on an English sentence.

Opens the main window and each dialog with the zh_CN catalogue (and Qt's own) installed,
collects every text a person can read (titles, labels, buttons, tool tips, menu entries,
table headers, combo items) and fails on any run of two English words that is not a name
(prodtool, TuyaOpen), a unit or an example value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from prodtool.engine.issuer_keys import IssuerKey
from prodtool.engine.ledger_actions import Attention, NextStep
from prodtool.engine.port_names import HiddenPort
from prodtool.engine.qa import Check, CheckCode, QaReport, Status, Verdict
from prodtool.engine.qa_text import Say
from prodtool.license.ledger import Ledger, LicenseRecord
from prodtool.license.model import LicenseState
from prodtool.license.trust import TrustStore
from prodtool.paths import station_paths
from prodtool.settings import Settings, hash_pin, load_settings
from prodtool.supervisor_pin import PinGate
from prodtool.ui.app import build_window
from prodtool.ui.dialogs import PasswordDialog, UnlockDialog
from prodtool.ui.folders import Folders
from prodtool.ui.ledger_panel import LedgerPanel
from prodtool.ui.pin_dialog import PinCheckDialog, PinSetDialog
from prodtool.ui.qa_page import QaPage
from prodtool.ui.settings_dialog import SettingsDialog
from prodtool.ui.trust_dialog import KeyConfirmDialog, TrustDialog
from prodtool.ui.window import StationWindow
from tests.ui.uihelpers import visible_texts

pytestmark = pytest.mark.gui

# Words that stay as they are in Chinese: names, abbreviations, example values.
KEEP = re.compile(
    r"prodtool|TuyaOpen|socket://\S+|rfc2217://\S+|/dev/\S+|COM\d\S*|(?:[0-9a-f]{2}:){5}[0-9a-f]{2}|"
    r"\b(?:PIN|MAC|USB|"
    r"VID|PID|CSV|JSON|ID|URL|DEMO|Wi-Fi|BLE|UUID|English)\b"
)
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+\b[ ,:;'-]+\b[A-Za-z][a-z]+\b")


def english_sentences(texts: list[str]) -> list[str]:
    return [text for text in texts if ENGLISH_RUN.search(KEEP.sub(" ", text))]


def everything(root: QWidget) -> list[str]:
    texts = visible_texts(root)
    for menu in root.findChildren(QMenu):
        texts.append(menu.title())
        texts += [action.text() for action in menu.actions()]
    for table in root.findChildren(QTableWidget):
        for column in range(table.columnCount()):
            header = table.horizontalHeaderItem(column)
            texts.append(header.text() if header else "")
    return [t for t in texts if t]


@pytest.fixture
def zh_window(qtbot: QtBot, data_dir: Path) -> Iterator[StationWindow]:
    paths = station_paths(data_dir).ensure()
    win = build_window(paths, Settings(), language="zh_CN")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()
    win.translations.switch("en")


def test_every_window_and_dialog_speaks_chinese(
    qtbot: QtBot, zh_window: StationWindow, tmp_path: Path
) -> None:
    window = zh_window
    assert window.translations.language == "zh_CN"
    store = [Settings(supervisor_pin_hash=hash_pin("2468"))]
    gate = PinGate(tmp_path / "tries.json", lambda: store[-1], store.append)
    fresh = PinGate(tmp_path / "tries2.json", Settings, lambda _: None)
    ledger = Ledger.for_station(window.paths)
    try:
        dialogs: list[QDialog] = [
            SettingsDialog(
                Settings(usb_ids=("10c4:ea60", "ffff:0001")),
                window,
                hidden_ports=[HiddenPort("/dev/ttyACM0", "1234:5678")],
            ),
            PinCheckDialog(gate, window.tr("Changing the settings"), window),
            PinSetDialog(gate, window),
            PinSetDialog(fresh, window),
            TrustDialog(TrustStore.for_station(window.paths), Folders(tmp_path / "f"), window),
            KeyConfirmDialog(IssuerKey("0123456789abcdef", "ABCD " * 16), "issuer.pem", window),
            LedgerPanel(
                ledger,
                window.run_task,
                lambda _: False,
                ports=lambda: ["/dev/ttyUSB0"],
                station_id="L3/S7",
                parent=window,
            ),
            QaPage(ledger, window.run_task, ports=["/dev/ttyUSB0"], parent=window),
            PasswordDialog("order-42.prodpkg", window),
            UnlockDialog("order-42.prodpkg", lambda _: None, window),
        ]
        files = QFileDialog(window)
        files.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialogs.append(files)
        fill_in(dialogs)
        found: dict[str, list[str]] = {}
        for dialog in dialogs:
            dialog.show()
            qtbot.waitExposed(dialog)
            english = english_sentences(everything(dialog))
            if english:
                found[type(dialog).__name__] = english
        qtbot.waitUntil(lambda: not window.busy())
        english = english_sentences(everything(window))
        if english:
            found["StationWindow"] = english
        for dialog in dialogs:
            dialog.close()
            dialog.deleteLater()
        assert not found, found
    finally:
        ledger.close()


def fill_in(dialogs: list[QDialog]) -> None:
    """Give the ledger panel and the QA page something to show: rows, a verdict, reasons."""
    record = LicenseRecord(
        1, "pkg", "uuid-1", LicenseState.NEEDS_CHECK, "aa:bb:cc:dd:ee:ff", None, "COM3", "j1", "t"
    )
    for dialog in dialogs:
        if isinstance(dialog, LedgerPanel):
            dialog.set_items([Attention(record, "芯片无应答", NextStep.READ_BACK)])
            dialog.select("uuid-1")
        if isinstance(dialog, QaPage):
            dialog.batch_box.setChecked(True)
            checks = (
                Check(
                    CheckCode.CHIP,
                    Status.OK,
                    "",
                    Say.CHIP_OK,
                    (("family", "esp32c3"), ("mac", "aa")),
                ),
                Check(CheckCode.FIRMWARE, Status.FAIL, "", Say.NO_VERSION),
                Check(CheckCode.LEDGER_STATE, Status.FAIL, "", Say.NEEDS_CHECK),
            )
            dialog.show_report(QaReport("COM3", Verdict.FAIL, checks, "pkg", mac="aa"))


def test_the_detector_catches_english() -> None:
    keep = ["Wrong PIN.", "PIN 错误。", "prodtool 工位", "芯片 aa:bb:cc:dd:ee:ff", "socket://a:1"]
    assert english_sentences([*keep, "Save the report…"]) == ["Save the report…"]


def test_the_language_choice_is_saved(qtbot: QtBot, zh_window: StationWindow) -> None:
    zh_window.language_actions["en"].trigger()
    qtbot.waitUntil(lambda: not zh_window.busy())
    assert load_settings(zh_window.paths.settings).language == "en"
