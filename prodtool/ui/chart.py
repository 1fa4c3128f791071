"""A small bar chart of throughput over the shift, drawn with QPainter (no QtCharts in
PySide6-Essentials). Passed devices in green, failures stacked on top in red, per time slice."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from prodtool.ui.shift import ShiftStats
from prodtool.ui.states import FAILED_COLOR, PASSED_COLOR

BARS = 24


class ThroughputChart(QWidget):
    def __init__(self, stats: ShiftStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        self.setMinimumSize(240, 90)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        size, passes, failures = self.stats.buckets(BARS)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        painter.fillRect(rect, QColor("#fafafa"))
        painter.setPen(QColor("#b0bec5"))
        painter.drawRect(rect)
        metrics = painter.fontMetrics()
        caption = self.tr("Devices per %1 min").replace("%1", str(int(size // 60)))
        text_height = metrics.height()
        painter.setPen(QColor("#455a64"))
        painter.drawText(
            rect.adjusted(6, 2, -6, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            caption,
        )
        peak = max([p + f for p, f in zip(passes, failures, strict=True)] + [1])
        painter.drawText(
            rect.adjusted(6, 2, -6, 0),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
            str(peak),
        )
        plot = rect.adjusted(6, text_height + 4, -6, -4)
        slot = plot.width() / BARS
        for index, (good, bad) in enumerate(zip(passes, failures, strict=True)):
            x = plot.left() + (BARS - len(passes) + index) * slot + 1
            good_h = plot.height() * good / peak
            bad_h = plot.height() * bad / peak
            painter.fillRect(
                QRectF(x, plot.bottom() - good_h, slot - 2, good_h), QColor(PASSED_COLOR)
            )
            painter.fillRect(
                QRectF(x, plot.bottom() - good_h - bad_h, slot - 2, bad_h), QColor(FAILED_COLOR)
            )
        painter.end()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.update()
        super().changeEvent(event)
