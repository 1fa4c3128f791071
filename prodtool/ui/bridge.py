"""The one place where engine events cross from worker threads to the GUI thread.

The engine calls `StationBridge.post` from its worker threads. The bridge never hands the GUI one
event at a time: it queues them, and each hand-over gives the listeners one `EventBatch` with
every event that arrived since the last one, in the order they were posted, plus the newest
`Progress` per port. The window applies a whole batch to its models and then redraws each
touched tile once, adds all new log lines in one go and refreshes the counters once.

Per-event work is what made the window stall with 32 ports: while 32 worker threads compete for
the GIL, every call that lets go of it costs the GUI thread up to a thread-switch interval (or
several) to get it back. A Qt signal emission is such a call, even on the GUI thread with a
Python slot, so the batch goes to its listeners as a plain Python call (`listen`): the only GIL
round trip left is the one entry into Python per hand-over, however many events it carries.

When a hand-over happens:
- a rare event (a port appears or goes, a state changes, a job ends...) posted from a worker
  starts a `WAKE_MS` single-shot timer on the GUI thread (one queued signal, straight to the
  timer's C++ slot, for the first event since the last hand-over); the events of that instant
  (32 ports often change state together) then go over together;
- a rare event posted on the GUI thread itself starts the same timer (no signal needed);
- `Progress` and `LogLine` are frequent and never wake it: they go with the next hand-over, and a
  timer makes one at least every `FLUSH_MS` while any are waiting (about ten a second).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QMetaMethod, QObject, QThread, QTimer, Signal

from prodtool.flash.events import LogLine, PortEvent, Progress

FLUSH_MS = 100
WAKE_MS = 10  # how long the first rare event waits for others to go over with it
MAX_BATCH = 5000  # events per hand-over; more wait for the next turn of the event loop


@dataclass(frozen=True)
class EventBatch:
    """What arrived since the last hand-over."""

    events: tuple[PortEvent, ...]  # everything but Progress, oldest first
    progress: tuple[Progress, ...]  # the newest per port; applies after `events`

    def __bool__(self) -> bool:
        return bool(self.events or self.progress)


BatchListener = Callable[[EventBatch], None]


class StationBridge(QObject):
    """Engine events in, one batch per hand-over out to the listeners (on the GUI thread)."""

    # Each Progress of a batch, for observers; emitted only while something is connected, because
    # every emission costs the GUI thread a GIL round trip.
    progressed = Signal(object)
    _wake = Signal()  # a worker queued the first rare event since the last hand-over

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._progress: dict[str, Progress] = {}
        self._queue: list[PortEvent] = []
        self._woken = False  # a wake-up is on its way to the GUI thread
        self._draining = False
        self._listeners: list[BatchListener] = []
        self._progressed_method = QMetaMethod.fromSignal(self.progressed)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(WAKE_MS)
        self._soon.timeout.connect(self._drain)
        self._wake.connect(self._soon.start)  # queued (emitted from workers); a C++ slot
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._drain)
        self._timer.start()

    def listen(self, listener: BatchListener) -> None:
        """Call `listener(batch)` on the GUI thread for every hand-over, in the order added."""
        self._listeners.append(listener)

    def post(self, event: PortEvent) -> None:
        """The engine's subscriber: safe to call from any thread; touches no widget."""
        frequent = isinstance(event, Progress | LogLine)
        with self._lock:
            if isinstance(event, Progress):
                self._progress[event.port] = event
            else:
                self._queue.append(event)
            wake = not frequent and not self._woken
            if wake:
                self._woken = True
        if not wake:
            return
        if QThread.currentThread() is self.thread():
            self._soon.start()
        else:
            self._wake.emit()

    def _take(self) -> EventBatch:
        with self._lock:
            events = self._queue[:MAX_BATCH]
            del self._queue[:MAX_BATCH]
            more = bool(self._queue)
            progress = tuple(self._progress.values()) if not more else ()
            if not more:
                self._progress.clear()
            self._woken = more
        if more:  # a flood: the rest after the event loop has had a turn
            QTimer.singleShot(0, self._drain)
        return EventBatch(events=tuple(events), progress=progress)

    def _drain(self) -> None:
        """On the GUI thread: hand over everything waiting, as one batch."""
        if self._draining:  # a listener called `flush`: after this batch
            QTimer.singleShot(0, self._drain)
            return
        self._draining = True
        try:
            batch = self._take()
            if not batch:
                return
            for listener in self._listeners:
                listener(batch)
            if batch.progress and self.isSignalConnected(self._progressed_method):
                for event in batch.progress:
                    self.progressed.emit(event)
        finally:
            self._draining = False

    def flush(self) -> None:
        """On the GUI thread: hand over what is waiting now (tests; closing)."""
        self._drain()

    def stop(self) -> None:
        self._timer.stop()
        self._soon.stop()
        while not self._draining:
            with self._lock:
                pending = bool(self._queue or self._progress)
            if not pending:
                return
            self._drain()
