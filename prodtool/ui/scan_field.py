"""The window's scan field: a barcode scanner's codes are taken without a click.

A keyboard-wedge scanner types the code and Enter, fast. Two ways in, one router:

- the scan field above the tiles (a `QLineEdit`): click it, or type into it, and Enter;
- `WedgeFilter`, an application-level key filter: while no text field of the window has the
  focus, printable keys are held back; if they come fast (each within `SCAN_GAP_MS` of the one
  before) and end with Enter, they are a scan. Keys a person types at human speed (a slot's
  number, Space on a tile) are handed on, unchanged, `SCAN_GAP_MS` later.

Each scan goes through `ScanRouter` (`prodtool.engine.scan_route`: the next port that needs a
code, or the slot whose label was scanned first, `Settings.scan_target`). `bind_code` reads
the ledger, so scans run one at a time as background tasks, in the order they came; the bar says
where the code went or, in red, why it was refused. The tile shows the code (`CodeBound`).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from prodtool.engine.codes import CodeError, Refusal
from prodtool.engine.scan_route import ScanKind, ScanOutcome, ScanRouter
from prodtool.engine.serial_scanner import SerialScanner
from prodtool.ui.messages import error_text

if TYPE_CHECKING:
    from prodtool.engine.station import Station
    from prodtool.ui.window import StationWindow

SCAN_GAP_MS = 80  # a scanner types faster than this between keys; a person does not
MIN_SCAN_CHARS = 3  # shorter bursts are keys, not codes
_ENTER = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
_GOOD = "color: #1b5e20; font-weight: bold;"
_BAD = "color: #b71c1c; font-weight: bold; background: #ffebee; padding: 0 4px;"


def takes_text(widget: QWidget | None) -> bool:
    """True when typing into `widget` means text (an editable field): no scan is taken from it."""
    if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    if isinstance(widget, QAbstractSpinBox):
        return True
    return isinstance(widget, QComboBox) and widget.isEditable()


@dataclass(frozen=True)
class _HeldKey:
    target: QWidget
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    press: bool = True  # a press, or the release of a held press (a button clicks on release:
    # it must get the two in their order)


class WedgeFilter(QObject):
    """Recognises a scanner's fast code+Enter in `window` while no text field has the focus."""

    scanned = Signal(str)

    def __init__(self, window: QWidget, gap_ms: int = SCAN_GAP_MS) -> None:
        super().__init__(window)
        self._window = window
        self._gap = gap_ms / 1000.0
        self._held: list[_HeldKey] = []
        self._last = 0.0
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(gap_ms)
        self._timer.timeout.connect(self.release)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if self._replaying or not isinstance(event, QKeyEvent):
            return False
        if event.type() == QEvent.Type.KeyRelease:
            return self._hold_release(watched, event)
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        # The key's first stop: this window's focus widget (its own, which is where the window
        # system sends keys even before the window is activated), or the window itself (no
        # focus, or a key sent to it). Not a dialog's, not a parent the key bubbles up to.
        focus = self._window.focusWidget()
        if watched is not self._window and watched is not focus:
            return False
        if takes_text(focus):
            return False
        modifiers = event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if modifiers != Qt.KeyboardModifier.NoModifier:
            self.release()
            return False  # a shortcut
        now = time.monotonic()
        if self._held and now - self._last > self._gap:
            self.release()  # typed at a person's pace: those keys were meant as keys
        if event.key() in _ENTER:
            presses = [held for held in self._held if held.press]
            if len(presses) >= MIN_SCAN_CHARS:
                code = "".join(held.text for held in presses)
                self._held = []
                self._timer.stop()
                self.scanned.emit(code)
                return True
            self.release()
            return False
        text = event.text()
        if len(text) != 1 or not text.isprintable():
            self.release()
            return False
        self._held.append(_HeldKey(watched, event.key(), event.modifiers(), text))
        self._last = now
        self._timer.start()
        return True

    def _hold_release(self, watched: QObject, event: QKeyEvent) -> bool:
        """Hold the release of a held press, to hand both on in their order."""
        same = [h.press for h in self._held if h.target is watched and h.key == event.key()]
        if not isinstance(watched, QWidget) or same.count(True) <= same.count(False):
            return False  # no press of this key is held without its release
        self._held.append(
            _HeldKey(watched, event.key(), event.modifiers(), event.text(), press=False)
        )
        return True

    def release(self) -> None:
        """Hand the held keys on to where they were going: they were typed, not scanned."""
        held, self._held = self._held, []
        self._timer.stop()
        self._replaying = True
        try:
            for key in held:
                if shiboken6.isValid(key.target):
                    kind = QEvent.Type.KeyPress if key.press else QEvent.Type.KeyRelease
                    replay = QKeyEvent(kind, key.key, key.modifiers, key.text)
                    QCoreApplication.sendEvent(key.target, replay)
        finally:
            self._replaying = False


