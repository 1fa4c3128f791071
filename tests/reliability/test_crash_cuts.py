"""Crash cuts: `prodtool run` on 8 simulated chips, killed with SIGKILL at seeded random moments
of its work (as it prints its N-th event) and restarted on the same ledger and chips. The chips
live in the test process (their flash survives the station's death); after every cut the ledger
is audited against every chip's flash, the write log's chain is whole, and reconciliation
settles what the chips decide.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from prodtool.engine.demo import build_demo_package
from prodtool.engine.reconcile import Outcome, reconcile_ports
from prodtool.engine.writelog import read_records, verify_chain
from prodtool.license.ledger import Ledger
from prodtool.license.model import LicenseState
from prodtool.license.pg_store import POOL_KEY_FILE, init_pool
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from prodtool.sim import ChipFarm, SimulatedChip
from tests.reliability.harness import (
    TINY_FIRMWARE,
    Audit,
    audit_chips,
    cut_at_event,
    fast_settings,
    record,
    run_child,
    scan_files,
)

pytestmark = [pytest.mark.sim, pytest.mark.slow]
CHIPS = 8
EVENTS_PER_RUN = 16 * CHIPS + 1  # a whole run prints about this many (ports, states, licenses)


def _reconcile(paths: StationPaths, urls: list[str]) -> dict[Outcome, int]:
    with Ledger.for_station(paths) as ledger:
        results = reconcile_ports(urls, ledger, shell_timeout_s=3.0, connect_attempts=2)
        ledger.check_invariants()
    outcomes = dict.fromkeys(Outcome, 0)
    for r in results:
        outcomes[r.outcome] += 1
    return outcomes


@pytest.mark.timeout(1800)
@pytest.mark.parametrize(
    ("store", "family", "transport"),
    [
        ("sqlite", "esp32c3", "socket"),
        ("postgresql", "esp32c3", "socket"),
        ("sqlite", "bk7231n", "socket"),
        # A pty tells the chip the host's rate: a BK7231N left in download mode at a dead
        # run's fast rate hears the next run's 115200 as noise until the driver finds it there.
        ("sqlite", "bk7231n", "pty"),
    ],
)
def test_sigkill_at_random_moments_loses_and_duplicates_nothing(
    tmp_path: Path,
    family: str,
    transport: str,
    caplog: pytest.LogCaptureFixture,
    soak: bool,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    if transport == "pty" and not soak:
        # The same cuts as the socket variant, plus the rate a pty tells the chip (~26 s): the
        # socket variant covers Beken in every run, this one in `make soak`.
        pytest.skip("Beken crash cuts over a pty run with --soak")
    cuts = 200 if soak else 10
    budget = 1500.0 if soak else 120.0
    rng = random.Random(20240909)
    inputs = tmp_path / "in"
    # Licenses go only to chips: each chip holds at most one, whatever state it is in (a
    # reservation whose AuthKey never left comes back when its run dies). So the chips that
    # ever stand on the line bound what is spent: the 8 first ones and those that replace the
    # chips taken off. That number is capped here, not left to how many chips a machine
    # happens to pass before each cut (issue 15 item 25: a timing-sized budget ran out).
    drawer_cap = cuts
    licenses = CHIPS + drawer_cap + CHIPS  # + one spare per port
    pkg, password = build_demo_package(
        inputs,
        licenses=licenses,
        firmware_size=TINY_FIRMWARE,
        fast_kdf=True,
        seed=5,
        chip_family=family,
    )
    password_file = inputs / "password"
    password_file.write_text(password)
    paths = StationPaths(tmp_path / "station").ensure()
    # jobs in worker processes, as on a station: a cut kills the station, its workers follow
    pool = ""
    if store == "postgresql":  # the same cuts on a license pool (leases instead of pids)
        pool = str(request.getfixturevalue("pool_url"))
        init_pool(pool, paths.keys / POOL_KEY_FILE)
    save_settings(fast_settings(job_processes=2, ledger_url=pool), paths.settings)
    drawer: list[SimulatedChip] = []  # chips taken off the line after they passed
    audit = Audit()
    survived = finished = 0
    settled = dict.fromkeys(Outcome, 0)
    started = time.monotonic()
    deadline = started + budget
    with ChipFarm(count=CHIPS, family=family, transport=transport, seed=3) as farm:
        for n in range(2 * cuts):  # a run that finishes before its cut does not count
            if survived >= cuts or time.monotonic() > deadline:
                break
            child = run_child(paths.root, pkg, password_file, farm.urls, events=True)
            if cut_at_event(child, rng.randint(1, EVENTS_PER_RUN)):
                survived += 1
            else:
                finished += 1
            with Ledger.for_station(paths) as ledger:  # recovers the dead run's reservations
                audit_chips(ledger, [*farm.chips, *drawer], audit)
                verified = {
                    r.chip_mac for r in ledger.in_state(LicenseState.VERIFIED) if r.chip_mac
                }
            assert verify_chain(list(read_records(paths.write_log))) == []
            if n % 5 == 4:
                for outcome, count in _reconcile(paths, farm.urls).items():
                    settled[outcome] += count
            for i in range(CHIPS):  # a technician takes some passed chips off the line
                taken = rng.random() < 0.25  # drawn for every port: the same draws each run
                if taken and farm.chips[i].mac in verified and len(drawer) < drawer_cap:
                    drawer.append(farm.chips[i])
                    farm.replace(i)
        # the last run is not cut: every chip passes, and nothing is left to check
        child = run_child(paths.root, pkg, password_file, farm.urls)
        assert child.wait(timeout=120) == 0, (paths.root.parent / "run.out").read_text()[-2000:]
        for outcome, count in _reconcile(paths, farm.urls).items():
            settled[outcome] += count
        with Ledger.for_station(paths) as ledger:
            audit_chips(ledger, [*farm.chips, *drawer], audit)
            counts = ledger.counts()
            (pid,) = counts
            assert counts[pid][LicenseState.NEEDS_CHECK] == 0
            assert counts[pid][LicenseState.RESERVED] == 0
            assert counts[pid][LicenseState.VERIFIED] == CHIPS + len(drawer)
            assert counts[pid][LicenseState.AVAILABLE] == licenses - CHIPS - len(drawer)
            secrets = [ledger.authkey(r.license_id) for r in ledger.in_state(LicenseState.VERIFIED)]
            available = counts[pid][LicenseState.AVAILABLE]
    files, leaks = scan_files([paths.root], [*secrets, password])
    assert leaks == []
    assert survived == cuts, f"only {survived} of {cuts} cuts within the time budget"
    record(
        f"crash cuts ({store}, {family}, {transport})",
        cuts_survived=survived,
        runs_finished_first=finished,
        chips_taken_off=len(drawer),
        licenses=licenses,
        licenses_on_chips=CHIPS + len(drawer),
        licenses_available=available,
        seconds=round(time.monotonic() - started),
        licenses_checked=audit.licenses_checked,
        chips_checked=audit.chips_checked,
        settled_verified=settled[Outcome.VERIFIED],
        settled_available=settled[Outcome.AVAILABLE],
        left=settled[Outcome.LEFT] + settled[Outcome.UNREADABLE],
        files_scanned=files,
        secrets_found=len(leaks),
    )
