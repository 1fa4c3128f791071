"""Small modal questions: the download password and the supervisor PIN.

Both use Password echo and neither is ever logged. Each has a `get_*` entry point that tests
replace to answer without a person.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

MIN_PIN_LENGTH = 4


class _SecretDialog(QDialog):
    """A sentence and one or two hidden fields."""

    def __init__(self, parent: QWidget | None, confirm: bool) -> None:
        super().__init__(parent)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field_label = QLabel()
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again_label = QLabel()
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.field_label, self.field)
        if confirm:
            form.addRow(self.again_label, self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.confirm = confirm
        self.setMinimumWidth(420)

    def _check(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self.accept()

    def problem(self) -> str:
        if not self.field.text():
            return QCoreApplication.translate("SecretDialog", "Type it in first.")
        return ""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:  # pragma: no cover - overridden
        pass


class PasswordDialog(_SecretDialog):
    """The download password of a credential package (from the cloud platform's order page)."""

    def __init__(self, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, confirm=False)
        self.file_name = file_name
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Download password"))
        self.message.setText(
            self.tr(
                "Type the download password of %1. It is on the order's download page."
            ).replace("%1", self.file_name)
        )
        self.field_label.setText(self.tr("Password:"))

    @staticmethod
    def get_password(parent: QWidget | None, file_name: str) -> str | None:
        dialog = PasswordDialog(file_name, parent)
        try:
            return dialog.field.text() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


class PinDialog(_SecretDialog):
    """The supervisor's PIN; with `new=True`, choose one (typed twice)."""

    def __init__(self, purpose: str, new: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent, confirm=new)
        self.purpose = purpose
        self.new = new
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Supervisor PIN"))
        if self.new:
            self.message.setText(
                self.tr(
                    "%1 needs a supervisor. No supervisor PIN is set yet: choose one now "
                    "(at least %2 characters). It is stored only as a hash."
                )
                .replace("%1", self.purpose)
                .replace("%2", str(MIN_PIN_LENGTH))
            )
            self.field_label.setText(self.tr("New PIN:"))
            self.again_label.setText(self.tr("Again:"))
        else:
            self.message.setText(
                self.tr("%1 needs a supervisor. Supervisor PIN:").replace("%1", self.purpose)
            )
            self.field_label.setText(self.tr("PIN:"))

    def problem(self) -> str:
        if self.new and len(self.field.text()) < MIN_PIN_LENGTH:
            return self.tr("The PIN needs at least %1 characters.").replace(
                "%1", str(MIN_PIN_LENGTH)
            )
        if self.new and self.field.text() != self.again.text():
            return self.tr("The two PINs differ.")
        return super().problem()

    @staticmethod
    def get_pin(parent: QWidget | None, purpose: str, new: bool) -> str | None:
        dialog = PinDialog(purpose, new, parent)
        try:
            return dialog.field.text() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
