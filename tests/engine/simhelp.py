"""Helpers for engine tests: fast settings, small demo packages, event subscribers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import JobFinished, JobState, PortEvent, Progress
from prodtool.license.ledger import ChipIdentity
from prodtool.license.model import AuthMethod, DeliveryMode
from prodtool.settings import Settings

SMALL_FIRMWARE = 64 * 1024


def fast_settings(**changes: object) -> Settings:
    return Settings(
        station_id="test-station",
        operator="tester",
        auto_start=False,
        connect_attempts=2,
        job_timeout_s=60.0,
        shell_timeout_s=5.0,
        job_processes=0,  # jobs in threads here; tests/engine/test_workers.py runs processes
    ).replace(**changes)


def package(
    folder: Path,
    *,
    licenses: int = 8,
    mode: DeliveryMode = DeliveryMode.CREDENTIAL,
    auth_method: AuthMethod = AuthMethod.TUYAOPEN_SHELL,
    min_firmware_version: str = "",
    firmware_size: int = SMALL_FIRMWARE,
) -> tuple[Path, str]:
    return build_demo_package(
        folder,
        licenses=licenses,
        mode=mode,
        auth_method=auth_method,
        min_firmware_version=min_firmware_version,
        firmware_size=firmware_size,
        fast_kdf=True,
        seed=7,
    )


class Recorder:
    """A subscriber keeping every event (thread-safe enough: list.append is atomic)."""

    def __init__(self) -> None:
        self.events: list[PortEvent] = []

    def __call__(self, event: PortEvent) -> None:
        self.events.append(event)

    def finished(self) -> dict[str, JobFinished]:
        return {e.port: e for e in self.events if isinstance(e, JobFinished)}


class FirstFirmwareProgress:
    """Subscriber: on the first firmware progress, sets `started` and runs `action` once."""

    def __init__(self, action: Callable[[Progress], object] | None = None) -> None:
        self.started = threading.Event()
        self._action = action
        self._lock = threading.Lock()

    def __call__(self, event: PortEvent) -> None:
        if not isinstance(event, Progress) or event.phase is not JobState.WRITING_FIRMWARE:
            return
        with self._lock:
            if self.started.is_set():
                return
            self.started.set()
        if self._action is not None:
            self._action(event)


def verified_without_record(station: Station, job_id: str, mac: str) -> ChipIdentity:
    """What a SIGKILL leaves when it comes between the ledger's verify and the write record."""
    chip = ChipIdentity("esp32c3", mac, mac.replace(":", ""))
    package_id = station.ledger.packages()[0].package_id
    held = station.ledger.reserve(package_id, chip, job_id=job_id, port="socket://x")
    station.ledger.mark_sending(held.license_id, job_id=job_id)
    station.ledger.mark_written(held.license_id, job_id=job_id)
    station.ledger.mark_verified(held.license_id, job_id=job_id)
    return chip
