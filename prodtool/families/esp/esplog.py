"""One process-wide esptool logger that routes each message to the port whose thread wrote it.

esptool v5 logs through a single object per process (esptool issue 1102), so with 32 ports
writing at once its progress bars would mix. `install()` replaces it with `ThreadRoutedLog`,
which looks up the sink the calling thread registered with `route(sink)`: every job's worker
thread sets its own sink, so progress and messages reach the right port's events and transcript.
Messages from threads without a sink go to Python logging at DEBUG level.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from esp_pylib.logger import EspLog, EspLogBase
from esptool.reset import ResetStrategy

from prodtool.redact import redact_text

_log = logging.getLogger(__name__)


class EsptoolSink(Protocol):
    """Where one port's esptool output goes."""

    def esptool_message(self, level: str, text: str) -> None: ...

    def esptool_progress(self, done: int, total: int) -> None: ...


class ThreadRoutedLog(EspLogBase):
    """esptool's logger interface, dispatching on the calling thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def sink(self) -> EsptoolSink | None:
        return getattr(self._local, "sink", None)

    def set_sink(self, sink: EsptoolSink | None) -> None:
        self._local.sink = sink
        self._local.line = ""

    def _emit(self, level: str, text: str) -> None:
        text = redact_text(text)
        sink = self.sink()
        if sink is None:
            _log.debug("esptool %s: %s", level, text)
        else:
            sink.esptool_message(level, text)

    def print(self, *args: Any, **kwargs: Any) -> None:
        end = kwargs.get("end", "\n")
        line = getattr(self._local, "line", "") + " ".join(str(a) for a in args) + str(end)
        *done, rest = line.split("\n")
        self._local.line = rest
        for text in done:
            if text.strip():
                self._emit("info", text.strip())

    def err(self, *args: Any, suggestion: str | None = None) -> None:
        self._emit("error", " ".join(str(a) for a in args))

    def warn(self, *args: Any, suggestion: str | None = None) -> None:
        self._emit("warning", " ".join(str(a) for a in args))

    # esptool still calls the older names on its logger
    def warning(self, message: str, suggestion: str | None = None) -> None:
        self.warn(message)

    def error(self, message: str, suggestion: str | None = None) -> None:
        self.err(message)

    def note(self, *args: Any) -> None:
        self._emit("info", " ".join(str(a) for a in args))

    def hint(self, *args: Any) -> None:
        self._emit("info", " ".join(str(a) for a in args))

    def debug(self, *args: Any) -> None:
        """esptool's debug output is dropped: too much for a port's log."""

    def set_verbosity(self, mode: int | str) -> None:
        """Verbosity is per port in prodtool; esptool's global setting is ignored."""

    def progress_bar(
        self,
        cur_iter: int,
        total_iters: int,
        prefix: str = "",
        suffix: str = "",
        bar_length: int = 30,
    ) -> None:
        sink = self.sink()
        if sink is not None:
            sink.esptool_progress(cur_iter, total_iters)


class _RoutedNote:
    """esptool's reset strategies warn through `PrintOnce(log.warn)`, bound when esptool is
    imported: to its default logger (the terminal), and once per process. This one goes through
    the routed logger on every call, so each port's transcript notes its own reset."""

    def __call__(self, text: str) -> None:
        router = _installed
        if router is not None:
            router.note(text)


_installed: ThreadRoutedLog | None = None
_install_lock = threading.Lock()


def install() -> ThreadRoutedLog:
    """Make `ThreadRoutedLog` esptool's logger (once per process) and return it."""
    global _installed  # noqa: PLW0603 - esptool's logger is process-wide by design
    with _install_lock:
        if _installed is None or EspLog.instance is not _installed:
            _installed = _installed or ThreadRoutedLog()
            EspLog.set_logger(_installed)
            ResetStrategy.print_once = _RoutedNote()  # "Chip was NOT reset" on ptys
        return _installed


@contextmanager
def route(sink: EsptoolSink) -> Iterator[None]:
    """Send esptool output from this thread to `sink` while inside."""
    router = install()
    previous = router.sink()
    router.set_sink(sink)
    try:
        yield
    finally:
        router.set_sink(previous)
