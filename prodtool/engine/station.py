"""The station: many ports at once, one worker thread per running job, events to subscribers.

The window and the CLI are thin layers over this class. Jobs run in worker processes
(`Settings.job_processes`, see `workers.py`) or, with 0, as threads of this process; either way
the ledger, the write log and the events live here. Everything a subscriber receives is a
typed event from `prodtool.flash.events`, delivered on the worker thread that produced it (the
window marshals to its own thread). After a job ends the port shows REMOVE_CHIP: the same chip
is never written twice by accident. A hot-plugged port returns to WAITING when it disappears and
starts a new job when it reappears (with auto-start on); an explicit URL port starts again only
on `start`/`retry`.

On a jig the adapter never leaves: after a pass the station watches the port (`engine.jig`: the
plan's family probes it with no reset, the passed chip is not disturbed) until a module with
another MAC answers, then starts it (auto-start on) or says it waits for Start; a family that
cannot probe leaves the port waiting for Start. With no license left, nothing starts: the port
waits without touching the chip, and the waiting ports start when a new package is loaded.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from serial.tools import list_ports

from prodtool.crash import report_crash
from prodtool.engine import jig
from prodtool.engine.alarms import AlarmWatch
from prodtool.engine.codes import CodeBook, CodeBound, CodeError, Refusal, ScanNeeded
from prodtool.engine.export import log_sealer
from prodtool.engine.fleetlog import Outbox
from prodtool.engine.job import (
    ActiveChips,
    JobConfig,
    JobPlan,
    JobResult,
    PortJob,
    new_job_id,
    open_port,
    record_result,
)
from prodtool.engine.log_text import error_line
from prodtool.engine.logaudit import recover
from prodtool.engine.mes import OUTBOX_FILE, MesOutbox, check_url
from prodtool.engine.serial_device import SerialWriteError, write_serial
from prodtool.engine.serials import SerialError, SerialFormat, SerialStore
from prodtool.engine.stationlock import StationLock
from prodtool.engine.workers import Services, WorkerPool
from prodtool.engine.writelog import WriteLog, WriteRecord, read_records
from prodtool.errors import StorageError, UserError
from prodtool.families import registry
from prodtool.families.driver import CancelToken, Region
from prodtool.families.family import ChipFamily
from prodtool.flash.events import (
    JobState,
    LogLine,
    PortAdded,
    PortEvent,
    PortRemoved,
    Reason,
    StateChanged,
)
from prodtool.labels.hook import start_label_hook
from prodtool.license.errors import PackageIdClash
from prodtool.license.ledger import ChipIdentity, Ledger
from prodtool.license.model import LicenseState, Manifest
from prodtool.license.package import open_package, read_firmware
from prodtool.license.pg_block import MIN_BLOCK, BlockPgLedger
from prodtool.license.pg_journal import JOURNAL_FILE
from prodtool.license.pg_store import PgLedger
from prodtool.license.sqlstore import SqlLedger
from prodtool.license.trust import TrustStore
from prodtool.paths import StationPaths
from prodtool.settings import Settings, load_settings

Subscriber = Callable[[PortEvent], None]


@dataclass(frozen=True)
class PortInfo:
    """One port as the window's tile shows it."""

    port: str
    description: str
    state: JobState
    explicit: bool  # added by URL/path rather than found by hot-plug
    job_id: str = ""
    reason: Reason | None = None
    mac: str = ""
    uuid: str = ""
    code: str = ""  # the scanned code bound to the port now
    waiting_for_scan: bool = False  # the write waits for a scan (Settings.require_scan)
    serial: str = ""  # the last job's serial number


@dataclass(frozen=True)
class Summary:
    passed: int
    failed: int
    running: int
    devices_per_hour: float
    licenses_left: int | None
    elapsed_s: float
    package_id: str = ""
    reasons: dict[str, int] = field(default_factory=dict)
    demo: bool = False  # the package is a DEMO package: its outputs say so


class _Runnable(Protocol):
    """A job the station's thread runs: here (`PortJob`) or in a worker (`RemoteJob`)."""

    @property
    def job_id(self) -> str: ...
    @property
    def plan(self) -> JobPlan: ...
    @property
    def config(self) -> JobConfig: ...
    def run(self) -> JobResult: ...


@dataclass
class _Slot:
    port: str
    description: str
    explicit: bool
    state: JobState = JobState.WAITING
    thread: threading.Thread | None = None
    cancel: CancelToken | None = None
    job_id: str = ""
    last: JobResult | None = None
    location: str = ""  # the USB path (hub and port), when the system knows it
    usb_id: str = ""  # the adapter's "vid:pid", when the system knows it (caps the baud rate)
    watch_stop: threading.Event | None = None  # set: stop watching for the next module
    watcher: threading.Thread | None = None
    paused: bool = False  # waits for licenses: starts when a package is loaded
    waiting_scan: bool = False  # waits for the unit's scanned code (Settings.require_scan)


