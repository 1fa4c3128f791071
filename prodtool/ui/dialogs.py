"""Small modal questions: the download password (the supervisor PIN is in `pin_dialog`).

Password echo, never logged. `PasswordDialog.unlock` is the entry point that tests replace to
answer without a person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

from prodtool.license.errors import WrongPassword
from prodtool.ui.tasks import Task


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
    def unlock(parent: QWidget | None, file_name: str, work: Callable[[str], Any]) -> Any:
        """Ask the password and run `work(password)` (the key derivation) while the dialog
        stays open: a wrong password is said in the dialog, which waits for the next try.
        Returns what `work` returned, None when cancelled; any other error is raised."""
        dialog = UnlockDialog(file_name, work, parent)
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
        if dialog.raised is not None:
            raise dialog.raised
        return dialog.value if accepted else None


class UnlockDialog(PasswordDialog):
    """The password dialog that tries the password in the background and stays open."""

    def __init__(
        self, file_name: str, work: Callable[[str], Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(file_name, parent)
        self._work = work
        self._task: Task | None = None
        self._checking = False
        self.value: Any = None
        self.raised: BaseException | None = None

    def _check(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        password = self.field.text()
        self.error.setText(self.tr("Checking the password…"))
        self.buttons.setEnabled(False)
        self.field.setEnabled(False)
        self._checking = True
        task = Task("unlock", lambda: self._work(password), self)
        task.succeeded.connect(self._unlocked)
        task.failed.connect(self._refused)
        self._task = task
        task.start()

    def _unlocked(self, value: Any) -> None:
        self._checking = False
        self.value = value
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self._checking = False
        self.buttons.setEnabled(True)
        self.field.setEnabled(True)
        if isinstance(error, WrongPassword):
            self.error.setText(self.tr("Wrong password: type it again."))
            self.field.clear()
            self.field.setFocus()
            return
        self.raised = error
        self.reject()

    def is_checking(self) -> bool:
        return self._checking

    def reject(self) -> None:
        if not self._checking:  # Escape while the key is derived: the load would go on anyway
            super().reject()

    def done(self, result: int) -> None:
        if self._task is not None:
            self._task.wait()  # a cancel during the derivation: let it end, leave no thread
        super().done(result)
