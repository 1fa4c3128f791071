"""The PASS hook inside a real station on simulated chips: a label per passed chip, none else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records
from prodtool.labels.printlog import entries, label_log_path
from prodtool.paths import StationPaths, station_paths
from prodtool.sim import ChipFarm, parse_fault
from tests.engine.simhelp import Recorder, fast_settings, package
from tests.labels.conftest import ZplServer

pytestmark = pytest.mark.sim


def test_a_station_prints_labels_for_passed_chips_only(
    tmp_path: Path, zpl_server: ZplServer
) -> None:
    paths: StationPaths = station_paths(tmp_path / "station").ensure()
    settings = fast_settings(label_enabled=True, label_printer=zpl_server.url)
    pkg, password = package(tmp_path)
    with Station(paths, settings, comports=list) as station:
        station.load_package(pkg, password)
        with ChipFarm(count=3, family="esp32c3", transport="socket") as farm:
            farm.chips[1].add_fault(parse_fault("auth-reject"))
            recorder = Recorder()
            station.subscribe(recorder)
            station.add_ports(farm.urls, start=True)
            assert station.wait_idle(60)
        authkeys = [
            station.ledger.authkey(r.license_id)
            for chip in farm.chips
            if (held := chip.read_credentials()) and (r := station.ledger.find_uuid(held[0]))
        ]
    # closing the station printed what was queued
    finished = recorder.finished()
    assert [finished[u].passed for u in farm.urls] == [True, False, True]
    records = list(read_records(paths.write_log))
    passed = {r["uuid"] for r in records if r["result"] == "passed"}
    failed = [r for r in records if r["result"] != "passed"]
    assert len(passed) == 2 and len(failed) == 1
    assert zpl_server.wait_for(2)
    printed = {
        m.group(1).decode() for zpl in zpl_server.labels if (m := re.search(rb"UUID:([^;]+);", zpl))
    }
    assert printed == passed
    assert len(zpl_server.labels) == 2
    failed_mac = failed[0]["mac"].encode()
    assert not any(failed_mac in zpl for zpl in zpl_server.labels)
    kept = list(entries(label_log_path(paths)))
    assert sorted(e["uuid"] for e in kept) == sorted(passed)
    assert {e["state"] for e in kept} == {"printed"}
    everything = label_log_path(paths).read_bytes() + b"".join(zpl_server.labels)
    assert authkeys and not any(k.encode() in everything for k in authkeys)