class _Serials:
    """The jobs' `JobSerials`: the station's serial for a chip ("" when it gives none), and
    whether the port's scanned code may go with the chip."""

    def __init__(self, station: Station) -> None:
        self._station = station

    def assign(self, chip: ChipIdentity, *, job_id: str) -> str:
        return self._station.serial_for(chip.family, chip.mac, job_id=job_id)

    def check_code(self, chip: ChipIdentity, *, port: str, job_id: str = "") -> str:
        return self._station.code_problem(port, chip.mac, job_id=job_id)


class _Recorder:
    """The station's `JobLog`: the write log first, then the MES outbox (when one is set).

    An append may store records the disk refused before along with the new one: every one of
    them goes to the outbox, in the log's order. Jobs end on many threads at once; one lock
    keeps the log's order and the outbox's the same."""

    def __init__(self, writelog: WriteLog, mes: MesOutbox | None) -> None:
        self.writelog = writelog
        self.mes = mes
        self._lock = threading.Lock()

    def append(self, record: WriteRecord) -> dict[str, Any]:
        with self._lock:
            stored = self.writelog.append_all(record)
            self._to_mes(stored)
        return stored[-1]

    def flush(self) -> None:
        """Store the records the disk refused before, and give them to the outbox."""
        with self._lock:
            self._to_mes(self.writelog.flush())

    def _to_mes(self, stored: list[dict[str, Any]]) -> None:
        if self.mes is not None:
            for body in stored:  # a StorageError is the job's STORAGE, like the log's
                self.mes.put(body)


def port_matches(name: str, vid: int | None, pid: int | None, settings: Settings) -> bool:
    """The hot-plug filter: USB ids (when set), then allow globs (when set), then deny globs."""
    if settings.usb_ids:
        if vid is None or pid is None:
            return False
        if f"{vid:04x}:{pid:04x}" not in {u.lower() for u in settings.usb_ids}:
            return False
    if settings.allow and not any(fnmatch.fnmatch(name, g) for g in settings.allow):
        return False
    return not any(fnmatch.fnmatch(name, g) for g in settings.deny)


