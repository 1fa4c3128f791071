"""The license pool's settings page: the server's address, its password, and the block of
licenses held ahead for an outage (`pool_block`).

The password is never shown: the field starts empty ("unchanged" when one is stored) and what
is typed goes to `keys/pgpass` (0600), never to the settings. A new address or block takes
effect when the station starts again (its ledger is opened once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from prodtool.license.pgpass import has_password, save_password, url_has_password
from prodtool.license.stores import is_pool

if TYPE_CHECKING:
    from prodtool.ui.window import StationWindow


# The block's kinds in the combo box, as `pool_block` spells them (a count is itself).
_TWICE_PORTS, _NO_BLOCK, _COUNT = 0, -1, 1
MAX_BLOCK = 100_000


class PoolSettingsDialog(QDialog):
    """Edit the pool address, (optionally) its password and the outage block; `address()`,
    `password()` and `block()`."""

    def __init__(
        self,
        url: str,
        password_stored: bool,
        parent: QWidget | None = None,
        *,
        block: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("License pool"))
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("postgresql://user@host/database")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(
            self.tr("(unchanged)") if password_stored else self.tr("(none)")
        )
        self.block_kind = QComboBox()
        self.block_kind.addItem(self.tr("Twice the station's ports"), _TWICE_PORTS)
        self.block_kind.addItem(self.tr("None"), _NO_BLOCK)
        self.block_kind.addItem(self.tr("This many:"), _COUNT)
        self.block_count = QSpinBox()
        self.block_count.setRange(1, MAX_BLOCK)
        self.block_count.setValue(min(block, MAX_BLOCK) if block > 0 else 64)
        kind = _COUNT if block > 0 else (_NO_BLOCK if block < 0 else _TWICE_PORTS)
        self.block_kind.setCurrentIndex(self.block_kind.findData(kind))
        self.block_kind.currentIndexChanged.connect(self._block_shown)
        self._block_shown()
        block_help = self.tr(
            "Licenses this station reserves in the pool ahead of need, so the line keeps"
            " going through a short network outage; their moves are sent to the pool when it"
            " answers again. By default twice the station's ports (at least 16). None: the"
            " line stops as soon as the pool does not answer. Used when the station starts"
            " again."
        )
        for widget in (self.block_kind, self.block_count):
            widget.setToolTip(block_help)
            widget.setWhatsThis(block_help)
        block_row = QHBoxLayout()
        block_row.addWidget(self.block_kind, 1)
        block_row.addWidget(self.block_count)
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
        block_label = QLabel(self.tr("Held ahead for an outage"))
        block_label.setToolTip(block_help)
        block_label.setBuddy(self.block_kind)
        form.addRow(block_label, block_row)
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

    def block(self) -> int:
        """The `pool_block` setting: 0 twice the ports, -1 none, else a count."""
        kind = int(self.block_kind.currentData())
        return self.block_count.value() if kind == _COUNT else kind

    def _block_shown(self) -> None:
        self.block_count.setEnabled(int(self.block_kind.currentData()) == _COUNT)

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
    dialog = PoolSettingsDialog(
        url, bool(url) and has_password(keys, url), window, block=window.settings.pool_block
    )
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        new_url, secret, block = dialog.address(), dialog.password(), dialog.block()
    finally:
        dialog.deleteLater()
    if new_url and secret:
        window.run_task("pool-password", lambda: save_password(keys, new_url, secret), _done)
    window.apply_settings(window.settings.replace(ledger_url=new_url, pool_block=block))
    window.notice.say(
        QCoreApplication.translate(
            "PoolSettingsDialog", "License pool saved: it is used when the station starts again."
        ),
        "good",
    )


def _done(_: object) -> None:
    """Nothing to show: the password is stored."""
