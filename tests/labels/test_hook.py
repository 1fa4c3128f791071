from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from prodtool.flash.events import JobFinished, PortEvent, Reason
from prodtool.labels import hook
from prodtool.labels.hook import (
    LabelOutcome,
    LabelQueue,
    LabelState,
    find_record,
    start_label_hook,
)
from prodtool.labels.printers import printer_for
from prodtool.labels.printlog import entries, label_log_path
from prodtool.labels.template import LabelContent, load_template
from prodtool.paths import StationPaths
from prodtool.settings import Settings
from tests.labels.conftest import CupsPdf, ZplServer, add_record, decode_qr, page_image


def finished(job_id: str, *, passed: bool) -> JobFinished:
    return JobFinished(
        port="/dev/ttyUSB3", job_id=job_id, passed=passed,
        reason=Reason.OK if passed else Reason.FLASH_WRITE_FAILED,
    )  # fmt: skip


def test_only_passed_chips_get_a_label(station: StationPaths, zpl_server: ZplServer) -> None:
    add_record(station, job_id="ok-1")
    add_record(station, job_id="bad-1", result="failed", reason="flash_write_failed")
    add_record(station, job_id="ok-2", serial="PLUG-000043", uuid="uuid-second")
    outcomes: list[LabelOutcome] = []
    labels = LabelQueue(
        station.write_log, load_template(None), printer_for(zpl_server.url), outcomes.append
    )
    try:
        labels.on_event(finished("ok-1", passed=True))
        labels.on_event(finished("bad-1", passed=False))
        labels.on_event(finished("bad-1", passed=True))  # an event that lies: the record rules
        labels.on_event(finished("ok-2", passed=True))
        labels.on_event(finished("ok-1", passed=True))  # the same job again: no second label
        assert labels.drain(10)
    finally:
        labels.stop()
    assert [(o.job_id, o.state) for o in outcomes] == [
        ("ok-1", LabelState.PRINTED),
        ("bad-1", LabelState.NOT_PASSED),
        ("ok-2", LabelState.PRINTED),
    ]
    assert zpl_server.wait_for(2)
    assert len(zpl_server.labels) == 2
    assert b"SN:PLUG-000042" in zpl_server.labels[0]
    assert b"UUID:uuid-second;SN:PLUG-000043" in zpl_server.labels[1]


def test_failures_print_nothing(station: StationPaths, zpl_server: ZplServer) -> None:
    add_record(station, job_id="bad-1", result="failed")
    add_record(station, job_id="gone-1", result="cancelled")
    labels = LabelQueue(station.write_log, load_template(None), printer_for(zpl_server.url))
    try:
        for job in ("bad-1", "gone-1", "never-recorded"):
            labels.on_event(finished(job, passed=False))
        labels.on_event(finished("never-recorded", passed=True))
        assert labels.drain(10)
    finally:
        labels.stop()
    assert zpl_server.labels == []


def test_each_label_is_kept_in_the_label_log(station: StationPaths, zpl_server: ZplServer) -> None:
    add_record(station, job_id="ok-1")
    add_record(station, job_id="bad-1", result="failed")
    log = label_log_path(station)
    labels = LabelQueue(
        station.write_log, load_template(None), printer_for(zpl_server.url),
        label_log=log, printer_name=zpl_server.url,
    )  # fmt: skip
    try:
        labels.on_event(finished("ok-1", passed=True))
        labels.on_event(finished("bad-1", passed=True))
        assert labels.drain(10)
    finally:
        labels.stop()
    kept = [(e["job_id"], e["state"], e["serial"], e["reprint"]) for e in entries(log)]
    assert kept == [("ok-1", "printed", "PLUG-000042", False)]  # no print tried for bad-1


