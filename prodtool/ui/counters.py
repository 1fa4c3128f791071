"""The shift at a glance: passed, failed, yield, devices per hour, licenses left, and a chart.

Finished jobs update the counts (`refresh_counts`, cheap); the rate and the chart, which go
through the whole shift's history, follow on the window's once-a-second tick (`refresh`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from prodtool.ui.chart import ThroughputChart
from prodtool.ui.shift import ShiftStats, licenses_low


class _Counter(QFrame):
    """A caption over a big number."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counter")
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.value = QLabel("–")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont()
        font.setPointSize(20)
        font.setBold(True)
        self.value.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        self.tone = ""
        self.set_tone("normal")

    def set_tone(self, tone: str) -> None:
        """Restyle when the tone changes (a style sheet re-polishes the caption and the value)."""
        if tone == self.tone:
            return
        self.tone = tone
        colors = {
            "normal": ("#ffffff", "#cfd8dc", "#263238"),
            "good": ("#e8f5e9", "#2e7d32", "#1b5e20"),
            "bad": ("#ffebee", "#c62828", "#b71c1c"),
            "warn": ("#fff3e0", "#ef6c00", "#e65100"),
        }
        background, border, text = colors[tone]
        self.setStyleSheet(
            f"#counter {{ background: {background}; border: 2px solid {border};"
            " border-radius: 6px; }"
            f" QLabel {{ color: {text}; background: transparent; }}"
        )


class CountersPanel(QWidget):
    """Numbers from `ShiftStats`; licenses left comes from the engine's ledger."""

    def __init__(self, stats: ShiftStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        self.licenses_left: int | None = None
        self.licenses_total = 0
        self._chart_drawn: tuple[int, int, int] | None = None
        self.passed = _Counter()
        self.failed = _Counter()
        self.yield_ = _Counter()
        self.rate = _Counter()
        self.licenses = _Counter()
        self.chart = ThroughputChart(stats)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for counter in (self.passed, self.failed, self.yield_, self.rate, self.licenses):
            counter.setMinimumWidth(110)
            layout.addWidget(counter)
        layout.addWidget(self.chart, 1)
        self.retranslate()

    def set_licenses(self, left: int | None, total: int) -> None:
        self.licenses_left = left
        self.licenses_total = total
        self.refresh()

    def refresh(self) -> None:
        """Everything, the rate and the chart included (on the window's timer)."""
        self.refresh_counts()
        stats = self.stats
        self.rate.value.setText(f"{stats.devices_per_hour():.0f}")
        # The chart's slices are a minute or more: redraw it when a job ended or a minute began,
        # not every second (painting it is a few milliseconds of Python).
        drawn = (stats.passed, stats.failed, int(stats.clock() // 60))
        if drawn != self._chart_drawn:
            self._chart_drawn = drawn
            self.chart.update()

    def refresh_counts(self) -> None:
        """Passed, failed, yield and licenses left: what a finished job changes."""
        stats = self.stats
        self.passed.value.setText(str(stats.passed))
        self.passed.set_tone("good" if stats.passed else "normal")
        self.failed.value.setText(str(stats.failed))
        self.failed.set_tone("bad" if stats.failed else "normal")
        percent = stats.yield_percent
        self.yield_.value.setText("–" if percent is None else f"{percent:.1f}%")
        left = self.licenses_left
        self.licenses.value.setText("–" if left is None else str(left))
        if left is None:
            self.licenses.set_tone("normal")
        elif left == 0:
            self.licenses.set_tone("bad")
        elif licenses_low(left, self.licenses_total):
            self.licenses.set_tone("warn")
        else:
            self.licenses.set_tone("normal")

    def licenses_warning(self) -> str:
        """A sentence when licenses are running out, else empty."""
        left = self.licenses_left
        if left is None or not licenses_low(left, self.licenses_total):
            return ""
        if left == 0:
            return self.tr("No licenses left: load the next package.")
        return self.tr("Only %n license(s) left: get the next package ready.", "", left)

    def retranslate(self) -> None:
        self.passed.caption.setText(self.tr("Passed"))
        self.failed.caption.setText(self.tr("Failed"))
        self.yield_.caption.setText(self.tr("Yield"))
        self.rate.caption.setText(self.tr("Per hour"))
        self.licenses.caption.setText(self.tr("Licenses left"))
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
