"""Starting the window: one QApplication, the language, the station, and (for --demo) chips.

`run()` is what `prodtool gui` calls. The Qt import lives here and in the other ui modules only,
so the rest of the command line never loads Qt.
"""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack
from dataclasses import dataclass

from PySide6.QtCore import QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler
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


def build_window(
    paths: StationPaths, settings: Settings | None = None, language: str | None = None
) -> StationWindow:
    settings = settings if settings is not None else load_settings(paths.settings)
    translations = Translations()
    if not translations.switch(resolve_language(language or settings.language)):
        translations.switch("en")
    return StationWindow(paths, settings, translations)


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
        window.show()
        if not options.demo and not options.self_test:  # whoever installs sets the PIN
            QTimer.singleShot(0, lambda: window.supervisor.first_start(window))
        if options.self_test:
            QTimer.singleShot(SELF_TEST_MS, window.close)
        code = app.exec()
    if options.self_test:
        print("prodtool gui: self-test passed")
    return int(code)