class Station:
    """Ports, jobs, the loaded package, counters. Thread-safe; `stop()` joins every worker."""

    def __init__(
        self,
        paths: StationPaths,
        settings: Settings | None = None,
        *,
        opener: Callable[[str], Any] = open_port,
        comports: Callable[[], Iterable[Any]] = list_ports.comports,
    ) -> None:
        self.paths = paths.ensure()
        self._station_lock = StationLock(self.paths.root).acquire()  # one process per folder
        try:
            self._open(paths, settings, opener, comports)
        except BaseException:
            self._station_lock.release()
            raise

    def _open(
        self,
        paths: StationPaths,
        settings: Settings | None,
        opener: Callable[[str], Any],
        comports: Callable[[], Iterable[Any]],
    ) -> None:
        self.settings = settings if settings is not None else load_settings(paths.settings)
        self._opener = opener
        self._comports = comports
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._slots: dict[str, _Slot] = {}
        self._subscribers: list[Subscriber] = []
        self._auto_start = self.settings.auto_start
        self._active = ActiveChips()
        self._ledger = Ledger.for_station(paths)  # thread-safe: one lock, short transactions
        if isinstance(self._ledger, BlockPgLedger) and self.settings.pool_block >= 0:
            # only the station that runs the jobs holds a block ahead for an outage
            block = self.settings.pool_block or MIN_BLOCK
            try:
                self._ledger.use_journal(paths.ledger.with_name(JOURNAL_FILE), block)
            except BaseException:
                self._ledger.close()
                raise
        self._writelog = WriteLog(
            paths.write_log, log_sealer(self.paths), station_id=self.settings.station_id
        )
        self._outbox = (  # a pool's stations ship their write log to it
            Outbox(paths.write_log, self._ledger, self.settings.station_id)
            if isinstance(self._ledger, PgLedger)
            else None
        )
        if not isinstance(self._ledger, SqlLedger):  # pragma: no cover - every store is SQL
            raise StorageError("this ledger cannot keep scanned codes")
        self._serials: SerialStore | None = None  # made on first use, in the ledger
        self._serial_order = ""  # the order whose serials this station gives; "" = none
        self._alarms = AlarmWatch(
            self.settings.alarm_in_a_row, self.settings.alarm_window, self.settings.alarm_rate
        )
        self._mes: MesOutbox | None = None
        try:  # a bad code pattern or MES address: one clear error, and the ledger closed
            self._codes = CodeBook(self._ledger, self.settings.code_pattern)
            self._mes = self._open_mes(self.settings)
        except BaseException:
            if self._outbox is not None:
                self._outbox.stop()
            self._ledger.close()
            raise
        self._recorder = _Recorder(self._writelog, self._mes)
        self._record_missing()
        self._plan: JobPlan | None = None
        self._plan_id = ""
        self._pool: WorkerPool | None = None
        if self.settings.job_processes > 0 and opener is open_port:
            # A test's own opener cannot cross into another process: those jobs stay threads.
            self._pool = WorkerPool(
                Services(self._ledger, self._active, self._publish, serials=_Serials(self)),
                limit=self.settings.job_processes,
                data_dir=str(self.paths.root),
            )
        self._passed = 0
        self._failed = 0
        self._reasons: dict[str, int] = {}
        self._first_start: float | None = None
        self._hotplug_stop = threading.Event()
        self._hotplug: threading.Thread | None = None
        self._closed = False
        self._overwrite: dict[str, str] = {}  # port -> supervisor, for the next start only
        self.jig_interval = 1.0  # seconds between two looks for the next module on a jig port
        self._gate: Callable[[str, str], bool] | None = None  # (port, USB path) -> may start
        self._labels = start_label_hook(self.paths, self.settings, self.subscribe)

    def _line_of_job(self, job_id: str) -> tuple[str, str]:
        """The serial and the scanned code a job used, from beside the ledger."""
        return self.serials.of_job(job_id), self._codes.of_job(job_id)

    def _gives_serials(self, package_id: str) -> bool:
        """Whether the package's order gives serial numbers (set up in an earlier run too)."""
        try:
            manifest = self._ledger.manifest(package_id)
        except UserError:
            return False
        return self.serials.has_order(manifest.order_number or package_id)

    def _record_missing(self) -> None:
        """Store what the write log lacks: records the disk refused (space has returned), and
        jobs the ledger saw verified whose record a full disk or a crash took. Both go through
        the recorder, so the MES outbox gets them as it gets every other record."""
        try:
            self._recorder.flush()
            recover(
                self._writelog,
                self._recorder.append,
                self._ledger,
                station_id=self.settings.station_id,
                line=self._line_of_job,
                serials_given=self._gives_serials,
            )
        except StorageError:
            pass  # still full: the next job's record tries again, and says so on its tile

    # -- subscribers ---------------------------------------------------------------------------
    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call `fn(event)` for every event, from worker threads. Returns an unsubscribe."""
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def _publish(self, event: PortEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
            slot = self._slots.get(event.port)
            if slot is not None and isinstance(event, StateChanged):
                slot.state = event.state
        for fn in subscribers:
            try:
                fn(event)
            except Exception as error:  # noqa: BLE001 - a subscriber's bug must not stop a job
                report_crash(type(error), error, error.__traceback__)

    # -- the package ---------------------------------------------------------------------------
    def load_package(self, path: Path, password: str) -> Manifest:
        """Open, verify and load a package into the ledger; its firmware stays in memory."""
        package = open_package(Path(path), password, TrustStore.for_station(self.paths))
        manifest = package.manifest
        family = registry.get(manifest.chip_family)
        regions = tuple(
            Region(image.offset, read_firmware(package.path, image), name=image.file)
            for image in manifest.firmware
        )
        for region in regions:  # refused before the ledger takes a single license
            family.check_region(region.offset, region.data, name=region.name)
        package_id = self._ledger.load_package(package)  # refuses another package, same id
        # Follow the manifest recorded at the first load, and flash only images whose size and
        # SHA-256 are the recorded ones (read_firmware checks them): never what a later file
        # under that id says.
        if self._ledger.manifest(package_id) != manifest:
            raise PackageIdClash(
                f"the package {package_id} differs from the one loaded before",
                params={"package": package_id},
            )
        first = manifest.firmware[0] if manifest.firmware else None
        self._set_plan(
            JobPlan(
                package_id=package_id,
                manifest=manifest,
                regions=regions,
                firmware_file=first.file if first else "",
                firmware_sha256=first.sha256 if first else "",
                firmware_version=first.version if first else "",
                family=family,
            )
        )
        return manifest

    def load_license_list(self, path: Path, **options: Any) -> Manifest:
        """Import a License List (CSV/XLSX) into the ledger; chips keep their own firmware."""
        package_id = self._ledger.import_license_list(Path(path), **options)
        manifest = self._ledger.manifest(package_id)
        self._set_plan(JobPlan(package_id=package_id, manifest=manifest))
        return manifest

    def _set_plan(self, plan: JobPlan) -> None:
        with self._lock:
            if any(s.state.is_busy for s in self._slots.values()):
                raise UserError(
                    "cannot change the package while chips are being written",
                    hint="wait for the running ports to finish",
                )
            self._plan = plan
            self._plan_id = new_job_id()
            ports = len(self._slots)
            paused = [s.port for s in self._slots.values() if s.paused]
        if self._pool is not None:
            # workers start and ready themselves now, while the operator plugs in chips
            self._pool.warm(ports, plan=(self._plan_id, plan))
        for port in paused:  # they waited for licenses: this package has some
            with self._lock:
                slot = self._slots.get(port)
                if slot is not None:
                    slot.paused = False
            if self._auto_start:
                self.start(port)
            else:
                self._publish(StateChanged(port=port, state=JobState.WAITING, step=""))

    # -- the line: serial numbers, scanned codes, the operator ---------------------------------
    def _order(self, order: str | None) -> str:
        if order:
            return order
        with self._lock:
            plan = self._plan
        if plan is None:
            raise SerialError("load a package before setting up serial numbers")
        return plan.manifest.order_number or plan.package_id

    def set_serial_counter(self, pattern: str, start: int = 0, *, order: str | None = None) -> str:
        """Give every chip that passes a serial `pattern.format(n=...)`, counting from `start`
        (an order continues where it stopped). Returns the order's key."""
        key = self._order(order)
        self.serials.set_counter(key, SerialFormat(pattern), start)
        self._serial_order = key
        return key

    def set_serial_list(self, serials: Sequence[str], *, order: str | None = None) -> str:
        """Give every chip that passes the next unused serial of `serials`."""
        key = self._order(order)
        self.serials.set_list(key, list(serials))
        self._serial_order = key
        return key

    @property
    def serials(self) -> SerialStore:
        """The serial numbers, beside the licenses in the station's ledger (or pool)."""
        with self._lock:
            if self._serials is None:
                assert isinstance(self._ledger, SqlLedger)  # checked in __init__
                self._serials = SerialStore(self._ledger)
            return self._serials

    def serial_for(self, family: str, mac: str, *, job_id: str) -> str:
        """The chip's serial in the current order ("" when serials are off): its own again on
        a re-write, else the next one."""
        with self._lock:
            order = self._serial_order
        if not order:
            return ""
        return self.serials.assign(order, f"{family}:{mac}", job_id=job_id).serial

    def bind_code(self, port: str, code: str) -> str:
        """Bind a scanned code to `port` (the window's scan field calls this). Refuses a
        malformed code, one bound to another port or used before (CodeError). A port waiting
        for its scan starts now."""
        with self._lock:
            slot = self._slots.get(port)
            if slot is None:
                raise UserError(f"no port {port}")
            if slot.state.is_busy:
                raise CodeError(
                    f"{port} is writing a chip: scan the next unit after it",
                    why=Refusal.BUSY,
                    scanned=code.strip(),
                    other=port,
                )
        code = self._codes.bind(port, code)
        self._publish(CodeBound(port=port, code=code))
        with self._lock:
            waiting, slot.waiting_scan = slot.waiting_scan, False
        if waiting:
            self.start(port)
        return code

    def port_needing_code(self) -> str | None:
        """Where a scan goes in the "next port" workflow: the port that has waited longest for
        its scan (by name, among those waiting), else the first idle port without a code."""
        with self._lock:
            slots = sorted(self._slots.values(), key=lambda s: s.port)
            waiting = [s.port for s in slots if s.waiting_scan]
            idle = [s.port for s in slots if not s.state.is_busy and not self._codes.bound(s.port)]
        ports = waiting or idle
        return ports[0] if ports else None

    def code_problem(self, port: str, mac: str, *, job_id: str = "") -> str:
        """ "" when the chip `mac` on `port` may be written with the port's code, else why not:
        the product needs a scan and none is bound, or the code belongs to another chip. Asked
        by the job once the chip is identified, before anything is written; `job_id`: that job
        takes the code (`CodeBook.claim`)."""
        if self.settings.require_scan and not self._codes.bound(port):
            return "no code is bound to this port: scan the unit's code before its write"
        wrong = self._codes.check(port, mac)
        if not wrong and job_id:  # kept beside the ledger: a crash before the record keeps it
            self._codes.claim(port, mac, job_id)
        return wrong

    def unbind_code(self, port: str) -> None:
        self._codes.unbind(port)

    def sign_in(self, operator: str) -> None:
        """The operator from now on: on every write record of jobs started after this."""
        name = operator.strip()
        if not name or not name.isprintable():
            raise UserError("give the operator's name or badge")
        with self._lock:
            self.settings = self.settings.replace(operator=name)

    @property
    def mes(self) -> MesOutbox | None:
        return self._mes

    @property
    def manifest(self) -> Manifest | None:
        return self._plan.manifest if self._plan else None

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    # -- ports ---------------------------------------------------------------------------------
    def ports(self) -> list[PortInfo]:
        with self._lock:
            return [self._info(s) for s in sorted(self._slots.values(), key=lambda s: s.port)]

    def _info(self, slot: _Slot) -> PortInfo:
        last = slot.last
        return PortInfo(
            port=slot.port,
            description=slot.description,
            state=slot.state,
            explicit=slot.explicit,
            job_id=slot.job_id,
            reason=last.reason if last else None,
            mac=last.chip.mac if last and last.chip else "",
            uuid=last.uuid if last else "",
            code=self._codes.bound(slot.port),
            waiting_for_scan=slot.waiting_scan,
            serial=last.serial if last else "",
        )

    def add_ports(self, urls: Sequence[str], *, start: bool | None = None) -> None:
        """Add device paths or pyserial URLs; starts them when auto-start is on (or `start`)."""
        for url in urls:
            self._add(url, url, explicit=True)
        if start if start is not None else self._auto_start:
            for url in urls:
                self.start(url)

    def _add(
        self, port: str, description: str, *, explicit: bool, location: str = "", usb_id: str = ""
    ) -> bool:
        with self._lock:
            if port in self._slots:
                return False
            self._slots[port] = _Slot(port, description, explicit, location=location, usb_id=usb_id)
            ports = len(self._slots)
        if isinstance(self._ledger, BlockPgLedger) and self.settings.pool_block == 0:
            self._ledger.block_size = 2 * ports  # an outage's block: twice the station's ports
        self._publish(PortAdded(port=port, description=description))
        return True

    def location(self, port: str) -> str:
        """The port's USB path (hub and port, e.g. `1-1.4:1.0`), or "" when unknown."""
        with self._lock:
            slot = self._slots.get(port)
            return slot.location if slot else ""

    def remove_port(self, port: str) -> None:
        """Forget a port (cancelling its job first)."""
        self.cancel(port)
        self._stop_watch(port)
        with self._lock:
            slot = self._slots.get(port)
            thread = slot.thread if slot else None
        if thread is not None:
            thread.join()
        with self._lock:
            if self._slots.pop(port, None) is None:
                return
        self._codes.unbind(port)
        self._publish(PortRemoved(port=port))

    def apply_settings(self, settings: Settings) -> None:
        """Use `settings` from now on: jobs started later, hot-plug filters, auto-start. Running
        jobs keep the settings they started with."""
        self._apply_line_settings(settings)  # first: a bad pattern changes nothing
        with self._lock:
            self.settings = settings
            self._auto_start = settings.auto_start
            if self._pool is not None and settings.job_processes > 0:
                self._pool.limit = settings.job_processes  # 0 takes effect at the next start

    def _open_mes(self, settings: Settings) -> MesOutbox | None:
        """The MES outbox for `settings` (None when no URL is set), caught up and sending."""
        if not settings.mes_url:
            return None
        outbox = MesOutbox(
            self.paths.root / OUTBOX_FILE,
            settings.mes_url,
            station_id=settings.station_id,
            ca_bundle=settings.mes_ca_bundle,
        )
        try:
            outbox.catch_up(read_records(self.paths.write_log))
        except BaseException:
            outbox.close()
            raise
        outbox.start()
        return outbox

    def _apply_line_settings(self, settings: Settings) -> None:
        """The code pattern, alarm lines and MES address of `settings`, from now on."""
        if settings.mes_url:
            check_url(settings.mes_url)
        self._codes.set_pattern(settings.code_pattern)
        self._alarms.in_a_row = settings.alarm_in_a_row
        self._alarms.window = settings.alarm_window
        self._alarms.rate = settings.alarm_rate
        old = self._mes
        same = old is not None and (old.url, old.ca_bundle) == (
            settings.mes_url,
            settings.mes_ca_bundle,
        )
        if same or (old is None and not settings.mes_url):
            return
        new = self._open_mes(settings)  # the records waiting stay in the file for the new one
        with self._lock:
            self._mes = new
            self._recorder.mes = new
        if old is not None:
            old.close()

    def set_auto_start(self, on: bool) -> None:
        self._auto_start = on

    def set_start_gate(self, gate: Callable[[str, str], bool] | None) -> None:
        """`gate(port, usb_path)` False: the port's adapter waits unassigned (the window's tray,
        `engine.slots`) and nothing starts on it, by hand or on its own. Called from the
        station's threads: it must not block or touch a GUI."""
        with self._lock:
            self._gate = gate

    def _gated(self, port: str) -> bool:
        with self._lock:
            gate, slot = self._gate, self._slots.get(port)
        return gate is not None and slot is not None and not gate(port, slot.location)

    @property
    def auto_start(self) -> bool:
        return self._auto_start

    # -- jobs ----------------------------------------------------------------------------------
    def why_not_start(self, port: str) -> str:
        """Why `start(port)` would do nothing, in words; "" when it would start."""
        with self._lock:
            slot = self._slots.get(port)
            plan = self._plan
            if self._closed:
                return "the station is closing"
            if slot is None:
                return f"no port {port}"
        if self._gated(port):
            return "this adapter is not assigned to a slot: a supervisor assigns it"
        with self._lock:
            if plan is None:
                return "no package is loaded: load one first"
            if slot.state.is_busy or (slot.thread is not None and slot.thread.is_alive()):
                return "this port is busy"
        if self.licenses_left() == 0:
            return "no licenses left in this package: load the next package"
        return ""

    def licenses_left(self) -> int | None:
        """Licenses of the loaded package not yet reserved by any job, with this station's block
        ahead on a pool (None: no package, or a pool that is away with no block left)."""
        plan = self._plan
        if plan is None:
            return None
        left: int | None
        try:
            counts = self._ledger.counts(plan.package_id).get(plan.package_id, {})
            left = counts.get(LicenseState.AVAILABLE, 0)
        except StorageError:
            left = None  # a pool that is away: the job says whether its block still has one
        # A pool station's block ahead is this station's to give, online and offline.
        held = (
            self._ledger.held_free(plan.package_id)
            if isinstance(self._ledger, BlockPgLedger)
            else 0
        )
        if left is None:
            return held or None
        return left + held

    def start(self, port: str) -> bool:
        """Start a job on `port`; False when it is busy, unknown, no package is loaded or no
        license is left (then the port waits, untouched, and says so), or its adapter waits
        unassigned (`set_start_gate`)."""
        self._stop_watch(port)
        if self._gated(port):
            return False
        if self._plan is not None and self.licenses_left() == 0:
            with self._lock:
                slot = self._slots.get(port)
                idle = slot is not None and not slot.state.is_busy and not slot.paused
                if idle and slot is not None:
                    slot.paused = True
            if idle:
                self._publish(
                    StateChanged(
                        port=port,
                        state=JobState.WAITING,
                        step="no licenses left: load the next package",
                    )
                )
            return False
        with self._lock:
            slot = self._slots.get(port)
            plan = self._plan
            if slot is None or plan is None or self._closed or slot.state.is_busy:
                return False
            if slot.thread is not None and slot.thread.is_alive():
                return False
            slot.paused = False
            if self.settings.require_scan and not self._codes.bound(port):
                slot.waiting_scan = True
                waiting = True
            else:
                waiting = False
        if waiting:
            self._publish(ScanNeeded(port=port))
            return False
        with self._lock:
            if slot.state.is_busy or (slot.thread is not None and slot.thread.is_alive()):
                return False
            cancel = CancelToken()
            job: _Runnable
            if self._pool is not None:
                job = self._pool.job(
                    port=port,
                    plan=plan,
                    plan_id=self._plan_id,
                    config=self._job_config(self._overwrite.get(port, ""), slot.usb_id),
                    cancel=cancel,
                )
            else:
                job = PortJob(
                    port=port,
                    plan=plan,
                    ledger=self._ledger,
                    config=self._job_config(self._overwrite.get(port, ""), slot.usb_id),
                    emit=self._publish,
                    active=self._active,
                    cancel=cancel,
                    opener=self._opener,
                    serials=_Serials(self),
                )
            slot.cancel = cancel
            slot.job_id = job.job_id
            slot.state = JobState.CONNECTING
            if self._first_start is None:
                self._first_start = time.monotonic()
            slot.thread = threading.Thread(
                target=self._work, args=(slot, job), name=f"job-{port}", daemon=True
            )
            slot.thread.start()
        return True

    def warm_up(self, ports: int, timeout: float = 30.0) -> None:
        """Start the worker processes `ports` ports will need, hand them the loaded package's
        plan, and wait until they answer ready for it (otherwise the first jobs start them and
        pay for it). No-op when jobs run as threads."""
        if self._pool is not None:
            with self._lock:
                plan = (self._plan_id, self._plan) if self._plan is not None else None
            self._pool.warm(ports, wait=timeout, plan=plan)

    def worker_pids(self) -> list[int]:
        """The live worker processes (for benchmarks and support: their memory and CPU)."""
        return self._pool.pids() if self._pool is not None else []

    def retry(self, port: str, *, overwrite_by: str = "") -> bool:
        """Run the port again (after a failure, or to re-check a chip that stayed plugged in).

        `overwrite_by` (a supervisor's name): the chip is a finished device of another package
        or list (ALREADY_WRITTEN) and the supervisor chose to write it anyway; the job logs that
        and quarantines the license the chip held."""
        with self._lock:
            if overwrite_by:
                self._overwrite[port] = overwrite_by
            started = self.start(port)
            self._overwrite.pop(port, None)
            return started

    def cancel(self, port: str) -> None:
        with self._lock:
            slot = self._slots.get(port)
            cancel = slot.cancel if slot else None
        if cancel is not None:
            cancel.cancel(Reason.CANCELLED)

    def _job_config(self, overwrite_by: str = "", usb_id: str = "") -> JobConfig:
        return JobConfig(
            settings=self.settings,
            transcripts=self.paths.transcripts,
            overwrite_by=overwrite_by,
            usb_id=usb_id,
        )

    def _work(self, slot: _Slot, job: _Runnable) -> None:
        result = job.run()
        try:
            self._line_before_record(slot.port, result, job.config.settings)
        except Exception as error:  # noqa: BLE001 - a bug here must not cost the record
            report_crash(type(error), error, error.__traceback__)
            if result.passed:
                result.state, result.reason = JobState.FAILED, Reason.INTERNAL
                result.detail = type(error).__name__
        result = record_result(result, job.plan, job.config, self._recorder, self._publish)
        try:
            self._line_after_record(slot.port, result)
        except UserError as error:  # the ledger (pool) refused the code: say so on the port
            self._publish(error_line(slot.port, result.job_id, error))
        with self._lock:
            slot.last = result
            slot.cancel = None
            if result.passed:
                self._passed += 1
            elif result.reason is not Reason.CANCELLED:
                self._failed += 1
                self._reasons[result.reason.value] = self._reasons.get(result.reason.value, 0) + 1
        watch = (
            result.passed
            and self.settings.jig_watch
            and jig.can_probe(job.plan.chip_family)
            and not self._closed
        )
        self._publish(
            StateChanged(
                port=slot.port,
                job_id=job.job_id,
                state=JobState.REMOVE_CHIP,
                step="put in the next module" if watch else "remove the chip",
            )
        )
        with self._lock:
            if watch and self._slots.get(slot.port) is slot and not self._closed:
                self._watch_next(slot, job.plan, result.chip.mac if result.chip else "")
            self._idle.notify_all()

    def _line_before_record(self, port: str, result: JobResult, settings: Settings) -> None:
        """The unit's code on the result, checked against the chip; its serial when given."""
        result.code = self._codes.bound(port)
        if result.passed and result.chip is not None:
            wrong = self._codes.check(port, result.chip.mac)
            if wrong:  # the license is on the chip (verified); the unit's code is not
                result.state, result.reason, result.detail = (
                    JobState.FAILED,
                    Reason.WRONG_CHIP,
                    wrong,
                )
        if result.passed and self._serial_order and not result.serial:
            self._give_serial(result, settings)  # (an NVS job wrote its own)

    def _line_after_record(self, port: str, result: JobResult) -> None:
        """A passed unit's code is used up; a port failing again and again raises an alarm."""
        if result.reason is not Reason.CANCELLED:
            alarm = self._alarms.observe(port, result.passed, job_id=result.job_id)
            if alarm is not None:
                self._publish(alarm)
        if result.passed:
            self._codes.used(port, result.chip.mac if result.chip else "", result.job_id)

    def _give_serial(self, result: JobResult, settings: Settings) -> None:
        """The passed chip's serial: assigned (or its own again), written, read back. A
        failure fails the job SERIAL_FAILED; the chip keeps its license and serial for a retry."""
        chip = result.chip
        if chip is None:
            return
        try:
            serial = self.serial_for(chip.family, chip.mac, job_id=result.job_id)
            result.serial = serial
            write_serial(
                settings.serial_write_command,
                settings.serial_read_command,
                {"serial": serial, "port": result.port, "mac": chip.mac, "uuid": result.uuid},
                timeout=settings.serial_command_timeout_s,
            )
        except (SerialWriteError, UserError) as error:
            text = error.message if isinstance(error, UserError) else str(error)
            result.state, result.reason, result.detail = (
                JobState.FAILED,
                Reason.SERIAL_FAILED,
                text,
            )
            self._publish(LogLine(port=result.port, job_id=result.job_id, level="error", text=text))

    # -- the next module on a jig --------------------------------------------------------------
    def _watch_next(self, slot: _Slot, plan: JobPlan, last_mac: str) -> None:
        """(Lock held.) Look at the port now and then until a module with another MAC answers;
        the plan's family does the asking (`ChipFamily.probe_identity`)."""
        stop = threading.Event()
        slot.watch_stop = stop
        slot.watcher = threading.Thread(
            target=self._watch_port,
            args=(slot.port, plan.chip_family, last_mac, stop),
            name=f"jig-{slot.port}",
            daemon=True,
        )
        slot.watcher.start()

    def _watch_port(
        self, port: str, family: ChipFamily, last_mac: str, stop: threading.Event
    ) -> None:
        try:
            while not stop.wait(self.jig_interval):
                mac = jig.probe(port, self._opener, family)
                if mac is None or mac == last_mac or stop.is_set():
                    continue
                with self._lock:
                    slot = self._slots.get(port)
                    if slot is None or slot.watch_stop is not stop:
                        return
                    slot.watch_stop = slot.watcher = None
                if self._auto_start:
                    if self.start(port):
                        return
                    if self.licenses_left() == 0 or self._waits_for_scan(port):
                        return  # start() said so on the tile
                self._publish(
                    StateChanged(
                        port=port,
                        state=JobState.WAITING,
                        step=f"a new module ({mac}) is in: press Start",
                    )
                )
                return
        except Exception as error:  # noqa: BLE001 - a bug here must not end the station
            report_crash(type(error), error, error.__traceback__)

    def _waits_for_scan(self, port: str) -> bool:
        with self._lock:
            slot = self._slots.get(port)
            return slot is not None and slot.waiting_scan

    def _stop_watch(self, port: str) -> None:
        """Stop looking for the next module on `port` (and wait, unless called from there)."""
        with self._lock:
            slot = self._slots.get(port)
            if slot is None or slot.watch_stop is None:
                return
            stop, watcher = slot.watch_stop, slot.watcher
            slot.watch_stop = slot.watcher = None
        stop.set()
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join()

    def watching(self, port: str) -> bool:
        """True while the port waits for the next module on a jig."""
        with self._lock:
            slot = self._slots.get(port)
            return slot is not None and slot.watch_stop is not None

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job runs; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._busy():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    def _busy(self) -> bool:
        return any(s.thread is not None and s.thread.is_alive() for s in self._slots.values())

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until `predicate()` holds after some job ends; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    # -- hot-plug -----------------------------------------------------------------------------
    def watch_hotplug(self, interval: float = 1.0) -> None:
        """Start watching the system's serial ports (pyserial's list) for chips coming and going."""
        with self._lock:
            if self._hotplug is not None:
                return
            self._hotplug_stop.clear()
            self._hotplug = threading.Thread(
                target=self._watch, args=(interval,), name="hotplug", daemon=True
            )
            self._hotplug.start()

    def _watch(self, interval: float) -> None:
        while not self._hotplug_stop.is_set():
            try:
                self.scan_ports()
            except Exception as error:  # noqa: BLE001 - keep watching; report the bug
                report_crash(type(error), error, error.__traceback__)
            self._hotplug_stop.wait(interval)

    def scan_ports(self) -> None:
        """One hot-plug pass: add new matching ports (and start them), retire vanished ones."""
        found: dict[str, str] = {}
        locations: dict[str, str] = {}
        usb_ids: dict[str, str] = {}
        for info in self._comports():
            if port_matches(info.device, info.vid, info.pid, self.settings):
                found[info.device] = info.description or info.device
                locations[info.device] = str(getattr(info, "location", "") or "")
                usb_ids[info.device] = (
                    f"{info.vid:04x}:{info.pid:04x}"
                    if info.vid is not None and info.pid is not None
                    else ""
                )
        with self._lock:
            known = {p for p, s in self._slots.items() if not s.explicit}
        for port in sorted(set(found) - known):
            self._add(
                port, found[port], explicit=False, location=locations[port], usb_id=usb_ids[port]
            )
            if self._auto_start:
                self.start(port)
        for port in sorted(known - set(found)):
            self._vanished(port)

    def _vanished(self, port: str) -> None:
        """The adapter was unplugged: a running job ends now (CABLE_PULLED: its port is closed,
        its license settled) rather than at esptool's next timeout; a finished port is freed."""
        self._stop_watch(port)
        with self._lock:
            slot = self._slots.get(port)
            if slot is None:
                return
            if slot.state.is_busy or (slot.thread is not None and slot.thread.is_alive()):
                cancel = slot.cancel
            else:
                del self._slots[port]
                cancel = None
        if cancel is not None:
            cancel.cancel(Reason.CABLE_PULLED)
        else:
            self._codes.unbind(port)  # the unit left: the next one is scanned afresh
            self._publish(PortRemoved(port=port))

    # -- counters and shutdown ----------------------------------------------------------------
    def summary(self) -> Summary:
        with self._lock:
            elapsed = time.monotonic() - self._first_start if self._first_start else 0.0
            running = sum(1 for s in self._slots.values() if s.state.is_busy)
            passed, failed, reasons = self._passed, self._failed, dict(self._reasons)
            plan = self._plan
        left = self.licenses_left() if plan is not None else None
        per_hour = passed / (elapsed / 3600) if elapsed > 0 else 0.0
        return Summary(
            passed=passed,
            failed=failed,
            running=running,
            devices_per_hour=round(per_hour, 1),
            licenses_left=left,
            elapsed_s=round(elapsed, 2),
            package_id=plan.package_id if plan else "",
            reasons=reasons,
            demo=bool(plan and plan.manifest.demo),
        )

    def stop(self) -> None:
        """Cancel every job and the hot-plug watcher, and join all their threads."""
        with self._lock:
            self._closed = True
            slots = list(self._slots.values())
            watcher, self._hotplug = self._hotplug, None
        self._hotplug_stop.set()
        if watcher is not None:
            watcher.join()
        for slot in slots:
            self._stop_watch(slot.port)
        for slot in slots:
            if slot.cancel is not None:
                slot.cancel.cancel(Reason.CANCELLED)
        for slot in slots:
            if slot.thread is not None:
                slot.thread.join()
        if self._pool is not None:
            self._pool.close()
        self._record_missing()

    def close(self) -> None:
        """Stop, then close the ledger and let the station folder go."""
        try:
            self.stop()
            if self._labels is not None:
                self._labels.stop()  # the labels of jobs that passed before the close still print
            if self._outbox is not None:
                self._outbox.stop()
            if self._mes is not None:
                self._mes.close()
            self._ledger.close()
        finally:
            self._station_lock.release()

    def __enter__(self) -> Station:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
