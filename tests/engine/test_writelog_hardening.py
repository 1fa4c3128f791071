"""Issue 15: a full disk never tears the write log or loses a record (3); one process per station
folder (4); records sealed with the station's key and audited against the ledger (9)."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.export import ExportError, export_log, log_sealer, verify_export
from prodtool.engine.station import Station
from prodtool.engine.stationlock import StationBusyError
from prodtool.engine.writelog import (
    REPAIRED,
    SEAL,
    WriteLog,
    WriteRecord,
    read_records,
    record_hash,
    records_since,
    verify_chain,
    verify_seals,
)
from prodtool.errors import StorageError
from prodtool.flash.events import Reason
from prodtool.license.model import LicenseState
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import Recorder, fast_settings, package


def _record(i: int) -> WriteRecord:
    return WriteRecord(
        job_id=f"job{i}", station_id="s1", operator="ana", port=f"p{i}", result="passed"
    )


class _Disk:
    """os.write as a disk that fills: `room` more bytes, then ENOSPC (a short write first)."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.real = os.write

    def __call__(self, fd: int, data: bytes) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        done = self.real(fd, bytes(data[: self.room]))
        self.room -= done
        return done


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Disk]:
    disk = _Disk(room=0)
    monkeypatch.setattr(os, "write", disk)  # the write log's appends (and nothing else here)
    yield disk
    disk.room = 1 << 30


# -- 3: a full disk -------------------------------------------------------------------------
def test_a_short_write_leaves_no_torn_record_and_waits(
    paths: StationPaths, full_disk: _Disk
) -> None:
    log = WriteLog(paths.write_log)
    full_disk.room = 1 << 30
    log.append(_record(0))
    before = paths.write_log.read_bytes()
    full_disk.room = 40  # part of the next record fits: os.write takes 40 bytes, then ENOSPC
    with pytest.raises(StorageError, match="write log"):
        log.append(_record(1))
    assert paths.write_log.read_bytes() == before  # the torn bytes were cut back at once
    assert log.pending == 1
    with pytest.raises(StorageError):
        log.append(_record(2))
    assert log.pending == 2
    full_disk.room = 1 << 30  # space returns
    log.append(_record(3))
    records = list(read_records(paths.write_log))
    assert [r["job_id"] for r in records] == ["job0", "job1", "job2", "job3"]
    assert verify_chain(records) == [] and log.pending == 0


def test_a_torn_tail_is_cut_back_and_the_repair_recorded(paths: StationPaths) -> None:
    log = WriteLog(paths.write_log)
    log.append(_record(0))
    log.append(_record(1))
    with paths.write_log.open("ab") as out:
        out.write(b'{"seq":2,"prev":"ab')  # a crash or a full disk cut this record short
    WriteLog(paths.write_log).append(_record(3))
    records = list(read_records(paths.write_log))
    assert [r["result"] for r in records] == ["passed", "passed", REPAIRED, "passed"]
    assert "cut 19 bytes" in records[2]["detail"] and "after record 1" in records[2]["detail"]
    assert verify_chain(records) == []
    assert all(line.startswith(b"{") for line in paths.write_log.read_bytes().splitlines())


def test_a_job_whose_record_cannot_be_stored_does_not_pass(
    paths: StationPaths, tmp_path: Path, full_disk: _Disk
) -> None:
    """The chip holds its license, the ledger says verified, the write log refused: the tile
    says so (not PASSED); the record is written when space returns, and after a restart from
    the ledger."""
    full_disk.room = 1 << 30
    pkg, password = package(tmp_path, licenses=4)
    with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
        with Station(paths, fast_settings(), comports=list) as station:
            station.load_package(pkg, password)
            station.set_serial_counter("SN-{n:04}", 7)
            full_disk.room = 0
            recorder = Recorder()
            station.subscribe(recorder)
            station.add_ports(farm.urls[:1], start=True)
            assert station.wait_idle(60)
            (finished,) = recorder.finished().values()
            assert not finished.passed and finished.reason is Reason.NOT_RECORDED
            assert "written to the chip, not yet recorded" in finished.detail
            uuid = finished.uuid
            record = station.ledger.find_uuid(uuid)
            assert record is not None and record.state is LicenseState.VERIFIED
            assert farm.chips[0].read_credentials() is not None
            assert uuid not in paths.write_log.read_text()
            # the process's memory is lost, as in a power cut: only the ledger knows the job
            station._writelog._pending.clear()
        full_disk.room = 1 << 30  # space returns; the next start writes the record
        with Station(paths, fast_settings(), comports=list) as station:
            records = list(read_records(paths.write_log))
            (found,) = [r for r in records if r["uuid"] == uuid]
            assert found["job_id"] == finished.job_id and found["result"] == "passed"
            assert "from the ledger" in found["detail"]
            assert found["serial"] == "SN-0007"  # the record has the unit's serial, as it would
            assert verify_chain(records) == []
            assert verify_seals(records, log_sealer(paths)) == []


