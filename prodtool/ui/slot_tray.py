"""The tray: adapters that are plugged in but bound to no numbered slot wait here, in a strip
under the slots, until a supervisor assigns one to a slot.

Once the slots are fixed (`engine.slots`), an adapter seen for the first time has no place in
the grid; a tile for it would push the numbered ones, so it is a button in this strip instead.
Clicking it asks for the assignment (the window asks the PIN and the number). Nothing starts on
an adapter in the tray: the station asks the slot book before every start, so its events are
only its coming and going, which the tray takes out of each batch before the grid sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from prodtool.flash.events import PortAdded, PortEvent, PortRemoved
from prodtool.ui.port_tile import short_port_name

TRAY_HEIGHT = 34


class SlotTray(QFrame):
    """One button per unassigned adapter; shown while it holds one, or while slots are fixed."""

    assign_requested = Signal(str)  # port: a supervisor assigns this adapter to a slot

    def __init__(
        self,
        in_tray: Callable[[str], bool],
        where: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._in_tray = in_tray  # port -> True when its adapter has no slot
        self._where = where  # port -> its USB path ("" when unknown)
        self.buttons: dict[str, QToolButton] = {}
        self._descriptions: dict[str, str] = {}
        self.fixed = False
        self.setObjectName("tray")
        self.setStyleSheet(
            "#tray { background: #eceff1; border: 1px solid #b0bec5; border-radius: 4px; }"
            " QToolButton { background: white; border: 1px dashed #546e7a; border-radius: 4px;"
            " padding: 2px 8px; }"
        )
        self.setFixedHeight(TRAY_HEIGHT)
        self.title = QLabel()
        self.title.setStyleSheet("color: #37474f; font-weight: bold;")
        self.empty = QLabel()
        self.empty.setStyleSheet("color: #78909c;")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(6, 2, 6, 2)
        self._layout.addWidget(self.title)
        self._layout.addWidget(self.empty)
        self._layout.addStretch(1)
        self.retranslate()
        self._show_or_hide()

    # ------------------------------------------------------------------ events
    def take(self, events: Iterable[PortEvent]) -> list[PortEvent]:
        """The batch less the tray's adapters: their arrival puts them here, their leaving takes
        them away, anything else about them is dropped. The rest is the grid's."""
        rest: list[PortEvent] = []
        for event in events:
            if isinstance(event, PortAdded) and (
                event.port in self.buttons or self._in_tray(event.port)
            ):
                self.add(event.port, event.description)
            elif isinstance(event, PortRemoved) and event.port in self.buttons:
                self.remove(event.port)
            elif event.port not in self.buttons:
                rest.append(event)
        return rest

    def add(self, port: str, description: str = "") -> None:
        if port in self.buttons:
            return
        button = QToolButton()
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(lambda _=False, port=port: self.assign_requested.emit(port))
        self.buttons[port] = button
        self._descriptions[port] = description
        self._layout.insertWidget(self._layout.count() - 1, button)
        self._label(port)
        self._show_or_hide()

    def remove(self, port: str) -> None:
        button = self.buttons.pop(port, None)
        self._descriptions.pop(port, None)
        if button is not None:
            self._layout.removeWidget(button)
            button.hide()
            button.deleteLater()
        self._show_or_hide()

    def ports(self) -> list[str]:
        return list(self.buttons)

    def description(self, port: str) -> str:
        return self._descriptions.get(port, "")

    def set_fixed(self, fixed: bool) -> None:
        """Fixed slots: the tray stays in view (empty, it says so) so its place never changes."""
        self.fixed = fixed
        self._show_or_hide()

    # ------------------------------------------------------------------ drawing
    def _label(self, port: str) -> None:
        button = self.buttons[port]
        where = self._where(port)
        button.setText(f"{short_port_name(port)} · {where}" if where else short_port_name(port))
        details = [port, self._descriptions.get(port, ""), where]
        button.setToolTip(
            "\n".join(d for d in details if d)
            + "\n"
            + self.tr("Click to assign it to a slot (supervisor PIN).")
        )

    def _show_or_hide(self) -> None:
        count = len(self.buttons)
        self.title.setText(self.tr("Not in a slot (%1):").replace("%1", str(count)))
        self.empty.setVisible(not count)
        self.setVisible(bool(count) or self.fixed)

    def retranslate(self) -> None:
        self.empty.setText(self.tr("none: every adapter has its slot"))
        for port in self.buttons:
            self._label(port)
        self._show_or_hide()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
