"""A strip over the top of the window for what the technician must read now: a refused
package, an export that worked, licenses running out. Never a modal box that stops the line.

It sits in the toolbar, one line high (the whole text in its tooltip and in the history), so
it never pushes the slots down. Good news and information go away on their own after
`TIMEOUT_MS`; warnings and errors stay until dismissed (the x button). Everything said is kept
in `history` for the "Notices…" list.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

TONES = {
    "info": ("#e3f2fd", "#0d47a1", "#1e88e5"),
    "good": ("#e8f5e9", "#1b5e20", "#2e7d32"),
    "warn": ("#fff3e0", "#e65100", "#ef6c00"),
    "error": ("#ffebee", "#b71c1c", "#c62828"),
}
TIMEOUT_MS = 8000
TIMED_TONES = frozenset({"info", "good"})
HISTORY = 200


@dataclass(frozen=True)
class Said:
    at: float
    tone: str
    text: str


class Notice(QFrame):
    """The one-line strip in the toolbar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self._text = ""
        self.label = QLabel()
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont()
        font.setPointSize(11)
        font.setBold(True)
        self.label.setFont(font)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.clear_notice)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.tone = "info"
        self.history: list[Said] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TIMEOUT_MS)
        self._timer.timeout.connect(self.clear_notice)
        # In a toolbar, the toolbar's action shows and hides the strip (`on_visible`).
        self.on_visible: Callable[[bool], object] = self.setVisible
        self.setFixedHeight(32)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.hide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._draw()

    def _draw(self) -> None:
        """One line: as much of the text as fits, all of it in the tooltip."""
        line = " — ".join(part for part in self._text.splitlines() if part.strip())
        width = max(50, self.label.width())
        self.label.setText(
            QFontMetrics(self.label.font()).elidedText(line, Qt.TextElideMode.ElideRight, width)
        )
        self.setToolTip(self._text)

    def text(self) -> str:
        """The whole text said last (the strip may show it shortened)."""
        return self._text

    def say(self, text: str, tone: str = "info") -> None:
        background, color, border = TONES[tone]
        self.tone = tone
        self.setStyleSheet(
            f"#notice {{ background: {background}; border: 2px solid {border};"
            " border-radius: 6px; }"
            f" QLabel, QToolButton {{ color: {color}; background: transparent; }}"
        )
        self._text = text
        self._draw()
        if not text:
            self.clear_notice()
            return
        self.history.append(Said(time.time(), tone, text))
        del self.history[:-HISTORY]
        self.on_visible(True)
        if tone in TIMED_TONES:
            self._timer.start()
        else:
            self._timer.stop()

    def clear_notice(self) -> None:
        self._timer.stop()
        self._text = ""
        self.label.setText("")
        self.on_visible(False)

    def history_text(self) -> str:
        return "\n".join(
            f"{time.strftime('%H:%M:%S', time.localtime(s.at))}  {s.tone:<5}  {s.text}"
            for s in reversed(self.history)
        )