def test_export_refuses_a_log_with_a_torn_tail(paths: StationPaths, tmp_path: Path) -> None:
    WriteLog(paths.write_log).append(_record(0))
    with paths.write_log.open("ab") as out:
        out.write(b'{"seq":1,')
    with pytest.raises(ExportError, match="incomplete record"):
        export_log(paths, tmp_path / "out.csv", station_id="s1")


# -- 4: one process per station folder ------------------------------------------------------
def test_a_second_station_on_the_folder_gets_one_line(paths: StationPaths) -> None:
    with Station(paths, fast_settings(), comports=list):
        with pytest.raises(StationBusyError) as caught:
            Station(paths, fast_settings(), comports=list)
        assert str(paths.root) in caught.value.message and f"pid {os.getpid()}" in str(caught.value)
    with Station(paths, fast_settings(), comports=list):
        pass  # released on close


def test_a_second_run_process_is_refused(
    paths: StationPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run` beside a station in another process (the window, or a first `run`)."""
    code = (
        "import sys\n"
        "from prodtool.engine.station import Station\n"
        "from prodtool.paths import StationPaths\n"
        f"s = Station(StationPaths(__import__('pathlib').Path({str(paths.root)!r})))\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "ready"
            argv = ["run", "--license-list", "x.csv", "--ports", "socket://127.0.0.1:9"]
            assert main([*argv, "--data-dir", str(paths.root)]) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and f"pid {holder.pid}" in err[0] and "in use by" in err[0], err
        finally:
            holder.stdin.close()
            holder.wait(30)


# -- 9: seals and the audit -----------------------------------------------------------------
def _sealed(paths: StationPaths, n: int = 3) -> WriteLog:
    log = WriteLog(paths.write_log, log_sealer(paths))
    for i in range(n):
        log.append(_record(i))
    return log


def test_a_log_rewritten_without_the_key_is_refused(paths: StationPaths, tmp_path: Path) -> None:
    _sealed(paths)
    records = list(read_records(paths.write_log))
    records[1]["operator"] = "mallory"
    prev = records[0]["hash"]
    for record in records[1:]:  # recompute the chain, as the attacker can
        record["prev"] = prev
        record["hash"] = prev = record_hash(record)
    paths.write_log.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert verify_chain(records) == []
    problems = verify_seals(records, log_sealer(paths))
    assert [p.seq for p in problems] == [1, 2]
    with pytest.raises(ExportError, match="record 1 has a seal that does not match"):
        export_log(paths, tmp_path / "out.json", station_id="s1")
    # stripping the seals does not get the log sealed again
    paths.write_log.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if k != SEAL}) + "\n" for r in records)
    )
    with pytest.raises(ExportError, match="carries no seal"):
        export_log(paths, tmp_path / "out.json", station_id="s1")


def test_an_old_log_is_sealed_once_and_exports_carry_no_seal(
    paths: StationPaths, tmp_path: Path
) -> None:
    plain = WriteLog(paths.write_log)  # a log from before seals
    for i in range(3):
        plain.append(_record(i))
    hashes = [r["hash"] for r in read_records(paths.write_log)]
    assert export_log(paths, tmp_path / "out.json", station_id="s1") == 3
    records = list(read_records(paths.write_log))
    assert [r["hash"] for r in records] == hashes  # sealing changes no hash
    assert verify_seals(records, log_sealer(paths)) == []
    assert SEAL not in (tmp_path / "out.json").read_text()


def test_log_audit_names_what_either_side_lacks(
    paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg, password = package(tmp_path, licenses=4)
    with (
        ChipFarm(count=2, family="esp32c3", transport="socket") as farm,
        Station(paths, fast_settings(), comports=list) as station,
    ):
        station.load_package(pkg, password)
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(60)
        assert station.summary().passed == 2
    argv = ["log", "audit", "--data-dir", str(paths.root)]
    assert main(argv) == 0
    assert "2 jobs" in capsys.readouterr().out
    records = list(read_records(paths.write_log))
    gone = records[0]
    kept = records[1:]
    paths.write_log.write_text("".join(json.dumps(r) + "\n" for r in kept))  # a record deleted
    extra = WriteLog(paths.write_log, log_sealer(paths))
    extra.append(WriteRecord(job_id="ghost", station_id="s", operator="", port="", uuid="u" * 20))
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert f"job {gone['job_id']}" in out and "no record in the write log" in out
    assert "job ghost" in out and "no event in the ledger" in out


# -- 8: CSV cells that a spreadsheet would run ----------------------------------------------
@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "'=", "'"])
def test_csv_export_escapes_formula_cells_and_still_verifies(
    paths: StationPaths, tmp_path: Path, lead: str
) -> None:
    hostile = f'{lead}HYPERLINK("http://x")'
    log = WriteLog(paths.write_log)
    log.append(
        WriteRecord(
            job_id="j1", station_id=hostile, operator=hostile, port=hostile, order_number=hostile
        )
    )
    out = tmp_path / "out.csv"
    export_log(paths, out, station_id="s1")
    rows = list(csv.reader(io.StringIO(out.read_text())))
    header, row = rows[0], rows[1]
    for name in ("station_id", "operator", "port", "order_number"):
        assert row[header.index(name)] == "'" + hostile  # the spreadsheet shows text
    report = verify_export(out)
    assert report.ok, (report.notes, report.problems)
    json_out = tmp_path / "out.json"
    export_log(paths, json_out, station_id="s1")
    assert json.loads(json_out.read_text())["records"][0]["operator"] == hostile


# -- 18: owner-only files in a station folder that already existed -----------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_station_files_are_owner_only_in_an_existing_folder(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        root = tmp_path / "existing"
        (root / "transcripts").mkdir(parents=True, mode=0o755)
        (root / "transcripts").chmod(0o755)
        root.chmod(0o755)
        (root / "transcripts" / "old.jsonl").write_text("{}\n")  # left by an older version
        paths = StationPaths(root)
        pkg, password = package(tmp_path, licenses=2)
        with (
            ChipFarm(count=1, family="esp32c3", transport="socket") as farm,
            Station(paths, fast_settings(), comports=list) as station,
        ):
            station.load_package(pkg, password)
            station.add_ports(farm.urls, start=True)
            assert station.wait_idle(60)
            assert station.summary().passed == 1
        StationPaths(root).ensure()
    finally:
        os.umask(old_umask)
    loose = {
        str(p.relative_to(root)): oct(p.stat().st_mode & 0o777)
        for p in [root, *root.rglob("*")]
        if p.stat().st_mode & 0o077
    }
    assert loose == {}
    assert paths.ledger.exists() and list(paths.transcripts.glob("*.jsonl"))


def test_records_since_reads_back_from_the_end_only_as_far_as_needed(paths: StationPaths) -> None:
    log = WriteLog(paths.write_log)
    for i in range(40):
        log.append(
            WriteRecord(
                job_id=f"job{i}",
                station_id="s",
                operator="",
                port="p",
                finished_at=f"2026-01-01T00:{i:02d}:00+00:00",
            )
        )
    found = records_since(paths.write_log, "2026-01-01T00:30:00", chunk=97)
    assert [r["job_id"] for r in found] == [f"job{i}" for i in range(30, 40)]
    assert records_since(paths.write_log, "2027", chunk=97) == []


def test_a_log_the_old_code_tore_on_a_full_disk_is_migrated(
    paths: StationPaths, tmp_path: Path
) -> None:
    """The old append ignored a short write and went on: record 2 torn, the next one lost, the
    following written on the same line. Such a log could never be exported again; now the torn
    bytes go, a sealed repair record names the lost record, and the log exports."""
    plain = WriteLog(paths.write_log)
    for i in range(5):
        plain.append(_record(i))
    lines = paths.write_log.read_bytes().splitlines(keepends=True)
    damaged = lines[0] + lines[1] + lines[2][:50] + lines[3] + lines[4]  # 2 torn, 3 glued on
    paths.write_log.write_bytes(damaged)
    with pytest.raises(StorageError, match="damaged at line 3"):  # what export refused for good
        list(read_records(paths.write_log))

    log = WriteLog(paths.write_log, log_sealer(paths))
    log.append(_record(9))
    records = list(read_records(paths.write_log))
    assert [r["job_id"] for r in records[:4]] == ["job0", "job1", "job3", "job4"]
    assert records[4]["result"] == REPAIRED and records[4]["detail"].endswith("lost: 2")
    assert records[5]["job_id"] == "job9"
    assert verify_chain(records) == [] and verify_seals(records, log_sealer(paths)) == []
    assert export_log(paths, tmp_path / "after.json", station_id="s1") == 6
    assert verify_export(tmp_path / "after.json").ok

    # a gap nobody declared is still named (a declaration needs the seal of the station key)
    forged = [r for r in records if r["job_id"] != "job1"]
    assert [p.kind for p in verify_chain(forged)] == ["deleted"]
