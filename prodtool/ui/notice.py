"""A strip across the top of the window for what the technician must read now: a refused
package, an export that worked, licenses running out. Never a modal box that stops the line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget

TONES = {
    "info": ("#e3f2fd", "#0d47a1", "#1e88e5"),
    "good": ("#e8f5e9", "#1b5e20", "#2e7d32"),
    "warn": ("#fff3e0", "#e65100", "#ef6c00"),
    "error": ("#ffebee", "#b71c1c", "#c62828"),
}


class Notice(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont()
        font.setPointSize(12)
        font.setBold(True)
        self.setFont(font)
        self.tone = "info"
        self.hide()

    def say(self, text: str, tone: str = "info") -> None:
        background, color, border = TONES[tone]
        self.tone = tone
        self.setStyleSheet(
            f"#notice {{ background: {background}; color: {color};"
            f" border: 2px solid {border}; border-radius: 6px; padding: 6px 10px; }}"
        )
        self.setText(text)
        self.setVisible(bool(text))

    def clear_notice(self) -> None:
        self.setText("")
        self.hide()
