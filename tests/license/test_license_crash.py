"""A station process killed with SIGKILL in the middle of transitions loses nothing.

A child process loops reserve / send / write / verify / needs_check / release on the ledger and
reports each committed step; the test kills it at seeded random points, several times, and after
each kill reopens the ledger: the invariants hold, every step the child reported is durable, no
license whose AuthKey was sent is available, and the dead child's reservations are needs_check.
"""

from __future__ import annotations

import logging
import random
import signal
import sqlite3
from pathlib import Path

import pytest

from prodtool.license.model import LicenseState
from prodtool.license.testing import loaded_package, make_package, open_ledger, open_test_package
from tests.license.paused import paused_child

S = LicenseState
ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import sys
from pathlib import Path
from prodtool.license.ledger import ChipIdentity, Ledger

folder, package_id, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
hold_at = int(sys.argv[4])  # block right after this reservation, to be killed holding it
hold_sent = sys.argv[5] == "sent"  # ... after its AuthKey was marked as leaving
ledger = Ledger.open(folder / "ledger.sqlite3", key_file=folder / "keys" / "ledger.key")
print("ready", flush=True)
i = start
while True:
    chip = ChipIdentity("esp32c3", "", f"chip{i}")
    job = f"job{i}"
    r = ledger.reserve(package_id, chip, job_id=job, port="p")
    print("R", r.license_id, flush=True)
    if i == hold_at:
        if hold_sent:
            ledger.mark_sending(r.license_id, job_id=job)
            print("S", r.license_id, flush=True)
        sys.stdin.readline()
    kind = i % 4
    if kind == 0:
        ledger.release(r.license_id, job_id=job, reason="cancelled")
        print("A", r.license_id, flush=True)
    else:
        ledger.mark_sending(r.license_id, job_id=job)
        print("S", r.license_id, flush=True)
        if kind == 1:
            ledger.mark_written(r.license_id, job_id=job)
            print("W", r.license_id, flush=True)
            ledger.mark_verified(r.license_id, job_id=job)
            print("V", r.license_id, flush=True)
        elif kind == 2:
            ledger.mark_needs_check(r.license_id, job_id=job, reason="timeout")
            print("N", r.license_id, flush=True)
        else:
            ledger.mark_written(r.license_id, job_id=job)
            print("W", r.license_id, flush=True)
    i += 1
"""


def _run_and_kill(
    folder: Path,
    package_id: str,
    start: int,
    steps: int,
    *,
    hold: bool = False,
    hold_sent: bool = False,
) -> list[tuple[str, int]]:
    """Start the child, let it report `steps` committed steps, SIGKILL it; its reports. With
    `hold`, the last step is a reservation the child is known to be holding when killed."""
    hold_at = start + 1 if hold else -1  # a 'send' iteration (start is a multiple of 4)
    # i=start reports R and A; i=start+1 reports R (and S when held sent), then holds
    steps = (4 if hold_sent else 3) if hold else steps
    sent = "sent" if hold_sent else "-"
    reports: list[tuple[str, int]] = []
    args = (str(folder), package_id, str(start), str(hold_at), sent)
    with paused_child(_CHILD, *args) as child:
        assert child.said == "ready"
        while len(reports) < steps:
            line = child.out.readline()
            assert line, "the child stopped by itself"
            kind, lid = line.split()
            reports.append((kind, int(lid)))
    # Steps the child committed and reported after line `steps`, before the kill landed: now
    # only the one step it was in (committed or not) is unreported.
    for line in child.after:
        if len(line.split()) == 2:
            kind, lid = line.split()
            reports.append((kind, int(lid)))
    return reports


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_sigkill_mid_transitions_leaves_a_sound_ledger(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="prodtool")
    with open_ledger(tmp_path) as ledger:
        package_id = ledger.load_package(loaded_package(tmp_path, 400))
    rng = random.Random(20240607)
    final: dict[int, str] = {}
    sent: set[int] = set()
    for round_number in range(5):
        reports = _run_and_kill(tmp_path, package_id, round_number * 1000, rng.randint(3, 60))
        for kind, lid in reports:
            final[lid] = kind
            if kind in {"S", "W", "V", "N"}:
                sent.add(lid)
        caplog.clear()
        with open_ledger(tmp_path) as ledger:
            ledger.check_invariants()
            counts = ledger.counts(package_id)[package_id]
            assert counts[S.RESERVED] == 0, "the dead child's reservations were not recovered"
            for lid, kind in final.items():
                state = ledger.record(lid).state
                expected = {
                    "V": {S.VERIFIED},
                    "N": {S.NEEDS_CHECK},
                    "W": {S.WRITTEN, S.VERIFIED},
                    "S": {S.WRITTEN, S.VERIFIED, S.NEEDS_CHECK},
                    "R": {S.NEEDS_CHECK, S.AVAILABLE},
                    # released, then perhaps taken again by a reserve killed before reporting
                    "A": {S.AVAILABLE, S.NEEDS_CHECK},
                }[kind]
                assert state in expected, f"license {lid}: reported {kind}, now {state}"
                if lid in sent:
                    assert state is not S.AVAILABLE
        assert all("needs_check" in r.getMessage() for r in caplog.records)
    # Last, a kill that certainly catches a reservation open, its AuthKey never sent: released.
    reports = _run_and_kill(tmp_path, package_id, 9000, 0, hold=True)
    held = reports[-1]
    assert held[0] == "R"
    caplog.clear()
    with open_ledger(tmp_path) as ledger:
        ledger.check_invariants()
        assert ledger.record(held[1]).state is S.AVAILABLE
        assert ledger.history(held[1])[-1]["event"] == "recover"
    assert any("never sent, released" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_dead_process_s_reservation_is_released_unless_its_authkey_may_have_left(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 15 item 17: `mark_sending` is committed with an fsync before an AuthKey leaves,
    so a reservation without it provably never left the station: released, not needs_check."""
    caplog.set_level(logging.WARNING, logger="prodtool")
    with open_ledger(tmp_path) as ledger:
        package_id = ledger.load_package(loaded_package(tmp_path, 10))
    unsent = _run_and_kill(tmp_path, package_id, 0, 0, hold=True)[-1]
    assert unsent[0] == "R"
    with open_ledger(tmp_path) as ledger:
        assert ledger.record(unsent[1]).state is S.AVAILABLE
        assert ledger.record(unsent[1]).chip_id is None
        assert "never left" in str(ledger.history(unsent[1])[-1]["reason"])
    sent = _run_and_kill(tmp_path, package_id, 100, 0, hold=True, hold_sent=True)[-1]
    assert sent[0] == "S"
    with open_ledger(tmp_path) as ledger:
        assert ledger.record(sent[1]).state is S.NEEDS_CHECK
        assert "may have reached" in str(ledger.history(sent[1])[-1]["reason"])
        ledger.check_invariants()