class BlockedPrinter:
    """A printer that holds each label until released: a jammed or slow one."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()

    def print_label(self, label: LabelContent, title: str) -> str:
        self.started.set()
        assert self.release.wait(10)
        return "printed"


def test_a_stuck_printer_never_makes_a_job_wait(station: StationPaths) -> None:
    for n in range(5):
        add_record(station, job_id=f"ok-{n}")
    printer = BlockedPrinter()
    outcomes: list[LabelOutcome] = []
    labels = LabelQueue(station.write_log, load_template(None), printer, outcomes.append)
    try:
        labels.on_event(finished("ok-0", passed=True))
        assert printer.started.wait(10)
        for n in range(1, 5):  # the printer is stuck on ok-0: these must return at once
            labels.on_event(finished(f"ok-{n}", passed=True))
        assert outcomes == []
        printer.release.set()
        assert labels.drain(10)
    finally:
        printer.release.set()
        labels.stop()
    assert [o.job_id for o in outcomes] == [f"ok-{n}" for n in range(5)]


def test_a_printer_error_is_logged_and_the_next_label_still_prints(
    station: StationPaths, zpl_server: ZplServer, caplog: pytest.LogCaptureFixture
) -> None:
    add_record(station, job_id="ok-1")
    outcomes: list[LabelOutcome] = []
    labels = LabelQueue(station.write_log, load_template(None), printer_for("zpl://127.0.0.1:1"),
                        outcomes.append)  # fmt: skip
    try:
        labels.on_event(finished("ok-1", passed=True))
        assert labels.drain(10)
    finally:
        labels.stop()
    assert outcomes[0].state is LabelState.FAILED
    assert "label for job ok-1 not printed: cannot send the label" in caplog.text


def test_labels_off_subscribe_nothing(station: StationPaths) -> None:
    subscribed: list[Callable[[PortEvent], None]] = []
    assert start_label_hook(station, Settings(), subscribed.append) is None
    assert subscribed == []


def test_a_bad_label_setting_leaves_labels_off_with_one_error(
    station: StationPaths, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(label_enabled=True, label_printer="")
    subscribed: list[Callable[[PortEvent], None]] = []
    assert start_label_hook(station, settings, subscribed.append) is None
    assert "labels are off: no label printer is set" in caplog.text


def test_the_station_hook_prints_passed_chips_to_cups(
    station: StationPaths, cups_pdf: CupsPdf, tmp_path: Path
) -> None:
    job = f"hook-{uuid.uuid4().hex}"  # new each run: an old PDF cannot pass
    add_record(station, job_id=job, serial="PLUG-000777")
    subscribed: list[Callable[[PortEvent], None]] = []
    settings = Settings(label_enabled=True, label_printer=cups_pdf.queue)
    labels = start_label_hook(station, settings, subscribed.append)
    assert labels is not None and subscribed == [labels.on_event]
    try:
        labels.on_event(finished(job, passed=True))
        pdf = cups_pdf.wait_for_pdf(f"label-{job}")
    finally:
        labels.stop()
    (text,) = decode_qr(page_image(pdf, tmp_path))
    assert "UUID:uuid7f3a9c2e1b4d5a6f;SN:PLUG-000777" in text


def test_find_record_finds_recent_and_old_jobs_and_the_last_of_a_repeat(
    station: StationPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hook, "TAIL_BYTES", 2000)  # a few records: "old" is beyond the tail
    add_record(station, job_id="old", serial="S-OLD")
    for n in range(20):
        add_record(station, job_id=f"filler-{n}")
    add_record(station, job_id="again", serial="S-1")
    add_record(station, job_id="again", serial="S-2")
    with station.write_log.open("a", encoding="utf-8") as log:
        log.write('{"job_id": "torn", "ser')  # a crash mid-append
    assert station.write_log.stat().st_size > 3 * hook.TAIL_BYTES
    old, again = find_record(station.write_log, "old"), find_record(station.write_log, "again")
    assert old is not None and old["serial"] == "S-OLD"
    assert again is not None and again["serial"] == "S-2"
    assert find_record(station.write_log, "torn") is None
    assert find_record(station.write_log, "never") is None
