"""The ledger panel: the licenses a supervisor must decide on, and the clicks that decide them.

needs_check licenses (the AuthKey went out, nobody knows if the chip kept it) and quarantined
ones are listed with why, which chip, when and where, and the next step in words. Release,
settle (by reading the chip back, or "on no chip") and quarantine call the same engine
functions as `prodtool ledger ...` (`prodtool.engine.ledger_actions`, `engine.reconcile`), in a
background task, each after the supervisor PIN. Reading shows no AuthKey.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from prodtool.engine.ledger_actions import (
    Attention,
    NextStep,
    needing_attention,
    quarantine_license,
    release_license,
    settle_license,
)
from prodtool.engine.reconcile import Outcome, Settlement, reconcile_ports
from prodtool.errors import UserError
from prodtool.flash.events import Reason
from prodtool.license.ledger import Ledger
from prodtool.license.model import LicenseState
from prodtool.ui.i18n import DEFAULT_LANGUAGE, current_language
from prodtool.ui.messages import error_text
from prodtool.ui.reasons import reason_text

RunTask = Callable[..., Any]  # StationWindow.run_task(name, function, done, failed)
Authorize = Callable[[str], bool]  # asks the supervisor PIN for a purpose


def local_time(iso: str) -> str:
    """The ledger's UTC time stamp in the station's local time, to the second."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


