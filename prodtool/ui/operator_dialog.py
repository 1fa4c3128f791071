"""Operator sign-in (badge scan, or name and PIN) and the supervisor's list of operators.

The sign-in dialog opens with the badge field focused: a keyboard-wedge scanner types the badge
and Enter, which signs in. Without a badge, the name and PIN. With no operator on the list
(`prodtool.engine.operators`), a name alone is taken, as before the list existed. The name goes
on every write record from then on.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from prodtool.engine.operators import OperatorBook, OperatorError

_BAD = "color: #b71c1c; font-weight: bold;"


class SignInDialog(QDialog):
    """Who works the station: `signed_in` holds the name once accepted."""

    def __init__(self, book: OperatorBook, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.book = book
        self.signed_in = ""
        self.setWindowTitle(self.tr("Operator sign-in"))
        self.badge = QLineEdit()
        self.badge.setObjectName("badge")
        self.badge.setEchoMode(QLineEdit.EchoMode.Password)  # a badge signs in: not on screen
        self.name = QLineEdit(current)
        self.name.setObjectName("name")
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel()
        self.problem.setStyleSheet(_BAD)
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Scan your badge:"), self.badge)
        form.addRow(self.tr("or your name:"), self.name)
        form.addRow(self.tr("and PIN:"), self.pin)
        hint = QLabel(
            self.tr("Your name goes on every write record until the next sign-in.")
            if book
            else self.tr("No operators are set up: your name is taken as you type it.")
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.pin.setVisible(bool(book))
        form.labelForField(self.pin).setVisible(bool(book))
        self.badge.setFocus()

    def accept(self) -> None:
        badge, name = self.badge.text(), self.name.text()
        try:
            if badge.strip():
                self.signed_in = self.book.by_badge(badge)
            elif not name.strip():
                self.problem.setText(self.tr("Scan your badge, or type your name."))
                return
            else:
                self.signed_in = self.book.by_pin(name, self.pin.text())
        except OperatorError:
            self.badge.clear()
            self.pin.clear()
            self.problem.setText(
                self.tr("This badge is not on the station's list of operators.")
                if badge.strip()
                else self.tr("Wrong name or PIN.")
            )
            self.badge.setFocus()
            return
        super().accept()


def ask_sign_in(book: OperatorBook, current: str, parent: QWidget | None) -> str | None:
    """The operator who signed in, or None when cancelled."""
    dialog = SignInDialog(book, current, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.signed_in
    finally:
        dialog.deleteLater()


class OperatorsDialog(QDialog):
    """The supervisor's list: add an operator with a badge and/or PIN, or remove one."""

    def __init__(self, book: OperatorBook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.book = book
        self.setWindowTitle(self.tr("Operators"))
        self.names = QListWidget()
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.badge = QLineEdit()
        self.badge.setObjectName("badge")
        self.badge.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.said = QLabel()
        self.said.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Badge (scan it):"), self.badge)
        form.addRow(self.tr("PIN:"), self.pin)
        self.add_button = QPushButton(self.tr("Add or replace"))
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton(self.tr("Remove the selected one"))
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.names)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.said)
        layout.addWidget(buttons)
        self._refresh()

    def _refresh(self) -> None:
        self.names.clear()
        self.names.addItems(self.book.names())

    def _say(self, text: str, good: bool) -> None:
        self.said.setText(text)
        self.said.setStyleSheet("color: #1b5e20;" if good else _BAD)

    def add(self) -> None:
        name = self.name.text().strip()
        try:
            self.book.add(name, badge=self.badge.text(), pin=self.pin.text())
        except OperatorError as error:
            self._say(error.message, good=False)
            return
        self.name.clear()
        self.badge.clear()
        self.pin.clear()
        self._refresh()
        self._say(self.tr("%1 can sign in now.").replace("%1", name), good=True)

    def remove(self) -> None:
        chosen = [item.text() for item in self.names.selectedItems()]
        if not chosen:
            return
        self.book.remove(chosen[0])
        self._refresh()
        self._say(self.tr("%1 was removed.").replace("%1", chosen[0]), good=True)
