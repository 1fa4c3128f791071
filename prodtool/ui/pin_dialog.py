"""The supervisor PIN in the window: checked, chosen and changed through `PinGate`.

A wrong PIN keeps the dialog open and says so; after `FREE_TRIES` wrong tries the OK button stays
off for the wait the gate imposes, with the seconds counting down. Every sentence is worded
here from the gate's error (its class and numbers), so it can be translated.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from prodtool.supervisor_pin import (
    MIN_PIN_LENGTH,
    BadNewPinError,
    NoPinError,
    PinError,
    PinGate,
    PinLockedError,
    WrongPinError,
    check_new_pin,
)

TICK_MS = 1000


def _secret() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class _GateDialog(QDialog):
    """A sentence, hidden fields, a red line for problems, OK/Cancel, and the lockout countdown."""

    def __init__(self, gate: PinGate, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.gate = gate
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._try)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def _try(self) -> None:
        try:
            self.attempt()
        except PinError as error:
            self._clear()
            self._tick(say=False)
            self.error.setText(self.describe(error))
            return
        self.accept()

    def attempt(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _clear(self) -> None:
        for field in self.findChildren(QLineEdit):
            field.clear()

    def _tick(self, say: bool = True) -> None:
        """Keep OK off while the gate makes the next try wait, saying how long."""
        left = self.gate.wait_left() if self.gate.has_pin() else 0.0
        self.ok_button.setEnabled(left <= 0)
        if left > 0 and not say:
            self._timer.start()
        elif left > 0:
            self.error.setText(
                QCoreApplication.translate(
                    "PinDialog", "Too many wrong PINs. The next try is possible in %1 s."
                ).replace("%1", str(math.ceil(left)))
            )
            self._timer.start()
        elif self._timer.isActive():
            self._timer.stop()
            self.error.setText(QCoreApplication.translate("PinDialog", "You may try again."))

    def describe(self, error: PinError) -> str:
        """The gate's error in the window's language."""
        if isinstance(error, WrongPinError):
            if error.wait_s > 0:
                return QCoreApplication.translate(
                    "PinDialog", "Wrong PIN. The next try is possible in %1 s."
                ).replace("%1", str(math.ceil(error.wait_s)))
            return QCoreApplication.translate("PinDialog", "Wrong PIN.")
        if isinstance(error, PinLockedError):
            return QCoreApplication.translate(
                "PinDialog", "Too many wrong PINs. The next try is possible in %1 s."
            ).replace("%1", str(math.ceil(error.wait_s)))
        if isinstance(error, BadNewPinError):
            if error.too_short:
                return QCoreApplication.translate(
                    "PinDialog", "The PIN needs at least %1 characters."
                ).replace("%1", str(MIN_PIN_LENGTH))
            return QCoreApplication.translate("PinDialog", "The two new PINs differ.")
        if isinstance(error, NoPinError):
            return QCoreApplication.translate("PinDialog", "No supervisor PIN is set yet.")
        return QCoreApplication.translate("PinDialog", "The PIN could not be checked.")

    def showEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        self._tick()
        super().showEvent(event)  # type: ignore[arg-type]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:  # pragma: no cover - overridden
        pass


class PinCheckDialog(_GateDialog):
    """Asks for the PIN before a supervisor item; stays open on a wrong one."""

    def __init__(self, gate: PinGate, purpose: str, parent: QWidget | None = None) -> None:
        super().__init__(gate, parent)
        self.purpose = purpose
        self.field = _secret()
        self.field_label = QLabel()
        self.form.addRow(self.field_label, self.field)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Supervisor PIN"))
        self.message.setText(
            self.tr("%1 needs a supervisor. Type the supervisor PIN.").replace("%1", self.purpose)
        )
        self.field_label.setText(self.tr("PIN:"))

    def attempt(self) -> None:
        self.gate.verify(self.field.text())


class PinSetDialog(_GateDialog):
    """Choose the first PIN, or change it (the current PIN first)."""

    def __init__(self, gate: PinGate, parent: QWidget | None = None) -> None:
        super().__init__(gate, parent)
        self.changing = gate.has_pin()
        self.current = _secret()
        self.current_label = QLabel()
        self.new = _secret()
        self.new_label = QLabel()
        self.again = _secret()
        self.again_label = QLabel()
        if self.changing:
            self.form.addRow(self.current_label, self.current)
        self.form.addRow(self.new_label, self.new)
        self.form.addRow(self.again_label, self.again)
        self.retranslate()

    def retranslate(self) -> None:
        if self.changing:
            self.setWindowTitle(self.tr("Change the supervisor PIN"))
            self.message.setText(
                self.tr(
                    "Type the current PIN, then the new one twice (at least %1 characters)."
                ).replace("%1", str(MIN_PIN_LENGTH))
            )
        else:
            self.setWindowTitle(self.tr("Set the supervisor PIN"))
            self.message.setText(
                self.tr(
                    "This station has no supervisor PIN yet. Whoever installs the station sets "
                    "it now (at least %1 characters); settings, issuer keys, License Lists and "
                    "quarantined licenses will need it. It is stored only as a hash."
                ).replace("%1", str(MIN_PIN_LENGTH))
            )
        self.current_label.setText(self.tr("Current PIN:"))
        self.new_label.setText(self.tr("New PIN:"))
        self.again_label.setText(self.tr("New PIN again:"))

    def attempt(self) -> None:
        check_new_pin(self.new.text(), self.again.text())  # before a try is spent
        current = self.current.text() if self.changing else None
        self.gate.set_pin(self.new.text(), self.again.text(), current=current)
