"""The slots, in fixed numbered places, all in view: the tiles shrink to fit the window.

A slot's number decides its place (slot 1 top left, row by row), so a tile never moves when
another adapter comes or goes; a slot whose adapter is gone keeps its place as an empty frame.
The grid picks the number of columns that gives the largest tiles while every slot fits the
viewport without scrolling (down to the tile's minimum size; below that, it scrolls).

Events come in batches (`apply`): each tile takes in its events, then redraws once, and the grid
lays the tiles out once however many ports came or went in the batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from prodtool.flash.events import PortAdded, PortEvent, PortRemoved
from prodtool.ui.port_tile import (
    MIN_TILE_HEIGHT,
    MIN_TILE_WIDTH,
    TILE_HEIGHT,
    TILE_WIDTH,
    PortTile,
)

SPACING = 6
MAX_TILE_WIDTH = 260
MAX_TILE_HEIGHT = 190
Numbering = Callable[[str], tuple[int, str]]  # port -> (slot number, slot name)


def _natural_key(text: str) -> list[object]:
    """COM10 after COM9, ttyUSB10 after ttyUSB2."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def best_fit(count: int, width: int, height: int) -> tuple[int, int, int]:
    """(columns, tile width, tile height) that show `count` tiles in `width` x `height` as
    large as they can be, each within the tile's minimum and maximum size."""
    best = (1, MIN_TILE_WIDTH, MIN_TILE_HEIGHT)
    best_area = -1
    count = max(1, count)
    for columns in range(1, count + 1):
        rows = -(-count // columns)
        tile_w = min(MAX_TILE_WIDTH, (width - SPACING * (columns - 1)) // columns)
        tile_h = min(MAX_TILE_HEIGHT, (height - SPACING * (rows - 1)) // rows)
        if tile_w < MIN_TILE_WIDTH or tile_h < MIN_TILE_HEIGHT:
            continue
        area = min(tile_w, tile_h * 4 // 3) * min(tile_h, tile_w * 3 // 4)
        if area > best_area:
            best_area, best = area, (columns, tile_w, tile_h)
    if best_area < 0:  # not even the smallest tiles fit: as many columns as the width allows
        columns = max(1, (width + SPACING) // (MIN_TILE_WIDTH + SPACING))
        return columns, MIN_TILE_WIDTH, MIN_TILE_HEIGHT
    return best


class _Resized(QObject):
    """Tells the grid when the scroll area's viewport changes size."""

    def __init__(self, grid: PortGrid) -> None:
        super().__init__(grid)
        self._grid = grid

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if isinstance(event, QResizeEvent) and event.oldSize() != event.size():
            self._grid.relayout()
        return False


class EmptySlot(QFrame):
    """The place of a numbered slot whose adapter is not plugged in."""

    def __init__(self, number: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.setObjectName("empty")
        self.setStyleSheet(
            "#empty { border: 2px dashed #b0bec5; border-radius: 8px; background: #fafafa; }"
            " QLabel { color: #78909c; background: transparent; }"
        )
        layout = QVBoxLayout(self)
        self.label = QLabel()
        font = QFont()
        font.setPointSize(11)
        self.label.setFont(font)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.set_name(name)

    def set_name(self, name: str) -> None:
        text = self.tr("Slot %1\nno adapter").replace("%1", str(self.number))
        self.label.setText(f"{text}\n{name}" if name else text)


class PortGrid(QScrollArea):
    """One `PortTile` per port, placed by slot number; forwards the tiles' requests."""

    start_requested = Signal(str)
    retry_requested = Signal(str)
    cancel_requested = Signal(str)
    support_requested = Signal(str, str)  # port, job id
    slot_menu_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: dict[str, PortTile] = {}
        self.empty_slots: dict[int, EmptySlot] = {}
        self.numbering: Numbering | None = None  # the window's slot book; None: port order
        self._numbers: dict[str, tuple[int, str]] = {}  # this batch's new ports, numbered
        self._columns = 0
        self._shape: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.tile_size = (TILE_WIDTH, TILE_HEIGHT)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        self._grid = QGridLayout()
        self._grid.setSpacing(SPACING)
        self._grid.setContentsMargins(0, 0, 0, 0)
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

    # ------------------------------------------------------------------ slots
    def tile_for_slot(self, number: int) -> PortTile | None:
        return next((t for t in self.tiles.values() if t.number == number), None)

    def failed_tiles(self) -> list[PortTile]:
        return sorted((t for t in self.tiles.values() if t.failed), key=lambda t: t.number)

    def _number(self, port: str) -> tuple[int, str]:
        if port in self._numbers:
            return self._numbers[port]
        if self.numbering is not None:
            return self.numbering(port)
        taken = {t.number for t in self.tiles.values()} | {n for n, _ in self._numbers.values()}
        number = 1
        while number in taken:
            number += 1
        return number, ""

    def renumber(self) -> None:
        """The slot book changed (a supervisor renamed or moved a slot): place tiles again."""
        for tile in self.tiles.values():
            tile.set_slot(*self._number(tile.port))
        for number, _empty in list(self.empty_slots.items()):
            if self.tile_for_slot(number) is not None:
                self._drop_empty(number)
        self.relayout(force=True)

    # ------------------------------------------------------------------ tiles come and go
    def _add_tile(self, event: PortAdded) -> bool:
        if event.port in self.tiles:
            return False
        number, name = self._number(event.port)
        tile = PortTile(event.port, event.description, number=number, name=name)
        tile.start_requested.connect(self.start_requested)
        tile.retry_requested.connect(self.retry_requested)
        tile.cancel_requested.connect(self.cancel_requested)
        tile.support_requested.connect(self.support_requested)
        tile.slot_menu_requested.connect(self.slot_menu_requested)
        self.tiles[event.port] = tile
        self._drop_empty(number)
        return True

    def _drop_empty(self, number: int) -> None:
        empty = self.empty_slots.pop(number, None)
        if empty is not None:
            self._grid.removeWidget(empty)
            empty.hide()
            empty.deleteLater()

    def _remove_tile(self, event: PortRemoved) -> bool:
        tile = self.tiles.pop(event.port, None)
        if tile is None:
            return False
        self._grid.removeWidget(tile)
        tile.hide()
        tile.deleteLater()
        if self.numbering is not None and tile.number:  # the slot keeps its place
            self.empty_slots[tile.number] = EmptySlot(tile.number, tile.slot_name)
        return True

    def slot_count(self) -> int:
        numbers = [t.number for t in self.tiles.values()] + list(self.empty_slots)
        return max(numbers, default=0)

    def relayout(self, force: bool = False) -> None:
        """Place every slot at its number's place, the tiles as large as the viewport allows."""
        count = self.slot_count()
        viewport = self.viewport()
        shape = (count, viewport.width(), viewport.height(), len(self.tiles))
        if shape == self._shape and not force:
            return
        self._shape = shape
        columns, width, height = best_fit(count, viewport.width(), viewport.height())
        self._columns = columns
        self.tile_size = (width, height)
        for widget in [*self.tiles.values(), *self.empty_slots.values()]:
            self._grid.removeWidget(widget)
        for tile in self.tiles.values():
            tile.set_tile_size(width, height)
            index = tile.number - 1
            self._grid.addWidget(tile, index // columns, index % columns)
        for number, empty in self.empty_slots.items():
            empty.setFixedSize(width, height)
            self._grid.addWidget(empty, (number - 1) // columns, (number - 1) % columns)
            empty.show()
        self.empty_label.setVisible(not self.tiles and not self.empty_slots)

    # ------------------------------------------------------------------ events to tiles
    def apply(self, events: Iterable[PortEvent]) -> None:
        """A batch of events, oldest first: tiles come and go, take in their events, then each
        touched tile redraws once and the grid lays itself out once."""
        dirty: dict[str, PortTile] = {}
        layout_due = False
        events = list(events)
        # Adapters that appear together (the station starts, a hub is plugged in) are numbered
        # in port order: ttyUSB0 before ttyUSB1, whatever order the system listed them in.
        new = {e.port for e in events if isinstance(e, PortAdded) and e.port not in self.tiles}
        self._numbers = {}
        for port in sorted(new, key=_natural_key):
            self._numbers[port] = self._number(port)
        for event in events:
            if isinstance(event, PortAdded):
                layout_due |= self._add_tile(event)
            elif isinstance(event, PortRemoved):
                layout_due |= self._remove_tile(event)
                dirty.pop(event.port, None)
            elif (tile := self.tiles.get(event.port)) is not None and tile.apply(event):
                dirty[event.port] = tile
        self._numbers = {}
        if layout_due:
            self.relayout(force=True)
        for tile in dirty.values():
            tile.redraw()

    def tick(self) -> None:
        for tile in self.tiles.values():
            tile.tick()

    def ports_in_order(self) -> list[str]:
        return sorted(self.tiles, key=lambda p: (self.tiles[p].number, _natural_key(p)))
