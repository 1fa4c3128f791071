"""One port's job as one state machine: from "a chip is on port 7" to "passed, logged".

States (events.JobState) in order: CONNECTING → IDENTIFYING → CHECKING → WRITING_FIRMWARE →
VERIFYING_FIRMWARE → WRITING_AUTH → VERIFYING_AUTH → PASSED, or FAILED/CANCELLED from any of
them; `_enter` refuses any other transition. The license moves through the ledger with the job:

    reserve (CHECKING) → mark_sending (just before the AuthKey leaves) → mark_written →
    mark_verified (PASSED)

and on failure: `release` if the AuthKey never left, `mark_needs_check` if it may have. So a
license is never lost and never handed to a second chip. Link errors before the AuthKey leaves
retry the connection at the next lower baud rate. A watchdog cancels the job (→ TIMEOUT), which
closes the port so any blocked read returns at once.

The job drives the chip only through the plan's `ChipFamily` and its `ChipDriver`, and the
firmware's shell through `TuyaShell`. It returns its result; the station writes the record and
announces `JobFinished` (`record_result`), for a job run here, in a worker process, or lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import serial

from prodtool.adapters import adapter
from prodtool.crash import report_crash
from prodtool.engine.holders import describe_holders
from prodtool.engine.log_text import LogSay, error_line, said
from prodtool.engine.writelog import WriteRecord
from prodtool.errors import StorageError, UserError
from prodtool.families import registry
from prodtool.families.driver import CancelToken, ChipDriver, ChipInfo, DriverError, Region
from prodtool.families.esp.nvs import (
    KEY_AUTHKEY,
    KEY_UUID,
    AuthRecord,
    AuthRecordError,
    build_nvs_record,
    parse_nvs_record,
    read_nvs_strings,
)
from prodtool.families.family import ChipFamily
from prodtool.families.tuya_shell import Credentials, TuyaShell, WriteReply, version_tuple
from prodtool.flash.events import (
    ChipIdentified,
    JobFinished,
    JobState,
    LicenseAssigned,
    LogLine,
    PortEvent,
    Progress,
    Reason,
    StateChanged,
)
from prodtool.flash.serialport import open_serial
from prodtool.flash.transcript import RecordingSerial, Transcript
from prodtool.license.errors import ChipBusy, LicenseQuarantined, NoLicensesLeft
from prodtool.license.ledger import ChipIdentity, LicenseRecord, Reservation
from prodtool.license.model import AuthMethod, DeliveryMode, LicenseState, Manifest, NvsTarget
from prodtool.redact import fingerprint
from prodtool.settings import QuarantinePolicy, Settings

_NEXT: dict[JobState, frozenset[JobState]] = {
    JobState.WAITING: frozenset({JobState.CONNECTING}),
    JobState.CONNECTING: frozenset({JobState.IDENTIFYING, JobState.CONNECTING}),
    JobState.IDENTIFYING: frozenset({JobState.CHECKING, JobState.CONNECTING}),
    JobState.CHECKING: frozenset(
        {JobState.WRITING_FIRMWARE, JobState.WRITING_AUTH, JobState.CONNECTING}
    ),
    JobState.WRITING_FIRMWARE: frozenset({JobState.VERIFYING_FIRMWARE, JobState.CONNECTING}),
    JobState.VERIFYING_FIRMWARE: frozenset({JobState.WRITING_AUTH, JobState.CONNECTING}),
    JobState.WRITING_AUTH: frozenset({JobState.VERIFYING_AUTH}),
    JobState.VERIFYING_AUTH: frozenset({JobState.PASSED}),
}
_FINAL = frozenset({JobState.PASSED, JobState.FAILED, JobState.CANCELLED})
_RETRY_REASONS = frozenset({Reason.LINK_ERRORS})
_ON_CHIP = frozenset({LicenseState.VERIFIED, LicenseState.WRITTEN})


@dataclass(frozen=True)
class JobPlan:
    """What the loaded package asks of every chip (shared, read-only, by all jobs).

    `family` is the manifest's chip family, looked up once when the plan is made; it travels
    with the plan to worker processes, so a family registered at run time works there too.
    """

    package_id: str
    manifest: Manifest
    regions: tuple[Region, ...] = ()  # firmware to write (Credential mode only)
    firmware_file: str = ""
    firmware_sha256: str = ""
    firmware_version: str = ""
    family: ChipFamily | None = None  # None: looked up from manifest.chip_family

    def __post_init__(self) -> None:
        if self.family is None:
            object.__setattr__(self, "family", registry.get(self.manifest.chip_family))

    @property
    def chip_family(self) -> ChipFamily:
        assert self.family is not None
        return self.family


@dataclass(frozen=True)
class JobConfig:
    """The station's settings as every job reads them, and where its transcript goes."""

    settings: Settings = field(default_factory=Settings)
    transcripts: Path | None = None
    overwrite_by: str = ""  # a supervisor chose to overwrite a finished device on this port
    usb_id: str = ""  # the port's adapter ("vid:pid"), when known: its top rate caps the job's


