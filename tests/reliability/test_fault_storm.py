"""Fault storm: every simulator fault kind, seeded, on many ports at once, round after round.

Every job must end with a Reason (a watchdog bounds each one), no job may hang, the ledger's
invariants hold, and no license is on two chips or lost (audited against every chip's flash)
after every round. At the end, a clean pass and reconciliation settle what is left. The line
runs through the storm too: scanned codes and serial numbers (none on two chips), the MES outbox
against a server that answers 500 now and then (every record delivered with its key, no secret
in a body) and labels to a loopback Zebra (one for each passed job, none for any other).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from prodtool.engine.demo import build_demo_package
from prodtool.engine.reconcile import reconcile_ports
from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records, verify_chain
from prodtool.flash.events import JobFinished, Reason
from prodtool.labels.printlog import entries, label_log_path
from prodtool.license.ledger import ENV_URL
from prodtool.license.model import LicenseState
from prodtool.license.pg_store import POOL_KEY_FILE, init_pool
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm, SimulatedChip
from tests.engine.simhelp import Recorder
from tests.labels.conftest import ZplServer, zpl_server
from tests.reliability.harness import (
    TINY_FIRMWARE,
    Audit,
    audit_chips,
    fast_settings,
    record,
    scan_files,
)
from tests.reliability.storm import pick_faults
from tests.reliability.test_line_cuts import FlakyMes

pytestmark = [pytest.mark.sim, pytest.mark.slow]
__all__ = ["zpl_server"]  # the label tests' loopback Zebra
CHIPS = 16
WATCHDOG_S = 6.0


def _round(station: Station, farm: ChipFarm, urls: list[str]) -> dict[str, JobFinished]:
    recorder = Recorder()
    unsubscribe = station.subscribe(recorder)
    try:
        for url in urls:
            assert station.start(url), f"{url} did not start"
        assert station.wait_idle(WATCHDOG_S + 20), "a job hung past its watchdog"
    finally:
        unsubscribe()
    return recorder.finished()


def _replug(station: Station, farm: ChipFarm, urls: list[str]) -> None:
    """Plug back chips a fault unplugged; follow a changed URL."""
    for i, chip in enumerate(farm.chips):
        chip.clear_faults()
        if not farm.is_plugged(i):
            url = farm.plug(i)
            if url != urls[i]:
                station.remove_port(urls[i])
                station.add_ports([url], start=False)
                urls[i] = url


@pytest.mark.timeout(1800)
@pytest.mark.parametrize(
    ("store", "family"),
    [("sqlite", "esp32c3"), ("postgresql", "esp32c3"), ("sqlite", "bk7231n")],
)
def test_a_thousand_faults_end_in_reasons_and_lose_nothing(
    tmp_path: Path,
    family: str,
    caplog: pytest.LogCaptureFixture,
    soak: bool,
    store: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    zpl_server: ZplServer,
) -> None:
    target = 1000 if soak else 50
    budget = 900.0 if soak else 45.0
    rng = random.Random(1000)
    pkg, password = build_demo_package(
        tmp_path / "in",
        licenses=target + 2 * CHIPS,
        firmware_size=TINY_FIRMWARE,
        fast_kdf=True,
        seed=9,
        chip_family=family,
    )
    paths = StationPaths(tmp_path / "station").ensure()
    if store == "postgresql":  # the same storm on a license pool
        pool = str(request.getfixturevalue("pool_url"))
        init_pool(pool, paths.keys / POOL_KEY_FILE)
        monkeypatch.setenv(ENV_URL, pool)
    # jobs in worker processes, as on a station: faults cross the pipe as reasons and settlements
    mes = FlakyMes(seed=5)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/mes", method="POST").respond_with_handler(mes.handler)
    server.start()
    request.addfinalizer(server.stop)
    settings = fast_settings(
        job_timeout_s=WATCHDOG_S,
        shell_timeout_s=2.0,
        job_processes=2,
        require_scan=True,  # the line: each unit's code scanned before its write, and a serial
        code_pattern=r"U\d{5}",
        mes_url=server.url_for("/mes"),  # every record to the MES, which fails now and then
        label_enabled=True,  # a label for every passed unit
        label_printer=zpl_server.url,
    )
    scans = 0
    codes: dict[str, str] = {}  # the code each passed unit was scanned with
    injected, rounds, jobs = 0, 0, 0
    reasons: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    drawer: list[SimulatedChip] = []
    audit = Audit()
    deadline = time.monotonic() + budget
    with (
        Station(paths, settings, comports=list) as station,
        ChipFarm(count=CHIPS, family=family, transport="socket", seed=11) as farm,
    ):
        station.load_package(pkg, password)
        station.set_serial_counter("STORM-{n:05}{c}", 1)
        urls = list(farm.urls)
        station.add_ports(urls, start=False)
        while injected < target and time.monotonic() < deadline:
            scans = _scan(station, farm, urls, codes, scans)
            for chip in farm.chips:
                for fault in pick_faults(rng, 3 if soak else 4):
                    chip.add_fault(fault)
                    kinds[fault.kind.value] += 1
                    injected += 1
            finished = _round(station, farm, urls)
            codes.update({e.mac: e.code for e in finished.values() if e.passed})
            rounds += 1
            assert set(finished) == set(urls), "a port ended without a JobFinished"
            for url, event in finished.items():
                jobs += 1
                reasons[event.reason.value] += 1
                assert isinstance(event.reason, Reason)
                assert event.passed == (event.reason is Reason.OK), event
                assert event.reason is not Reason.INTERNAL, (url, event.detail)
            _replug(station, farm, urls)
            audit_chips(station.ledger, [*farm.chips, *drawer], audit)
            verified = {r.chip_mac for r in station.ledger.in_state(LicenseState.VERIFIED)}
            for i in range(CHIPS):
                if farm.chips[i].mac in verified and rng.random() < 0.3:
                    drawer.append(farm.chips[i])
                    station.unbind_code(urls[i])  # the unit leaves with its code
                    farm.replace(i)
                    if farm.urls[i] != urls[i]:
                        station.remove_port(urls[i])
                        urls[i] = farm.urls[i]
                        station.add_ports([urls[i]], start=False)
        # no faults: a clean pass, then reading the chips back settles what is left
        scans = _scan(station, farm, urls, codes, scans)
        finished = _round(station, farm, urls)
        clean = Counter(e.reason.value for e in finished.values())
        results = reconcile_ports(urls, station.ledger, shell_timeout_s=2.0, connect_attempts=2)
        audit_chips(station.ledger, [*farm.chips, *drawer], audit)
        pid = station.summary().package_id
        counts = station.ledger.counts(pid)[pid]
        # a pool station holds its outage block (reserved to it, on no chip): not a job's
        held = [r for r in station.ledger.in_state(LicenseState.RESERVED) if r.job_id]
        block = [r for r in held if (r.job_id or "").startswith("block:") and r.chip_mac is None]
        left = station.ledger.in_state(LicenseState.NEEDS_CHECK)
        secrets = [
            station.ledger.authkey(r.license_id)
            for r in station.ledger.in_state(LicenseState.VERIFIED)
        ]
        outbox = station.mes
        assert outbox is not None and outbox.flush(60), outbox.status() if outbox else None
    records = list(read_records(paths.write_log))  # the station closed: its labels are out
    assert verify_chain(records) == []
    _one_to_one(records, "serial")  # no serial on two chips, no chip with two serials
    _one_to_one([r for r in records if r["result"] == "passed"], "code")
    assert all(r.get("serial") and r.get("code") for r in records if r["result"] == "passed")
    assert counts[LicenseState.RESERVED] == len(block) == len(held)
    assert len(left) <= clean.total() - clean["ok"], (left, clean)
    _, leaks = scan_files([paths.root], [*secrets, password])
    assert leaks == []
    keys = {b["idempotency_key"] for b in mes.bodies}  # every record at the MES, with its key
    assert {f"{settings.station_id}:{r['hash']}" for r in records} <= keys
    assert mes.headers == [b["idempotency_key"] for b in mes.bodies]
    assert not any(secret in json.dumps(mes.bodies) for secret in [*secrets, password])
    printed = [e["job_id"] for e in entries(label_log_path(paths)) if e["state"] == "printed"]
    passed = [r["job_id"] for r in records if r["result"] == "passed"]
    assert sorted(printed) == sorted(passed)  # one label per passed job, none for any other
    assert zpl_server.wait_for(len(printed)) and len(zpl_server.labels) == len(printed)
    assert injected >= target or soak is False
    record(
        f"fault storm ({store})",
        faults_injected=injected,
        rounds=rounds,
        jobs=jobs,
        reasons=dict(reasons.most_common()),
        clean_pass=dict(clean),
        reconciled=len(results),
        needs_check_left=len(left),
        licenses_checked=audit.licenses_checked,
        secrets_found=len(leaks),
        scans=scans,
        serials=len({r["serial"] for r in records if r.get("serial")}),
        mes_posts=len(mes.bodies),
        labels=len(printed),
    )


def _scan(
    station: Station, farm: ChipFarm, urls: list[str], codes: dict[str, str], scans: int
) -> int:
    """The operator scans each unit: a passed one again with its own code, a failed one keeps
    the code bound to its port, a new one gets the next code. Returns the codes used so far."""
    for i, url in enumerate(urls):
        own = codes.get(farm.chips[i].mac, "")
        bound = next((p.code for p in station.ports() if p.port == url), "")
        if own and bound != own:
            station.unbind_code(url)
            station.bind_code(url, own)
        elif not own and not bound:
            scans += 1
            station.bind_code(url, f"U{scans:05}")
    return scans


def _one_to_one(records: list[dict[str, object]], name: str) -> None:
    """Each value of `name` belongs to one chip, and each chip has at most one value."""
    by_value: dict[object, set[object]] = {}
    by_chip: dict[object, set[object]] = {}
    for r in records:
        if r.get(name):
            by_value.setdefault(r[name], set()).add(r["mac"])
            by_chip.setdefault(r["mac"], set()).add(r[name])
    assert all(len(v) == 1 for v in by_value.values()), (name, by_value)
    assert all(len(v) == 1 for v in by_chip.values()), (name, by_chip)
