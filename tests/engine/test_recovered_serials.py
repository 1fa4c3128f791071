"""A job verified just before the station died, recorded from the ledger on the next start: its
serial comes with it, and a unit that never got its serial is not recorded as finished."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records
from prodtool.paths import StationPaths
from tests.engine.simhelp import fast_settings, verified_without_record


@pytest.mark.parametrize("serial_given", [True, False], ids=["serial-given", "no-serial-yet"])
def test_a_recovered_record_has_its_serial_or_says_the_unit_is_unfinished(
    tmp_path: Path, data_dir: Path, serial_given: bool
) -> None:
    package, password = build_demo_package(tmp_path / "pkg", licenses=4, fast_kdf=True, seed=5)
    paths = StationPaths(data_dir)
    with Station(paths, fast_settings(job_processes=0)) as station:
        station.load_package(package, password)
        station.set_serial_counter("REC-{n:04}", 1)
        chip = verified_without_record(station, "job-1", "7c:df:a1:00:00:01")
        if serial_given:  # the station died after giving the serial, before the record
            station.serial_for(chip.family, chip.mac, job_id="job-1")
        # killed: the station's stop, which would record the job now, never runs
        station._record_missing = lambda: None  # type: ignore[method-assign]
    with Station(paths, fast_settings(job_processes=0)):
        pass  # the next start records what the write log lacks
    (record,) = [r for r in read_records(paths.write_log) if r["job_id"] == "job-1"]
    if serial_given:
        assert (record["result"], record["reason"]) == ("passed", "ok")
        assert record["serial"] == "REC-0001"
    else:
        assert (record["result"], record["reason"]) == ("failed", "serial_failed")
        assert "run the chip again" in record["detail"] and not record.get("serial")
