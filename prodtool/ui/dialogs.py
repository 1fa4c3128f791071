"""Small modal questions: the download password (the supervisor PIN is in `pin_dialog`).

Password echo, never logged. `get_password` is the entry point that tests replace to answer
without a person.
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
