"""Starting the window: one QApplication, the language, the station, and (for --demo) chips.

`run()` is what `prodtool gui` calls. The Qt import lives here and in the other ui modules only,
so the rest of the command line never loads Qt.
"""

from __future__ import annotations

import gc
import logging
import signal
import socket
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

from PySide6.QtCore import (
    QMessageLogContext,
    QSocketNotifier,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from prodtool.paths import StationPaths
from prodtool.settings import Settings, load_settings
from prodtool.ui.i18n import Translations, resolve_language
from prodtool.ui.resources import icon_path
from prodtool.ui.window import StationWindow

SELF_TEST_MS = 300
# Said by Qt's offscreen platform on every window; it is not a problem of ours.
_QT_NOISE = ("This plugin does not support propagateSizeHints",)
_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
_qt_log = logging.getLogger("prodtool.ui.qt")


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's own messages go to the log like ours (a warning still shows; known noise does not)."""
    if not message.startswith(_QT_NOISE):
        _qt_log.log(_LEVELS.get(kind, logging.WARNING), "%s", message)


@dataclass(frozen=True)
class GuiOptions:
    demo: bool = False
    ports: int = 8
    language: str | None = None
    self_test: bool = False
    faults: tuple[str, ...] = ()  # fault specs for the first simulated chip (demo only)


def application() -> QApplication:
    """The process's one QApplication (tests get pytest-qt's)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    qInstallMessageHandler(_qt_message)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("prodtool")
    app.setOrganizationName("prodtool")
    app.setWindowIcon(QIcon(str(icon_path())))
    return app


# SIGHUP: the terminal or the session went away (a logout); Windows has none.
QUIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def quit_on_signals(window: StationWindow) -> Callable[[], None]:
    """SIGINT (Ctrl+C), SIGTERM and SIGHUP (logout) stop the window as Quit does, minus the
    question: jobs stop at a safe point, licenses are settled, the process exits 0.

    Qt's event loop runs no Python code while it waits, so a Python signal handler alone would
    run only at the next event. The C-level handler writes the signal's number to a socket
    (`signal.set_wakeup_fd`) that a QSocketNotifier watches, which wakes the loop at once.
    Returns a function that puts the previous handlers back."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {number: signal.signal(number, lambda *_: None) for number in QUIT_SIGNALS}
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)

    def woken() -> None:
        try:
            data = reader.recv(64)
        except BlockingIOError:
            return
        if any(number in data for number in QUIT_SIGNALS):
            window.quit_now()

    notifier.activated.connect(woken)

    def restore() -> None:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(previous_fd)
        for number, handler in previous.items():
            signal.signal(number, handler)
        reader.close()
        writer.close()

    return restore


def build_window(
    paths: StationPaths, settings: Settings | None = None, language: str | None = None
) -> StationWindow:
    settings = settings if settings is not None else load_settings(paths.settings)
    translations = Translations()
    if not translations.switch(resolve_language(language or settings.language)):
        translations.switch("en")
    return StationWindow(paths, settings, translations)


def settle_heap() -> None:
    """Collect once, then leave what start-up made out of later full collections (`gc.freeze`).
    A full collection walks every object the process holds: Qt's wrappers, the imports, the
    window, some 90,000, 50-70 ms on the bench's machine, all of it a frozen window. One came
    in the middle of `bench_window`'s 32 ports: a 63 ms stall. Later ones walk only what was
    made since."""
    gc.collect()
    gc.freeze()


def run(paths: StationPaths, options: GuiOptions) -> int:
    app = application()
    window = build_window(paths, language=options.language)
    with ExitStack() as stack:
        stack.callback(window.shutdown)
        if options.demo:
            from prodtool.ui.demo import start_demo  # noqa: PLC0415 - only for --demo

            farm = start_demo(window, stack, ports=options.ports)
            if options.faults:
                from prodtool.sim import parse_fault  # noqa: PLC0415 - demo only

                for spec in options.faults:
                    farm.chips[0].add_fault(parse_fault(spec))
        else:
            from prodtool.engine.station import Station  # noqa: PLC0415 - heavy, after Qt is up

            station = Station(paths, window.settings)
            stack.callback(station.close)
            stack.callback(window.shutdown)  # runs first: stops the jobs, then the ledger closes
            window.attach(station)
            station.watch_hotplug()
        stack.callback(quit_on_signals(window))
        app.commitDataRequest.connect(lambda _manager: window.quit_now())  # the session ends
        window.show_where_left()
        print(f"prodtool gui: window open ({app.platformName()})", flush=True)
        if not options.demo and not options.self_test:  # whoever installs sets the PIN
            QTimer.singleShot(0, lambda: window.supervisor.first_start(window))
        if options.self_test:
            QTimer.singleShot(SELF_TEST_MS, window.close)
        settle_heap()
        code = app.exec()
    if options.self_test:
        print("prodtool gui: self-test passed")
    return int(code)
