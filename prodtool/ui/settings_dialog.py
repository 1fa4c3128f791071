"""The station's settings as a form. The fields are declared in `prodtool.settings`; this dialog
only edits a copy and hands back a new `Settings`. Opening it takes a supervisor PIN (the
window asks before it opens this)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from prodtool.settings import Settings
from prodtool.ui.i18n import LANGUAGES


def _join(values: tuple[object, ...]) -> str:
    return ", ".join(str(value) for value in values)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


class SettingsDialog(QDialog):
    """Edit the settings a station needs day to day; `result_settings()` after `exec()`."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = settings
        self.change_pin_requested = False
        self.station_id = QLineEdit(settings.station_id)
        self.operator = QLineEdit(settings.operator)
        self.language = QComboBox()
        self.language.addItem("", "system")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        index = self.language.findData(settings.language)
        self.language.setCurrentIndex(max(0, index))
        self.auto_start = QCheckBox()
        self.auto_start.setChecked(settings.auto_start)
        self.baud_rates = QLineEdit(_join(settings.baud_rates))
        self.retries = QSpinBox()
        self.retries.setRange(0, 10)
        self.retries.setValue(settings.retries)
        self.usb_ids = QLineEdit(_join(settings.usb_ids))
        self.allow = QLineEdit(_join(settings.allow))
        self.deny = QLineEdit(_join(settings.deny))
        self.change_pin = QPushButton()
        self.change_pin.clicked.connect(self._ask_change_pin)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.form = QFormLayout()
        self._labels = [QLabel() for _ in range(10)]
        for label, field in zip(
            self._labels,
            (
                self.station_id,
                self.operator,
                self.language,
                self.auto_start,
                self.baud_rates,
                self.retries,
                self.usb_ids,
                self.allow,
                self.deny,
                self.change_pin,
            ),
            strict=True,
        ):
            self.form.addRow(label, field)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Station settings"))
        texts = (
            self.tr("Station ID:"),
            self.tr("Operator:"),
            self.tr("Language:"),
            self.tr("Auto-start:"),
            self.tr("Baud rates:"),
            self.tr("Retries:"),
            self.tr("USB adapters (VID:PID):"),
            self.tr("Only these ports:"),
            self.tr("Never these ports:"),
            self.tr("Supervisor PIN:"),
        )
        for label, text in zip(self._labels, texts, strict=True):
            label.setText(text)
        self.language.setItemText(0, self.tr("As the system"))
        self.auto_start.setText(self.tr("Start writing as soon as a module is plugged in"))
        self.baud_rates.setToolTip(self.tr("Fastest first, separated by commas"))
        self.usb_ids.setToolTip(self.tr("Empty: any USB serial adapter"))
        self.allow.setToolTip(self.tr("Port name patterns such as /dev/ttyUSB*; empty: all"))
        self.change_pin.setText(self.tr("Change the supervisor PIN…"))

    def _ask_change_pin(self) -> None:
        self.change_pin_requested = True
        self.change_pin.setEnabled(False)
        self.change_pin.setText(self.tr("A new PIN is asked for after saving"))

    def baud_list(self) -> tuple[int, ...] | None:
        try:
            rates = tuple(int(part) for part in _split(self.baud_rates.text()))
        except ValueError:
            return None
        return rates if rates and all(rate > 0 for rate in rates) else None

    def _check(self) -> None:
        if self.baud_list() is None:
            self.error.setText(self.tr("Baud rates: whole numbers separated by commas."))
            return
        if not self.station_id.text().strip():
            self.error.setText(self.tr("The station needs an ID."))
            return
        self.accept()

    def result_settings(self) -> Settings:
        return self.original.replace(
            station_id=self.station_id.text().strip(),
            operator=self.operator.text().strip(),
            language=str(self.language.currentData()),
            auto_start=self.auto_start.isChecked(),
            baud_rates=self.baud_list() or self.original.baud_rates,
            retries=self.retries.value(),
            usb_ids=_split(self.usb_ids.text()),
            allow=_split(self.allow.text()),
            deny=_split(self.deny.text()),
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