_LOADER = """
import sys
from pathlib import Path
from prodtool.license.ledger import Ledger
from prodtool.license.sqlite_store import SqliteLedger
from prodtool.license.testing import open_test_package

folder, where = Path(sys.argv[1]), sys.argv[2]
package = open_test_package(folder / "big.prodpkg")


def pause(original, at_call):
    calls = []

    def paused(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == at_call:
            print("paused", flush=True)  # inside the load's open transaction
            sys.stdin.readline()  # the parent kills us here
        return original(self, *args, **kwargs)

    return paused


if where == "insert":  # a block of rows is in, the tag index set aside
    SqliteLedger._insert_licenses = pause(SqliteLedger._insert_licenses, 2)
else:  # every row is in, the tag index not yet rebuilt
    SqliteLedger._bulk_end = pause(SqliteLedger._bulk_end, 1)
ledger = Ledger.open(folder / "ledger.sqlite3", key_file=folder / "keys" / "ledger.key")
ledger.load_package(package)
print("loaded", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
@pytest.mark.parametrize("where", ["insert", "index"])
def test_sigkill_mid_load_leaves_no_half_loaded_package(tmp_path: Path, where: str) -> None:
    """A big load (the path that sets the AuthKey-tag index aside) killed half-way: the ledger
    holds none of the package, every index is there, and the same package then loads whole."""
    count = 25_000  # above the count from which a load builds the tag index after its insert
    make_package(tmp_path / "big.prodpkg", count=count, seed=7)
    with open_ledger(tmp_path) as ledger:
        ledger.load_package(loaded_package(tmp_path, 50, seed=2))  # a package already there
    with paused_child(_LOADER, str(tmp_path), where) as child:
        assert child.said == "paused"  # inside the load's open transaction: killed there
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert int(conn.execute("SELECT count(*) FROM licenses").fetchone()[0]) == 50
    conn.close()
    assert {"licenses_authkey_tag", "licenses_uuid_nocase"} <= indexes
    package = open_test_package(tmp_path / "big.prodpkg")
    with open_ledger(tmp_path) as ledger:
        assert len(ledger.packages()) == 1
        assert not ledger.has_package(package.manifest.package_id)
        ledger.check_invariants()
        ledger.load_package(package)
        ledger.check_invariants()
        counts = ledger.counts(package.manifest.package_id)[package.manifest.package_id]
        assert counts[S.AVAILABLE] == count
        uuids, authkeys = package.license_columns()
        found = ledger.find_uuid(uuids[-1])
        assert found is not None
        assert ledger.authkey(found.license_id) == authkeys[-1]
