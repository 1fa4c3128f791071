"""The station window: package on the left, counters and port tiles in the middle, log below.

All engine events arrive through one `StationBridge` (GUI thread). Anything that waits on a disk
or a CPU-heavy key derivation (loading a package, exporting, saving settings) runs as a `Task`
and reports back by signal, so the window never freezes in front of the technician.

Slots have fixed numbers bound to the adapter's USB path (`engine.slots`); the keyboard picks a
slot by its number and Space starts it. Quitting or stopping while chips are written asks first
and offers to let them finish; a signal (Ctrl+C, SIGTERM, logout) stops them at a safe point
without asking (`quit_now`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from prodtool.engine.export import export_log, last_export
from prodtool.engine.port_names import BadPortNameError, HiddenPort, check_port_name, ignored_ports
from prodtool.engine.slots import SlotBook, SlotError, slot_key
from prodtool.engine.support import build_bundle, default_bundle_name
from prodtool.errors import UserError
from prodtool.flash.events import (
    JobFinished,
    JobState,
    LicenseAssigned,
    LogLine,
    PortAdded,
    PortEvent,
    PortRemoved,
    Reason,
    StateChanged,
)
from prodtool.license.model import Manifest
from prodtool.license.trust import TrustStore
from prodtool.paths import StationPaths
from prodtool.settings import Settings
from prodtool.supervisor_pin import attempts_path, pin_hash_on_disk, save_keeping_pin
from prodtool.ui.bridge import EventBatch, StationBridge
from prodtool.ui.counters import CountersPanel
from prodtool.ui.fleet_panel import install_pool_ui
from prodtool.ui.folders import Folders, ask_save_path
from prodtool.ui.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Translations,
    current_language,
    resolve_language,
)
from prodtool.ui.ledger_panel import LedgerPanel
from prodtool.ui.line_menu import install_line_ui
from prodtool.ui.log_panel import LogPanel
from prodtool.ui.log_words import step_sentence
from prodtool.ui.messages import error_text
from prodtool.ui.notice import Notice
from prodtool.ui.package_info import PackageInfo, from_manifest
from prodtool.ui.package_loader import PackageLoader
from prodtool.ui.package_panel import PackagePanel
from prodtool.ui.port_grid import PortGrid
from prodtool.ui.qa_page import QaPage
from prodtool.ui.reasons import reason_sentence
from prodtool.ui.resources import icon_path
from prodtool.ui.scan_field import install_scan_ui
from prodtool.ui.settings_dialog import SettingsDialog
from prodtool.ui.shift import ShiftStats
from prodtool.ui.slot_menu import SlotMenu
from prodtool.ui.slot_tray import SlotTray
from prodtool.ui.states import state_word
from prodtool.ui.supervisor import Supervisor
from prodtool.ui.tasks import Task
from prodtool.ui.trust_dialog import TrustDialog

if TYPE_CHECKING:  # the engine is imported by whoever builds the Station
    from prodtool.engine.station import Station, Summary

TICK_MS = 1000
MIN_SIZE = (1024, 640)
SLOT_KEY_MS = 900  # digits typed within this time make one slot number ("1", "2": slot 12)


class Running(Enum):
    """What to do with chips being written when the operator quits or presses Stop."""

    FINISH = "finish"  # let them finish, then quit (or: let this one finish)
    STOP = "stop"  # stop now: the modules are left half-written
    STAY = "stay"  # changed my mind


class StationWindow(QMainWindow):
    def __init__(
        self,
        paths: StationPaths,
        settings: Settings,
        translations: Translations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.settings = settings
        self.translations = translations
        self._licenses_warning = ""  # the last one said, so a refresh does not repeat it
        self.station: Station | None = None
        self.package: PackageInfo | None = None
        self.demo_mode = False
        self._tasks: set[Task] = set()
        self._summary_due = False
        self._unsaved = False
        self.folders = Folders(paths.root / "ui-folders.json")
        self.loader = PackageLoader(self)
        self._pin_seen = settings.supervisor_pin_hash  # as last read from or written to disk
        self.supervisor = Supervisor(
            self._settings_with_disk_pin, self._store_settings, attempts_path(paths)
        )
        self._quit_when_idle = False
        self._quitting_now = False
        self._slot_digits = ""
        self._slot_digits_timer = QTimer(self)
        self._slot_digits_timer.setSingleShot(True)
        self._slot_digits_timer.setInterval(SLOT_KEY_MS)
        self._slot_digits_timer.timeout.connect(self._pick_typed_slot)
        self.setWindowIcon(QIcon(str(icon_path())))

        self.bridge = StationBridge(self)
        self.stats = ShiftStats()
        self._shift_file = paths.root / "shift.json"
        self._last_package_file = paths.root / "last-package"
        self._shift_dirty = False
        self.stats.load(self._shift_file)  # a restart keeps the shift's counters
        self.notice = Notice()
        self.package_panel = PackagePanel()
        self.counters = CountersPanel(self.stats)
        self.grid = PortGrid()
        self.attention = QLabel()
        self.attention.setObjectName("attention")
        self.attention.setFixedHeight(26)
        self.slot_book: SlotBook | None = None
        try:
            self.slot_book = SlotBook(paths.root / "slots.json")
        except SlotError as error:
            self.notice.say(error_text(error), "error")
        self.grid.numbering = self._slot_of
        self.tray = SlotTray(self._in_tray, self._where)  # adapters bound to no slot
        self.tray.set_fixed(self.slot_book is not None and self.slot_book.fixed)
        self.log_panel = LogPanel()
        self._build_layout()
        self._build_actions()
        self._connect()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.pool_ui = install_pool_ui(self)  # the license pool's page and fleet panel
        self.line_ui = install_line_ui(self)  # sign-in, operators, label preview and reprint
        self.retranslate()
        self.setMinimumSize(*MIN_SIZE)
        self.resize(1400, 900)

    # ------------------------------------------------------------------ construction
    def _build_layout(self) -> None:
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.counters)
        self.scan_desk = install_scan_ui(self, middle_layout, 1)  # scans without a click
        middle_layout.addWidget(self.attention)
        middle_layout.addWidget(self.grid, 1)
        middle_layout.addWidget(self.tray)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.package_panel)
        top.addWidget(middle)
        top.setStretchFactor(1, 1)
        top.setSizes([260, 1140])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.log_panel)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([760, 120])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        self.load_action = QAction(self)
        self.load_action.setShortcut(QKeySequence.StandardKey.Open)
        self.load_action.triggered.connect(self.choose_package)
        self.export_action = QAction(self)
        self.export_action.triggered.connect(self.choose_export)
        self.export_new_action = QAction(self)
        self.export_new_action.triggered.connect(self.choose_export_since_last)
        self.auto_start_action = QAction(self)
        self.auto_start_action.setCheckable(True)
        self.auto_start_action.setChecked(self.settings.auto_start)
        self.auto_start_action.toggled.connect(self.set_auto_start)
        self.start_all_action = QAction(self)
        self.start_all_action.triggered.connect(self.start_all_waiting)
        self.retry_failed_action = QAction(self)
        self.retry_failed_action.triggered.connect(self.retry_all_failed)
        self.notices_action = QAction(self)
        self.notices_action.triggered.connect(self.show_notices)
        self.new_shift_action = QAction(self)
        self.new_shift_action.triggered.connect(self.new_shift)
        self.reload_action = QAction(self)
        self.reload_action.triggered.connect(self.reload_last_package)
        self.settings_action = QAction(self)
        self.settings_action.triggered.connect(self.edit_settings)
        self.qa_action = QAction(self)
        self.qa_action.triggered.connect(lambda _=False: self.open_qa())
        self.trust_action = QAction(self)
        self.trust_action.triggered.connect(self.open_trust)
        self.release_action = QAction(self)
        self.release_action.triggered.connect(self.open_ledger)
        self.change_pin_action = QAction(self)
        self.change_pin_action.triggered.connect(self.change_pin)
        self.fix_slots_action = QAction(self)
        self.fix_slots_action.setCheckable(True)
        self.fix_slots_action.setChecked(self.tray.fixed)
        self.fix_slots_action.triggered.connect(self.set_slots_fixed)
        self.operator_action = QAction(self)
        self.operator_action.triggered.connect(self.ask_operator)
        self.add_port_action = QAction(self)
        self.add_port_action.triggered.connect(self.ask_add_port)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGES.items():
            action = QAction(name, self)
            action.setCheckable(True)
            action.setChecked(code == self.translations.language)
            action.triggered.connect(lambda _=False, code=code: self.choose_language(code))
            self.language_group.addAction(action)
            self.language_actions[code] = action

        self.toolbar = QToolBar()
        self.toolbar.setObjectName("main")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.load_action,
            self.auto_start_action,
            self.start_all_action,
            self.retry_failed_action,
            self.export_action,
        ):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.notice_action = self.toolbar.addWidget(self.notice)
        self.notice.on_visible = self.notice_action.setVisible
        self.notice_action.setVisible(False)
        self.toolbar.setFixedHeight(40)  # the same with or without a notice: nothing moves
        self.addToolBar(self.toolbar)
        self._style_auto_start()
        bar = self.menuBar()
        self.station_menu = bar.addMenu("")
        for action in (self.load_action, self.export_action, self.auto_start_action):
            self.station_menu.addAction(action)
        self.station_menu.insertAction(self.auto_start_action, self.export_new_action)
        self.station_menu.addAction(self.reload_action)
        self.station_menu.addAction(self.new_shift_action)
        self.station_menu.addAction(self.start_all_action)
        self.station_menu.addAction(self.retry_failed_action)
        self.station_menu.addAction(self.qa_action)
        self.station_menu.addAction(self.operator_action)
        self.station_menu.addAction(self.add_port_action)
        self.station_menu.addAction(self.notices_action)
        self.station_menu.addSeparator()
        self.station_menu.addAction(self.quit_action)
        self.supervisor_menu = bar.addMenu("")
        self.supervisor_menu.addAction(self.settings_action)
        self.supervisor_menu.addAction(self.trust_action)
        self.supervisor_menu.addAction(self.release_action)
        self.supervisor_menu.addAction(self.change_pin_action)
        self.supervisor_menu.addAction(self.fix_slots_action)
        self.language_menu = bar.addMenu("")
        for action in self.language_actions.values():
            self.language_menu.addAction(action)

    def _connect(self) -> None:
        grid = self.grid
        self.bridge.listen(self.apply_batch)
        grid.support_requested.connect(self.choose_bundle)
        grid.start_requested.connect(lambda port: self._on_station("start", port))
        grid.retry_requested.connect(lambda port: self._on_station("retry", port))
        grid.cancel_requested.connect(self.stop_port)
        # right-click a tile: "QA this slot…", "Rename or renumber this slot…" (supervisor)
        self.slot_menu = SlotMenu(grid, self.open_qa, self.edit_slot, self.send_to_tray)
        grid.slot_menu_requested.connect(self.slot_menu.open_for)
        self.tray.assign_requested.connect(self.assign_from_tray)
        self.package_panel.load_requested.connect(self.choose_package)
        self.package_panel.file_dropped.connect(lambda path: self.load_file(Path(path)))

    # ------------------------------------------------------------------ the engine
    def attach(self, station: Station) -> None:
        """Listen to `station`; its events may come from any thread (the bridge handles that)."""
        self.station = station
        station.subscribe(self.bridge.post)
        station.set_start_gate(self._may_start)  # nothing starts on an adapter in the tray
        station.set_auto_start(self.auto_start_action.isChecked())
        known: list[PortEvent] = []
        for info in station.ports():  # ports added before we listened
            known.append(PortAdded(port=info.port, description=info.description))
            known.append(StateChanged(port=info.port, state=info.state))
            self.log_panel.add_port(info.port)
        self.grid.apply(self.tray.take(known))
        if station.manifest is not None:
            self.show_package(from_manifest(station.manifest, station.manifest.package_id))
        else:
            QTimer.singleShot(0, self._offer_last_package)
        self._summary_due = True
        self.say_hidden_ports()

    def _on_station(self, verb: str, port: str) -> None:
        if self.station is None:
            self.notice.say(self.tr("No station is running."), "warn")
            return
        if self._quit_when_idle:
            return  # finishing the running chips before quitting: nothing new starts
        station = self.station
        try:
            started = getattr(station, verb)(port)
        except UserError as error:
            self.show_error(error)
            return
        if verb in {"start", "retry"} and not started:
            why = station.why_not_start(port)
            if why:
                self.notice.say(self.tr("Nothing started: %1.").replace("%1", why), "warn")

    # ------------------------------------------------------------------ slots
    def _slot_of(self, port: str) -> tuple[int, str]:
        """The slot number and name bound to where `port`'s adapter is plugged in."""
        if self.slot_book is None:
            return 0, ""
        location = self.station.location(port) if self.station is not None else ""
        try:
            entry = self.slot_book.slot_for(slot_key(port, location))
        except SlotError as error:
            self.show_error(error)
            return 0, ""
        return entry.number, entry.name

    def edit_slot(self, port: str) -> None:
        """Supervisor: rename a slot or give it another number (the other slot swaps)."""
        tile = self.grid.tiles.get(port)
        if tile is None or self.slot_book is None or self.station is None:
            return
        if not self.supervisor.authorize(self, self.tr("Changing a slot")):
            self.notice.say(self.tr("Wrong PIN: the slot was not changed."), "error")
            return
        key = slot_key(port, self.station.location(port))
        name, ok = QInputDialog.getText(
            self,
            self.tr("Slot %1").replace("%1", str(tile.number)),
            self.tr("Name:"),
            text=tile.slot_name,
        )
        if not ok:
            return
        number, ok = QInputDialog.getInt(
            self,
            self.tr("Slot %1").replace("%1", str(tile.number)),
            self.tr("Number:"),
            tile.number,
            1,
            999,
        )
        if not ok:
            return
        self.assign_slot(key, number, name)

    def assign_slot(self, key: str, number: int, name: str) -> None:
        if self.slot_book is None:
            return
        try:
            self.slot_book.rename(key, name)
            self.slot_book.renumber(key, number)
        except SlotError as error:
            self.show_error(error)
            return
        self.grid.renumber()

    # ------------------------------------------------------------------ the tray
    def _where(self, port: str) -> str:
        return self.station.location(port) if self.station is not None else ""

    def _in_tray(self, port: str) -> bool:
        """The adapter on `port` is bound to no slot and gets none on its own."""
        book = self.slot_book
        return book is not None and book.in_tray(slot_key(port, self._where(port)))

    def _may_start(self, port: str, location: str) -> bool:
        """The station's start gate (its threads call it): not on an adapter in the tray."""
        book = self.slot_book
        return book is None or not book.in_tray(slot_key(port, location))

    def set_slots_fixed(self, fixed: bool) -> None:
        """Supervisor: with fixed slots an adapter seen for the first time waits in the tray."""
        book = self.slot_book
        if book is None or not self.supervisor.authorize(self, self.tr("Changing the slots")):
            self.fix_slots_action.setChecked(not fixed)
            self.notice.say(self.tr("The slots were not changed."), "warn")
            return
        try:
            book.set_fixed(fixed)
        except SlotError as error:
            self.fix_slots_action.setChecked(not fixed)
            self.show_error(error)
            return
        self.tray.set_fixed(fixed)

    def assign_from_tray(self, port: str) -> None:
        """Supervisor: give an adapter in the tray a slot; the slot's own adapter, if it has
        one plugged in, goes to the tray in its place (a swapped-out adapter)."""
        book, station = self.slot_book, self.station
        if book is None or station is None or port not in self.tray.buttons:
            return
        if not self.supervisor.authorize(self, self.tr("Assigning an adapter to a slot")):
            self.notice.say(self.tr("Wrong PIN: the slot was not changed."), "error")
            return
        suggested = min(self.grid.empty_slots, default=book.free_number())
        number, ok = QInputDialog.getInt(
            self,
            self.tr("Assign %1 to a slot").replace("%1", port),
            self.tr("Slot number:"),
            suggested,
            1,
            999,
        )
        if not ok:
            return
        holder = self.grid.tile_for_slot(number)
        if holder is not None and holder.state.is_busy:
            self.notice.say(
                self.tr("Slot %1 is writing a chip: assign it when it is done.").replace(
                    "%1", str(number)
                ),
                "warn",
            )
            return
        try:
            book.assign(slot_key(port, self._where(port)), number)
        except SlotError as error:
            self.show_error(error)
            return
        description = self.tray.description(port)
        self.tray.remove(port)
        if holder is not None:  # its adapter now waits in the tray
            self.grid.apply([PortRemoved(port=holder.port)])
            self.tray.add(holder.port, holder.description)
        state = next((i.state for i in station.ports() if i.port == port), JobState.WAITING)
        self.grid.apply(
            [PortAdded(port=port, description=description), StateChanged(port=port, state=state)]
        )
        self._show_attention()
        if self.auto_start_action.isChecked() and state == JobState.WAITING:
            self._on_station("start", port)

    def send_to_tray(self, port: str) -> None:
        """Supervisor: unbind a slot's adapter (its place stays, empty, for another one)."""
        tile, book, station = self.grid.tiles.get(port), self.slot_book, self.station
        if tile is None or book is None or station is None:
            return
        if tile.state.is_busy:
            self.notice.say(self.tr("This slot is writing a chip: wait until it is done."), "warn")
            return
        if not self.supervisor.authorize(self, self.tr("Changing a slot")):
            self.notice.say(self.tr("Wrong PIN: the slot was not changed."), "error")
            return
        try:
            book.unassign(slot_key(port, self._where(port)))
        except SlotError as error:
            self.show_error(error)
            return
        self.grid.apply([PortRemoved(port=port)])
        self.tray.add(port, tile.description)
        self._show_attention()

    def start_all_waiting(self) -> None:
        for port in self.grid.ports_in_order():
            if self.grid.tiles[port].waiting_for_start:
                self._on_station("start", port)

    def retry_all_failed(self) -> None:
        for tile in self.grid.failed_tiles():
            self._on_station("retry", tile.port)

    def focus_slot(self, number: int) -> bool:
        tile = self.grid.tile_for_slot(number)
        if tile is None:
            return False
        tile.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.grid.ensureWidgetVisible(tile)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Digits pick a slot by its number; Space starts the slot that has the focus."""
        text = event.text()
        if text.isdigit() and len(text) == 1:
            self._slot_digits += text
            self._slot_digits_timer.start()
            if not self.focus_slot(int(self._slot_digits)):
                self._slot_digits = text
                self.focus_slot(int(text))
            return
        if event.key() == Qt.Key.Key_Space:
            focused = self.focusWidget()
            for tile in self.grid.tiles.values():
                if focused is tile:
                    tile.activate()
                    return
        super().keyPressEvent(event)

    def _pick_typed_slot(self) -> None:
        self._slot_digits = ""

    def _show_attention(self) -> None:
        failed = self.grid.failed_tiles()
        if not failed:
            self.attention.setText(self.tr("All slots fine.") if self.grid.tiles else "")
            self.attention.setStyleSheet("color: #546e7a; padding-left: 4px;")
            return
        names = ", ".join(str(tile.number) for tile in failed)
        self.attention.setText(self.tr("Needs attention: slot %1").replace("%1", names))
        self.attention.setStyleSheet(
            "color: #b71c1c; font-weight: bold; background: #ffebee;"
            " border: 1px solid #c62828; border-radius: 4px; padding-left: 4px;"
        )

    def show_notices(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Notices"))
        view = QPlainTextEdit(self.notice.history_text() or self.tr("Nothing yet."))
        view.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(view)
        layout.addWidget(buttons)
        dialog.resize(700, 400)
        dialog.open()

    def apply_batch(self, batch: EventBatch) -> None:
        """Everything the engine said since the last batch: the tiles redraw once each, the log
        gets all new lines in one go (in the order things happened), the counters update once."""
        lines: list[LogLine] = []
        finished = False
        for event in batch.events:
            if isinstance(event, LogLine):
                lines.append(event)
            elif isinstance(event, StateChanged):
                if event.state == JobState.CONNECTING:
                    self.stats.job_started(event.at)
                if event.state.is_busy or event.state == JobState.WAITING:
                    text = f"{state_word(event.state)}: {step_sentence(event)}"
                    lines.append(LogLine(port=event.port, level="info", text=text, at=event.at))
            elif isinstance(event, JobFinished):
                lines.append(self._finished_line(event))
                if event.reason != Reason.CANCELLED:  # stopping a job is not a failed module
                    self.stats.record(event.passed, event.at, device=event.mac or event.port)
                finished = True
            elif isinstance(event, LicenseAssigned) and not event.reused:
                left = self.counters.licenses_left
                if left:  # the ledger's figure follows; the counter must not lag behind
                    self.set_licenses_left(left - 1)
            elif isinstance(event, PortAdded):
                self.log_panel.add_port(event.port)
        self.grid.apply(self.tray.take(batch.events))
        self.grid.apply(self.tray.take(batch.progress))
        if lines:
            self.log_panel.add_lines(lines)
        if finished:
            self.counters.refresh_counts()  # the rate and the chart follow on the next tick
            self._summary_due = True  # the ledger is asked on the next tick, in the background
            self._shift_dirty = True  # saved on the next tick
            self._show_attention()
            if self._quit_when_idle and not self.writing_ports():
                QTimer.singleShot(0, self.quit_now)

    def _finished_line(self, event: JobFinished) -> LogLine:
        """The job's end in the log too, so the port's history reads as one story."""
        if event.passed:
            text = (
                self.tr("PASSED in %1 s, license %2")
                .replace("%1", f"{event.seconds:.1f}")
                .replace("%2", event.uuid or "–")
            )
            level = "info"
        else:
            detail = event.detail if current_language() == DEFAULT_LANGUAGE else ""  # English
            text = reason_sentence(event.reason) + (f" ({detail})" if detail else "")
            level = "info" if event.reason == Reason.CANCELLED else "error"
        return LogLine(port=event.port, level=level, text=text, at=event.at)

    def set_auto_start(self, enabled: bool) -> None:
        if self.station is not None:
            self.station.set_auto_start(enabled)
        self._style_auto_start()

    def _style_auto_start(self) -> None:
        """Auto-start on is green and says ON; off is grey and says OFF: seen from a step away."""
        on = self.auto_start_action.isChecked()
        button: QWidget | None = self.toolbar.widgetForAction(self.auto_start_action)
        if button is None:
            return
        if on:
            button.setStyleSheet(
                "QToolButton { background: #2e7d32; color: white; font-weight: bold;"
                " border-radius: 4px; padding: 3px 10px; }"
            )
        else:
            button.setStyleSheet(
                "QToolButton { background: #eceff1; color: #37474f; border: 1px solid #90a4ae;"
                " border-radius: 4px; padding: 3px 10px; }"
            )
        self.retranslate_auto_start()

    def retranslate_auto_start(self) -> None:
        on = self.auto_start_action.isChecked()
        self.auto_start_action.setText(
            self.tr("Auto-start: ON") if on else self.tr("Auto-start: OFF")
        )

    def _tick(self) -> None:
        self.grid.tick()
        self.counters.refresh()
        if self._shift_dirty:
            self._shift_dirty = False
            self._save_shift()
        if self._summary_due and self.station is not None and not self._running("summary"):
            self._summary_due = False
            station = self.station
            self.run_task("summary", station.summary, self._summary_ready)

    def _summary_ready(self, summary: Summary) -> None:
        if summary.licenses_left is not None:
            self.set_licenses_left(summary.licenses_left)

    def set_licenses_left(self, left: int) -> None:
        total = self.package.license_count if self.package else 0
        self.counters.set_licenses(left, total)
        self.package_panel.set_licenses_left(left)
        warning = self.counters.licenses_warning()
        # Say it when it changes, not on every refresh: other news must stay readable.
        if warning and warning != self._licenses_warning:
            self.notice.say(warning, "error" if left == 0 else "warn")
        self._licenses_warning = warning

    # ------------------------------------------------------------------ background tasks
    def run_task(
        self,
        name: str,
        function: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> Task:
        task = Task(name, function, self)
        task.setObjectName(name)
        self._tasks.add(task)

        def finish() -> None:
            self._tasks.discard(task)
            task.deleteLater()

        task.succeeded.connect(done)
        task.failed.connect(failed or self.show_error)
        task.succeeded.connect(finish)
        task.failed.connect(finish)
        task.start()
        return task

    def _running(self, name: str) -> bool:
        return any(task.objectName() == name for task in self._tasks)

    def busy(self) -> bool:
        """True while background work is under way (tests wait for it to end)."""
        return bool(self._tasks) or self._unsaved  # a settings save may still be queued

    def show_error(self, error: BaseException) -> None:
        if isinstance(error, UserError):
            self.notice.say(error_text(error), "error")
            return
        raise error  # a bug: the crash handler reports it

    # ------------------------------------------------------------------ package
    def choose_package(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Load a credential package or License List"),
            self.folders.start("package"),
            self.tr("Packages and License Lists (*.prodpkg *.csv *.xlsx);;All files (*)"),
        )
        if path:
            self.folders.used("package", Path(path))
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Check, ask, unlock and load (see `PackageLoader`)."""
        self.loader.load(path)

    def _save_shift(self) -> None:
        try:
            self.stats.save(self._shift_file)
        except OSError as error:
            self.notice.say(
                self.tr("Cannot save the shift's counters: %1").replace("%1", str(error)), "warn"
            )

    def new_shift(self) -> None:
        """Counters back to zero (the write log and the ledger keep everything)."""
        self.stats.reset()
        self._save_shift()
        self.counters.refresh()

    def last_package(self) -> Path | None:
        """The package loaded last (before a restart), if it is still there."""
        try:
            path = Path(self._last_package_file.read_text(encoding="utf-8").strip())
        except OSError:
            return None
        return path if path.is_file() else None

    def reload_last_package(self) -> None:
        path = self.last_package()
        if path is None:
            try:
                gone = Path(self._last_package_file.read_text(encoding="utf-8").strip())
            except OSError:
                gone = None
            if gone is not None and gone.name:
                self.notice.say(
                    self.tr("The last package %1 is no longer in %2.")
                    .replace("%1", gone.name)
                    .replace("%2", str(gone.parent)),
                    "warn",
                )
            else:
                self.notice.say(self.tr("No package was loaded before."), "warn")
            return
        self.load_file(path)  # asks the password again: it is never stored

    def _offer_last_package(self) -> None:
        path = self.last_package()
        if path is not None and self.package is None:
            self.notice.say(
                self.tr(
                    "Last package: %1. Station ▸ Load the last package again (the password"
                    " is asked)."
                ).replace("%1", path.name),
                "info",
            )

    def _package_loaded(self, manifest: Manifest, path: Path) -> None:
        self.load_action.setEnabled(True)
        if not self.demo_mode:
            with contextlib.suppress(OSError):  # only a convenience for the next start
                self._last_package_file.write_text(str(path.resolve()), encoding="utf-8")
        self.show_package(from_manifest(manifest, path.name))
        self.notice.say(self.tr("Loaded %1.").replace("%1", path.name), "good")
        self._summary_due = True

    def _load_failed(self, error: BaseException) -> None:
        self.load_action.setEnabled(True)
        self.show_error(error)

    def show_package(self, info: PackageInfo) -> None:
        self.package = info
        self.package_panel.show_package(info)
        self.counters.set_licenses(info.license_count, info.license_count)
        self.retranslate()

    # ------------------------------------------------------------------ export
    def choose_export(self) -> None:
        out = ask_save_path(
            self,
            self.folders,
            "export",
            title=self.tr("Export the write log"),
            name=f"writelog-{self.settings.station_id}.csv",
            filters=self.tr("CSV (*.csv);;JSON (*.json)"),
        )
        if out is not None:
            self.export_to(out)

    def choose_export_since_last(self) -> None:
        """Only the records written since the last such export (the whole log the first time):
        the upload that follows the one before, with no record twice."""
        try:
            first = last_export(self.paths).first
        except UserError as error:
            self.show_error(error)
            return
        out = ask_save_path(
            self,
            self.folders,
            "export",
            title=self.tr("Export the write log since the last export"),
            name=f"writelog-{self.settings.station_id}-from-{first}.csv",
            filters=self.tr("CSV (*.csv);;JSON (*.json)"),
        )
        if out is not None:
            self.export_to(out, since_last=True)

    def export_to(self, out: Path, *, since_last: bool = False) -> None:
        paths, station_id = self.paths, self.settings.station_id
        said = (
            self.tr("Exported %1 record(s) written since the last export to %2, signed (%3).")
            if since_last
            else self.tr("Exported %1 record(s) to %2, signed (%3).")
        )
        self.run_task(
            "export",
            lambda: export_log(paths, out, station_id=station_id, since_last=since_last),
            lambda count: self.notice.say(
                said.replace("%1", str(count))
                .replace("%2", str(out))
                .replace("%3", out.name + ".sig"),
                "good",
            ),
        )

    # ------------------------------------------------------------------ QA and support
    def open_qa(self, port: str = "") -> None:
        """The QA page over this station's ledger; `port`: "QA this slot" from a tile."""
        if self.station is None:
            return
        station, settings = self.station, self.settings
        self.qa_page = QaPage(
            station.ledger,
            self.run_task,
            ports=[p.port for p in station.ports()],
            write_log=self.paths.write_log,
            package_id=station.manifest.package_id if station.manifest else "",
            port=port,
            read_options={
                "shell_timeout_s": settings.shell_timeout_s,
                "connect_attempts": settings.connect_attempts,
            },
            folders=self.folders,
            parent=self,
        )
        self.qa_page.show()

    def choose_bundle(self, port: str, job_id: str) -> None:
        out = ask_save_path(
            self,
            self.folders,
            "bundle",
            title=self.tr("Save a support bundle"),
            name=default_bundle_name(job_id),
            filters="ZIP (*.zip)",
        )
        if out is not None:
            self.save_bundle(job_id, out)

    def save_bundle(self, job_id: str, out: Path) -> None:
        paths, settings = self.paths, self.settings
        ledger = self.station.ledger if self.station is not None else None
        self.run_task(
            "support-bundle",
            lambda: build_bundle(paths, job_id, out, settings=settings, ledger=ledger),
            lambda written: self.notice.say(
                self.tr("Support bundle saved to %1.").replace("%1", str(written)), "good"
            ),
        )

    # ------------------------------------------------------------------ supervisor actions
    def edit_settings(self) -> None:
        if not self.supervisor.authorize(self, self.tr("Changing the settings")):
            self.notice.say(self.tr("The settings were not changed."), "warn")
            return
        dialog = SettingsDialog(self.settings, self, hidden_ports=self.hidden_ports())
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            new = dialog.result_settings()
        finally:
            dialog.deleteLater()
        self.apply_settings(new)
        self.notice.say(self.tr("Settings saved."), "good")

    def change_pin(self) -> None:
        """Set or change the supervisor PIN (changing asks the current one first)."""
        if self.supervisor.set_pin(self):
            self.notice.say(self.tr("The supervisor PIN was changed."), "good")
        else:
            self.notice.say(self.tr("The supervisor PIN was not changed."), "warn")

    def hidden_ports(self) -> list[HiddenPort]:
        """USB serial ports present now that the settings' filter keeps out of the window."""
        return ignored_ports(self.settings)

    def say_hidden_ports(self) -> None:
        """An empty window says why when the filter hides plugged-in adapters."""
        hidden = self.hidden_ports()
        if hidden and not self.grid.tiles:
            self.notice.say(
                self.tr(
                    "%n serial port(s) ignored by your filter (Supervisor > Settings): %1",
                    "",
                    len(hidden),
                ).replace("%1", ", ".join(f"{p.device} ({p.usb_id})" for p in hidden)),
                "warn",
            )

    def ask_add_port(self) -> None:
        """Add a port by name: COM3, /dev/ttyUSB0, socket://host:port, rfc2217://host:port."""
        text, ok = QInputDialog.getText(
            self,
            self.tr("Add port"),
            self.tr(
                "A port name (COM3, /dev/ttyUSB0) or URL (socket://host:port, rfc2217://host:port):"
            ),
        )
        if not ok or not text.strip() or self.station is None:
            return
        try:
            name = check_port_name(text)
        except BadPortNameError:
            self.notice.say(
                self.tr(
                    "%1 is not a serial port: give COM3, /dev/ttyUSB0, socket://host:port or rfc2217://host:port."
                ).replace("%1", text.strip()),
                "error",
            )
            return
        self.station.add_ports([name])

    def ask_operator(self) -> None:
        """Whoever works the station signs in: badge scan, or name and PIN (docs/line.md)."""
        self.line_ui.sign_in()

    def apply_settings(self, new: Settings) -> None:
        old = self.settings
        self._store_settings(new)
        if new.auto_start != old.auto_start:
            self.auto_start_action.setChecked(new.auto_start)
        if new.language != old.language:
            self.switch_language(resolve_language(new.language))
        if self.station is not None:
            self.station.apply_settings(new)  # jobs started from now on, hot-plug filters
        self.retranslate()  # the title shows the station ID

    def _store_settings(self, new: Settings) -> None:
        """Keep `new` and write it in the background, one save at a time, newest last."""
        self.settings = new
        if self._running("save-settings"):
            self._unsaved = True  # written when the running save ends
            return
        self._unsaved = False
        path, seen = self.paths.settings, self._pin_seen
        self.run_task(
            "save-settings",
            lambda: save_keeping_pin(new, path, seen),
            lambda written: self._saved_settings(new, written),
        )

    def _saved_settings(self, meant: Settings, written: Settings) -> None:
        self._pin_seen = written.supervisor_pin_hash
        if self.settings.supervisor_pin_hash == meant.supervisor_pin_hash:
            self.settings = self.settings.replace(supervisor_pin_hash=self._pin_seen)
        if self._unsaved:
            QTimer.singleShot(0, lambda: self._store_settings(self.settings))

    def _settings_with_disk_pin(self) -> Settings:
        """The settings, with a PIN that `prodtool supervisor set-pin` set while the window was
        open (the PIN gate checks against this, and the window's saves keep it)."""
        on_disk = pin_hash_on_disk(self.paths.settings)
        if on_disk is not None and on_disk != self._pin_seen:
            self._pin_seen = on_disk
            self.settings = self.settings.replace(supervisor_pin_hash=on_disk)
        return self.settings

    def open_trust(self) -> None:
        """The trusted issuer keys: add one after comparing its fingerprint, or remove one."""
        if not self.supervisor.authorize(self, self.tr("Changing the trusted issuer keys")):
            self.notice.say(self.tr("The trusted issuer keys were not changed."), "warn")
            return
        dialog = TrustDialog(TrustStore.for_station(self.paths), self.folders, self)
        try:
            dialog.exec()
            if dialog.said:
                self.notice.say(dialog.said, "good")
        finally:
            dialog.deleteLater()

    def open_ledger(self) -> None:
        """The licenses that need a supervisor's decision (needs_check, quarantined)."""
        station = self.station
        if station is None:
            return
        settings = self.settings
        self.ledger_panel = LedgerPanel(
            station.ledger,
            self.run_task,
            lambda purpose: self.supervisor.authorize(self, purpose),
            ports=lambda: [p.port for p in station.ports() if not p.state.is_busy],
            station_id=settings.station_id,
            read_options={
                "shell_timeout_s": settings.shell_timeout_s,
                "connect_attempts": settings.connect_attempts,
            },
            parent=self,
        )
        self.ledger_panel.finished.connect(self._ledger_changed)
        self.ledger_panel.show()

    def _ledger_changed(self) -> None:
        self._summary_due = True  # the licenses left may have changed

    # ------------------------------------------------------------------ language
    def switch_language(self, code: str) -> None:
        if code == self.translations.language:
            return
        if not self.translations.switch(code):
            self.notice.say(f"Translation {code} is missing; staying in English.", "warn")
            self.translations.switch("en")
        action = self.language_actions.get(self.translations.language)
        if action is not None:
            action.setChecked(True)

    def choose_language(self, code: str) -> None:
        """The language menu: switch now and keep the choice for the next start."""
        self.switch_language(code)
        if self.settings.language != self.translations.language:
            self._store_settings(self.settings.replace(language=self.translations.language))

    def retranslate(self) -> None:
        title = self.tr("prodtool station %1").replace("%1", self.settings.station_id)
        if self.package is not None and self.package.demo:
            title += " — " + self.tr("DEMO")
        self.setWindowTitle(title)
        self.load_action.setText(self.tr("Load package…"))
        self.export_action.setText(self.tr("Export write log…"))
        self.export_new_action.setText(self.tr("Export the write log since the last export…"))
        self.retranslate_auto_start()
        self.start_all_action.setText(self.tr("Start all waiting"))
        self.retry_failed_action.setText(self.tr("Retry all failed"))
        self.notices_action.setText(self.tr("Notices…"))
        self.new_shift_action.setText(self.tr("New shift (counters to zero)"))
        self.reload_action.setText(self.tr("Load the last package again…"))
        self._show_attention()
        self.auto_start_action.setToolTip(
            self.tr("Start writing as soon as a module is plugged in")
        )
        self.settings_action.setText(self.tr("Settings…"))
        self.qa_action.setText(self.tr("QA check…"))
        self.trust_action.setText(self.tr("Trusted issuer keys…"))
        self.release_action.setText(self.tr("Licenses to check…"))
        self.change_pin_action.setText(self.tr("Change the supervisor PIN…"))
        self.fix_slots_action.setText(self.tr("Fixed slots: new adapters wait in the tray"))
        self.operator_action.setText(self.tr("Operator…"))
        self.add_port_action.setText(self.tr("Add port…"))
        self.quit_action.setText(self.tr("Quit"))
        self.station_menu.setTitle(self.tr("&Station"))
        self.supervisor_menu.setTitle(self.tr("S&upervisor"))
        self.language_menu.setTitle(self.tr("&Language"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ stopping and closing
    def writing_ports(self) -> list[str]:
        """Ports whose chip is being worked on now (as the window last heard from the engine)."""
        return [port for port, tile in self.grid.tiles.items() if tile.state.is_busy]

    def ask_running(self, count: int, *, quitting: bool) -> Running:
        """Ask what to do with chips being written: finish them, stop them, or carry on."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        if quitting:
            box.setWindowTitle(self.tr("Quit"))
            box.setText(
                self.tr("%n module(s) are being written.", "", count)
                + "\n"
                + self.tr("Stopping now leaves them half-written.")
            )
            finish = box.addButton(
                self.tr("Finish them, then quit"), QMessageBox.ButtonRole.AcceptRole
            )
            stop = box.addButton(self.tr("Stop now"), QMessageBox.ButtonRole.DestructiveRole)
        else:
            box.setWindowTitle(self.tr("Stop"))
            box.setText(self.tr("Stopping now leaves this module half-written."))
            finish = box.addButton(self.tr("Let it finish"), QMessageBox.ButtonRole.AcceptRole)
            stop = box.addButton(self.tr("Stop now"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(finish)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        if clicked is stop:
            return Running.STOP
        if clicked is finish:
            return Running.FINISH
        return Running.STAY

    def stop_port(self, port: str) -> None:
        """The tile's Stop: a chip in the middle of a write is only stopped if the operator says
        so (it stays half-written); before anything is written it stops at once."""
        tile = self.grid.tiles.get(port)
        writing = tile is not None and tile.state in {
            JobState.WRITING_FIRMWARE,
            JobState.VERIFYING_FIRMWARE,
            JobState.WRITING_AUTH,
            JobState.VERIFYING_AUTH,
        }
        if writing and self.ask_running(1, quitting=False) is not Running.STOP:
            return
        if self.station is not None:
            self.station.cancel(port)

    def quit_now(self) -> None:
        """Quit without asking (a signal, a logout, or the chips the operator let finish):
        running jobs stop at their next safe point and their licenses are settled."""
        self._quitting_now = True
        self.close()

    def shutdown(self) -> None:
        """Stop the engine and wait for background work, so no thread outlives the window."""
        self._timer.stop()
        if self._shift_dirty:  # a job that ended since the last tick still counts
            self._shift_dirty = False
            self._save_shift()
        self.scan_desk.remove()
        if self.station is not None:
            self.station.stop()
            self.station = None
        for task in list(self._tasks):
            task.wait(10.0)
        self.bridge.stop()

    def show_where_left(self) -> None:
        """Open where the window was left (size, place, maximised), or maximised the first
        time: every slot should be in view."""
        stored = self.paths.root / "window-geometry"
        try:
            data = stored.read_bytes()
        except OSError:
            data = b""
        if data and self.restoreGeometry(QByteArray(data)):
            self.show()
        else:
            self.showMaximized()

    def _remember_geometry(self) -> None:
        # a window that opens maximised next time is no reason to stop quitting
        with contextlib.suppress(OSError):
            (self.paths.root / "window-geometry").write_bytes(bytes(self.saveGeometry().data()))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        writing = self.writing_ports() if self.station is not None else []
        if writing and not self._quitting_now:
            choice = self.ask_running(len(writing), quitting=True)
            if choice is Running.STAY:
                event.ignore()
                return
            if choice is Running.FINISH:
                event.ignore()
                self._finish_then_quit(len(writing))
                return
        self._remember_geometry()
        self.shutdown()
        super().closeEvent(event)

    def _finish_then_quit(self, count: int) -> None:
        """Nothing new starts; the window quits when the last running chip is done."""
        self._quit_when_idle = True
        if self.station is not None:
            self.station.set_auto_start(False)
            self.station.settings = self.station.settings.replace(jig_watch=False)
        self.notice.say(self.tr("Finishing %n module(s), then quitting.", "", count), "warn")