@dataclass
class JobResult:
    """How a job ended, with what the write log's record needs (see `record_result`)."""

    job_id: str
    port: str
    state: JobState
    reason: Reason
    detail: str = ""
    chip: ChipInfo | None = None
    uuid: str = ""
    reused: bool = False  # the record's license_reused: see `Reservation.delivered_before`
    seconds: float = 0.0
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    seconds_firmware: float = 0.0
    seconds_auth: float = 0.0
    baud: int = 0
    serial: str = ""  # set by the station after the job (serial numbers are the station's)
    code: str = ""  # the scanned code bound to the port for this job
    record_hash: str = ""  # the write record's hash, once `record_result` stored it

    @property
    def passed(self) -> bool:
        return self.state is JobState.PASSED

    def finished_event(self, family: str = "") -> JobFinished:
        """The event announcing this result; `family`: the package's (JobFinished.family)."""
        return JobFinished(
            port=self.port,
            job_id=self.job_id,
            passed=self.passed,
            reason=self.reason,
            detail=self.detail,
            mac=self.chip.mac if self.chip else "",
            uuid=self.uuid,
            seconds=self.seconds,
            serial=self.serial,
            code=self.code,
            chip_family=self.chip.family if self.chip else "",
            record_hash=self.record_hash,
            family=family,
        )


