"""The job's exception ladder with a fake driver: every exception type ends the job with its
reason, and the license is settled as the rule says (released if its AuthKey never left,
needs_check if it may have, untouched if none was reserved).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import serial

from prodtool.engine.job import ActiveChips, JobConfig, JobPlan, PortJob, record_result
from prodtool.engine.writelog import WriteRecord
from prodtool.errors import StorageError, UserError
from prodtool.families.driver import (
    CancelToken,
    ChipDriver,
    ChipInfo,
    DriverError,
    ProgressFn,
    Region,
)
from prodtool.families.family import ChipFamily
from prodtool.flash.events import JobFinished, JobState, LogLine, PortEvent, Reason
from prodtool.license.errors import ChipBusy, LicenseQuarantined, NoLicensesLeft
from prodtool.license.ledger import ChipIdentity, LicenseRecord, Reservation
from prodtool.license.model import AuthMethod, DeliveryMode, LicenseState, Manifest, NvsTarget
from prodtool.settings import Settings

NVS = NvsTarget(0x9000, 0x6000, "tuya")
MAC = "10:20:30:40:50:60"


@dataclass
class Script:
    """Where the fake chip or the fake ledger fails, and with what."""

    where: str = ""  # a driver method, or a ledger method
    error: BaseException | None = None
    block: bool = False  # instead of raising, wait until the job is cancelled
    twins: list[str] = field(default_factory=list)  # other ports holding this MAC
    entered: threading.Event = field(default_factory=threading.Event)  # set when blocking

    def at(self, where: str, cancel: CancelToken | None = None) -> None:
        if where != self.where:
            return
        if self.block and cancel is not None:
            self.entered.set()
            cancel.wait(30.0)
            cancel.check()
        if self.error is not None:
            raise self.error


class FakeDriver(ChipDriver):
    def __init__(self, script: Script, cancel: CancelToken | None) -> None:
        super().__init__(baud=115200, cancel=cancel)
        self.script = script
        self.flash: dict[int, bytes] = {}

    def identify(self, expect_family: str | None = None) -> ChipInfo:
        self.script.at("identify")
        self.info = ChipInfo("fake", MAC, MAC.replace(":", ""), 4 * 1024 * 1024)
        return self.info

    def write_regions(self, regions: Sequence[Region], progress: ProgressFn) -> None:
        self.script.at("write_regions", self.cancel)
        for region in regions:
            self.flash[region.offset] = region.data
        progress(1, 1)

    def verify_regions(self, regions: Sequence[Region]) -> None:
        self.script.at("verify_regions")

    def read(self, offset: int, length: int) -> bytes:
        self.script.at("read")
        return self.flash.get(offset, b"\xff" * length)[:length]

    def reset_to_app(self) -> None:
        self.script.at("reset_to_app")


@dataclass(frozen=True)
class FakeFamily(ChipFamily):
    def open_driver(
        self,
        serial: Any,
        *,
        baud: int,
        connect_attempts: int = 3,
        cancel: CancelToken | None = None,
        stub_baud: int = 0,  # no flasher stub in this family: nothing is left at a fast rate
    ) -> ChipDriver:
        script: Script = serial.script  # through the job's RecordingSerial
        return FakeDriver(script, cancel)


class FakeSerial:
    def __init__(self, script: Script) -> None:
        self.script = script

    def close(self) -> None:
        """Nothing to close."""


class FakeLedger:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.calls: list[str] = []

    def reserve(
        self, package_id: str, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation:
        self.calls.append("reserve")
        self.script.at("reserve")
        return Reservation(
            7, package_id, "uuid0123456789abcdef", "k" * 32, False, LicenseState.AVAILABLE
        )

    def mark_sending(self, license_id: int, *, job_id: str) -> None:
        self.calls.append("mark_sending")
        self.script.at("mark_sending")

    def mark_written(self, license_id: int, *, job_id: str) -> None:
        self.calls.append("mark_written")

    def mark_verified(self, license_id: int, *, job_id: str) -> None:
        self.calls.append("mark_verified")

    def release(self, license_id: int, *, job_id: str, reason: str) -> None:
        self.calls.append("release")

    def mark_needs_check(self, license_id: int, *, job_id: str, reason: str) -> None:
        self.calls.append("mark_needs_check")

    def quarantine(self, license_id: int, *, reason: str) -> None:
        self.calls.append("quarantine")

    def find_uuid(self, uuid: str) -> LicenseRecord | None:
        return None

    def licenses_for_chip(
        self, chip: ChipIdentity, package_id: str | None = None
    ) -> list[LicenseRecord]:
        return []

    # asked only about a license of another package bound to the chip: this ledger has none
    def authkey(self, license_id: int) -> str:
        raise AssertionError("no license of another package is bound to this chip")

    def manifest(self, package_id: str) -> Manifest:
        raise AssertionError("no license of another package is bound to this chip")


class FakeLog:
    def __init__(self) -> None:
        self.records: list[WriteRecord] = []
        self.finished: list[Reason] = []  # the JobFinished reasons announced after appending

    def append(self, record: WriteRecord) -> dict[str, Any]:
        self.records.append(record)
        return {}


class Chips(ActiveChips):
    def __init__(self, twins: list[str]) -> None:
        super().__init__()
        self._twins = twins

    def twins(self, mac: str, port: str) -> list[str]:
        return list(self._twins)


def _manifest() -> Manifest:
    return Manifest(
        format_version=1,
        package_id="pkg-ladder",
        issuer_key_id="",
        order_number="",
        pickup_list="",
        product_id="p1",
        product_name="",
        category="",
        communication=(),
        delivery_mode=DeliveryMode.LICENSE_LIST,
        chip_family="fake",
        firmware=(),
        min_firmware_version="",
        auth_method=AuthMethod.ESP_IDF_NVS,
        nvs=NVS,
        features=(),
        license_count=1,
        created_at="2026-01-01T00:00:00+00:00",
        demo=False,
    )


def run_job(
    script: Script,
    *,
    timeout: float = 30.0,
    cancel: CancelToken | None = None,
    log: FakeLog | None = None,
) -> tuple[PortJob, FakeLedger, FakeLog]:
    family = FakeFamily(name="fake", title="Fake")
    plan = JobPlan(package_id="pkg-ladder", manifest=_manifest(), family=family)
    ledger, log = FakeLedger(script), log or FakeLog()
    events: list[PortEvent] = []
    job = PortJob(
        port="fake0",
        plan=plan,
        ledger=ledger,
        config=JobConfig(Settings(baud_rates=(115200,), job_timeout_s=timeout, retries=0)),
        emit=events.append,
        active=Chips(script.twins),
        opener=lambda _url: FakeSerial(script),
        cancel=cancel,
    )
    result = job.run()
    assert not [e for e in events if isinstance(e, JobFinished)]  # the station announces it
    result = record_result(result, plan, job.config, log, events.append)
    finished = [e for e in events if isinstance(e, JobFinished)]
    assert len(finished) == 1 and finished[0].reason is result.reason
    log.finished = [e.reason for e in finished]
    if not isinstance(log, FullDisk):
        assert [r.reason for r in log.records] == [result.reason.value]
    return job, ledger, log


def test_a_failure_logs_the_family_s_hint_for_its_reason() -> None:
    family = FakeFamily(name="fake", title="Fake", hints={Reason.NO_ANSWER: "bridge CEN to GND"})
    plan = JobPlan(package_id="pkg-ladder", manifest=_manifest(), family=family)
    script = Script(where="identify", error=DriverError(Reason.NO_ANSWER, "silent"))
    events: list[PortEvent] = []
    PortJob(
        port="fake0",
        plan=plan,
        ledger=FakeLedger(script),
        config=JobConfig(Settings(baud_rates=(115200,), retries=0)),
        emit=events.append,
        opener=lambda _url: FakeSerial(script),
    ).run()
    texts = [e.text for e in events if isinstance(e, LogLine)]
    assert "Fake: bridge CEN to GND" in texts


def test_a_clean_run_passes_and_verifies_the_license() -> None:
    job, ledger, _log = run_job(Script())
    assert job.state is JobState.PASSED
    assert ledger.calls == ["reserve", "mark_sending", "mark_written", "mark_verified"]


# (where it fails, what is raised, the job's reason, how the license ends)
LADDER = [
    ("identify", DriverError(Reason.NO_ANSWER, "silent"), Reason.NO_ANSWER, None),
    ("identify", serial.SerialException("gone"), Reason.CABLE_PULLED, None),
    ("identify", OSError(5, "Input/output error"), Reason.CABLE_PULLED, None),
    ("identify", RuntimeError("a bug"), Reason.INTERNAL, None),
    ("reserve", NoLicensesLeft("none left"), Reason.NO_LICENSES_LEFT, None),
    ("reserve", StorageError("disk full"), Reason.STORAGE, None),
    ("reserve", ChipBusy("another port has it"), Reason.DUPLICATE_CHIP, None),
    ("reserve", LicenseQuarantined("quarantined"), Reason.HOLDS_OTHER_LICENSE, None),
    ("reserve", UserError("refused"), Reason.INTERNAL, None),
    # the NVS partition is read before the reservation (a finished device of another station)
    ("read", DriverError(Reason.LINK_ERRORS, "noise"), Reason.LINK_ERRORS, None),
    ("read", RuntimeError("a bug"), Reason.INTERNAL, None),
    ("mark_sending", StorageError("disk full"), Reason.STORAGE, "release"),
    ("write_regions", DriverError(Reason.CABLE_PULLED), Reason.CABLE_PULLED, "mark_needs_check"),
    ("write_regions", OSError(19, "No such device"), Reason.CABLE_PULLED, "mark_needs_check"),
    ("verify_regions", DriverError(Reason.FIRMWARE_VERIFY_FAILED), Reason.FIRMWARE_VERIFY_FAILED,
     "mark_needs_check"),
]  # fmt: skip


@pytest.mark.parametrize(("where", "error", "reason", "settled"), LADDER)
def test_each_exception_ends_with_its_reason_and_the_license_settled(
    where: str,
    error: BaseException,
    reason: Reason,
    settled: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    job, ledger, log = run_job(Script(where=where, error=error))
    assert job.state is JobState.FAILED
    assert log.records[-1].reason == reason.value
    endings = [c for c in ledger.calls if c in {"release", "mark_needs_check"}]
    assert endings == ([settled] if settled else [])
    if reason is Reason.INTERNAL and isinstance(error, RuntimeError):
        assert "internal error (RuntimeError)" in capsys.readouterr().err


def test_a_ledger_refusal_while_a_twin_holds_the_mac_is_a_duplicate_chip() -> None:
    _job, ledger, log = run_job(Script(where="reserve", error=UserError("x"), twins=["fake1"]))
    assert log.records[-1].reason == Reason.DUPLICATE_CHIP.value
    assert "release" not in ledger.calls


def test_a_cancel_mid_write_is_cancelled_and_the_license_held_for_a_check() -> None:
    script = Script(where="write_regions", block=True)
    cancel = CancelToken()
    ended: list[tuple[PortJob, FakeLedger, FakeLog]] = []
    thread = threading.Thread(target=lambda: ended.append(run_job(script, cancel=cancel)))
    thread.start()
    try:
        assert script.entered.wait(10.0)  # the job is inside write_regions, AuthKey on its way
        cancel.cancel(Reason.CANCELLED)
    finally:
        thread.join(30.0)
    ((job, ledger, log),) = ended
    assert job.state is JobState.CANCELLED
    assert log.records[-1].reason == Reason.CANCELLED.value
    assert ledger.calls[-1] == "mark_needs_check"


class FullDisk(FakeLog):
    def append(self, record: WriteRecord) -> dict[str, Any]:
        raise StorageError("the disk is full")


def test_a_record_the_disk_refuses_fails_a_passed_job_as_not_recorded() -> None:
    job, ledger, log = run_job(Script(), log=FullDisk())
    assert (job.state, ledger.calls[-1]) == (JobState.PASSED, "mark_verified")  # on the chip
    assert log.finished == [Reason.NOT_RECORDED]  # yet not recorded: the job does not say PASSED


def test_the_watchdog_ends_a_stuck_write_as_timeout() -> None:
    _job, ledger, log = run_job(Script(where="write_regions", block=True), timeout=0.3)
    assert log.records[-1].reason == Reason.TIMEOUT.value
    assert ledger.calls[-1] == "mark_needs_check"
