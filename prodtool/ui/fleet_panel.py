"""The fleet panel: the pool's stations (online or not, their rate) and the licenses left.

It reads the pool in a background task every few seconds (`pool_status`, read only) and shows
the result on the GUI thread; a pool that does not answer is one line in the panel. The dock's
title, the panel's words and the "License pool…" action follow a language switch at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from prodtool.errors import UserError
from prodtool.license.pg_store import PoolStatus, passfile, pool_status
from prodtool.license.stores import is_pool
from prodtool.ui.pool_page import edit_pool

if TYPE_CHECKING:
    from prodtool.ui.window import StationWindow

REFRESH_MS = 5000


class FleetPanel(QWidget):
    """Stations of the pool and licenses left; `show_status` / `show_problem` fill it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left = QLabel()
        self.table = QTableWidget(0, 3)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self._status: PoolStatus | None = None  # the last shown, shown again in a new language
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.left)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [self.tr("Station"), self.tr("Online"), self.tr("Devices / hour")]
        )
        if self._status is not None:
            self.show_status(self._status)

    def show_status(self, status: PoolStatus) -> None:
        self._status = status
        self.left.setText(
            self.tr("{pool}: {left} licenses left").format(
                pool=status.where, left=f"{status.available:,}"
            )
        )
        self.table.setRowCount(len(status.stations))
        for row, station in enumerate(status.stations):
            online = self.tr("yes") if station.online else self.tr("no")
            for column, text in enumerate((station.station, online, f"{station.per_hour:,}")):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)

    def show_problem(self, error: BaseException) -> None:
        self._status = None
        text = error.message if isinstance(error, UserError) else type(error).__name__
        self.left.setText(text)


class FleetDock(QDockWidget):
    """The dock holding the panel; retranslates its title, the panel and the pool action when
    the language changes (Qt sends LanguageChange to every widget)."""

    def __init__(self, panel: FleetPanel, action: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fleet")
        self.setWidget(panel)
        self.panel = panel
        self.action = action
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("FleetPanel", "Fleet"))
        self.action.setText(QCoreApplication.translate("FleetPanel", "License pool…"))
        self.panel.retranslate()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


@dataclass
class PoolUi:
    """What `install_pool_ui` added to the window (tests reach the parts through it)."""

    action: QAction
    panel: FleetPanel
    dock: FleetDock
    timer: QTimer

    def refresh(self) -> None:
        self.timer.timeout.emit()


def install_pool_ui(window: StationWindow) -> PoolUi:
    """Add the "License pool…" action and, when a pool is set, the fleet panel (a dock)."""
    action = QAction(window)
    action.triggered.connect(lambda: edit_pool(window))
    window.supervisor_menu.addAction(action)
    panel = FleetPanel()
    dock = FleetDock(panel, action, window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    timer = QTimer(window)
    timer.setInterval(REFRESH_MS)

    def refresh() -> None:
        url = window.settings.ledger_url
        dock.setVisible(is_pool(url))
        # the window's own tick stops when it shuts down: no new task after that
        if not window._timer.isActive() or not is_pool(url) or window._running("fleet"):
            return
        found = passfile(window.paths)
        window.run_task(
            "fleet", lambda: pool_status(url, passfile=found), panel.show_status, panel.show_problem
        )

    timer.timeout.connect(refresh)
    timer.start()
    refresh()
    return PoolUi(action, panel, dock, timer)