class ScanBar(QWidget):
    """The scan field and, beside it, what the last scan did."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scanBar")
        self.caption = QLabel()
        self.field = QLineEdit()
        self.field.setObjectName("scanField")
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumWidth(260)
        # Not in the tab chain's first place: the slot keys (digits, Space) keep working, and a
        # scanner's burst is recognised without the field having the focus.
        self.field.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.field.returnPressed.connect(self._submit)
        self.result = QLabel()
        self.result.setObjectName("scanResult")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.caption)
        row.addWidget(self.field)
        row.addWidget(self.result, 1)
        self.good = True
        self.retranslate()

    def retranslate(self) -> None:
        self.caption.setText(self.tr("Scan:"))
        self.field.setPlaceholderText(self.tr("scan or type a unit's code, then Enter"))
        self.field.setToolTip(
            self.tr(
                "A barcode scanner's codes are taken here even when this field is not"
                " selected; the code goes to the next slot that needs one, or to the slot"
                " whose label was scanned just before."
            )
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _submit(self) -> None:
        text = self.field.text()
        self.field.clear()
        if text.strip():
            self.submitted.emit(text)

    def say(self, text: str, good: bool) -> None:
        self.good = good
        self.result.setText(text)
        self.result.setStyleSheet(_GOOD if good else _BAD)


class ScanDesk(QObject):
    """Scans from the field, the key filter and a serial scanner to the station, one at a
    time, in order."""

    _serial_code = Signal(str)  # from the serial scanner's thread, queued to the GUI thread
    _serial_problem = Signal(str)

    def __init__(self, window: StationWindow) -> None:
        super().__init__(window)
        self._window = window
        self.bar = ScanBar()
        self.filter = WedgeFilter(window)
        self._queue: deque[str] = deque()
        self._busy = False
        self._router: ScanRouter | None = None
        self._router_station: Station | None = None
        self.serial: SerialScanner | None = None
        self.bar.submitted.connect(self.scan)
        self.filter.scanned.connect(self.scan)
        self._serial_code.connect(self.scan)
        self._serial_problem.connect(self._scanner_problem)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self.filter)

    def remove(self) -> None:
        """Stop listening to the keyboard and the serial scanner (the window closes)."""
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self.filter)
        if self.serial is not None:
            self.serial.stop()
            self.serial = None

    def start_serial(self, url: str, baud: int = 9600) -> SerialScanner:
        """Take scans from a scanner on a serial port too (`Settings.scanner_port`)."""
        if self.serial is not None:
            self.serial.stop()
        self.serial = SerialScanner(
            url, self._serial_code.emit, baud=baud, on_problem=self._serial_problem.emit
        )
        self.serial.start()
        return self.serial

    def _scanner_problem(self, text: str) -> None:
        self.bar.say(self.tr("Scanner: %1").replace("%1", text), good=False)

    def scan(self, text: str) -> None:
        self._queue.append(text)
        self._next()

    @property
    def idle(self) -> bool:
        return not self._busy and not self._queue

    def router(self) -> ScanRouter | None:
        station = self._window.station
        if station is None:
            return None
        target = self._window.settings.scan_target
        if self._router is None or self._router_station is not station:
            self._router = ScanRouter(station, target, self._slot_port)
            self._router_station = station
        self._router.target = target
        return self._router

    def _slot_port(self, number: int) -> str | None:
        tile = self._window.grid.tile_for_slot(number)
        return tile.port if tile is not None else None

    def _next(self) -> None:
        if self._busy or not self._queue:
            return
        text = self._queue.popleft()
        router = self.router()
        if router is None:
            self._queue.clear()
            self.bar.say(self.tr("No station is running."), good=False)
            return
        self._busy = True
        self._window.run_task("scan", lambda: router.scan(text), self._done, self._failed)

    def _done(self, outcome: ScanOutcome) -> None:
        self._busy = False
        self.bar.say(self.words(outcome), outcome.ok)
        self._next()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self._queue.clear()
        self._window.show_error(error)

    def _slot(self, port: str) -> str:
        tile = self._window.grid.tiles.get(port)
        return str(tile.number) if tile is not None and tile.number else port

    def words(self, outcome: ScanOutcome) -> str:
        """What the bar says about a scan, in the window's language."""
        code = outcome.code
        kind = outcome.kind
        if kind is ScanKind.BOUND:
            return (
                self.tr("%1 → slot %2").replace("%1", code).replace("%2", self._slot(outcome.port))
            )
        if kind is ScanKind.SLOT_PICKED:
            return self.tr("Slot %1: now scan the unit's code.").replace(
                "%1", self._slot(outcome.port)
            )
        if kind is ScanKind.NO_PORT:
            return self.tr("%1: no slot is waiting for a code.").replace("%1", code)
        if kind is ScanKind.SLOT_FIRST:
            return self.tr("%1: scan the slot's label first.").replace("%1", code)
        if kind is ScanKind.UNKNOWN_SLOT:
            return self.tr("%1: there is no such slot here.").replace("%1", code)
        error = outcome.error
        if isinstance(error, CodeError):
            if error.why is Refusal.MALFORMED:
                return (
                    self.tr("Refused: %1 is not this product's code (expected %2).")
                    .replace("%1", error.scanned)
                    .replace("%2", error.other)
                )
            if error.why is Refusal.BOUND_ELSEWHERE:
                return (
                    self.tr("Refused: %1 is already bound to slot %2.")
                    .replace("%1", error.scanned)
                    .replace("%2", self._slot(error.other))
                )
            if error.why is Refusal.BUSY:
                return self.tr(
                    "Refused: slot %1 is writing a chip; scan the next unit after it."
                ).replace("%1", self._slot(error.other))
            if error.why is Refusal.EMPTY:
                return self.tr("Refused: the scan is empty.")
            if error.why is Refusal.CONTROL:
                return self.tr(
                    "Refused: the scan holds control characters; check the scanner's setup."
                )
        return self.tr("Refused: %1").replace("%1", error_text(error) if error else code)


def install_scan_ui(window: StationWindow, layout: QVBoxLayout, index: int) -> ScanDesk:
    """The scan bar at `index` in `layout` (above the tiles) and the keyboard filter."""
    desk = ScanDesk(window)
    layout.insertWidget(index, desk.bar)
    if window.settings.scanner_port:  # read at start: a changed port takes a restart
        desk.start_serial(window.settings.scanner_port, window.settings.scanner_baud)
    return desk
