"""The tiles of all ports, in as many columns as fit; tiles come and go with the adapters.

Events come in batches (`apply`): each tile takes in its events, then redraws once, and the grid
lays the tiles out once however many ports came or went in the batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from prodtool.flash.events import PortAdded, PortEvent, PortRemoved
from prodtool.ui.port_tile import TILE_WIDTH, PortTile

SPACING = 10


def _natural_key(text: str) -> list[object]:
    """COM10 after COM9, ttyUSB10 after ttyUSB2."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


class _Resized(QObject):
    """Tells the grid when the scroll area's viewport changes width."""

    def __init__(self, grid: PortGrid) -> None:
        super().__init__(grid)
        self._grid = grid

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if isinstance(event, QResizeEvent) and event.oldSize().width() != event.size().width():
            self._grid.relayout()
        return False


class PortGrid(QScrollArea):
    """One `PortTile` per port, keyed by port name; forwards the tiles' requests."""

    start_requested = Signal(str)
    retry_requested = Signal(str)
    cancel_requested = Signal(str)
    support_requested = Signal(str, str)  # port, job id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: dict[str, PortTile] = {}
        self._columns = 0
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        self._grid = QGridLayout()
        self._grid.setSpacing(SPACING)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        font = QFont()
        font.setPointSize(16)
        self.empty_label.setFont(font)
        self.empty_label.setStyleSheet("color: #607d8b;")
        outer.addWidget(self.empty_label)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self.setWidget(body)
        self.viewport().installEventFilter(_Resized(self))
        self.retranslate()

    def retranslate(self) -> None:
        self.empty_label.setText(
            self.tr("No USB adapters yet.\nPlug one in: its tile appears here.")
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ tiles come and go
    def _add_tile(self, event: PortAdded) -> bool:
        if event.port in self.tiles:
            return False
        tile = PortTile(event.port, event.description)
        tile.start_requested.connect(self.start_requested)
        tile.retry_requested.connect(self.retry_requested)
        tile.cancel_requested.connect(self.cancel_requested)
        tile.support_requested.connect(self.support_requested)
        self.tiles[event.port] = tile
        return True

    def _remove_tile(self, event: PortRemoved) -> bool:
        tile = self.tiles.pop(event.port, None)
        if tile is None:
            return False
        self._grid.removeWidget(tile)
        tile.hide()
        tile.deleteLater()
        return True

    def relayout(self, force: bool = False) -> None:
        """Place the tiles in port order, as many per row as the width allows."""
        width = self.viewport().width() - 2 * SPACING
        columns = max(1, (width + SPACING) // (TILE_WIDTH + SPACING))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
        for index, port in enumerate(sorted(self.tiles, key=_natural_key)):
            self._grid.addWidget(self.tiles[port], index // columns, index % columns)
        self.empty_label.setVisible(not self.tiles)

    # ------------------------------------------------------------------ events to tiles
    def apply(self, events: Iterable[PortEvent]) -> None:
        """A batch of events, oldest first: tiles come and go, take in their events, then each
        touched tile redraws once and the grid lays itself out once."""
        dirty: dict[str, PortTile] = {}
        layout_due = False
        for event in events:
            if isinstance(event, PortAdded):
                layout_due |= self._add_tile(event)
            elif isinstance(event, PortRemoved):
                layout_due |= self._remove_tile(event)
                dirty.pop(event.port, None)
            elif (tile := self.tiles.get(event.port)) is not None and tile.apply(event):
                dirty[event.port] = tile
        if layout_due:
            self.relayout(force=True)
        for tile in dirty.values():
            tile.redraw()

    def tick(self) -> None:
        for tile in self.tiles.values():
            tile.tick()
