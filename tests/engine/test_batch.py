"""The batch archive: signed, every member's digest checked, a changed member named."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from prodtool.engine.batch import BatchError, close_batch, verify_batch
from prodtool.engine.writelog import WriteLog, WriteRecord
from prodtool.license.ledger import Ledger
from prodtool.paths import StationPaths


def test_close_and_tamper(paths: StationPaths, tmp_path: Path) -> None:
    log = WriteLog(paths.write_log)
    for i in range(3):
        log.append(
            WriteRecord(job_id=f"j{i}", station_id="s", operator="ana", port="p", result="passed")
        )
    out = tmp_path / "batch.zip"
    with Ledger.for_station(paths) as ledger:
        report = close_batch(paths, ledger, out, station_id="s")
        with pytest.raises(BatchError, match=r"\.zip"):
            close_batch(paths, ledger, tmp_path / "b.tar", station_id="s")
    assert report.jobs == 3
    assert verify_batch(out).ok
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "shift-report.csv":
                data = data.replace(b"jobs,3", b"jobs,2")
            dst.writestr(item, data)
    check = verify_batch(tampered)
    assert (
        not check.ok and check.signature_ok and check.problems == ["shift-report.csv was changed"]
    )
    with pytest.raises(BatchError):
        verify_batch(tmp_path / "missing.zip")
