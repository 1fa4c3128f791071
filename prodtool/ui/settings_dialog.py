"""The station's settings as a form that refuses nonsense and explains every field.

The fields are declared in `prodtool.settings`; this dialog edits a copy and hands back a new
`Settings`. Baud rates are picked from what the registered chip families support
(`registry.baud_rates`; a rate none supports is refused), and a rate above what a chosen
adapter reaches is flagged; USB adapters are picked by name or typed
as a checked VID:PID. The operator's name is not here: it needs no PIN (Station > Operator).
Opening this dialog takes a supervisor PIN (the window asks before it opens it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from prodtool.adapters import (
    KNOWN_ADAPTERS,
    BadUsbIdError,
    adapter,
    check_usb_id,
    slowest_adapter,
)
from prodtool.families import registry
from prodtool.settings import QuarantinePolicy, Settings
from prodtool.ui.i18n import LANGUAGES

if TYPE_CHECKING:  # the port scan itself runs in the window's background task
    from prodtool.engine.port_names import HiddenPort

_ID = Qt.ItemDataRole.UserRole


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


def _checklist(rows: list[tuple[str, object, bool]]) -> QListWidget:
    widget = QListWidget()
    for text, data, checked in rows:
        item = QListWidgetItem(text)
        item.setData(_ID, data)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    # every row visible: the form scrolls as a whole, not each list inside it
    widget.setFixedHeight(widget.sizeHintForRow(0) * len(rows) + 2 * widget.frameWidth() + 2)
    return widget


def _checked(widget: QListWidget) -> list[object]:
    return [
        widget.item(i).data(_ID)
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    ]


class SettingsDialog(QDialog):
    """Edit the settings a station needs day to day; `result_settings()` after `exec()`."""

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        hidden_ports: list[HiddenPort] | None = None,
    ) -> None:
        super().__init__(parent)
        self.original = settings
        self.hidden_ports = hidden_ports or []
        self.station_id = QLineEdit(settings.station_id)
        self.language = QComboBox()
        self.language.addItem("", "system")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.auto_start = QCheckBox()
        self.auto_start.setChecked(settings.auto_start)
        rates = sorted(set(registry.baud_rates()) | set(settings.baud_rates), reverse=True)
        self.baud_rates = _checklist(
            [(f"{rate:,}".replace(",", " "), rate, rate in settings.baud_rates) for rate in rates]
        )
        self.baud_rates.itemChanged.connect(self._explain)
        self.connect_attempts = QSpinBox()
        self.connect_attempts.setRange(1, 10)
        self.connect_attempts.setValue(max(1, settings.connect_attempts))
        self.retries = QSpinBox()
        self.retries.setRange(0, 10)
        self.retries.setValue(settings.retries)
        self.job_timeout = QSpinBox()
        self.job_timeout.setRange(30, 3600)
        self.job_timeout.setValue(int(settings.job_timeout_s))
        self.shell_timeout = QDoubleSpinBox()
        self.shell_timeout.setRange(1.0, 60.0)
        self.shell_timeout.setDecimals(1)
        self.shell_timeout.setValue(settings.shell_timeout_s)
        self.job_processes = QSpinBox()
        self.job_processes.setRange(0, 32)
        self.job_processes.setValue(settings.job_processes)
        self.quarantine_policy = QComboBox()
        for policy in QuarantinePolicy:
            self.quarantine_policy.addItem("", policy.value)
        self.quarantine_policy.setCurrentIndex(
            self.quarantine_policy.findData(settings.quarantine_policy.value)
        )
        known = {a.usb_id for a in KNOWN_ADAPTERS}
        self.adapters = _checklist(
            [
                (f"{a.name}  ({a.usb_id})", a.usb_id, a.usb_id in settings.usb_ids)
                for a in KNOWN_ADAPTERS
            ]
        )
        self.adapters.itemChanged.connect(self._explain)
        self.other_usb_ids = QLineEdit(", ".join(u for u in settings.usb_ids if u not in known))
        self.other_usb_ids.textChanged.connect(self._explain)
        self.allow = QLineEdit(", ".join(settings.allow))
        self.deny = QLineEdit(", ".join(settings.deny))
        self.hidden = QLabel()
        self.hidden.setWordWrap(True)
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        self.advice.setStyleSheet("color: #8d6e00;")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.form = QFormLayout()
        self.fields: list[QWidget] = [
            self.station_id,
            self.language,
            self.auto_start,
            self.baud_rates,
            self.connect_attempts,
            self.retries,
            self.job_timeout,
            self.shell_timeout,
            self.job_processes,
            self.quarantine_policy,
            self.adapters,
            self.other_usb_ids,
            self.allow,
            self.deny,
        ]
        self._labels = [QLabel() for _ in self.fields]
        for label, field in zip(self._labels, self.fields, strict=True):
            label.setBuddy(field)
            self.form.addRow(label, field)
        self.form.addRow(self.hidden)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.addLayout(self.form)
        inner_layout.addStretch(1)  # spare height below the form, not between its rows
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.advice)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumSize(620, 640)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Station settings"))
        rows = (
            (
                self.tr("Station ID:"),
                self.tr("How this station is named in the write log and exports."),
            ),
            (self.tr("Language:"), self.tr("The window's language; the system's by default.")),
            (self.tr("Auto-start:"), self.tr("Start writing as soon as a module is plugged in.")),
            (
                self.tr("Baud rates:"),
                self.tr(
                    "The rates to write at. Each chip is written at the ticked rates its family "
                    "supports and its adapter reaches, fastest first, one slower after a link "
                    "error; with none of them, at its family's default rate."
                ),
            ),
            (
                self.tr("Connect attempts:"),
                self.tr("How often to knock on the chip's boot loader at each rate."),
            ),
            (
                self.tr("Retries:"),
                self.tr("Whole-job retries after link errors, each one a rate slower."),
            ),
            (
                self.tr("Job time limit (s):"),
                self.tr("A job that runs longer than this is stopped and its port failed."),
            ),
            (
                self.tr("Shell answer time (s):"),
                self.tr("How long a TuyaOpen chip's shell may take to answer one command."),
            ),
            (
                self.tr("Worker processes:"),
                self.tr(
                    "Processes that run port jobs, 8 ports each. 0 runs jobs inside the window's "
                    "own process (fine up to about 8 ports)."
                ),
            ),
            (
                self.tr("A chip holds another license:"),
                self.tr(
                    "Quarantine: fail the port and take that license out of use until a "
                    "supervisor checks it. Report only: fail the port, leave the ledger alone."
                ),
            ),
            (
                self.tr("USB adapters:"),
                self.tr(
                    "Only serial ports on ticked adapters are used. Nothing ticked and no other "
                    "ids: any USB serial adapter."
                ),
            ),
            (
                self.tr("Other USB ids:"),
                self.tr("More adapters as VID:PID in hex, separated by commas, e.g. 1a86:55d3."),
            ),
            (
                self.tr("Only these ports:"),
                self.tr("Port name patterns such as /dev/ttyUSB* or COM1*; empty: all."),
            ),
            (
                self.tr("Never these ports:"),
                self.tr("Port name patterns that are never used, such as /dev/ttyS*."),
            ),
        )
        for label, field, (text, help_text) in zip(self._labels, self.fields, rows, strict=True):
            label.setText(text)
            label.setToolTip(help_text)
            field.setToolTip(help_text)
            field.setWhatsThis(help_text)
        self.language.setItemText(0, self.tr("As the system"))
        self.auto_start.setText(self.tr("Start writing as soon as a module is plugged in"))
        words = {
            QuarantinePolicy.QUARANTINE.value: self.tr("Quarantine the license"),
            QuarantinePolicy.REPORT.value: self.tr("Report only"),
        }
        for i in range(self.quarantine_policy.count()):
            self.quarantine_policy.setItemText(i, words[str(self.quarantine_policy.itemData(i))])
        if self.hidden_ports:
            self.hidden.setText(
                self.tr(
                    "%n serial port(s) ignored by this filter: %1", "", len(self.hidden_ports)
                ).replace(
                    "%1",
                    ", ".join(f"{p.device} ({p.usb_id})" for p in self.hidden_ports),
                )
            )
        self.hidden.setVisible(bool(self.hidden_ports))
        self._explain()

    # ------------------------------------------------------------------ reading the form
    def baud_list(self) -> tuple[int, ...]:
        return tuple(sorted((int(str(r)) for r in _checked(self.baud_rates)), reverse=True))

    def usb_id_list(self) -> tuple[str, ...]:
        """The ticked adapters and the typed ids, canonical; `BadUsbIdError` for a typo."""
        ids = [str(u) for u in _checked(self.adapters)]
        for text in _split(self.other_usb_ids.text()):
            usb_id = check_usb_id(text)
            if usb_id not in ids:
                ids.append(usb_id)
        return tuple(ids)

    def _explain(self) -> None:
        """Under the form: what the adapters and rates mean together (advice, not an error)."""
        try:
            ids = self.usb_id_list()
        except BadUsbIdError:
            self.advice.setText("")
            return
        slowest = slowest_adapter(ids)
        too_fast = [r for r in self.baud_list() if slowest and r > slowest.max_baud]
        if slowest is not None and too_fast:
            self.advice.setText(
                self.tr(
                    "%1 reaches at most %2 baud; faster rates will fail on it and retry slower."
                )
                .replace("%1", slowest.name)
                .replace("%2", str(slowest.max_baud))
            )
        else:
            unknown = [u for u in ids if adapter(u) is None]
            self.advice.setText(
                self.tr(
                    "Unknown adapter(s): %1. Check the id in the system's device list."
                ).replace("%1", ", ".join(unknown))
                if unknown
                else ""
            )

    def problem(self) -> str:
        """Why the form cannot be saved, in words; "" when it can."""
        if not self.station_id.text().strip():
            return self.tr("The station needs an ID.")
        if not self.baud_list():
            return self.tr("Tick at least one baud rate.")
        unsupported = [r for r in self.baud_list() if r not in registry.baud_rates()]
        if unsupported:  # as `prodtool.settings` would refuse them on the next load
            return self.tr("No chip family supports %1 baud: untick it.").replace(
                "%1", ", ".join(map(str, unsupported))
            )
        try:
            self.usb_id_list()
        except BadUsbIdError as error:
            return self.tr("%1 is not a USB id: write VID:PID in hex, e.g. 1a86:55d3.").replace(
                "%1", error.text
            )
        return ""

    def _check(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self.accept()

    def result_settings(self) -> Settings:
        return self.original.replace(
            station_id=self.station_id.text().strip(),
            language=str(self.language.currentData()),
            auto_start=self.auto_start.isChecked(),
            baud_rates=self.baud_list() or self.original.baud_rates,
            connect_attempts=self.connect_attempts.value(),
            retries=self.retries.value(),
            job_timeout_s=float(self.job_timeout.value()),
            shell_timeout_s=self.shell_timeout.value(),
            job_processes=self.job_processes.value(),
            quarantine_policy=QuarantinePolicy(str(self.quarantine_policy.currentData())),
            usb_ids=self.usb_id_list(),
            allow=_split(self.allow.text()),
            deny=_split(self.deny.text()),
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
