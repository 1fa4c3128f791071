"""The one place where engine events cross from worker threads to the GUI thread.

The engine calls `StationBridge.post` from its worker threads. Rare events (a port appears, a
state changes, a job ends) are re-emitted at once as Qt signals; Qt queues them to the GUI thread
because the bridge lives there. Frequent ones are coalesced: only the newest `Progress` per port
and a batch of log lines are handed over, at most `FLUSH_MS` apart, so 32 ports writing at full
speed cost the GUI thread about ten updates a second.

Rare events posted from worker threads are queued and handed over in slices of at most
`SLICE_MS`, with the event loop running in between: 32 ports changing state in the same instant
would otherwise restyle 32 tiles in one go while 32 worker threads compete for the GIL, a stall
of hundreds of milliseconds. Events posted on the GUI thread itself are emitted at once.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from prodtool.flash.events import (
    ChipIdentified,
    JobFinished,
    LicenseAssigned,
    LogLine,
    PortAdded,
    PortEvent,
    PortRemoved,
    Progress,
    StateChanged,
)

FLUSH_MS = 100
SLICE_MS = 10  # GUI time per slice of queued events before the event loop runs again


class StationBridge(QObject):
    """Engine events in, Qt signals out (delivered on the GUI thread)."""

    port_added = Signal(object)  # PortAdded
    port_removed = Signal(object)  # PortRemoved
    state_changed = Signal(object)  # StateChanged
    progressed = Signal(object)  # Progress (the newest per port)
    chip_identified = Signal(object)  # ChipIdentified
    license_assigned = Signal(object)  # LicenseAssigned
    log_lines = Signal(object)  # list[LogLine], oldest first
    job_finished = Signal(object)  # JobFinished
    _wake = Signal()  # a worker queued the first rare event since the last drain

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._progress: dict[str, Progress] = {}
        self._lines: list[LogLine] = []
        self._queue: deque[PortEvent] = deque()
        self._wake.connect(self._drain)  # queued: emitted from worker threads
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def post(self, event: PortEvent) -> None:
        """The engine's subscriber: safe to call from any thread; touches no widget."""
        if isinstance(event, Progress):
            with self._lock:
                self._progress[event.port] = event
            return
        if isinstance(event, LogLine):
            with self._lock:
                self._lines.append(event)
            return
        if QThread.currentThread() is not self.thread():
            with self._lock:
                self._queue.append(event)
                first = len(self._queue) == 1
            if first:
                self._wake.emit()
            return
        self._emit(event)

    def _drain(self) -> None:
        """On the GUI thread: emit queued events for up to SLICE_MS, then let the loop run."""
        deadline = time.monotonic() + SLICE_MS / 1000
        while True:
            with self._lock:
                if not self._queue:
                    return
                event = self._queue[0]
            self._emit(event)
            with self._lock:
                self._queue.popleft()
                more = bool(self._queue)
            if more and time.monotonic() >= deadline:
                QTimer.singleShot(0, self._drain)
                return

    def _emit(self, event: PortEvent) -> None:
        signal = {
            PortAdded: self.port_added,
            PortRemoved: self.port_removed,
            StateChanged: self.state_changed,
            ChipIdentified: self.chip_identified,
            LicenseAssigned: self.license_assigned,
            JobFinished: self.job_finished,
        }.get(type(event))
        if signal is not None:
            signal.emit(event)

    def flush(self) -> None:
        """On the GUI thread: emit what was coalesced since the last flush."""
        with self._lock:
            progress = list(self._progress.values())
            self._progress.clear()
            lines = self._lines
            self._lines = []
        if lines:
            self.log_lines.emit(lines)
        for event in progress:
            self.progressed.emit(event)

    def stop(self) -> None:
        self._timer.stop()
        while self._queue:
            self._drain()
        self.flush()
