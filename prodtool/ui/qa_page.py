"""The QA page: check a chip's firmware and license against the ledger, and read the verdict.

A thin window over `prodtool.engine.qa.check_port`: the check runs as a background `Task` (it
talks to the chip for a few seconds), the verdict and each reason come back on the GUI thread.
The verdict is one big PASS/FAIL with the reasons wrapped below. In batch mode every result is
kept in a running history and exported as CSV or JSON by `engine.qa_batch.export_reports`,
the same report `prodtool check --batch --report` writes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from prodtool.engine.qa import QaReport, Status, check_port
from prodtool.engine.qa_batch import export_reports
from prodtool.errors import UserError
from prodtool.license.ledger import Ledger
from prodtool.ui.folders import Folders, ask_save_path
from prodtool.ui.messages import error_text
from prodtool.ui.qa_words import check_sentence

RunTask = Callable[..., Any]  # StationWindow.run_task(name, function, done, failed)
VERDICT_COLORS = {True: "#1b7f2a", False: "#b3261e"}  # passed: green, failed: red


class QaPage(QDialog):
    """Port, package and settle in; a big verdict, wrapped reasons and a batch history out."""

    def __init__(
        self,
        ledger: Ledger,
        run_task: RunTask,
        *,
        ports: list[str] | None = None,
        write_log: Any = None,
        package_id: str = "",
        port: str = "",
        read_options: dict[str, Any] | None = None,
        folders: Folders | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self._run_task = run_task
        self._write_log = write_log
        self._read_options = read_options or {}
        self.folders = folders
        self.report: QaReport | None = None
        self.history: list[QaReport] = []
        self.port_box = QComboBox()
        self.port_box.setEditable(True)  # a URL or a port not in the window may be typed
        self.port_box.addItems(ports or [])
        if port:
            self.set_port(port)
        self.package_box = QComboBox()
        for manifest in ledger.packages():
            order = manifest.order_number or manifest.package_id
            product = manifest.product_name or manifest.product_id
            self.package_box.addItem(f"{order} — {product}", manifest.package_id)
        index = self.package_box.findData(package_id) if package_id else -1
        self.package_box.setCurrentIndex(index if index >= 0 else self.package_box.count() - 1)
        self.settle_box = QCheckBox()
        self.batch_box = QCheckBox()
        self.batch_box.toggled.connect(self._batch_toggled)
        self.check_button = QPushButton()
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.check)
        self.verdict_label = QLabel()
        font = self.verdict_label.font()
        font.setPointSizeF(font.pointSizeF() * 3)
        font.setBold(True)
        self.verdict_label.setFont(font)
        self.chip_label = QLabel()
        self.chip_label.setWordWrap(True)
        self.reasons = QListWidget()
        self.reasons.setWordWrap(True)
        self.reasons.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.port_label = QLabel()
        self.package_label = QLabel()
        self.form = QFormLayout()
        self.form.addRow(self.port_label, self.port_box)
        self.form.addRow(self.package_label, self.package_box)
        self.form.addRow(self.settle_box)
        self.form.addRow(self.batch_box)
        self.history_table = QTableWidget(0, 5)
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setWordWrap(True)
        self.history_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.batch_counts = QLabel()
        self.export_button = QPushButton()
        self.export_button.clicked.connect(self.choose_export)
        batch_row = QHBoxLayout()
        batch_row.addWidget(self.batch_counts, 1)
        batch_row.addWidget(self.export_button)
        self.batch_area = QWidget()
        batch_layout = QVBoxLayout(self.batch_area)
        batch_layout.setContentsMargins(0, 0, 0, 0)
        batch_layout.addWidget(self.history_table, 1)
        batch_layout.addLayout(batch_row)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.check_button)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.chip_label)
        layout.addWidget(self.reasons, 1)
        layout.addWidget(self.batch_area, 1)
        self.batch_area.setVisible(False)
        self.resize(760, 560)
        self.retranslate()

    def set_port(self, port: str) -> None:
        """Check this port next ("QA this slot" from a tile)."""
        if self.port_box.findText(port) < 0:
            self.port_box.addItem(port)
        self.port_box.setCurrentText(port)

    def check(self) -> None:
        port = self.port_box.currentText().strip()
        package_id = self.package_box.currentData()
        if not port or not package_id:
            self.verdict_label.setText("")
            self.chip_label.setText(self.tr("Choose a port and a package."))
            return
        settle = self.settle_box.isChecked()
        ledger, write_log, options = self.ledger, self._write_log, self._read_options
        self.check_button.setEnabled(False)
        self.verdict_label.setText("")
        self.chip_label.setText(self.tr("Checking %1…").replace("%1", port))
        self.reasons.clear()

        def work() -> QaReport:
            manifest = ledger.manifest(package_id)
            return check_port(port, ledger, manifest, write_log=write_log, settle=settle, **options)

        self._run_task("qa-check", work, self.show_report, self._failed)

    def show_report(self, report: QaReport) -> None:
        self.report = report
        self.check_button.setEnabled(True)
        word = self.tr("PASS") if report.passed else self.tr("FAIL")
        color = VERDICT_COLORS[report.passed]
        self.verdict_label.setText(word)
        self.verdict_label.setStyleSheet(f"color: {color};")
        self.chip_label.setText(
            self.tr("Port %1 · chip %2 · license %3")
            .replace("%1", report.port)
            .replace("%2", report.mac or "–")
            .replace("%3", report.uuid or "–")
        )
        marks = {Status.OK: "✔", Status.FAIL: "✘", Status.NOTE: "•"}
        self.reasons.clear()
        failures_first = sorted(report.checks, key=lambda c: c.status is not Status.FAIL)
        for check in failures_first:
            self.reasons.addItem(f"{marks[check.status]} {check_sentence(check)}")
        if self.batch_box.isChecked():
            self.history.append(report)
            self._add_history_row(report)

    def _add_history_row(self, report: QaReport) -> None:
        row = self.history_table.rowCount()
        self.history_table.insertRow(row)
        reasons = "; ".join(check_sentence(c) for c in report.failures())
        cells = (
            report.checked_at.replace("T", " ")[:19],
            report.port,
            report.mac or "–",
            self.tr("PASS") if report.passed else self.tr("FAIL"),
            reasons,
        )
        for column, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            cell.setToolTip(text)
            self.history_table.setItem(row, column, cell)
        self.history_table.resizeRowsToContents()
        self.history_table.scrollToBottom()
        self._show_counts()

    def _show_counts(self) -> None:
        passed = sum(1 for r in self.history if r.passed)
        self.batch_counts.setText(
            self.tr("%1 checked: %2 passed, %3 failed")
            .replace("%1", str(len(self.history)))
            .replace("%2", str(passed))
            .replace("%3", str(len(self.history) - passed))
        )
        self.export_button.setEnabled(bool(self.history))

    def _batch_toggled(self, on: bool) -> None:
        self.batch_area.setVisible(on)

    def _failed(self, error: BaseException) -> None:
        self.check_button.setEnabled(True)
        if not isinstance(error, UserError):
            raise error
        self.verdict_label.setText("")
        self.chip_label.setText(error_text(error))

    def choose_export(self) -> None:
        out = ask_save_path(
            self,
            self.folders,
            "qa-report",
            title=self.tr("Save the QA report"),
            name="qa-report.csv",
            filters=self.tr("CSV (*.csv);;JSON (*.json)"),
        )
        if out is not None:
            self.export_to(out)

    def export_to(self, out: Path) -> None:
        reports = list(self.history)
        self._run_task(
            "qa-report",
            lambda: export_reports(reports, out),
            lambda count: self.batch_counts.setText(
                self.tr("%1 result(s) saved to %2.")
                .replace("%1", str(count))
                .replace("%2", str(out))
            ),
            self._failed,
        )

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("QA check"))
        self.port_label.setText(self.tr("Port:"))
        self.package_label.setText(self.tr("Package:"))
        self.port_box.setToolTip(self.tr("A port of this station, or a name or URL typed in."))
        self.package_box.setToolTip(self.tr("The package the chip should hold a license of."))
        self.settle_box.setText(
            self.tr("If the chip holds a license that needs a check, settle it")
        )
        self.batch_box.setText(self.tr("Batch: keep every result and save a report"))
        self.check_button.setText(self.tr("Check"))
        self.export_button.setText(self.tr("Save the report…"))
        self.history_table.setHorizontalHeaderLabels(
            [
                self.tr("When"),
                self.tr("Port"),
                self.tr("Chip MAC"),
                self.tr("Verdict"),
                self.tr("Why"),
            ]
        )
        self._show_counts()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
