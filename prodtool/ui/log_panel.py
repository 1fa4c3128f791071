"""The station's log, newest at the bottom, filterable by port.

Lines arrive in batches from the bridge (at most ten a second); the panel keeps the last
`MAX_LINES` in memory so that changing the filter can show an older port's history.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from prodtool.flash.events import LogLine
from prodtool.ui.log_words import sentence
from prodtool.ui.port_tile import short_port_name

MAX_LINES = 20_000
ALL_PORTS = ""


def format_line(line: LogLine) -> str:
    """One line in the window's language (`log_words`); the chip tool's own words as they are."""
    stamp = time.strftime("%H:%M:%S", time.localtime(line.at))
    level = "" if line.level == "info" else f"{level_word(line.level)} "
    text = sentence(line.say, line.params, line.text)
    return f"{stamp} {short_port_name(line.port):>16}  {level}{text}"


def level_word(level: str) -> str:
    words = {
        "warning": QCoreApplication.translate("LogPanel", "WARNING"),
        "error": QCoreApplication.translate("LogPanel", "ERROR"),
    }
    return words.get(level, level.upper())


class LogPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: deque[LogLine] = deque(maxlen=MAX_LINES)
        self._ports: set[str] = set()
        self.filter_label = QLabel()
        self.port_filter = QComboBox()
        self.port_filter.setMinimumWidth(220)
        # A short scrolling list next to the box, not the style's popup centred on the current
        # item (with 32 ports that one ran off the window, and off a 768-line screen).
        self.port_filter.setStyleSheet("QComboBox { combobox-popup: 0; }")
        self.port_filter.setMaxVisibleItems(12)
        self.port_filter.addItem("", ALL_PORTS)
        self.port_filter.currentIndexChanged.connect(self._refilter)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)  # a reason reads whole
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.view.setFont(font)
        top = QHBoxLayout()
        top.addWidget(self.filter_label)
        top.addWidget(self.port_filter)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view)
        self.retranslate()

    def selected_port(self) -> str:
        return str(self.port_filter.currentData() or ALL_PORTS)

    def add_lines(self, lines: list[LogLine]) -> None:
        """A batch from the bridge: remember all, show those the filter lets through."""
        wanted = self.selected_port()
        shown: list[str] = []
        for line in lines:
            self._lines.append(line)
            if line.port and line.port not in self._ports:
                self._ports.add(line.port)
                self.port_filter.addItem(short_port_name(line.port), line.port)
            if wanted in (ALL_PORTS, line.port):
                shown.append(format_line(line))
        if shown:
            self.view.appendPlainText("\n".join(shown))

    def add_port(self, port: str) -> None:
        if port not in self._ports:
            self._ports.add(port)
            self.port_filter.addItem(short_port_name(port), port)

    def show_port(self, port: str) -> None:
        index = self.port_filter.findData(port)
        if index >= 0:
            self.port_filter.setCurrentIndex(index)

    def _refilter(self) -> None:
        wanted = self.selected_port()
        text = "\n".join(
            format_line(line) for line in self._lines if wanted in (ALL_PORTS, line.port)
        )
        self.view.setPlainText(text)
        self.view.moveCursor(self.view.textCursor().MoveOperation.End)

    def text(self) -> str:
        return self.view.toPlainText()

    def retranslate(self) -> None:
        self.filter_label.setText(self.tr("Show port:"))
        self.port_filter.setItemText(0, self.tr("All ports"))
        if self._lines:
            self._refilter()  # the lines again, in the new language

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
