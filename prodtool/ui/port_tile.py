"""One tile per port: readable at arm's length, a word and a colour for the state.

The tile shows what the technician needs at a glance (port, state, step, progress, time) and the
chip's identity (MAC, license UUID; never the AuthKey, which the events do not even carry). On a
failure it says why in plain words and offers Retry.

Events change the tile's model (`apply`); `redraw` shows it. The grid applies a whole batch of
events and then redraws each touched tile once. Redrawing is cheap on purpose: the state colours
live on a childless backing frame, so a new colour restyles that frame alone instead of
re-polishing every label of the tile, and the step is elided with font metrics built once.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from prodtool.flash.events import (
    ChipIdentified,
    JobFinished,
    JobState,
    LicenseAssigned,
    PortEvent,
    Progress,
    Reason,
    StateChanged,
)
from prodtool.ui.i18n import current_language
from prodtool.ui.reasons import reason_text
from prodtool.ui.states import LOOKS, Look, state_step, state_word

TILE_WIDTH = 250
TILE_HEIGHT = 250
BORDER = 3
# The tile itself keeps a transparent border as wide as the card's, so its contents sit where a
# border drawn on the tile would put them; the card behind draws the visible one.
TILE_STYLE = (
    f"#tile {{ background: transparent; border: {BORDER}px solid transparent;"
    " border-radius: 8px; }"
    " QLabel { background: transparent; color: #111; }"
)


def card_style(look: Look) -> str:
    return (
        f"#card {{ background: {look.background}; border: {BORDER}px solid {look.border};"
        " border-radius: 8px; }"
    )


def short_port_name(port: str) -> str:
    """A port as a technician reads it: the device name, without a URL's scheme."""
    if "://" in port:
        port = port.split("://", 1)[1]
    return port.rsplit("/", 1)[-1] or port


def format_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _elide(
    text: str, label: QLabel, width: int, mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight
) -> str:
    return QFontMetrics(label.font()).elidedText(text, mode, width)


