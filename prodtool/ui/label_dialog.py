"""A passed unit's label in the window: its preview, and a reprint (supervisor).

The preview is the PNG `prodtool label preview` draws; the reprint is `prodtool label print`'s
own function (`prodtool.labels.reprint`), after the supervisor PIN: a second label for one unit
is a supervisor's call. Both run as background tasks (the write log is read, the printer may be
slow) and say in the dialog how it went.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from prodtool.errors import UserError
from prodtool.labels.reprint import passed_record, preview_png, reprint_label
from prodtool.labels.template import load_template
from prodtool.ui.messages import error_text

if TYPE_CHECKING:
    from prodtool.ui.window import StationWindow

PREVIEW_WIDTH = 480  # pixels on screen; the label keeps its proportions
_GOOD = "color: #1b5e20;"
_BAD = "color: #b71c1c; font-weight: bold;"


def _render(window: StationWindow, job_id: str) -> tuple[dict[str, Any], bytes]:
    record = passed_record(window.paths, job_id)
    template = load_template(window.settings.label_template or None)
    return record, preview_png(template, record)


class LabelDialog(QDialog):
    def __init__(self, window: StationWindow, job_id: str = "", parent: QWidget | None = None):
        super().__init__(parent or window)
        self._window = window
        self.record: dict[str, Any] | None = None
        self.setWindowTitle(self.tr("Label preview and reprint"))
        self.job = QLineEdit(job_id)
        self.job.setObjectName("job")
        self.job.setPlaceholderText(self.tr("job id, as in the write log"))
        self.show_button = QPushButton(self.tr("Show"))
        self.show_button.clicked.connect(self.preview)
        self.job.returnPressed.connect(self.preview)
        self.image = QLabel()
        self.image.setObjectName("labelImage")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(PREVIEW_WIDTH, PREVIEW_WIDTH // 2)
        self.image.setStyleSheet("background: white; border: 1px solid #90a4ae;")
        self.about = QLabel()
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.said = QLabel()
        self.said.setWordWrap(True)
        self.reprint_button = QPushButton(self.tr("Reprint… (supervisor)"))
        self.reprint_button.setEnabled(False)
        self.reprint_button.clicked.connect(self.reprint)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Job:")))
        row.addWidget(self.job, 1)
        row.addWidget(self.show_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.reprint_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.about)
        layout.addWidget(self.said)
        layout.addWidget(buttons)
        if job_id:
            self.preview()

    def _say(self, text: str, good: bool) -> None:
        self.said.setText(text)
        self.said.setStyleSheet(_GOOD if good else _BAD)

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, UserError):
            self._window.show_error(error)  # a bug: the crash handler
            return
        self._say(error_text(error), good=False)

    def preview(self) -> None:
        job_id = self.job.text().strip()
        if not job_id:
            return
        self.record = None
        self.reprint_button.setEnabled(False)
        self._say("", good=True)
        window = self._window
        window.run_task("label-preview", lambda: _render(window, job_id), self._shown, self._failed)

    def _shown(self, result: tuple[dict[str, Any], bytes]) -> None:
        record, png = result
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        self.image.setPixmap(
            pixmap.scaledToWidth(PREVIEW_WIDTH, Qt.TransformationMode.SmoothTransformation)
        )
        self.record = record
        self.about.setText(
            self.tr("UUID %1 · serial %2 · code %3")
            .replace("%1", str(record.get("uuid") or "–"))
            .replace("%2", str(record.get("serial") or "–"))
            .replace("%3", str(record.get("code") or "–"))
        )
        self.reprint_button.setEnabled(True)

    def reprint(self) -> None:
        record = self.record
        if record is None:
            return
        window = self._window
        if not window.supervisor.authorize(self, self.tr("Reprinting a label")):
            self._say(self.tr("Not reprinted: the supervisor PIN is needed."), good=False)
            return
        paths, settings = window.paths, window.settings

        def work() -> str:
            template = load_template(settings.label_template or None)
            return reprint_label(paths, template, record, settings.label_printer)

        window.run_task(
            "label-reprint",
            work,
            lambda where: self._say(self.tr("Reprinted: %1").replace("%1", str(where)), True),
            self._failed,
        )
