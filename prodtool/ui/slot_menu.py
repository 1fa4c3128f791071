"""A right-click menu on a port tile: "QA this slot…" and the supervisor's "Rename or renumber"
and "Send this adapter to the tray" (its slot is then free for another adapter).

The tile asks for it (`PortTile.slot_menu_requested`, forwarded by the grid); the menu opens at
the pointer for that tile's port. Renaming asks for the supervisor's PIN (the window does that).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu, QWidget


class SlotMenu(QObject):
    """Offers "QA this slot…" and "Rename or renumber this slot…" for the right-clicked tile."""

    def __init__(
        self,
        parent: QWidget,
        qa: Callable[[str], None],
        edit: Callable[[str], None],
        to_tray: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.menu = QMenu(parent)
        self.port = ""
        self.qa_action = self.menu.addAction("")
        self.qa_action.triggered.connect(lambda: qa(self.port))
        self.edit_action = self.menu.addAction("")
        self.edit_action.triggered.connect(lambda: edit(self.port))
        self.tray_action = self.menu.addAction("")
        self.tray_action.setVisible(to_tray is not None)
        if to_tray is not None:
            self.tray_action.triggered.connect(lambda: to_tray(self.port))
        self.retranslate()

    def retranslate(self) -> None:
        self.qa_action.setText(self.tr("QA this slot…"))
        self.edit_action.setText(self.tr("Rename or renumber this slot…"))
        self.tray_action.setText(self.tr("Send this adapter to the tray…"))

    def open_for(self, port: str) -> None:
        """Show the menu for `port`'s tile where the pointer is."""
        self.port = port
        self.retranslate()
        self.menu.popup(QCursor.pos())
