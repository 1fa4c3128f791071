"""One tile per slot: readable from a step away, a word and a colour for the state.

The tile shows what the technician needs at a glance (slot number, state, step, progress, time)
and the chip's identity (MAC, family by its title such as "BK7231N / T2", the license it holds;
never the AuthKey, which the events do not even carry). While the driver links the tile says
the family's step ("linking (reset module / CEN)"), and a failure's instruction is the
family's hint for that reason where it has one (`family_words`).
It shows only what is true: a license reserved for a job that failed before
the AuthKey left the station was released again, so it is not shown as held; a chip that holds
another license shows that license; a wrong chip names the family found. A failure says why and
gives one instruction; a stopped write says the module is half-written.

The grid sizes the tiles (`set_tile_size`) so every slot is in view; below `COMPACT_HEIGHT` the
identity lines give way (they stay in the tooltip and the log).

Events change the tile's model (`apply`); `redraw` shows it. The grid applies a whole batch of
events and then redraws each touched tile once. Redrawing is cheap on purpose: the state colours
live on a childless backing frame, so a new colour restyles that frame alone instead of
re-polishing every label of the tile, and the step is elided with font metrics built once.
"""

from __future__ import annotations

import re
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

from prodtool.engine.codes import CodeBound, ScanNeeded
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
from prodtool.ui import family_words
from prodtool.ui.i18n import current_language
from prodtool.ui.reasons import reason_text
from prodtool.ui.states import LOOKS, Look, state_step, state_word

TILE_WIDTH = 200  # the preferred size; the grid shrinks tiles to fit every slot in view
TILE_HEIGHT = 150
MIN_TILE_WIDTH = 150
MIN_TILE_HEIGHT = 100
COMPACT_HEIGHT = 140  # below this the MAC and UUID lines hide (they stay in the tooltip)
BORDER = 3
# The tile itself keeps a transparent border as wide as the card's, so its contents sit where a
# border drawn on the tile would put them; the card behind draws the visible one.
TILE_STYLE = (
    f"#tile {{ background: transparent; border: {BORDER}px solid transparent;"
    " border-radius: 8px; }"
    " QLabel { background: transparent; color: #111; }"
    " QProgressBar { border: 1px solid #90a4ae; border-radius: 3px; background: #fff;"
    " font-size: 8pt; text-align: center; }"
    " QProgressBar::chunk { background: #1e88e5; }"
)
# States in which the chip's flash or license partition may have been changed.
WRITE_STATES = frozenset(
    {
        JobState.WRITING_FIRMWARE,
        JobState.VERIFYING_FIRMWARE,
        JobState.WRITING_AUTH,
        JobState.VERIFYING_AUTH,
    }
)
# Once the AuthKey has been sent, a failed job's license is held for a check, not released.
AUTH_STATES = frozenset({JobState.WRITING_AUTH, JobState.VERIFYING_AUTH})
_HOLDS = re.compile(r"holds (\S+)")
_FOUND = re.compile(r"this chip is (\S+?),")


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
    """m:ss from a minute on; tenths of a second before (a quick failure is not "0:00")."""
    if seconds < 0.1:
        return "<0.1 s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _font(size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    return font


