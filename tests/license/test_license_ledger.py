"""The ledger: one state per license, transitions that fit or change nothing, a chip never gets a
second license, AuthKeys sealed on disk, storage failures as StorageError."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.errors import StorageError
from prodtool.license.builder import demo_licenses
from prodtool.license.errors import (
    ChipBusy,
    DuplicateLicenses,
    LicenseListError,
    LicenseQuarantined,
    NoLicensesLeft,
    TransitionError,
    UnknownPackage,
)
from prodtool.license.ledger import ChipIdentity, Ledger
from prodtool.license.model import DeliveryMode, License, LicenseState
from prodtool.license.sqlstore import SqlLedger
from prodtool.license.testing import (
    chip,
    loaded_package,
    make_package,
    open_ledger,
    open_test_package,
)
from prodtool.paths import station_paths
from tests.license.conftest import MakeLedger

S = LicenseState


def _load(ledger: Ledger, folder: Path, count: int = 3, seed: int = 1) -> str:
    return ledger.load_package(loaded_package(folder, count, seed))


def test_happy_path_and_history(ledger: Ledger, tmp_path: Path) -> None:
    package = loaded_package(tmp_path, 3)
    pid = ledger.load_package(package)
    first = min(package.licenses(), key=lambda lic: lic.uuid)  # handed out in UUID order
    r = ledger.reserve(pid, chip(1), job_id="j1", port="COM3")
    assert (r.uuid, r.authkey, r.reused, r.state) == (first.uuid, first.authkey, False, S.AVAILABLE)
    assert r.authkey not in repr(r)
    ledger.mark_sending(r.license_id, job_id="j1")
    ledger.mark_written(r.license_id, job_id="j1")
    ledger.mark_verified(r.license_id, job_id="j1")
    record = ledger.find_uuid(r.uuid)
    assert record is not None
    assert (record.state, record.chip_mac, record.port, record.job_id) == (
        S.VERIFIED,
        chip(1).mac,
        "COM3",
        "j1",
    )
    assert ledger.counts()[pid][S.VERIFIED] == 1 and ledger.counts(pid)[pid][S.AVAILABLE] == 2
    events = [e["event"] for e in ledger.history(r.license_id)]
    assert events == ["reserve", "sending", "written", "verified"]
    assert ledger.authkey(r.license_id) == first.authkey
    assert ledger.licenses_for_chip(chip(1)) == [record]
    ledger.check_invariants()


def test_same_chip_gets_the_same_license_by_mac_or_chip_id(ledger: Ledger, tmp_path: Path) -> None:
    pid = _load(ledger, tmp_path)
    r1 = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
    ledger.mark_verified(r1.license_id, job_id="j1")
    by_mac = ChipIdentity("esp32c3", chip(1).mac.upper().replace(":", "-"), "")
    r2 = ledger.reserve(pid, by_mac, job_id="j2", port="p2")
    assert (r2.license_id, r2.reused, r2.state) == (r1.license_id, True, S.VERIFIED)
    ledger.mark_verified(r2.license_id, job_id="j2")
    r3 = ledger.reserve(pid, ChipIdentity("esp32c3", "", chip(1).chip_id), job_id="j3", port="p")
    assert r3.license_id == r1.license_id
    assert ledger.counts(pid)[pid][S.AVAILABLE] == 2
    ledger.check_invariants()


def test_a_chip_being_written_by_another_job_is_busy(ledger: Ledger, tmp_path: Path) -> None:
    pid = _load(ledger, tmp_path)
    r = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
    with pytest.raises(ChipBusy):
        ledger.reserve(pid, chip(1), job_id="j2", port="p2")
    again = ledger.reserve(pid, chip(1), job_id="j1", port="p1")  # idempotent for its own job
    assert again.license_id == r.license_id and again.state is S.RESERVED


def test_no_licenses_left(ledger: Ledger, tmp_path: Path) -> None:
    pid = _load(ledger, tmp_path, count=2)
    ledger.reserve(pid, chip(1), job_id="a", port="p")
    ledger.reserve(pid, chip(2), job_id="b", port="p")
    with pytest.raises(NoLicensesLeft):
        ledger.reserve(pid, chip(3), job_id="c", port="p")
    with pytest.raises(UnknownPackage):
        ledger.reserve("pkg-nope", chip(3), job_id="c", port="p")


def _snapshot(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT * FROM licenses ORDER BY id").fetchall()
        rows += conn.execute("SELECT * FROM events ORDER BY id").fetchall()
        rows += conn.execute("SELECT * FROM state_counts").fetchall()
    return rows


def test_transitions_that_do_not_fit_change_nothing(ledger: Ledger, tmp_path: Path) -> None:
    pid = _load(ledger, tmp_path)
    r = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
    before = ledger.snapshot()
    bad: list[Callable[[], object]] = [
        lambda: ledger.mark_written(r.license_id, job_id="other"),
        lambda: ledger.mark_verified(r.license_id + 1, job_id="j1"),
        lambda: ledger.settle(r.license_id, found_on=None),
        lambda: ledger.release_quarantine(r.license_id, reason="x"),
        lambda: ledger.mark_sending(r.license_id + 1, job_id="j1"),
        lambda: ledger.release(r.license_id, job_id="other", reason="x"),
    ]
    for action in bad:
        with pytest.raises(TransitionError):
            action()
    assert ledger.snapshot() == before
    ledger.mark_sending(r.license_id, job_id="j1")
    with pytest.raises(TransitionError, match="sent"):
        ledger.release(r.license_id, job_id="j1", reason="cancelled")
    ledger.mark_needs_check(r.license_id, job_id="j1", reason="port vanished")
    assert ledger.record(r.license_id).state is S.NEEDS_CHECK


def test_release_of_a_never_sent_reservation(ledger: Ledger, tmp_path: Path) -> None:
    pid = _load(ledger, tmp_path)
    r = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
    ledger.release(r.license_id, job_id="j1", reason="chip did not answer")
    record = ledger.record(r.license_id)
    assert record.state is S.AVAILABLE and record.chip_mac is None
    # a reused license released unsent goes back to what it was, still bound to its chip
    r = ledger.reserve(pid, chip(2), job_id="j2", port="p1")
    ledger.mark_verified(r.license_id, job_id="j2")
    again = ledger.reserve(pid, chip(2), job_id="j3", port="p1")
    ledger.release(again.license_id, job_id="j3", reason="operator cancelled")
    assert ledger.record(r.license_id).state is S.VERIFIED
    ledger.check_invariants()


def test_needs_check_is_settled_by_reading_the_chip(ledger: Ledger, tmp_path: Path) -> None:
    pid = _load(ledger, tmp_path)
    a = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
    ledger.mark_needs_check(a.license_id, job_id="j1", reason="timeout")
    assert ledger.settle(a.license_id, found_on=chip(1)) is S.VERIFIED
    b = ledger.reserve(pid, chip(2), job_id="j2", port="p2")
    ledger.mark_written(b.license_id, job_id="j2")
    ledger.mark_needs_check(b.license_id, job_id="j2", reason="verify failed")
    assert ledger.settle(b.license_id, found_on=None) is S.AVAILABLE
    assert ledger.record(b.license_id).chip_mac is None
    c = ledger.reserve(pid, chip(3), job_id="j3", port="p3")
    assert c.license_id == b.license_id  # the settled license is handed out again
    ledger.check_invariants()


def test_quarantine_and_release(ledger: Ledger, tmp_path: Path) -> None:
    pid = _load(ledger, tmp_path)
    r = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
    ledger.quarantine(r.license_id, reason="suspicious")
    with pytest.raises(LicenseQuarantined):
        ledger.reserve(pid, chip(1), job_id="j2", port="p1")
    with pytest.raises(TransitionError):
        ledger.mark_written(r.license_id, job_id="j1")
    with pytest.raises(TransitionError):
        ledger.quarantine(r.license_id, reason="again")
    ledger.release_quarantine(r.license_id, reason="supervisor checked")
    assert ledger.record(r.license_id).state is S.NEEDS_CHECK  # it was bound to a chip
    assert ledger.licenses_for_chip(chip(9)) == []
    other = ledger.reserve(pid, chip(2), job_id="j3", port="p")
    ledger.release(other.license_id, job_id="j3", reason="x")
    ledger.quarantine(other.license_id, reason="unused, held back")
    ledger.release_quarantine(other.license_id, reason="ok")
    assert ledger.record(other.license_id).state is S.AVAILABLE
    ledger.check_invariants()


def test_loading_is_all_or_nothing_and_idempotent(ledger: Ledger, tmp_path: Path) -> None:
    package = loaded_package(tmp_path, 3)
    pid = ledger.load_package(package)
    assert ledger.load_package(package) == pid
    assert ledger.counts()[pid][S.AVAILABLE] == 3
    assert [m.package_id for m in ledger.packages()] == [pid]
    assert ledger.manifest(pid) == package.manifest
    # another package holding one of the same licenses is refused whole
    licenses = [*demo_licenses(2, seed=99), next(package.licenses())]
    clash = open_test_package(make_package(tmp_path / "clash.prodpkg", licenses=licenses))
    with pytest.raises(DuplicateLicenses):
        ledger.load_package(clash)
    assert len(ledger.packages()) == 1
    ledger.check_invariants()


def test_license_list_import(ledger: Ledger, tmp_path: Path) -> None:
    lics = demo_licenses(3, seed=5)
    path = tmp_path / "list.csv"
    path.write_text("uuid,authkey\n" + "".join(f"{x.uuid},{x.authkey}\n" for x in lics))
    pid = ledger.import_license_list(path, product_name="Lamp")
    assert ledger.import_license_list(path) == pid  # same file again: no-op
    manifest = ledger.manifest(pid)
    assert manifest.delivery_mode is DeliveryMode.LICENSE_LIST and manifest.product_name == "Lamp"
    assert manifest.license_count == 3 and not manifest.firmware
    # a second list repeating a UUID: refused, the row named, nothing imported
    other = tmp_path / "other.csv"
    other.write_text(
        f"uuid,authkey\n{demo_licenses(1, seed=6)[0].uuid},{'B' * 32}\n{lics[1].uuid},{'C' * 32}\n"
    )
    with pytest.raises(LicenseListError) as info:
        ledger.import_license_list(other)
    assert [p.row for p in info.value.problems] == [3]
    assert "already in the ledger" in str(info.value)
    assert len(ledger.packages()) == 1
    r = ledger.reserve(pid, chip(1), job_id="j", port="p")
    assert r.authkey == {x.uuid: x.authkey for x in lics}[r.uuid]


def test_authkeys_are_not_on_disk_in_plain_text(tmp_path: Path) -> None:
    package = loaded_package(tmp_path, 20)
    with open_ledger(tmp_path) as ledger:
        pid = ledger.load_package(package)
        for i in range(5):
            r = ledger.reserve(pid, chip(i), job_id=f"j{i}", port="p")
            ledger.mark_verified(r.license_id, job_id=f"j{i}")
    key_file = tmp_path / "keys" / "ledger.key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key_file.read_bytes()) == 32
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.sqlite3*"))
    for lic in package.licenses():
        assert lic.uuid.encode() in blob
        assert lic.authkey.encode() not in blob


def test_a_different_or_missing_station_key_is_refused(tmp_path: Path) -> None:
    with open_ledger(tmp_path) as ledger:
        _load(ledger, tmp_path)
    key_file = tmp_path / "keys" / "ledger.key"
    key_file.write_bytes(os.urandom(32))
    with pytest.raises(StorageError, match="not the one"):
        open_ledger(tmp_path)
    key_file.unlink()
    with pytest.raises(StorageError, match="missing"):
        open_ledger(tmp_path)
    assert not key_file.exists()  # no new key made for a ledger that has one


def test_32_threads_reserving_at_once_never_share_a_license(
    make_ledger: MakeLedger, store: str, tmp_path: Path
) -> None:
    options = {"connections": 16} if store == "postgresql" else {}
    with make_ledger(**options) as ledger:
        pid = _load(ledger, tmp_path, count=40)
        barrier = threading.Barrier(32)
        got: dict[int, int] = {}
        errors: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                barrier.wait(timeout=10)
                r = ledger.reserve(pid, chip(n), job_id=f"job{n}", port=f"p{n}")
                ledger.mark_sending(r.license_id, job_id=f"job{n}")
                ledger.mark_written(r.license_id, job_id=f"job{n}")
                got[n] = r.license_id
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors
        assert len(got) == 32 and len(set(got.values())) == 32
        assert ledger.counts(pid)[pid][S.WRITTEN] == 32
        ledger.check_invariants()


def test_recovery_leaves_live_owners_alone(make_ledger: MakeLedger, tmp_path: Path) -> None:
    """A QA tool (or another station) opening the ledger while a station runs changes nothing."""
    with make_ledger() as station:
        pid = _load(station, tmp_path)
        r = station.reserve(pid, chip(1), job_id="j1", port="p1")
        with make_ledger() as qa:
            assert qa.record(r.license_id).state is S.RESERVED
        station.mark_verified(r.license_id, job_id="j1")


# ---------------------------------------------------------------- storage errors


def test_corrupt_ledger_file_is_a_storage_error_and_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    garbage = b"this is not a database at all" * 200
    path.write_bytes(garbage)
    with pytest.raises(StorageError, match="not a prodtool ledger"):
        open_ledger(tmp_path)
    assert path.read_bytes() == garbage
    assert not (tmp_path / "keys" / "ledger.key").exists()


def test_ledger_from_a_newer_prodtool_is_refused(tmp_path: Path) -> None:
    with open_ledger(tmp_path):
        pass
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="newer prodtool"):
        open_ledger(tmp_path)


def test_full_disk_is_a_storage_error_and_changes_nothing(tmp_path: Path) -> None:
    package = loaded_package(tmp_path, 2000)
    with open_ledger(tmp_path) as ledger:
        pid = _load(ledger, tmp_path, 2, seed=3)
        before = _snapshot(ledger.path)
        pages = ledger._conn.execute("PRAGMA page_count").fetchone()[0]
        ledger._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the "disk" is full
        with pytest.raises(StorageError, match="full"):
            ledger.load_package(package)
        assert [m.package_id for m in ledger.packages()] == [pid]
    assert _snapshot(tmp_path / "ledger.sqlite3") == before


def test_locked_ledger_is_a_storage_error(tmp_path: Path) -> None:
    with open_ledger(tmp_path, busy_timeout=0.05) as ledger:
        pid = _load(ledger, tmp_path)
        blocker = sqlite3.connect(ledger.path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            with pytest.raises(StorageError, match=r"busy|locked"):
                ledger.reserve(pid, chip(1), job_id="j", port="p")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert ledger.counts(pid)[pid][S.AVAILABLE] == 3


def _open_in_child(folder: Path, *, as_nobody: bool) -> str:
    """Open the ledger in a forked child (unprivileged if asked); returns what happened."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no exec, so it needs no access to the interpreter's files
        os.close(read_end)
        outcome = "opened"
        try:
            if as_nobody:
                os.setgid(65534)
                os.setuid(65534)
            open_ledger(folder).close()
        except StorageError as error:
            outcome = f"StorageError: {error}"
        except Exception as error:  # noqa: BLE001 - reported to the parent
            outcome = f"{type(error).__name__}: {error}"
        finally:
            os.write(write_end, outcome.encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    return outcome


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX permissions")
def test_read_only_data_folder_is_a_storage_error_and_unchanged() -> None:
    base = Path(tempfile.mkdtemp(prefix="prodtool-ro-"))
    try:
        folder = base / "station"
        with open_ledger(folder) as ledger:
            ledger.load_package(loaded_package(base, 2))
        for p in folder.rglob("*"):
            p.chmod(0o555 if p.is_dir() else 0o444)
        folder.chmod(0o555)
        base.chmod(0o755)
        before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        outcome = _open_in_child(folder, as_nobody=os.geteuid() == 0)  # root ignores modes
        assert outcome.startswith("StorageError:"), outcome
        assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    finally:
        for p in [base, *base.rglob("*")]:
            p.chmod(0o700)
        for p in sorted(base.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        base.rmdir()


def test_only_the_moves_that_protect_an_authkey_wait_for_the_disk(tmp_path: Path) -> None:
    """reserve, mark_written and release commit without fsync (synchronous=NORMAL); sending,
    verified and needs_check keep FULL; the connection is back at FULL after each."""
    with open_ledger(tmp_path, synchronous="FULL") as ledger:
        pid = _load(ledger, tmp_path, count=3)
        statements: list[str] = []
        ledger._conn.set_trace_callback(statements.append)

        def relaxed(move: Callable[[], object]) -> bool:
            statements.clear()
            move()
            assert ledger._conn.execute("PRAGMA synchronous").fetchone()[0] == 2
            return "PRAGMA synchronous = NORMAL" in statements

        r = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
        assert relaxed(lambda: ledger.reserve(pid, chip(2), job_id="j2", port="p2"))
        assert not relaxed(lambda: ledger.mark_sending(r.license_id, job_id="j1"))
        assert relaxed(lambda: ledger.mark_written(r.license_id, job_id="j1"))
        assert not relaxed(lambda: ledger.mark_verified(r.license_id, job_id="j1"))
        two = ledger.licenses_for_chip(chip(2))[0].license_id
        assert relaxed(lambda: ledger.release(two, job_id="j2", reason="test"))
        r3 = ledger.reserve(pid, chip(3), job_id="j3", port="p3")
        ledger.mark_sending(r3.license_id, job_id="j3")
        assert not relaxed(
            lambda: ledger.mark_needs_check(r3.license_id, job_id="j3", reason="test")
        )
        ledger._conn.set_trace_callback(None)
        ledger.check_invariants()


def _break_authkey(ledger: Ledger, license_id: int) -> None:
    """Overwrite a stored AuthKey as a damaged disk or a bad restore would (both stores)."""
    assert isinstance(ledger, SqlLedger)
    with ledger._write() as tx:
        tx.execute("UPDATE licenses SET authkey = ? WHERE id = ?", (b"\x00" * 40, license_id))


def test_a_license_whose_authkey_does_not_open_is_quarantined_and_the_next_taken(
    ledger: Ledger, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 15 item 10: one bad license no longer blocks every job (blaming the disk)."""
    pid = _load(ledger, tmp_path, count=3)
    bad = min(r.license_id for r in ledger.in_state(S.AVAILABLE, pid))
    _break_authkey(ledger, bad)
    r = ledger.reserve(pid, chip(1), job_id="j1", port="p1")
    assert r.license_id != bad
    (held,) = ledger.quarantined(pid)
    assert held.license_id == bad and "stored AuthKey does not open" in held.note
    assert held.chip_mac is None
    ledger.mark_verified(r.license_id, job_id="j1")
    # the chip's own license breaks later: quarantined with its reason, no second license
    _break_authkey(ledger, r.license_id)
    with pytest.raises(LicenseQuarantined, match="does not open"):
        ledger.reserve(pid, chip(1), job_id="j2", port="p1")
    assert ledger.record(r.license_id).state is S.QUARANTINED
    assert sorted(rec.license_id for rec, _ in ledger.check_authkeys()) == sorted(
        [bad, r.license_id]
    )
    ledger.check_invariants()
    assert all(r.levelname == "ERROR" and "quarantined" in r.getMessage() for r in caplog.records)


def test_ledger_status_check_opens_every_authkey(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = station_paths().ensure()
    with Ledger.for_station(paths) as ledger:
        pid = _load(ledger, tmp_path, count=4)
        bad = ledger.in_state(S.AVAILABLE, pid)[2]
        _break_authkey(ledger, bad.license_id)
    assert main(["ledger", "status", "--check"]) == 1
    out = capsys.readouterr().out
    assert f"license {bad.uuid} (available): the stored AuthKey" in out
    assert "AuthKeys: 1 do not open" in out
    assert main(["ledger", "status", "--check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [b["uuid"] for b in report["authkeys_not_opening"]] == [bad.uuid]


def test_job_events_are_each_job_s_moves_with_its_license(ledger: Ledger, tmp_path: Path) -> None:
    """What `log audit` and the write log's recovery read (issue 15 items 3, 9), on both stores."""
    pid = _load(ledger, tmp_path)
    r = ledger.reserve(pid, chip(1), job_id="j1", port="COM3")
    ledger.mark_sending(r.license_id, job_id="j1")
    ledger.mark_written(r.license_id, job_id="j1")
    ledger.mark_verified(r.license_id, job_id="j1")
    other = ledger.reserve(pid, chip(2), job_id="j2", port="COM4")
    ledger.release(other.license_id, job_id="j2", reason="no_answer")
    ledger.quarantine(other.license_id, reason="a supervisor's move, not a job's")
    events = ledger.job_events()
    assert [(e["job_id"], e["event"], e["uuid"], e["package_id"]) for e in events] == [
        ("j1", "reserve", r.uuid, pid),
        ("j1", "sending", r.uuid, pid),
        ("j1", "written", r.uuid, pid),
        ("j1", "verified", r.uuid, pid),
        ("j2", "reserve", other.uuid, pid),
        ("j2", "release", other.uuid, pid),
    ]
    verified = events[3]
    assert (verified["port"], verified["chip_mac"], verified["chip_id"]) == (
        "COM3",
        chip(1).mac,
        chip(1).chip_id,
    )
    assert verified["to_state"] == "verified"
    assert verified["at"] == str(verified["at"]) and "T" in verified["at"]  # ISO text
    assert not any(r.authkey in str(e) for e in events)


def _list(path: Path, rows: list[License]) -> Path:
    path.write_text("uuid,authkey\n" + "".join(f"{x.uuid},{x.authkey}\n" for x in rows))
    return path


def test_one_authkey_under_two_uuids_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    """Issue 15 item 16: an AuthKey already in the ledger under another UUID (from a package or
    a list) is refused whole; the UUIDs are named, the AuthKey never."""
    package = loaded_package(tmp_path, 3)
    pid = ledger.load_package(package)
    held = next(package.licenses())
    before = ledger.snapshot()
    reused = [*demo_licenses(2, seed=98), License("uuid" + "f" * 16, held.authkey)]
    with pytest.raises(DuplicateLicenses) as refused:
        ledger.import_license_list(_list(tmp_path / "a.csv", reused))
    assert reused[-1].uuid in refused.value.message and held.uuid in refused.value.message
    assert held.authkey not in str(refused.value)
    assert ledger.snapshot() == before
    listed = demo_licenses(2, seed=97)
    lid = ledger.import_license_list(_list(tmp_path / "b.csv", listed))
    again = [License("uuid" + "e" * 16, listed[1].authkey)]
    with pytest.raises(DuplicateLicenses, match=listed[1].uuid):
        ledger.import_license_list(_list(tmp_path / "c.csv", again))
    assert [m.package_id for m in ledger.packages()] == [pid, lid]
    ledger.check_invariants()


def test_licenses_loaded_before_tags_are_tagged_when_the_ledger_opens(tmp_path: Path) -> None:
    """A ledger made before migration 3 has no AuthKey tags; opening it tags them, so a later
    list reusing one of their AuthKeys is refused too."""
    package = loaded_package(tmp_path, 3)
    with open_ledger(tmp_path) as ledger:
        ledger.load_package(package)
        path = ledger.path
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE licenses SET authkey_tag = NULL")
    held = next(package.licenses())
    with open_ledger(tmp_path) as ledger:
        with pytest.raises(DuplicateLicenses):
            ledger.import_license_list(
                _list(tmp_path / "a.csv", [License("uuid" + "c" * 16, held.authkey)])
            )
        assert len(ledger.packages()) == 1