def _font(size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    return font


class PortTile(QFrame):
    """The state of one port's job; asks the window (by signal) to start, stop or retry it."""

    start_requested = Signal(str)
    retry_requested = Signal(str)
    cancel_requested = Signal(str)
    support_requested = Signal(str, str)  # port, job id: make a support bundle of a failed job

    def __init__(self, port: str, description: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.port = port
        self.state = JobState.WAITING
        self.result: JobState | None = None  # PASSED or FAILED of the last job
        self.reason: Reason | None = None
        self._started: float | None = None
        self._seconds: float | None = None
        self._engine_step = ""
        self.setObjectName("tile")
        self.setFixedSize(TILE_WIDTH, TILE_HEIGHT)
        self.setToolTip(f"{port}\n{description}".strip())
        self.card = QFrame(self)  # the colours, behind everything else (created first)
        self.card.setObjectName("card")
        self.card.setGeometry(0, 0, TILE_WIDTH, TILE_HEIGHT)
        self.card.lower()

        self.name_label = QLabel()
        self.name_label.setFont(_font(12, bold=True))
        self.name_label.setText(
            _elide(
                short_port_name(port), self.name_label, TILE_WIDTH - 90, Qt.TextElideMode.ElideLeft
            )
        )
        self.family_label = QLabel()
        self.family_label.setFont(_font(10))
        self.family_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.state_label = QLabel()
        self.state_label.setFont(_font(19, bold=True))
        self.elapsed_label = QLabel("0:00")
        self.elapsed_label.setFont(_font(13, bold=True))
        self.elapsed_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.step_label = QLabel()
        self.step_label.setFont(_font(10))
        self._step_metrics = QFontMetrics(self.step_label.font())
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFixedHeight(20)
        self.mac_label = QLabel()
        self.uuid_label = QLabel()
        for label in (self.mac_label, self.uuid_label):
            label.setFont(_font(10))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason_label = QLabel()
        self.reason_label.setFont(_font(10, bold=True))
        self.reason_label.setWordWrap(True)
        self.reason_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.reason_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.action_button = QPushButton()
        self.action_button.setFont(_font(11, bold=True))
        self.action_button.setMinimumSize(90, 30)
        self.action_button.clicked.connect(self._act)
        self.job_id = ""
        self.support_button = QPushButton()
        self.support_button.setFont(_font(10))
        self.support_button.clicked.connect(
            lambda: self.support_requested.emit(self.port, self.job_id)
        )

        top = QHBoxLayout()
        top.addWidget(self.name_label, 1)
        top.addWidget(self.family_label)
        big = QHBoxLayout()
        big.addWidget(self.state_label, 1)
        big.addWidget(self.elapsed_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.support_button)
        bottom.addStretch(1)
        bottom.addWidget(self.action_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(big)
        layout.addWidget(self.step_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.mac_label)
        layout.addWidget(self.uuid_label)
        layout.addWidget(self.reason_label, 1)
        layout.addLayout(bottom)
        self._mac = ""
        self._uuid = ""
        self._family = ""
        self._look_state: JobState | None = None
        self._state_color = ""
        self._step_text: str | None = None
        self.setStyleSheet(TILE_STYLE)
        self.retranslate()

    # ------------------------------------------------------------------ events from the engine
    def apply(self, event: PortEvent) -> bool:
        """Take in one event; True when the tile needs a `redraw` to show it."""
        if isinstance(event, Progress):
            self._apply_progress(event)
            return False  # the bar is set at once: a redraw would change nothing else
        if isinstance(event, StateChanged):
            self._apply_state(event)
        elif isinstance(event, ChipIdentified):
            self._mac = event.mac
            self._family = event.family
        elif isinstance(event, LicenseAssigned):
            self._uuid = event.uuid
        elif isinstance(event, JobFinished):
            self._apply_finished(event)
        else:
            return False
        return True

    def _apply_state(self, event: StateChanged) -> None:
        if event.state.is_busy and not self.state.is_busy:
            self._begin_job(event.at)
        self.state = event.state
        self._engine_step = event.step
        if event.state in {JobState.PASSED, JobState.FAILED}:
            self.result = event.state
        if event.state == JobState.PASSED:
            self._set_percent(100)

    def _apply_progress(self, event: Progress) -> None:
        if event.phase != self.state or event.total <= 0:
            return  # a late update of a step that is already over
        self._set_percent(min(100, event.done * 100 // event.total))

    def _set_percent(self, percent: int) -> None:
        """Move the bar without painting now: QProgressBar.setValue repaints at once (about half
        a millisecond a tile), while an update is painted with everything else, later."""
        bar = self.progress
        if percent == bar.value():
            return
        bar.setUpdatesEnabled(False)
        bar.setValue(percent)
        bar.setUpdatesEnabled(True)  # schedules the repaint

    def _apply_finished(self, event: JobFinished) -> None:
        self._seconds = event.seconds or (time.time() - (self._started or time.time()))
        self._mac = event.mac or self._mac
        self._uuid = event.uuid or self._uuid
        self.job_id = event.job_id
        if event.passed:
            self.result = JobState.PASSED
        elif event.reason == Reason.CANCELLED:
            self.result = JobState.CANCELLED
        else:
            self.result = JobState.FAILED
        self.reason = None if event.passed else event.reason
        if event.passed:
            self._set_percent(100)

    def tick(self) -> None:
        """Once a second from the window: the elapsed time of a running job."""
        if self._seconds is not None:
            self.elapsed_label.setText(format_elapsed(self._seconds))
        elif self._started is not None:
            self.elapsed_label.setText(format_elapsed(time.time() - self._started))

    def _begin_job(self, at: float) -> None:
        self._started = at
        self._seconds = None
        self.result = None
        self.reason = None
        self._uuid = ""
        self._mac = ""
        self._family = ""
        self._set_percent(0)

    # ------------------------------------------------------------------ looks and words
    def shown_state(self) -> JobState:
        """The state whose colour the tile wears: a finished job keeps its result's colour."""
        if self.state == JobState.REMOVE_CHIP and self.result is not None:
            return self.result
        return self.state

    def retranslate(self) -> None:
        self._step_text = None
        self.redraw()

    def redraw(self) -> None:
        """Show the model: every text, the colours, the buttons (once per batch of events)."""
        shown = self.shown_state()
        self._set_look(shown)
        self.state_label.setText(state_word(shown))
        if current_language() == "en" and self._engine_step:
            step = self._engine_step[:1].upper() + self._engine_step[1:]
        else:
            step = state_step(self.state)
        if step != self._step_text:  # eliding measures text: only when the words change
            self._step_text = step
            self.step_label.setText(
                self._step_metrics.elidedText(step, Qt.TextElideMode.ElideRight, TILE_WIDTH - 22)
            )
        self.progress.setVisible(shown not in {JobState.FAILED, JobState.CANCELLED})
        self.family_label.setText(self._family)
        self.mac_label.setText(self.tr("MAC: %1").replace("%1", self._mac or "–"))
        self.uuid_label.setText(self.tr("UUID: %1").replace("%1", self._uuid or "–"))
        if self.reason is not None:
            text, hint = reason_text(self.reason)
            stop = "。" if current_language().startswith("zh") else "."
            sentence = text + stop + (f"\n{hint[:1].upper()}{hint[1:]}{stop}" if hint else "")
            self.reason_label.setText(sentence)
        else:
            self.reason_label.setText("")
        self._update_button()
        self.tick()

    def _set_look(self, shown: JobState) -> None:
        """Recolour only when the colours change, and only the childless card and state label:
        a style sheet on the tile itself would re-polish every child widget (about a
        millisecond per tile, and 32 tiles often change state at once)."""
        if shown is self._look_state:
            return
        self._look_state = shown
        look = LOOKS[shown]
        self.card.setStyleSheet(card_style(look))
        color = look.border if shown.is_final else "#111"
        if color != self._state_color:
            self._state_color = color
            self.state_label.setStyleSheet(f"color: {color};")

    def _update_button(self) -> None:
        self.support_button.setText(self.tr("Support bundle…"))
        self.support_button.setVisible(
            self.result is JobState.FAILED and bool(self.job_id) and not self.state.is_busy
        )
        if self.state.is_busy:
            self.action_button.setText(self.tr("Stop"))
            self.action_button.setVisible(True)
        elif self.result in {JobState.FAILED, JobState.CANCELLED}:
            self.action_button.setText(self.tr("Retry"))
            self.action_button.setVisible(True)
        elif self.state in {JobState.WAITING, JobState.CANCELLED}:
            self.action_button.setText(self.tr("Start"))
            self.action_button.setVisible(True)
        else:
            self.action_button.setVisible(False)

    def _act(self) -> None:
        if self.state.is_busy:
            self.cancel_requested.emit(self.port)
        elif self.result in {JobState.FAILED, JobState.CANCELLED}:
            self.retry_requested.emit(self.port)
        else:
            self.start_requested.emit(self.port)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
