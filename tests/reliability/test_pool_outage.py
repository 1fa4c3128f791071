"""A pool station on simulated chips through an outage of a real server: the chips go on
from the station's block, a chip that already holds a pool license gets no second one, and the
pool has every move once the server is back."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.flash.events import Reason
from prodtool.license.model import LicenseState
from prodtool.license.pg_block import BlockPgLedger
from prodtool.license.pg_store import init_pool
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from prodtool.sim import ChipFarm
from tests.engine.simhelp import Recorder
from tests.pgserver import Server
from tests.reliability.harness import TINY_FIRMWARE, fast_settings, scan_files

pytestmark = [pytest.mark.sim]
SEED = 43
S = LicenseState


def _run(station: Station, urls: list[str]) -> dict[str, Reason]:
    recorder = Recorder()
    unsubscribe = station.subscribe(recorder)
    for url in urls:
        assert station.start(url)
    assert station.wait_idle(120)
    unsubscribe()
    return {port: e.reason for port, e in recorder.finished().items()}


def test_a_station_writes_through_an_outage_and_a_held_chip_gets_no_second_license(
    pg_server: Server, pool_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if pg_server.cluster is None:
        pytest.skip("stopping the server needs the tests' own (PRODTOOL_TEST_PG is set)")
    paths = StationPaths(tmp_path / "station").ensure()
    init_pool(pool_url, paths.keys / "pool.key")
    settings = fast_settings(ledger_url=pool_url, station_id="s1", job_timeout_s=90.0)
    save_settings(settings, paths.settings)
    pkg, password = build_demo_package(
        tmp_path / "in", licenses=8, firmware_size=TINY_FIRMWARE, fast_kdf=True, seed=SEED
    )
    station = Station(paths, settings, comports=list)
    station.load_package(pkg, password)
    try:
        with station, ChipFarm(count=3, seed=SEED) as farm:
            ledger = station.ledger
            assert isinstance(ledger, BlockPgLedger)
            station.add_ports(farm.urls, start=False)
            assert ledger.block_size == 6  # twice the station's ports
            urls = list(farm.urls)
            assert _run(station, urls[:1]) == {urls[0]: Reason.OK}
            ledger.refill()
            held = farm.chips[0].read_credentials()
            assert held is not None
            pg_server.cluster.stop()
            # chip 0 (done, holding its pool license) is put back on the line with two new ones
            reasons = _run(station, urls)
            assert reasons[urls[1]] is Reason.OK and reasons[urls[2]] is Reason.OK
            assert reasons[urls[0]] is not Reason.OK
            assert farm.chips[0].read_credentials() == held  # never given a second license
            on_chips = [c.read_credentials() for c in farm.chips]
            assert len({c[0] for c in on_chips if c}) == 3
            pg_server.cluster.start()
            assert ledger.catch_up()
            for chip_creds in on_chips:
                assert chip_creds is not None
                record = ledger.find_uuid(chip_creds[0])
                assert record is not None and record.state is S.VERIFIED
            pid = ledger.packages()[0].package_id
            counts = ledger.counts(pid)[pid]
            assert counts[S.VERIFIED] == 3 and sum(counts.values()) == 8
            ledger.check_invariants()
            # the journal keeps AuthKeys sealed: none in clear anywhere in the station folder
            _, leaks = scan_files([paths.root], [c[1] for c in on_chips if c])
            assert leaks == []
    finally:
        try:
            pg_server.new_database()  # up again for the next test
        except psycopg.OperationalError:
            pg_server.cluster.start()
