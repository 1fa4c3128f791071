"""Trusted issuer keys: the list, removing one, and adding one only after its fingerprint was
compared with what the issuer said by another channel.

The window asks the supervisor PIN before it opens this dialog. The key work itself is in
`prodtool.engine.issuer_keys` (small files: done on the GUI thread).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from prodtool.engine.issuer_keys import IssuerKey, preview_key, remove_key, trusted_keys
from prodtool.errors import UserError
from prodtool.license.trust import TrustStore
from prodtool.ui.folders import Folders

_KID = Qt.ItemDataRole.UserRole


class KeyConfirmDialog(QDialog):
    """Shows a key's fingerprint in large type; OK means "it matches what the issuer said"."""

    def __init__(self, key: IssuerKey, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.file_name = file_name
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.fingerprint = QLabel(key.fingerprint.replace(" ", "  "))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(mono.pointSizeF() * 1.5)
        self.fingerprint.setFont(mono)
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.fingerprint)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Compare the fingerprint"))
        self.message.setText(
            self.tr(
                "%1 holds issuer key %2. Compare its fingerprint below with the one the issuer "
                "gave you by another way (phone, paper, the platform's page). Trust it only if "
                "every group matches: packages it signs will then be accepted here."
            )
            .replace("%1", self.file_name)
            .replace("%2", self.key.kid)
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(self.tr("It matches: trust this key"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class TrustDialog(QDialog):
    """The station's trusted issuer keys; add (after comparing) and remove."""

    def __init__(self, store: TrustStore, folders: Folders, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.folders = folders
        self.said = ""  # the last thing done, for the window's notice
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.keys = QListWidget()
        self.keys.itemSelectionChanged.connect(self._selected)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.choose_key)
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self.remove_selected)
        self.status = QLabel()
        self.status.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.keys, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(720, 380)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Trusted issuer keys"))
        self.intro.setText(
            self.tr(
                "Packages are accepted only from issuers whose key is listed here. Each line "
                "shows the key id and its fingerprint."
            )
        )
        self.add_button.setText(self.tr("Add a key…"))
        self.remove_button.setText(self.tr("Remove"))
        self.refresh()

    def refresh(self) -> None:
        self.keys.clear()
        for key in trusted_keys(self.store):
            text = f"{key.kid}   {key.fingerprint}"
            if key.demo:
                text += "   " + self.tr("(built-in DEMO key: its packages are marked DEMO)")
            item = QListWidgetItem(text)
            item.setData(_KID, key.kid)
            self.keys.addItem(item)
        self._selected()

    def _selected(self) -> None:
        items = self.keys.selectedItems()
        kid = str(items[0].data(_KID)) if items else ""
        self.remove_button.setEnabled(bool(kid) and not self.store.is_demo(kid))

    def choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("The issuer's public key"),
            self.folders.start("issuer-key"),
            self.tr("Public keys (*.pem);;All files (*)"),
        )
        if path:
            self.folders.used("issuer-key", Path(path))
            self.add_key(Path(path))

    def add_key(self, path: Path) -> bool:
        """Show the key's fingerprint; trust it only when the supervisor says it matches."""
        try:
            key = preview_key(path, self.store)
        except UserError:
            self.status.setText(self.tr("%1 holds no issuer public key.").replace("%1", path.name))
            return False
        if key.trusted:
            self.status.setText(self.tr("Issuer key %1 is already trusted.").replace("%1", key.kid))
            return False
        confirm = KeyConfirmDialog(key, path.name, self)
        try:
            if confirm.exec() != QDialog.DialogCode.Accepted:
                self.status.setText(self.tr("No key was added."))
                return False
        finally:
            confirm.deleteLater()
        self.store.add(path)
        self.said = self.tr("Packages signed by issuer key %1 are now accepted.").replace(
            "%1", key.kid
        )
        self.status.setText(self.said)
        self.refresh()
        return True

    def remove_selected(self) -> None:
        items = self.keys.selectedItems()
        if not items:
            return
        kid = str(items[0].data(_KID))
        answer = QMessageBox.question(
            self,
            self.tr("Remove the key"),
            self.tr("Stop accepting packages signed by issuer key %1?").replace("%1", kid),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        remove_key(self.store, kid)
        self.said = self.tr("Packages signed by issuer key %1 are refused from now on.").replace(
            "%1", kid
        )
        self.status.setText(self.said)
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