class LedgerPanel(QDialog):
    """Lists what needs a decision; each button acts on the selected license."""

    COLUMNS = 6

    def __init__(
        self,
        ledger: Ledger,
        run_task: RunTask,
        authorize: Authorize,
        *,
        ports: Callable[[], list[str]],
        station_id: str,
        read_options: dict[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self._run_task = run_task
        self._authorize = authorize
        self._ports = ports
        self.station_id = station_id
        self._read_options = read_options or {}
        self.items: list[Attention] = []
        self.counts = QLabel()
        font = self.counts.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.counts.setFont(font)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.step = QLabel()
        self.step.setWordWrap(True)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.port_label = QLabel()
        self.port = QComboBox()
        self.read_back = QPushButton()
        self.read_back.clicked.connect(self.do_read_back)
        self.no_chip = QPushButton()
        self.no_chip.clicked.connect(self.do_no_chip)
        self.release = QPushButton()
        self.release.clicked.connect(self.do_release)
        self.quarantine = QPushButton()
        self.quarantine.clicked.connect(self.do_quarantine)
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self.refresh)
        ports_row = QHBoxLayout()
        ports_row.addWidget(self.port_label)
        ports_row.addWidget(self.port, 1)
        ports_row.addWidget(self.read_back)
        buttons = QHBoxLayout()
        for button in (self.no_chip, self.release, self.quarantine):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.step)
        layout.addLayout(ports_row)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        self.resize(980, 520)
        self.retranslate()
        self._selected()
        self.refresh()

    # ------------------------------------------------------------------ words
    def state_word(self, state: LicenseState) -> str:
        words = {
            LicenseState.AVAILABLE: self.tr("available"),
            LicenseState.RESERVED: self.tr("reserved"),
            LicenseState.WRITTEN: self.tr("written"),
            LicenseState.VERIFIED: self.tr("verified"),
            LicenseState.NEEDS_CHECK: self.tr("needs a check"),
            LicenseState.QUARANTINED: self.tr("quarantined"),
        }
        return words[state]

    def step_sentence(self, item: Attention) -> str:
        mac = item.record.chip_mac or item.record.chip_id or ""
        if item.next_step is NextStep.READ_BACK:
            return self.tr(
                "Plug in the chip %1, choose its port and press “Read the chip back”: the "
                "ledger then records whether the chip holds this license."
            ).replace("%1", mac)
        if item.next_step is NextStep.DECIDE:
            return self.tr(
                "No chip is known for this license. If you know no chip holds it, press "
                "“On no chip” to make it available again; otherwise read each suspect chip back."
            )
        if item.next_step is NextStep.CHECK_CHIP:
            return self.tr(
                "Check the chip %1. “Release” puts the license back as needing a check; then "
                "read the chip back to settle it."
            ).replace("%1", mac)
        return self.tr("No chip holds this license. “Release” makes it available again.")

    def settlement_sentence(self, result: Settlement) -> str:
        if result.outcome is Outcome.VERIFIED:
            return (
                self.tr("%1: found on chip %2, verified.")
                .replace("%1", result.uuid)
                .replace("%2", result.mac)
            )
        if result.outcome is Outcome.AVAILABLE:
            return (
                self.tr("%1: not on chip %2, available again.")
                .replace("%1", result.uuid)
                .replace("%2", result.mac)
            )
        if result.outcome is Outcome.UNREADABLE:
            return self.tr(
                "The chip on %1 could not be read: check the cable and boot mode."
            ).replace("%1", result.port)
        return (
            self.tr("%1 was left as it is: %2")
            .replace("%1", result.uuid)
            .replace("%2", result.text)
        )

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Licenses that need a decision"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("License"),
                self.tr("State"),
                self.tr("Why"),
                self.tr("Chip MAC"),
                self.tr("When"),
                self.tr("Where"),
            ]
        )
        self.port_label.setText(self.tr("Port with the chip:"))
        self.read_back.setText(self.tr("Read the chip back"))
        self.read_back.setToolTip(
            self.tr("Reads the license from the chip (nothing is written) and settles it.")
        )
        self.no_chip.setText(self.tr("On no chip"))
        self.no_chip.setToolTip(self.tr("No chip holds this license: make it available again."))
        self.release.setText(self.tr("Release"))
        self.quarantine.setText(self.tr("Quarantine…"))
        self.refresh_button.setText(self.tr("Refresh"))
        self._show()

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        ledger = self.ledger
        self._run_task("ledger-panel", lambda: needing_attention(ledger), self.set_items)
        self.port.clear()
        self.port.addItems(self._ports())

    def set_items(self, items: list[Attention]) -> None:
        self.items = items
        self._show()

    def _show(self) -> None:
        needs = sum(1 for i in self.items if i.record.state is LicenseState.NEEDS_CHECK)
        quarantined = len(self.items) - needs
        self.counts.setText(
            self.tr("%1 need a check, %2 quarantined")
            .replace("%1", str(needs))
            .replace("%2", str(quarantined))
            if self.items
            else self.tr("Nothing to decide: no license needs a check or is quarantined.")
        )
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            record = item.record
            where = " · ".join(part for part in (record.port, record.job_id) if part)
            cells = (
                record.uuid,
                self.state_word(record.state),
                why_words(item.reason),
                record.chip_mac or "–",
                local_time(record.updated_at),
                where or "–",
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(row, column, cell)
        self.table.resizeRowsToContents()
        self._selected()

    def selected(self) -> Attention | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self.items[rows.pop()] if len(rows) == 1 and self.items else None

    def select(self, uuid: str) -> None:
        for row, item in enumerate(self.items):
            if item.record.uuid == uuid:
                self.table.selectRow(row)

    def _selected(self) -> None:
        item = self.selected()
        needs = item is not None and item.record.state is LicenseState.NEEDS_CHECK
        self.read_back.setEnabled(needs and self.port.count() > 0)
        self.no_chip.setEnabled(needs)
        self.release.setEnabled(item is not None and not needs)
        self.quarantine.setEnabled(needs)
        self.step.setText(self.step_sentence(item) if item else self.tr("Select a license."))

    # ------------------------------------------------------------------ acting
    def _act(
        self, name: str, purpose: str, work: Callable[[], Any], said: Callable[[Any], str]
    ) -> None:
        if not self._authorize(purpose):
            self.outcome.setText(self.tr("Nothing was changed."))
            return
        self._run_task(
            name,
            work,
            lambda value: self._done(said(value)),
            self._failed,
        )

    def _done(self, sentence: str) -> None:
        self.outcome.setText(sentence)
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, UserError):
            raise error
        self.outcome.setText(self.tr("Not done: %1").replace("%1", error_text(error)))
        self.refresh()

    def _reason(self) -> str:
        return f"by a supervisor at station {self.station_id}"

    def do_release(self) -> None:
        item = self.selected()
        if item is None:
            return
        ledger, uuid, reason = self.ledger, item.record.uuid, "released " + self._reason()
        self._act(
            "ledger-release",
            self.tr("Releasing a quarantined license"),
            lambda: release_license(ledger, uuid, reason=reason),
            lambda state: (
                self.tr("%1 released; it is now: %2.")
                .replace("%1", uuid)
                .replace("%2", self.state_word(state))
            ),
        )

    def do_no_chip(self) -> None:
        item = self.selected()
        if item is None:
            return
        ledger, uuid = self.ledger, item.record.uuid
        self._act(
            "ledger-settle",
            self.tr("Settling a license"),
            lambda: settle_license(ledger, uuid, found_on_mac=None),
            lambda state: (
                self.tr("%1 settled; it is now: %2.")
                .replace("%1", uuid)
                .replace("%2", self.state_word(state))
            ),
        )

    def do_read_back(self) -> None:
        item = self.selected()
        port = self.port.currentText()
        if item is None or not port:
            return
        ledger, options = self.ledger, self._read_options
        self._act(
            "ledger-read-back",
            self.tr("Settling a license"),
            lambda: reconcile_ports([port], ledger, **options),
            lambda results: (
                "\n".join(self.settlement_sentence(r) for r in results)
                or self.tr("The chip on %1 decides no license that needs a check.").replace(
                    "%1", port
                )
            ),
        )

    def do_quarantine(self) -> None:
        item = self.selected()
        if item is None:
            return
        why, ok = QInputDialog.getText(
            self, self.tr("Quarantine"), self.tr("Why is this license taken out of use?")
        )
        if not ok or not why.strip():
            return
        ledger, uuid = self.ledger, item.record.uuid
        reason = f"{why.strip()} ({self._reason()})"
        self._act(
            "ledger-quarantine",
            self.tr("Quarantining a license"),
            lambda: quarantine_license(ledger, uuid, reason=reason),
            lambda _: self.tr("%1 quarantined.").replace("%1", uuid),
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def why_words(reason: str) -> str:
    """The ledger's reason in the window's language when it is a job's failure code
    (`no_answer: timeout`): what happened, with the technical detail only in English. A
    person's own words (a quarantine's reason) stay as they were typed."""
    code, _, detail = reason.partition(": ")
    try:
        happened = reason_text(Reason(code))[0]
    except ValueError:
        return reason
    return (
        f"{happened}: {detail}" if detail and current_language() == DEFAULT_LANGUAGE else happened
    )
