"""The line's menu items: operator sign-in, the supervisor's list of operators, a passed unit's
label (preview and reprint), the shift report and closing the batch into its signed archive.
Added to the window's menus by `install_line_ui`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction

from prodtool.engine.batch import close_batch
from prodtool.engine.operators import OperatorBook, operator_book
from prodtool.engine.shift_report import build_report, export_report
from prodtool.engine.writelog import read_records
from prodtool.errors import UserError
from prodtool.flash.events import JobState
from prodtool.license.ledger import Ledger
from prodtool.ui.folders import ask_save_path
from prodtool.ui.label_dialog import LabelDialog
from prodtool.ui.operator_dialog import OperatorsDialog, ask_sign_in

if TYPE_CHECKING:
    from prodtool.ui.window import StationWindow


class LineMenu(QObject):
    def __init__(self, window: StationWindow) -> None:
        super().__init__(window)
        self._window = window
        self.label_action = QAction(window)
        self.label_action.triggered.connect(lambda _=False: self.open_label())
        self.operators_action = QAction(window)
        self.operators_action.triggered.connect(self.edit_operators)
        self.report_action = QAction(window)
        self.report_action.triggered.connect(self.choose_shift_report)
        window.station_menu.insertAction(window.notices_action, self.label_action)
        self.batch_action = QAction(window)
        self.batch_action.triggered.connect(self.choose_batch_archive)
        window.station_menu.insertAction(window.notices_action, self.report_action)
        window.station_menu.insertAction(window.notices_action, self.batch_action)
        window.supervisor_menu.addAction(self.operators_action)
        self.label_dialog: LabelDialog | None = None
        window.installEventFilter(self)
        self.retranslate()

    def retranslate(self) -> None:
        self.label_action.setText(self.tr("Label preview and reprint…"))
        self.operators_action.setText(self.tr("Operators…"))
        self.report_action.setText(self.tr("Export the shift report…"))
        self.batch_action.setText(self.tr("Close the batch (signed archive)…"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._window and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def book(self) -> OperatorBook | None:
        try:
            return operator_book(self._window.paths.root)
        except UserError as error:
            self._window.show_error(error)
            return None

    def sign_in(self) -> None:
        """Badge scan, or name and PIN: the operator of every write record from now on."""
        window = self._window
        book = self.book()
        if book is None:
            return
        name = ask_sign_in(book, window.settings.operator, window)
        if name is None:
            return
        window.apply_settings(window.settings.replace(operator=name))
        window.notice.say(self.tr("Signed in: %1.").replace("%1", name), "good")

    def edit_operators(self) -> None:
        window = self._window
        if not window.supervisor.authorize(window, self.tr("Changing the operators")):
            window.notice.say(self.tr("The operators were not changed."), "warn")
            return
        book = self.book()
        if book is None:
            return
        dialog = OperatorsDialog(book, window)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def last_passed_job(self) -> str:
        """The job of the focused tile's unit if it passed, else of any passed tile."""
        grid = self._window.grid
        focused = self._window.focusWidget()
        tiles = sorted(grid.tiles.values(), key=lambda t: t is not focused)
        return next((t.job_id for t in tiles if t.result == JobState.PASSED and t.job_id), "")

    def open_label(self, job_id: str = "") -> LabelDialog:
        self.label_dialog = LabelDialog(self._window, job_id or self.last_passed_job())
        self.label_dialog.setModal(False)
        self.label_dialog.show()
        return self.label_dialog

    def choose_shift_report(self) -> None:
        window = self._window
        out = ask_save_path(
            window,
            window.folders,
            "shift-report",
            title=self.tr("Export the shift report"),
            name=f"shift-{window.settings.station_id}.pdf",
            filters=self.tr("PDF (*.pdf);;CSV (*.csv)"),
        )
        if out is not None:
            self.export_shift_report(out)

    def export_shift_report(self, out: Path) -> None:
        """The shift's report (first-pass yield, failures by reason, port and operator, devices
        per hour) from the write log, since the shift's counters were set to zero."""
        window = self._window
        paths, station_id = window.paths, window.settings.station_id
        # whole seconds, as the records' times are: a job started in the shift's first second
        since = dt.datetime.fromtimestamp(window.stats.started, dt.UTC).replace(microsecond=0)

        def work() -> int:
            report = build_report(read_records(paths.write_log), since=since)
            export_report(report, out, station_id=station_id)
            return report.chips

        window.run_task(
            "shift-report",
            work,
            lambda chips: window.notice.say(
                self.tr("Shift report of %1 chip(s) saved to %2.")
                .replace("%1", str(chips))
                .replace("%2", str(out)),
                "good",
            ),
        )

    def choose_batch_archive(self) -> None:
        window = self._window
        out = ask_save_path(
            window,
            window.folders,
            "batch",
            title=self.tr("Close the batch"),
            name=f"batch-{window.settings.station_id}.zip",
            filters=self.tr("Batch archive (*.zip)"),
        )
        if out is not None:
            self.close_batch(out)

    def close_batch(self, out: Path) -> None:
        """The shift's batch in one signed archive, as `prodtool batch close` writes it: the
        write-log export, the ledger summary, the firmware digests and the shift report (since the
        shift's counters were set to zero). The station's own ledger when it runs."""
        window = self._window
        paths, station_id = window.paths, window.settings.station_id
        since = dt.datetime.fromtimestamp(window.stats.started, dt.UTC).replace(microsecond=0)
        station = window.station

        def work() -> tuple[int, int]:
            if station is not None:
                report = close_batch(paths, station.ledger, out, station_id=station_id, since=since)
            else:
                with Ledger.for_station(paths) as ledger:
                    report = close_batch(paths, ledger, out, station_id=station_id, since=since)
            return report.jobs, report.passed

        def done(counts: tuple[int, int]) -> None:
            window.notice.say(
                self.tr("Batch closed: %1 job(s), %2 chip(s) passed, signed archive %3.")
                .replace("%1", str(counts[0]))
                .replace("%2", str(counts[1]))
                .replace("%3", str(out)),
                "good",
            )

        window.run_task("batch-close", work, done)


def install_line_ui(window: StationWindow) -> LineMenu:
    return LineMenu(window)
