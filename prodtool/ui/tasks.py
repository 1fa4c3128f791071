"""Background work that reports back by posting, never by touching widgets (after Picard).

Loading a package runs scrypt for about a second; the GUI thread must not wait for it. A
`Task` runs a function on a plain Python thread and emits `succeeded(result)` or
`failed(exception)`; Qt delivers both on the GUI thread because the task object lives there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class Task(QObject):
    """One function on one worker thread; the result comes back as a signal."""

    succeeded = Signal(object)
    failed = Signal(object)  # the exception

    def __init__(
        self, name: str, function: Callable[[], Any], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._function = function
        self._thread = threading.Thread(target=self._run, name=f"prodtool-ui-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            result = self._function()
        except Exception as error:  # noqa: BLE001 - handed to the GUI thread, which decides
            self.failed.emit(error)
        else:
            self.succeeded.emit(result)

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)
