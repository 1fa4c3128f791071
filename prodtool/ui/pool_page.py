"""The license pool's settings page: the server's address and its password.

The password is never shown: the field starts empty ("unchanged" when one is stored) and what
is typed goes to `keys/pgpass` (0600), never to the settings. A new address takes effect when
the station starts again (its ledger is opened once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from prodtool.license.pgpass import has_password, save_password, url_has_password
from prodtool.license.stores import is_pool

if TYPE_CHECKING:
    from prodtool.ui.window import StationWindow


class PoolSettingsDialog(QDialog):
    """Edit the pool address and (optionally) its password; `address()` and `password()`."""

    def __init__(self, url: str, password_stored: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("License pool"))
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("postgresql://user@host/database")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(
            self.tr("(unchanged)") if password_stored else self.tr("(none)")
        )
        self.error = QLabel()
        self.error.setWordWrap(True)
        note = QLabel(
            self.tr(
                "Empty address: this station's own ledger. A new address is used when the"
                " station starts again."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Server address"), self.url)
        form.addRow(self.tr("Password"), self.secret)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def address(self) -> str:
        return self.url.text().strip()

    def password(self) -> str:
        return self.secret.text()

    def _check(self) -> None:
        url = self.address()
        if url and not is_pool(url):
            self.error.setText(self.tr("The address must start with postgresql://"))
            return
        if url and url_has_password(url):
            self.error.setText(self.tr("Put the password in its own field, not in the address."))
            return
        self.accept()


def edit_pool(window: StationWindow) -> None:
    """The supervisor's "License pool…" action: PIN, dialog, password to keys/, address to
    the settings."""
    purpose = QCoreApplication.translate("PoolSettingsDialog", "Changing the license pool")
    if not window.supervisor.authorize(window, purpose):
        window.notice.say(
            QCoreApplication.translate(
                "PoolSettingsDialog", "Wrong PIN: the pool was not changed."
            ),
            "error",
        )
        return
    keys = window.paths.keys
    url = window.settings.ledger_url
    dialog = PoolSettingsDialog(url, bool(url) and has_password(keys, url), window)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        new_url, secret = dialog.address(), dialog.password()
    finally:
        dialog.deleteLater()
    if new_url and secret:
        window.run_task("pool-password", lambda: save_password(keys, new_url, secret), _done)
    window.apply_settings(window.settings.replace(ledger_url=new_url))
    window.notice.say(
        QCoreApplication.translate(
            "PoolSettingsDialog", "License pool saved: it is used when the station starts again."
        ),
        "good",
    )


def _done(_: object) -> None:
    """Nothing to show: the password is stored."""
