"""The QA page: check one chip's firmware and license against the ledger, and read the verdict.

A thin window over `prodtool.engine.qa.check_port`: the check runs as a background `Task` (it
talks to the chip for a few seconds), the verdict and each reason come back on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from prodtool.engine.qa import QaReport, Status, check_port
from prodtool.errors import UserError
from prodtool.license.ledger import Ledger

RunTask = Callable[[str, Callable[[], Any], Callable[[Any], None]], Any]


class QaPage(QDialog):
    """Port, package and `--settle` in; verdict and reasons out."""

    def __init__(
        self,
        ledger: Ledger,
        run_task: RunTask,
        *,
        ports: list[str] | None = None,
        write_log: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self._run_task = run_task
        self._write_log = write_log
        self.report: QaReport | None = None
        self.port_edit = QLineEdit((ports or [""])[0])
        self.package_box = QComboBox()
        for manifest in ledger.packages():
            self.package_box.addItem(
                f"{manifest.package_id} — {manifest.product_name or manifest.product_id}",
                manifest.package_id,
            )
        self.settle_box = QCheckBox()
        self.check_button = QPushButton()
        self.check_button.clicked.connect(self.check)
        self.verdict_label = QLabel()
        self.reasons = QListWidget()
        self.form = QFormLayout()
        self.form.addRow("", self.port_edit)
        self.form.addRow("", self.package_box)
        self.form.addRow("", self.settle_box)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.check_button)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.reasons, 1)
        self.resize(720, 420)
        self.retranslate()

    def check(self) -> None:
        port = self.port_edit.text().strip()
        package_id = self.package_box.currentData()
        if not port or not package_id:
            self.verdict_label.setText(self.tr("Give a port and a package."))
            return
        settle = self.settle_box.isChecked()
        ledger, write_log = self.ledger, self._write_log
        self.check_button.setEnabled(False)
        self.verdict_label.setText(self.tr("Checking %1…").replace("%1", port))
        self.reasons.clear()

        def work() -> QaReport:
            manifest = ledger.manifest(package_id)
            return check_port(port, ledger, manifest, write_log=write_log, settle=settle)

        task = self._run_task("qa-check", work, self.show_report)
        task.failed.connect(self._failed)

    def show_report(self, report: QaReport) -> None:
        self.report = report
        self.check_button.setEnabled(True)
        word = self.tr("PASS") if report.passed else self.tr("FAIL")
        color = "#1b7f2a" if report.passed else "#b3261e"
        self.verdict_label.setText(f"<b style='color:{color}'>{word}</b> {report.mac}")
        marks = {Status.OK: "✔", Status.FAIL: "✘", Status.NOTE: "•"}
        self.reasons.clear()
        for check in report.checks:
            self.reasons.addItem(f"{marks[check.status]} {check.text}")

    def _failed(self, error: BaseException) -> None:
        self.check_button.setEnabled(True)
        if isinstance(error, UserError):
            self.verdict_label.setText(error.message)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("QA check"))
        labels = (self.tr("Port"), self.tr("Package"), "")
        for row, text in enumerate(labels):
            label = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if label is not None and label.widget() is not None:
                widget = label.widget()
                if isinstance(widget, QLabel):
                    widget.setText(text)
        self.settle_box.setText(self.tr("Settle a needs_check license found on this chip"))
        self.check_button.setText(self.tr("Check"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