class JobLedger(Protocol):
    """The ledger moves a job makes: the station's `Ledger`, or a worker's line back to it."""

    def reserve(
        self, package_id: str, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation: ...
    def mark_sending(self, license_id: int, *, job_id: str) -> None: ...
    def mark_written(self, license_id: int, *, job_id: str) -> None: ...
    def mark_verified(self, license_id: int, *, job_id: str) -> None: ...
    def release(self, license_id: int, *, job_id: str, reason: str) -> None: ...
    def mark_needs_check(self, license_id: int, *, job_id: str, reason: str) -> None: ...
    def quarantine(self, license_id: int, *, reason: str) -> None: ...
    def find_uuid(self, uuid: str) -> LicenseRecord | None: ...
    def licenses_for_chip(
        self, chip: ChipIdentity, package_id: str | None = None
    ) -> list[LicenseRecord]: ...
    def authkey(self, license_id: int) -> str: ...
    def manifest(self, package_id: str) -> Manifest: ...


class JobLog(Protocol):
    """Where a finished job's record goes (the station's `WriteLog`); see `record_result`."""

    def append(self, record: WriteRecord) -> dict[str, Any]: ...


class JobSerials(Protocol):
    """The station's line services a job asks for: the unit's serial number, for a job that
    writes the serial itself (ESP NVS), and whether the unit's scanned code may go with the chip
    (asked before anything is written)."""

    def assign(self, chip: ChipIdentity, *, job_id: str) -> str: ...
    def check_code(self, chip: ChipIdentity, *, port: str, job_id: str = "") -> str: ...


class JobChips(Protocol):
    """The station-wide table of which MAC is on which port (`ActiveChips`)."""

    def claim(self, mac: str, port: str) -> list[str]: ...
    def twins(self, mac: str, port: str) -> list[str]: ...
    def release(self, mac: str, port: str) -> None: ...


def protocol_methods(protocol: type) -> frozenset[str]:
    """The public methods a Protocol declares: what a worker may call in the station."""
    members = vars(protocol).items()
    return frozenset(name for name, value in members if callable(value) and name[0] != "_")


# The station objects a job reaches, declared once (above): the worker process's proxies and
# the station's allow-list are both made from these.
LEDGER_CALLS = protocol_methods(JobLedger)
CHIPS_CALLS = protocol_methods(JobChips)
SERIALS_CALLS = protocol_methods(JobSerials)


class ActiveChips:
    """Which MAC is on which port right now: two ports reporting one MAC are twins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_mac: dict[str, set[str]] = {}
        self._seen_twice: dict[str, set[str]] = {}  # sticky until every port lets go

    def claim(self, mac: str, port: str) -> list[str]:
        """Register; returns the other ports that hold the same MAC (empty when unique)."""
        with self._lock:
            ports = self._by_mac.setdefault(mac, set())
            ports.add(port)
            if len(ports) > 1:
                self._seen_twice.setdefault(mac, set()).update(ports)
            return sorted(ports - {port})

    def twins(self, mac: str, port: str) -> list[str]:
        """Other ports that reported this MAC while this port held it."""
        with self._lock:
            return sorted(self._seen_twice.get(mac, set()) - {port})

    def release(self, mac: str, port: str) -> None:
        with self._lock:
            ports = self._by_mac.get(mac)
            if ports is not None:
                ports.discard(port)
                if not ports:
                    del self._by_mac[mac]
                    self._seen_twice.pop(mac, None)


@dataclass
class LicenseSteps:
    """How far a job's license got: whether its AuthKey may have left the station.

    The job keeps one as it goes; the station keeps one per job running in a worker process
    (from the ledger calls it answers), so a job that dies with its worker settles the same way.
    """

    reservation: Reservation | None = None
    sending: bool = False
    written: bool = False
    verified: bool = False
    quarantined: bool = False  # the job quarantined its own reservation (a cloned MAC)

    def settle(self, ledger: JobLedger, job_id: str, reason: Reason, detail: str) -> str:
        """The ledger after a failure: released if never sent, else held for a check.
        Returns the ledger's refusal, or "" when it agreed (or had nothing to do)."""
        reservation = self.reservation
        if reservation is None or self.verified or self.quarantined:
            return ""
        try:
            if self.sending:
                ledger.mark_needs_check(
                    reservation.license_id, job_id=job_id, reason=f"{reason.value}: {detail}"
                )
            elif reason is not Reason.DUPLICATE_CHIP:
                ledger.release(reservation.license_id, job_id=job_id, reason=reason.value)
        except UserError as error:
            return error.message
        return ""


class GuardedTranscript:
    """The job's transcript, where a disk that refuses it (full, read-only) ends the transcript,
    never the job: the write log and the ledger are the record, and they say STORAGE."""

    def __init__(self, make: Callable[[], Transcript]) -> None:
        self.failure = ""
        self._inner: Transcript | None = None
        self._guard(lambda: setattr(self, "_inner", make()))

    def _guard(self, action: Callable[[], object]) -> None:
        try:
            action()
        except OSError as error:
            self.failure = self.failure or f"the transcript stopped: {error.strerror or error}"
            inner, self._inner = self._inner, None
            if inner is not None:
                with contextlib.suppress(OSError):
                    inner.close()

    def add_secret(self, secret: str) -> None:
        if self._inner is not None:
            self._inner.add_secret(secret)

    def set_text_mode(self, text: bool) -> None:
        if (inner := self._inner) is not None:
            self._guard(lambda: inner.set_text_mode(text))

    def opaque(self) -> contextlib.AbstractContextManager[None]:
        return self._inner.opaque() if self._inner is not None else contextlib.nullcontext()

    def step(self, text: str, **fields: Any) -> None:
        if (inner := self._inner) is not None:
            self._guard(lambda: inner.step(text, **fields))

    def data(self, direction: str, chunk: bytes) -> None:
        if (inner := self._inner) is not None:
            self._guard(lambda: inner.data(direction, chunk))

    def close(self) -> None:
        if (inner := self._inner) is not None:
            self._guard(inner.close)


def license_in_partition(data: bytes) -> Credentials | None:
    """The license an NVS partition holds in prodtool's record format, in any namespace (another
    order may have used another), or None (blank, erased, or not a partition we can read)."""
    try:
        strings = read_nvs_strings(data)
    except ValueError:
        return None
    for (namespace, key), uuid in strings.items():
        authkey = strings.get((namespace, KEY_AUTHKEY))
        if key == KEY_UUID and uuid and authkey is not None:
            return Credentials(uuid, authkey)
    return None


def new_job_id() -> str:
    """A job's name: when it started (UTC, sortable) and 8 random hex digits."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuidlib.uuid4().hex[:8]


def open_port(url: str) -> Any:
    """Open a device path or pyserial URL exclusively, with a write timeout. A port another
    program holds (ModemManager, brltty) fails PORT_HELD, naming it and how to free it."""
    try:
        return open_serial(url)
    except (serial.SerialException, OSError, ValueError) as error:
        held = describe_holders(url) if url.startswith("/dev/") else ""
        if held:
            raise DriverError(Reason.PORT_HELD, held) from None
        raise DriverError(Reason.NO_ANSWER, f"cannot open {url}: {error}") from None


class PortJob:
    """Runs one chip through the states on the calling (worker) thread; `run` never raises."""

    def __init__(
        self,
        *,
        port: str,
        plan: JobPlan,
        ledger: JobLedger,
        config: JobConfig,
        emit: Callable[[PortEvent], None],
        active: JobChips | None = None,
        cancel: CancelToken | None = None,
        opener: Callable[[str], Any] = open_port,
        job_id: str = "",
        serials: JobSerials | None = None,
    ) -> None:
        self.port = port
        self.job_id = job_id or new_job_id()
        self.plan = plan
        self.ledger = ledger
        self.config = config
        self.settings = config.settings
        self._emit_fn = emit
        self.active: JobChips = active or ActiveChips()
        self.cancel = cancel or CancelToken()
        self._opener = opener
        self.serials = serials
        self._unit_serial = ""  # the unit's serial number, when the job writes it (NVS)
        self.state = JobState.WAITING
        self._serial: Any = None
        self._chip: ChipInfo | None = None
        self._sent = LicenseSteps()
        self.family = plan.chip_family
        # The station's rates this family supports, under the adapter's top rate, fast first.
        known = adapter(config.usb_id) if config.usb_id else None
        self._bauds = self.family.plan_bauds(
            config.settings.baud_rates,
            max_baud=known.max_baud if known else 0,
            adapter=known.name if known else "",
        )
        self._rates = self._bauds.rates
        self._baud = self._rates[0]
        self._stub_baud = 0  # after a failed attempt: the rate its flasher stub may still use
        self._overwritten = ""  # the finished device's license a supervisor chose to overwrite
        self._passed_note = ""  # said in a passed job's record (a supervisor's overwrite)
        self._partition = b""  # the NVS partition as read before the reservation (ESP)
        self._times: dict[str, float] = {}
        self._last_progress = -1.0
        self._transcript = GuardedTranscript(
            lambda: Transcript(
                config.transcripts / f"{self.job_id}.jsonl" if config.transcripts else None,
                job_id=self.job_id,
                port=port,
            )
        )

    # -- events and states ---------------------------------------------------------------------
    def _emit(self, event: PortEvent) -> None:
        self._emit_fn(event)

    def _enter(self, state: JobState, step: str | LogSay = "", **fields: object) -> None:
        if state not in _FINAL and state not in _NEXT.get(self.state, frozenset()):
            raise AssertionError(f"job cannot go from {self.state} to {state}")
        self.state = state
        step, say, params = said(step, **fields) if isinstance(step, LogSay) else (step, "", ())
        self._transcript.step(state.value, detail=step)
        self._emit(
            StateChanged(
                port=self.port, job_id=self.job_id, state=state, step=step, say=say, params=params
            )
        )

    def _log(self, text: str | LogSay, level: str = "info", **fields: object) -> None:
        text, say, params = said(text, **fields) if isinstance(text, LogSay) else (text, "", ())
        self._transcript.step("log", level=level, detail=text)
        self._emit(
            LogLine(
                port=self.port, job_id=self.job_id, level=level, text=text, say=say, params=params
            )
        )

    # the driver's sink (DriverSink; esptool's output through ChipFamily.log_route)
    def driver_message(self, level: str, text: str) -> None:
        self._transcript.step("driver", level=level, detail=text)
        if level != "info":
            self._emit(LogLine(port=self.port, job_id=self.job_id, level=level, text=text))

    def driver_progress(self, done: int, total: int) -> None:
        self._progress(done, total)

    def _progress(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if fraction - self._last_progress < 0.02 and done < total:
            return
        self._last_progress = fraction
        self._emit(
            Progress(port=self.port, job_id=self.job_id, done=done, total=total, phase=self.state)
        )

    # -- the run ---------------------------------------------------------------------------------
    def run(self) -> JobResult:
        started = time.monotonic()
        started_at = dt.datetime.now(dt.UTC)
        timeout = self.settings.job_timeout_s
        watchdog = threading.Timer(timeout, self.cancel.cancel, (Reason.TIMEOUT,))
        watchdog.daemon = True
        watchdog.start()
        self.cancel.on_cancel(self._close_port)
        reason, detail = Reason.OK, ""
        try:
            if self._bauds.note:  # the settings' rates and the family's (or adapter's) differ
                self._log(self._bauds.note, "warning" if self._bauds.fallback else "info")
            with self.family.log_route(self):
                self._run_states()
        except DriverError as error:
            reason, detail = error.reason, error.detail
        except NoLicensesLeft as error:
            reason, detail = Reason.NO_LICENSES_LEFT, error.message
        except StorageError as error:
            reason, detail = Reason.STORAGE, error.message
        except ChipBusy as error:  # another port is writing a chip with this identity
            reason, detail = Reason.DUPLICATE_CHIP, error.message
        except LicenseQuarantined as error:
            reason, detail = Reason.HOLDS_OTHER_LICENSE, error.message
        except UserError as error:  # the ledger refused a move: a twin quarantined it, or a bug
            twins = self.active.twins(self._chip.mac, self.port) if self._chip else []
            reason = Reason.DUPLICATE_CHIP if twins else Reason.INTERNAL
            detail = error.message
        except (serial.SerialException, OSError) as error:
            reason, detail = Reason.CABLE_PULLED, str(error).splitlines()[0] if str(error) else ""
        except Exception as error:  # noqa: BLE001 - a bug: crash log, and the port says INTERNAL
            if not self.cancel.cancelled:  # else: pyserial tripping over the port we closed
                report_crash(type(error), error, error.__traceback__)
            reason, detail = Reason.INTERNAL, type(error).__name__
        finally:
            watchdog.cancel()
            watchdog.join()
            self._close_port()
        if reason is Reason.OK:
            detail = self._passed_note
        if reason is not Reason.OK and self.cancel.cancelled:
            reason = self.cancel.reason
            detail = {
                Reason.CANCELLED: "stopped by the operator",
                Reason.CABLE_PULLED: "the port went away: cable or adapter unplugged",
            }.get(reason, f"no result within {self.settings.job_timeout_s:.0f} s")
        return self._finish(reason, detail, started, started_at)

    def _run_states(self) -> None:
        attempts = max(1, min(self.settings.retries + 1, len(self._rates)))
        first: DriverError | None = None  # what made the job retry: the cause to report
        for attempt in range(attempts):
            self._baud = self._rates[attempt]
            try:
                driver = self._connect_and_identify()
                if self._mac_known():
                    if self._sent.reservation is None and self._probe_finished(driver):
                        driver = self._connect_and_identify()  # the shell answered: to the ROM
                    self._check(driver)
                else:  # a loader that cannot say the MAC: the shell says it (`_learn_mac`)
                    self._enter(JobState.CHECKING, "the license waits for the firmware's MAC")
                if self.plan.manifest.delivery_mode is DeliveryMode.CREDENTIAL:
                    self._write_firmware(driver)
                break
            except DriverError as error:
                if first is not None and error.reason is Reason.NO_ANSWER:
                    # The retry could not reach the chip at all: say why the job retried.
                    raise DriverError(
                        first.reason,
                        f"{first.detail or first.reason.value}; then no answer at"
                        f" {self._baud} baud",
                    ) from None
                if (
                    error.reason not in _RETRY_REASONS
                    or attempt == attempts - 1
                    or self._sent.sending
                    or self.cancel.cancelled
                ):
                    raise
                first = error
                self._stub_baud = self._baud  # a stub may be left at this rate
                self._log(
                    LogSay.RETRYING,
                    "warning",
                    problem=error.detail or error.reason.value,
                    reason=error.reason.value,
                    baud=self._rates[attempt + 1],
                )
                self._close_port()
        self._write_auth(driver)
        self._sent.verified = True
        self._enter(JobState.PASSED, LogSay.VERIFIED)

    def _connect_and_identify(self) -> ChipDriver:
        self._enter(JobState.CONNECTING, LogSay.OPENING, port=self.port, baud=self._baud)
        self._transcript.set_text_mode(False)
        raw = self._opener(self.port)
        self._serial = RecordingSerial(raw, self._transcript)  # type: ignore[arg-type]
        if self.cancel.cancelled:
            self._close_port()
            self.cancel.check()
        driver = self.family.open_driver(
            self._serial,
            baud=self._baud,
            connect_attempts=self.settings.connect_attempts,
            cancel=self.cancel,
            stub_baud=self._stub_baud,
        )
        if self.family.connect_step:  # the family's own words, translated by the window
            self._enter(JobState.IDENTIFYING, self.family.connect_step)
        else:
            self._enter(JobState.IDENTIFYING, LogSay.IDENTIFYING)
        wanted = self.family.name
        chip = driver.identify(wanted)
        self._baud = driver.baud
        self._chip = chip
        self._emit(
            ChipIdentified(
                port=self.port,
                job_id=self.job_id,
                family=chip.family,
                mac=chip.mac,
                chip_id=chip.chip_id,
            )
        )
        if chip.family != wanted:
            raise DriverError(Reason.WRONG_CHIP, f"this chip is {chip.family}, not {wanted}")
        if not chip.mac and self.plan.manifest.auth_method is not AuthMethod.TUYAOPEN_SHELL:
            raise DriverError(
                Reason.INTERNAL,
                f"{self.family.title}'s loader cannot say the chip's MAC and this package writes "
                "the license through the loader: only the shell method can identify this chip",
            )
        if chip.mac:
            twins = self.active.claim(chip.mac, self.port)
            if twins:
                self._duplicate(twins)
            self._check_code()
        return driver

    def _check_code(self) -> None:
        """The unit's scanned code belongs to this chip, checked before anything is written
        (or, for a chip whose MAC comes from its firmware, before its license is chosen)."""
        if self.serials is not None:
            wrong = self.serials.check_code(self._identity(), port=self.port, job_id=self.job_id)
            if wrong:
                raise DriverError(Reason.WRONG_CHIP, wrong)

    def _mac_known(self) -> bool:
        return bool(self._chip and self._chip.mac)

    def _learn_mac(self, driver: ChipDriver, mac: str) -> None:
        """The MAC from the firmware's shell, for a chip whose loader could not say it: the
        chip's identity from now on (the ledger, twins, the write log), then the license."""
        assert self._chip is not None
        if not mac:
            raise DriverError(Reason.NO_SHELL, "the shell did not say the chip's MAC")
        self._chip = chip = replace(self._chip, mac=mac, chip_id=mac.replace(":", ""))
        self._transcript.step("log", level="info", detail=f"MAC {mac} from the shell")
        self._emit(
            ChipIdentified(
                port=self.port,
                job_id=self.job_id,
                family=chip.family,
                mac=chip.mac,
                chip_id=chip.chip_id,
            )
        )
        twins = self.active.claim(chip.mac, self.port)
        if twins:
            self._duplicate(twins)
        self._check_code()
        self._reserve(driver)

    def _identity(self) -> ChipIdentity:
        assert self._chip is not None
        return ChipIdentity(
            family=self._chip.family, mac=self._chip.mac, chip_id=self._chip.chip_id
        )

    def _duplicate(self, twins: Sequence[str]) -> None:
        """Two chips, one MAC: quarantine whatever license that MAC holds, fail both ports."""
        assert self._chip is not None
        if self.settings.quarantine_policy is QuarantinePolicy.QUARANTINE:
            for record in self.ledger.licenses_for_chip(self._identity()):
                if record.state.value not in {"quarantined", "available"}:
                    self.ledger.quarantine(
                        record.license_id, reason=f"duplicate chip {self._chip.mac}"
                    )
        raise DriverError(Reason.DUPLICATE_CHIP, f"{self._chip.mac} is also on {', '.join(twins)}")

    # -- checking ------------------------------------------------------------------------------
    def _check(self, driver: ChipDriver) -> None:
        self._enter(JobState.CHECKING, LogSay.CHOOSING)
        self._reserve(driver)

    def _reserve(self, driver: ChipDriver) -> None:
        manifest = self.plan.manifest
        if self._sent.reservation is None:
            reservation = self.ledger.reserve(
                self.plan.package_id, self._identity(), job_id=self.job_id, port=self.port
            )
            self._sent.reservation = reservation
            self._transcript.add_secret(reservation.authkey)
            self._emit(
                LicenseAssigned(
                    port=self.port,
                    job_id=self.job_id,
                    uuid=reservation.uuid,
                    reused=reservation.reused,
                )
            )
            self._log(
                LogSay.REUSED if reservation.reused else LogSay.RESERVED, uuid=reservation.uuid
            )
        if manifest.auth_method is AuthMethod.ESP_IDF_NVS and manifest.nvs is not None:
            data, self._partition = self._partition, b""  # read before the reservation, if so
            data = data or self._read_partition(driver, manifest.nvs)
            try:
                held = parse_nvs_record(data, namespace=manifest.nvs.namespace)
            except ValueError:
                held = None
            self._judge_held(Credentials(held.uuid, held.authkey) if held else None)

    def _read_partition(self, driver: ChipDriver, nvs: NvsTarget) -> bytes:
        """An NVS partition from the bootloader, opaque in the transcript: it may hold an
        AuthKey (ours, or another station's that nothing here may keep)."""
        with self._transcript.opaque():
            return driver.read(nvs.offset, nvs.size)

    # -- finished devices (another package's verified license, bound to this chip) -------------
    def _finished_record(self) -> LicenseRecord | None:
        """A license of another package or list that the ledger binds to this chip as on it."""
        for record in self.ledger.licenses_for_chip(self._identity()):
            if record.package_id != self.plan.package_id and record.state in _ON_CHIP:
                return record
        return None

    def _probe_finished(self, driver: ChipDriver) -> bool:
        """Before anything is reserved or flashed: a chip the ledger knows as finished under
        another package is read first (its partition from the bootloader; its shell when that
        package used the shell). Fails ALREADY_WRITTEN when it holds that license; True when
        the shell was started (the caller goes back to the bootloader)."""
        record = self._finished_record()
        if record is None:
            self._probe_foreign(driver)
            return False
        manifest = self.ledger.manifest(record.package_id)
        self._log(LogSay.LEDGER_KNOWS_CHIP, uuid=record.uuid, package=record.package_id)
        if manifest.auth_method is AuthMethod.ESP_IDF_NVS and manifest.nvs is not None:
            data = self._read_partition(driver, manifest.nvs)
            try:
                parsed = parse_nvs_record(data, namespace=manifest.nvs.namespace)
            except ValueError:
                parsed = None
            self._refuse_finished(Credentials(parsed.uuid, parsed.authkey) if parsed else None)
            return False
        self.family.start_app(driver, self._serial)
        self._transcript.set_text_mode(True)
        shell = TuyaShell(self._serial, timeout=self.settings.shell_timeout_s, cancel=self.cancel)
        try:
            shell.wait_prompt()
            held = shell.auth_read()
        except DriverError as error:
            if error.reason is not Reason.NO_SHELL:
                raise
            held = None  # no application answers: nothing to protect on it
        self._refuse_finished(held)
        self._close_port()
        return True

    def _probe_foreign(self, driver: ChipDriver) -> None:
        """Before anything is reserved or flashed, on a chip the ledger does not know: read the
        NVS partition this package writes (one flash read, no shell timeout). A license record
        there (any namespace) with a UUID this ledger has never held is another station's or
        order's finished device: ALREADY_WRITTEN, unless a supervisor chose to overwrite it. A
        license the ledger does know is judged after the reservation (`_judge_held`). A shell
        package's license lives in the application's own storage, read only through its shell,
        so it is not looked for here."""
        manifest = self.plan.manifest
        if manifest.auth_method is not AuthMethod.ESP_IDF_NVS or manifest.nvs is None:
            return
        self._partition = self._read_partition(driver, manifest.nvs)
        held = license_in_partition(self._partition)
        if held is None or self.ledger.find_uuid(held.uuid) is not None:
            return
        if not self.config.overwrite_by:
            raise DriverError(
                Reason.ALREADY_WRITTEN,
                f"holds license {held.uuid} from another station or order;"
                " overwriting it needs a supervisor",
            )
        self._log(
            LogSay.OVERWRITE_FOREIGN,
            "warning",
            supervisor=self.config.overwrite_by,
            uuid=held.uuid,
        )
        self._overwritten = held.uuid
        self._passed_note = (
            f"overwrote license {held.uuid} (another station's or order's)"
            f" by supervisor {self.config.overwrite_by}"
        )

    def _refuse_finished(self, held: Credentials | None) -> bool:
        """Fail ALREADY_WRITTEN when `held` is a license the ledger binds to this very chip,
        with its own AuthKey; quarantine nothing. A supervisor's overwrite is logged instead
        (True: that license is quarantined and the chip may be written)."""
        if held is None:
            return False
        if held.uuid == self._overwritten:
            return True  # quarantined by this job's overwrite, before the firmware was written
        record = self.ledger.find_uuid(held.uuid)
        if record is None or record.state not in _ON_CHIP or not self._bound_here(record):
            return False
        if not hmac.compare_digest(held.authkey, self.ledger.authkey(record.license_id)):
            return False
        order = self.ledger.manifest(record.package_id).order_number or record.package_id
        if self.config.overwrite_by:
            self._log(
                LogSay.OVERWRITE,
                "warning",
                supervisor=self.config.overwrite_by,
                order=order,
                uuid=record.uuid,
            )
            self.ledger.quarantine(
                record.license_id,
                reason=f"overwritten on {self.port} by supervisor {self.config.overwrite_by}",
            )
            self._overwritten = record.uuid
            self._passed_note = (
                f"overwrote license {record.uuid} (order {order}) by supervisor"
                f" {self.config.overwrite_by}"
            )
            return True
        raise DriverError(
            Reason.ALREADY_WRITTEN, f"already written for order {order}, uuid {record.uuid}"
        )

    def _bound_here(self, record: LicenseRecord) -> bool:
        chip = self._identity()
        return bool(
            (chip.mac and record.chip_mac == chip.mac)
            or (chip.chip_id and record.chip_id == chip.chip_id)
        )

    def _judge_held(self, held: Credentials | None) -> bool:
        """True when the chip already holds our license; fails when it holds another."""
        reservation = self._sent.reservation
        assert reservation is not None
        if held is None:
            return False
        if held.uuid == reservation.uuid:
            if not hmac.compare_digest(held.authkey, reservation.authkey):
                self._log(LogSay.DAMAGED_KEY, uuid=held.uuid)
                return False
            self._log(LogSay.ALREADY_HOLDS, uuid=held.uuid)
            return True
        if self._refuse_finished(held):  # a finished device: refused, nothing quarantined
            return False  # unless a supervisor chose to overwrite it: write ours
        other = self.ledger.find_uuid(held.uuid)
        if self.settings.quarantine_policy is QuarantinePolicy.QUARANTINE and other is not None:
            self.ledger.quarantine(other.license_id, reason=f"found on another chip {self.port}")
        if reservation.reused and self.settings.quarantine_policy is QuarantinePolicy.QUARANTINE:
            # this MAC is bound to our license, yet the chip holds another: two chips, one MAC
            mac = self._chip.mac if self._chip else "?"
            self.ledger.quarantine(
                reservation.license_id,
                reason=f"chip {mac} holds {held.uuid}; the ledger binds this MAC to "
                f"{reservation.uuid}: two chips with one MAC?",
            )
            self._sent.quarantined = True
            raise DriverError(
                Reason.DUPLICATE_CHIP,
                f"chip {mac} holds {held.uuid}, but this MAC already has {reservation.uuid}: "
                "both quarantined, call a supervisor",
            )
        raise DriverError(Reason.HOLDS_OTHER_LICENSE, f"the chip holds {held.uuid}")

    # -- firmware -------------------------------------------------------------------------------
    def _write_firmware(self, driver: ChipDriver) -> None:
        """Write the package's images, but not one the flash holds already (the family's
        digest says so, `ChipDriver.flash_matches`); every image is verified either way."""
        regions = self.plan.regions
        t0 = time.monotonic()
        driver.check_fits(regions)
        held = [driver.flash_matches(r) is True for r in regions]
        present = [r for r, there in zip(regions, held, strict=True) if there]
        todo = [r for r, there in zip(regions, held, strict=True) if not there]
        total = sum(len(r.data) for r in todo)
        if todo:
            offset = f"{todo[0].offset:#x}"
            self._enter(
                JobState.WRITING_FIRMWARE, LogSay.WRITING_FIRMWARE, kib=total // 1024, offset=offset
            )
        elif regions:
            self._enter(JobState.WRITING_FIRMWARE, LogSay.FIRMWARE_PRESENT)
        else:
            self._enter(JobState.WRITING_FIRMWARE)
        for region in present:
            self._log(
                LogSay.FIRMWARE_SKIPPED,
                image=region.name or "image",
                offset=f"{region.offset:#x}",
                kib=len(region.data) // 1024,
            )
        self._last_progress = -1.0
        if todo:
            driver.write_regions(todo, self._progress)
        elif regions:
            self._progress(1, 1)
        self._enter(JobState.VERIFYING_FIRMWARE, LogSay.COMPARING_FLASH)
        driver.verify_regions(regions)
        self._times["firmware"] = time.monotonic() - t0

    # -- authorization -------------------------------------------------------------------------
    def _write_auth(self, driver: ChipDriver) -> None:
        t0 = time.monotonic()
        if self.plan.manifest.auth_method is AuthMethod.ESP_IDF_NVS:
            self._write_auth_nvs(driver)
        else:
            self._write_auth_shell(driver)
        self._times["auth"] = time.monotonic() - t0

    def _auth_record(self) -> AuthRecord:
        reservation = self._sent.reservation
        assert reservation is not None
        manifest = self.plan.manifest
        return AuthRecord(
            uuid=reservation.uuid,
            authkey=reservation.authkey,
            product_id=manifest.product_id,
            features=tuple(f.code for f in manifest.features),
        )

    def _write_auth_nvs(self, driver: ChipDriver) -> None:
        nvs = self.plan.manifest.nvs
        if nvs is None:
            raise DriverError(Reason.INTERNAL, "the package names no NVS partition")
        record = self._auth_record()
        extra = self._nvs_serial()
        try:
            image = build_nvs_record(record, namespace=nvs.namespace, size=nvs.size, extra=extra)
        except AuthRecordError as error:
            raise DriverError(Reason.SERIAL_FAILED, str(error)) from None
        region = Region(nvs.offset, image, name="authorization", secret=True)
        self._enter(JobState.WRITING_AUTH, LogSay.WRITING_PARTITION, offset=f"{nvs.offset:#x}")
        self._sending()
        driver.write_regions([region], self._progress)
        self._written()
        self._enter(JobState.VERIFYING_AUTH, LogSay.COMPARING_PARTITION)
        driver.verify_regions([region])
        with self._transcript.opaque():
            back = driver.read(nvs.offset, nvs.size)
        try:
            parsed = parse_nvs_record(back, namespace=nvs.namespace)
        except ValueError:
            parsed = None
        if parsed != record:
            raise DriverError(Reason.AUTH_VERIFY_FAILED, "the license partition reads back wrong")
        for key, value in extra.items():
            held = read_nvs_strings(back).get((nvs.namespace, key))
            if held != value:
                raise DriverError(Reason.SERIAL_FAILED, f"the serial reads back as {held!r}")
        self._verified()

    def _nvs_serial(self) -> dict[str, str]:
        """{key: serial} when the station gives serials and writes them into NVS, else {}."""
        key = self.settings.serial_nvs_key
        if not key or self.serials is None:
            return {}
        try:
            self._unit_serial = self.serials.assign(self._identity(), job_id=self.job_id)
        except UserError as error:
            raise DriverError(Reason.SERIAL_FAILED, error.message) from None
        return {key: self._unit_serial} if self._unit_serial else {}

    def _write_auth_shell(self, driver: ChipDriver) -> None:
        assert self._chip is not None
        self._enter(JobState.WRITING_AUTH, LogSay.STARTING_SHELL)
        self.family.start_app(driver, self._serial)
        self._transcript.set_text_mode(True)
        shell = TuyaShell(self._serial, timeout=self.settings.shell_timeout_s, cancel=self.cancel)
        shell.wait_prompt()
        mac = shell.read_mac()
        if not self._chip.mac:
            self._learn_mac(driver, mac)
        elif mac != self._chip.mac:
            raise DriverError(
                Reason.NO_SHELL,
                f"the shell reports MAC {mac}, the bootloader {self._chip.mac}: another UART?",
            )
        reservation = self._sent.reservation
        assert reservation is not None
        if self.plan.manifest.delivery_mode is not DeliveryMode.CREDENTIAL:
            self._check_app_version(shell)
        if self._judge_held(shell.auth_read()):
            self._enter(JobState.VERIFYING_AUTH, LogSay.HOLDS_THIS)
        else:
            self._sending()
            reply = shell.auth_write(reservation.uuid, reservation.authkey)
            if reply is WriteReply.REJECTED:
                raise DriverError(Reason.AUTH_REJECTED, "the firmware refused the license")
            self._written()
            self._enter(JobState.VERIFYING_AUTH, LogSay.READING_BACK)
        back = shell.auth_read()
        if back is None or back.uuid != reservation.uuid or back.authkey != reservation.authkey:
            got = "nothing" if back is None else back.uuid
            raise DriverError(
                Reason.AUTH_VERIFY_FAILED,
                f"read back {got} with key {fingerprint(back.authkey) if back else '-'}",
            )
        self._verified()

    def _check_app_version(self, shell: TuyaShell) -> None:
        minimum = self.plan.manifest.min_firmware_version
        if not minimum:
            return
        version = shell.sys_version()
        if version is None or version_tuple(version) < version_tuple(minimum):
            raise DriverError(
                Reason.FIRMWARE_TOO_OLD, f"the chip runs {version or 'unknown'}, needs {minimum}"
            )

    # -- ledger steps --------------------------------------------------------------------------
    def _sending(self) -> None:
        reservation = self._sent.reservation
        assert reservation is not None and self._chip is not None
        twins = self.active.twins(self._chip.mac, self.port)
        if twins:
            self._duplicate(twins)
        self.cancel.check()
        self.ledger.mark_sending(reservation.license_id, job_id=self.job_id)
        self._sent.sending = True

    def _written(self) -> None:
        assert self._sent.reservation is not None
        self.ledger.mark_written(self._sent.reservation.license_id, job_id=self.job_id)
        self._sent.written = True

    def _verified(self) -> None:
        """reserved|written → verified (also when a re-plugged chip already held it)."""
        reservation = self._sent.reservation
        assert reservation is not None
        self.ledger.mark_verified(reservation.license_id, job_id=self.job_id)

    def _settle_failure(self, reason: Reason, detail: str) -> None:
        refused = self._sent.settle(self.ledger, self.job_id, reason, detail)
        if refused:
            self._log(LogSay.LEDGER_REFUSED, "error", refused=refused)

    # -- the end --------------------------------------------------------------------------------
    def _close_port(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def _finish(
        self, reason: Reason, detail: str, started: float, started_at: dt.datetime
    ) -> JobResult:
        if reason is not Reason.OK:
            self._settle_failure(reason, detail)
            final = JobState.CANCELLED if reason is Reason.CANCELLED else JobState.FAILED
            self._enter(final, detail)
        if self._chip is not None:
            self.active.release(self._chip.mac, self.port)
        reservation = self._sent.reservation
        result = JobResult(
            job_id=self.job_id,
            port=self.port,
            state=self.state,
            reason=reason,
            detail=detail,
            chip=self._chip,
            uuid=reservation.uuid if reservation else "",
            reused=bool(reservation and reservation.delivered_before),
            seconds=time.monotonic() - started,
            started_at=started_at,
            seconds_firmware=self._times.get("firmware", 0.0),
            seconds_auth=self._times.get("auth", 0.0),
            baud=self._baud,
            serial=self._unit_serial,
        )
        if reason is not Reason.OK and (hint := self.family.hint(reason)):
            self._log(f"{self.family.title}: {hint}", "warning")
        if self._transcript.failure:
            self._emit(
                LogLine(
                    port=self.port,
                    job_id=self.job_id,
                    level="warning",
                    text=self._transcript.failure,
                )
            )
        self._transcript.step("finished", reason=result.reason.value, detail=result.detail)
        self._transcript.close()
        return result


def record_result(
    result: JobResult,
    plan: JobPlan,
    config: JobConfig,
    writelog: JobLog,
    emit: Callable[[PortEvent], None],
) -> JobResult:
    """The one end of every job, run by the station: append the write log's record, then
    announce `JobFinished`. The same for a job that finished (here or in a worker process) and
    for one whose worker died. A job that passed but whose record the disk refuses does not say
    PASSED: its license is on the chip and verified in the ledger, so it ends NOT_RECORDED, and
    the station writes the record from the ledger once the disk takes it again.
    """
    try:
        stored = writelog.append(write_record(plan, config, result))
        result.record_hash = str(stored.get("hash", ""))
    except StorageError as error:
        emit(error_line(result.port, result.job_id, error))
        if result.passed:
            result.state, result.reason, result.detail = (
                JobState.FAILED,
                Reason.NOT_RECORDED,
                f"written to the chip, not yet recorded: {error.message}",
            )
    emit(result.finished_event(plan.chip_family.name))
    return result


def write_record(plan: JobPlan, config: JobConfig, result: JobResult) -> WriteRecord:
    """The write log's record of one finished job."""
    chip, manifest = result.chip, plan.manifest
    return WriteRecord(
        job_id=result.job_id,
        station_id=config.settings.station_id,
        operator=config.settings.operator,
        port=result.port,
        chip_family=chip.family if chip else "",
        mac=chip.mac if chip else "",
        chip_id=chip.chip_id if chip else "",
        uuid=result.uuid,
        license_reused=result.reused,
        package_id=plan.package_id,
        order_number=manifest.order_number,
        firmware_file=plan.firmware_file,
        firmware_sha256=plan.firmware_sha256,
        firmware_version=plan.firmware_version,
        delivery_mode=manifest.delivery_mode.value,
        result="passed" if result.passed else result.state.value,
        reason=result.reason.value,
        detail=result.detail,
        started_at=result.started_at.isoformat(timespec="seconds"),
        finished_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds_total=result.seconds,
        seconds_firmware=result.seconds_firmware,
        seconds_auth=result.seconds_auth,
        baud=result.baud,
        serial=result.serial,
        code=result.code,
    )
