"""A right-click menu on a port tile: "QA this slot…" opens the QA page on that port.

Installed as an event filter on the grid, so the tiles need no change: a context-menu event
nobody in a tile takes bubbles up to the grid, and the tile under the pointer names the port.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from prodtool.ui.port_tile import PortTile


def tile_at(global_pos: QPoint) -> PortTile | None:
    widget: QObject | None = QApplication.widgetAt(global_pos)
    while widget is not None and not isinstance(widget, PortTile):
        widget = widget.parent()
    return widget


class SlotMenu(QObject):
    """Offers "QA this slot…" for the tile that was right-clicked."""

    def __init__(self, grid: QWidget, qa: Callable[[str], None]) -> None:
        super().__init__(grid)
        self._qa = qa
        self.menu = QMenu(grid)
        self.qa_action = self.menu.addAction("")
        self.port = ""
        self.qa_action.triggered.connect(lambda: self._qa(self.port))
        self.retranslate()
        grid.installEventFilter(self)

    def retranslate(self) -> None:
        self.qa_action.setText(self.tr("QA this slot…"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if isinstance(event, QContextMenuEvent):
            tile = tile_at(event.globalPos())
            if tile is not None:
                self.port = tile.port
                self.retranslate()
                self.menu.popup(event.globalPos())
                return True
        return False
