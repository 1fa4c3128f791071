"""The write log: chained, fsynced appends; signed exports that reveal any edit precisely."""

from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path

import pytest

from prodtool.engine.export import export_log, station_key, verify_export
from prodtool.engine.writelog import WriteLog, WriteRecord, read_records, verify_chain
from prodtool.paths import StationPaths


def _record(i: int) -> WriteRecord:
    return WriteRecord(
        job_id=f"job{i}",
        station_id="s1",
        operator="ana",
        port=f"port{i}",
        chip_family="esp32c3",
        mac=f"aa:bb:cc:00:00:{i:02x}",
        uuid=f"uuid{i:016d}",
        result="passed",
        reason="ok",
        seconds_total=1.23456 + i,
        license_reused=i % 2 == 1,
    )


@pytest.fixture
def paths(tmp_path: Path) -> StationPaths:
    return StationPaths(tmp_path / "station").ensure()


def _fill(paths: StationPaths, n: int = 5) -> WriteLog:
    log = WriteLog(paths.write_log)
    for i in range(n):
        log.append(_record(i))
    return log


def test_chain_survives_reopen_and_threads(paths: StationPaths) -> None:
    _fill(paths, 3)
    log = WriteLog(paths.write_log)
    threads = [threading.Thread(target=log.append, args=(_record(10 + i),)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = log.records()
    assert [r["seq"] for r in records] == list(range(11))
    assert verify_chain(records) == []
    assert log.head() == records[-1]["hash"]
    assert "authkey" not in paths.write_log.read_text().lower()


def test_torn_last_line_is_ignored(paths: StationPaths) -> None:
    _fill(paths, 2)
    with paths.write_log.open("a") as out:
        out.write('{"seq": 2, "pr')
    assert len(list(read_records(paths.write_log))) == 2


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_verifies(paths: StationPaths, fmt: str) -> None:
    _fill(paths)
    out = paths.root / f"export.{fmt}"
    assert export_log(paths, out, station_id="s1") == 5
    report = verify_export(out, trusted=station_key(paths).public_key())
    assert report.ok, (report.notes, report.problems)
    assert (paths.keys / "station-ed25519.pem").stat().st_mode & 0o077 == 0


def _rows(out: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(out.read_text()))
    return list(reader.fieldnames or []), list(reader)


def _write_rows(out: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    out.write_text(buffer.getvalue())


def _kinds(out: Path) -> list[tuple[str, int | None]]:
    report = verify_export(out)
    assert not report.ok
    return [(p.kind, p.seq) for p in report.problems]


def test_edit_is_named(paths: StationPaths) -> None:
    _fill(paths)
    out = paths.root / "export.csv"
    export_log(paths, out, station_id="s1")
    header, rows = _rows(out)
    rows[2]["uuid"] = "uuid9999999999999999"
    _write_rows(out, header, rows)
    report = verify_export(out)
    assert not report.signature_ok
    assert [(p.kind, p.seq) for p in report.problems] == [("edited", 2)]


def test_deletion_and_reordering_are_named(paths: StationPaths) -> None:
    _fill(paths)
    out = paths.root / "export.csv"
    export_log(paths, out, station_id="s1")
    header, rows = _rows(out)
    _write_rows(out, header, rows[:1] + rows[2:])
    assert ("deleted", 1) in _kinds(out)
    _write_rows(out, header, [rows[0], rows[2], rows[1], rows[3], rows[4]])
    assert ("reordered", 1) in _kinds(out)
    _write_rows(out, header, rows[:4])
    assert ("deleted", None) in _kinds(out)


def test_rehashed_edit_is_still_caught(paths: StationPaths) -> None:
    from prodtool.engine.writelog import record_hash

    _fill(paths)
    out = paths.root / "export.json"
    export_log(paths, out, station_id="s1")
    document = json.loads(out.read_text())
    document["records"][1]["result"] = "failed"
    document["records"][1]["hash"] = record_hash(document["records"][1])
    out.write_text(json.dumps(document))
    assert ("edited", 1) in _kinds(out)