class PortTile(QFrame):
    """The state of one slot's job; asks the window (by signal) to start, stop or retry it."""

    start_requested = Signal(str)
    retry_requested = Signal(str)
    cancel_requested = Signal(str)
    support_requested = Signal(str, str)  # port, job id: make a support bundle of a failed job
    slot_menu_requested = Signal(str)  # port: the supervisor's slot menu (rename, renumber)

    def __init__(
        self,
        port: str,
        description: str = "",
        parent: QWidget | None = None,
        *,
        number: int = 0,
        name: str = "",
    ) -> None:
        super().__init__(parent)
        self.port = port
        self.description = description
        self.number = number
        self.slot_name = name
        self.state = JobState.WAITING
        self.result: JobState | None = None  # PASSED, FAILED or CANCELLED of the last job
        self.reason: Reason | None = None
        self.detail = ""
        self.note = ""  # an engine's step while waiting ("a new module is in")
        self.half_written = False
        self.job_id = ""
        self.failed_job_id = ""  # the last failure's job: its bundle stays reachable
        self._reached: set[JobState] = set()
        self._started: float | None = None
        self._seconds: float | None = None
        self._engine_step = ""
        self._mac = ""
        self._uuid = ""
        self._uuid_held = True
        self._other_uuid = ""
        self._family = ""
        self._found_family = ""
        self._job_family = ""  # the package's family (JobFinished.family): whose hints apply
        self._code = ""  # the unit's scanned code (docs/line.md)
        self._scan_needed = False  # the write waits for the unit's scan
        self._look_state: JobState | None = None
        self._state_color = ""
        self._step_text: str | None = None
        self._width = TILE_WIDTH
        self.setObjectName("tile")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(lambda _pos: self.slot_menu_requested.emit(port))
        self.card = QFrame(self)  # the colours, behind everything else (created first)
        self.card.setObjectName("card")
        self.card.lower()

        self.number_label = QLabel()
        self.number_label.setFont(_font(15, bold=True))
        self.name_label = QLabel()
        self.name_label.setFont(_font(9))
        self.family_label = QLabel()
        self.family_label.setFont(_font(9))
        self.family_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.state_label = QLabel()
        self.state_label.setFont(_font(15, bold=True))
        self.elapsed_label = QLabel("")
        self.elapsed_label.setFont(_font(11, bold=True))
        self.elapsed_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.step_label = QLabel()
        self.step_label.setFont(_font(9))
        self._step_metrics = QFontMetrics(self.step_label.font())
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFixedHeight(14)
        self.mac_label = QLabel()
        self.uuid_label = QLabel()
        for label in (self.mac_label, self.uuid_label):
            label.setFont(_font(8))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._id_metrics = QFontMetrics(self.mac_label.font())
        self.code_label = QLabel()
        self.code_label.setObjectName("code")
        self.code_label.setFont(_font(8, bold=True))
        self.reason_label = QLabel()
        self.reason_label.setFont(_font(9, bold=True))
        self.reason_label.setWordWrap(True)
        self.reason_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.reason_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.action_button = QPushButton()
        self.action_button.setFont(_font(10, bold=True))
        self.action_button.setMinimumWidth(64)
        self.action_button.clicked.connect(self._act)
        self.support_button = QPushButton()
        self.support_button.setFont(_font(8))
        self.support_button.clicked.connect(
            lambda: self.support_requested.emit(self.port, self.failed_job_id)
        )

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.number_label)
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
        layout.setContentsMargins(8, 4, 8, 6)
        layout.setSpacing(1)
        layout.addLayout(top)
        layout.addLayout(big)
        layout.addWidget(self.step_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.reason_label, 1)
        layout.addWidget(self.mac_label)
        layout.addWidget(self.uuid_label)
        layout.addWidget(self.code_label)
        layout.addStretch(0)
        layout.addLayout(bottom)
        self.setStyleSheet(TILE_STYLE)
        self.set_tile_size(TILE_WIDTH, TILE_HEIGHT)
        self.retranslate()

    # ------------------------------------------------------------------ size and slot
    def set_tile_size(self, width: int, height: int) -> None:
        """The grid's choice: every slot in view. Small tiles drop the identity lines."""
        width, height = max(MIN_TILE_WIDTH, width), max(MIN_TILE_HEIGHT, height)
        if (width, height) == (self.width(), self.height()) and self._width == width:
            return
        self._width = width
        self.setFixedSize(width, height)
        self.card.setGeometry(0, 0, width, height)
        self._step_text = None
        self._draw_name()
        self.redraw()

    def set_slot(self, number: int, name: str = "") -> None:
        self.number = number
        self.slot_name = name
        self._draw_name()

    def _draw_name(self) -> None:
        self.number_label.setText(str(self.number) if self.number else "–")
        text = self.slot_name or short_port_name(self.port)
        metrics = QFontMetrics(self.name_label.font())
        self.name_label.setText(
            metrics.elidedText(text, Qt.TextElideMode.ElideLeft, max(40, self._width - 110))
        )
        self.setToolTip(
            "\n".join(
                part
                for part in (
                    self.slot_name,
                    self.port,
                    self.description,
                    f"MAC {self._mac}" if self._mac else "",
                    f"UUID {self._uuid}" if self._uuid and self._uuid_held else "",
                )
                if part
            )
        )

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
            self._uuid_held = True
        elif isinstance(event, JobFinished):
            self._apply_finished(event)
        elif isinstance(event, CodeBound):
            self._code, self._scan_needed = event.code, False
        elif isinstance(event, ScanNeeded):
            self._code, self._scan_needed = "", True
        else:
            return False
        return True

    def _apply_state(self, event: StateChanged) -> None:
        if event.state.is_busy and not self.state.is_busy:
            self._begin_job(event.at)
            self._scan_needed = False
        self.state = event.state
        self._engine_step = event.step
        if event.state.is_busy:
            self._reached.add(event.state)
        if event.state == JobState.WAITING:
            self.note = event.step
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
        started = self._started if self._started is not None else event.at
        self._seconds = event.seconds or max(0.0, event.at - started)
        self._mac = event.mac or self._mac
        self._uuid = event.uuid or self._uuid
        self._code = event.code or self._code
        self.job_id = event.job_id
        self.detail = event.detail
        if event.passed:
            self.result = JobState.PASSED
        elif event.reason == Reason.CANCELLED:
            self.result = JobState.CANCELLED
        else:
            self.result = JobState.FAILED
            self.failed_job_id = event.job_id
        self.reason = None if event.passed else event.reason
        # The AuthKey never left when the job failed before the license step: the ledger
        # released the reservation, so the tile must not show it as this chip's.
        self._uuid_held = event.passed or bool(self._reached & AUTH_STATES)
        self.half_written = event.reason == Reason.CANCELLED and bool(self._reached & WRITE_STATES)
        held = _HOLDS.search(event.detail) if event.reason == Reason.HOLDS_OTHER_LICENSE else None
        self._other_uuid = held.group(1) if held else ""
        found = _FOUND.search(event.detail) if event.reason == Reason.WRONG_CHIP else None
        self._found_family = found.group(1) if found else ""
        self._job_family = event.family
        if event.passed:
            self._set_percent(100)
        self._draw_name()

    def tick(self) -> None:
        """Once a second from the window: the elapsed time of a running job."""
        if self._seconds is not None:
            self.elapsed_label.setText(format_elapsed(self._seconds))
        elif self._started is not None:
            self.elapsed_label.setText(format_elapsed(time.time() - self._started))
        else:
            self.elapsed_label.setText("")

    def _begin_job(self, at: float) -> None:
        self._started = at
        self._seconds = None
        self.result = None
        self.reason = None
        self.detail = ""
        self.note = ""
        self.half_written = False
        self._reached = set()
        self._uuid = ""
        self._uuid_held = True
        self._other_uuid = ""
        self._mac = ""
        self._family = ""
        self._found_family = ""
        self._job_family = ""
        self._set_percent(0)

    # ------------------------------------------------------------------ looks and words
    def shown_state(self) -> JobState:
        """The state whose colour the tile wears: a finished job keeps its result's colour."""
        if self.state in {JobState.REMOVE_CHIP, JobState.WAITING} and self.result is not None:
            return self.result
        return self.state

    @property
    def waiting_for_start(self) -> bool:
        """Idle, nothing failed: Start (or Next, after a pass) would write a module."""
        return not self.state.is_busy and self.result in {None, JobState.PASSED}

    @property
    def failed(self) -> bool:
        return not self.state.is_busy and self.result in {JobState.FAILED, JobState.CANCELLED}

    def retranslate(self) -> None:
        self._step_text = None
        self.redraw()

    def _instruction(self, shown: JobState) -> str:
        """The one line under the state word."""
        if self._scan_needed and not self.state.is_busy:
            return self.tr("Scan this unit's code")
        if self.note and self.state == JobState.WAITING:
            return self.note[:1].upper() + self.note[1:]
        if shown == JobState.PASSED:
            return self.tr("Put in the next module")
        if shown in {JobState.FAILED, JobState.CANCELLED}:
            return ""  # the reason says what happened and what to do
        linking = family_words.connect_step(self._engine_step) if self.state.is_busy else None
        if linking:  # the family's words while its driver links ("linking (reset ... CEN)")
            return linking[:1].upper() + linking[1:]
        if current_language() == "en" and self._engine_step:
            return self._engine_step[:1].upper() + self._engine_step[1:]
        return state_step(self.state)

    def _reason_sentence(self) -> str:
        stop = "。" if current_language().startswith("zh") else "."
        if self.result == JobState.CANCELLED:
            if self.half_written:
                return (
                    self.tr("Stopped mid-write: the module is half-written")
                    + stop
                    + "\n"
                    + self.tr("Retry to write it in full")
                    + stop
                )
            return self.tr("Stopped before anything was written") + stop
        if self.reason is None:
            return ""
        text, hint = reason_text(self.reason)
        # The family's own advice where it has one (Beken: CEN wiring; ESP: BOOT and EN).
        hint = family_words.hint(self._job_family or self._family, self.reason) or hint
        if self.reason == Reason.WRONG_CHIP and self._found_family:
            found = family_words.title(self._found_family)
            text += " " + self.tr("(found %1)").replace("%1", found)
        return text + stop + (f"\n{hint[:1].upper()}{hint[1:]}{stop}" if hint else "")

    def redraw(self) -> None:
        """Show the model: every text, the colours, the buttons (once per batch of events)."""
        shown = self.shown_state()
        self._set_look(shown)
        self.state_label.setText(state_word(shown))
        step = self._instruction(shown)
        if step != self._step_text:  # eliding measures text: only when the words change
            self._step_text = step
            shown_step = self._step_metrics.elidedText(
                step, Qt.TextElideMode.ElideRight, self._width - 18
            )
            self.step_label.setText(shown_step)
            self.step_label.setToolTip(step if shown_step != step else "")  # the whole of it
        finished_badly = shown in {JobState.FAILED, JobState.CANCELLED}
        self.step_label.setVisible(not finished_badly)
        self.progress.setVisible(not finished_badly)
        self.family_label.setText(family_words.title(self._found_family or self._family))
        metrics = self._id_metrics
        width = self._width - 18
        mac = self.tr("MAC: %1").replace("%1", self._mac or "–")
        self.mac_label.setText(metrics.elidedText(mac, Qt.TextElideMode.ElideRight, width))
        uuid = self._uuid_line()
        self.uuid_label.setText(metrics.elidedText(uuid, Qt.TextElideMode.ElideRight, width))
        # A failure's reason needs the room; identity lines with nothing to say give it theirs.
        compact = self.height() < COMPACT_HEIGHT
        self.mac_label.setHidden(compact or (finished_badly and not self._mac))
        self.uuid_label.setHidden(compact or (finished_badly and uuid.endswith("–")))
        code = self.tr("Code: %1").replace("%1", self._code or "–")
        self.code_label.setText(metrics.elidedText(code, Qt.TextElideMode.ElideRight, width))
        self.code_label.setHidden(compact or not (self._code or self._scan_needed))
        self.reason_label.setText(self._reason_sentence())
        self.reason_label.setVisible(finished_badly)
        self._update_button()
        self.tick()

    def _uuid_line(self) -> str:
        if self._other_uuid:
            return self.tr("Holds: %1").replace("%1", self._other_uuid)
        if self._uuid and self._uuid_held:
            return self.tr("UUID: %1").replace("%1", self._uuid)
        return self.tr("UUID: %1").replace("%1", "–")

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
        self.support_button.setText(self.tr("Bundle…"))
        self.support_button.setToolTip(self.tr("Save a support bundle of the last failure"))
        self.support_button.setVisible(bool(self.failed_job_id) and not self.state.is_busy)
        if self.state.is_busy:
            self.action_button.setText(self.tr("Stop"))
        elif self.failed:
            self.action_button.setText(self.tr("Retry"))
        elif self.result == JobState.PASSED:
            self.action_button.setText(self.tr("Next"))
        else:
            self.action_button.setText(self.tr("Start"))
        self.action_button.setVisible(True)

    def _act(self) -> None:
        if self.state.is_busy:
            self.cancel_requested.emit(self.port)
        elif self.failed:
            self.retry_requested.emit(self.port)
        else:
            self.start_requested.emit(self.port)

    def activate(self) -> None:
        """Space on a focused tile: what its button does, unless that would stop a write."""
        if not self.state.is_busy:
            self._act()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
