"""Serial numbers: formats, lists, one per chip, never two chips, kept across a reopen."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from prodtool.engine.serials import (
    SerialError,
    SerialFormat,
    SerialStore,
    luhn_digit,
    read_serial_list,
)
from prodtool.license.ledger import Ledger
from prodtool.license.sqlstore import SqlLedger
from prodtool.paths import StationPaths
from tests.pgserver import open_pool


@pytest.fixture
def ledger(paths: StationPaths) -> Iterator[SqlLedger]:
    with Ledger.for_station(paths) as ledger:
        assert isinstance(ledger, SqlLedger)
        yield ledger


def test_format_with_digits_and_check_digit() -> None:
    assert SerialFormat("PLUG-{n:06}").render(42) == "PLUG-000042"
    assert luhn_digit("7992739871") == "3"  # the textbook example
    assert SerialFormat("SN{n:010}{c}").render(7992739871) == "SN79927398713"


@pytest.mark.parametrize(
    "pattern", ["PLUG", "{x}", "{n.real}", "{n!r}", "{n:06}{c:2}", "{n:zz}", "{n"]
)
def test_bad_formats_are_refused(pattern: str) -> None:
    with pytest.raises(SerialError):
        SerialFormat(pattern)


def test_counter_reuses_per_chip_and_survives_reopen(paths: StationPaths) -> None:
    ledger = Ledger.for_station(paths)
    assert isinstance(ledger, SqlLedger)
    store = SerialStore(ledger)
    store.set_counter("order-1", SerialFormat("P{n:04}"), 10)
    a = store.assign("order-1", "esp32c3:aa", job_id="j1")
    b = store.assign("order-1", "esp32c3:bb", job_id="j2")
    again = store.assign("order-1", "esp32c3:aa", job_id="j3")
    assert (a.serial, b.serial) == ("P0010", "P0011")
    assert again.serial == "P0010" and again.reused and not a.reused
    ledger.close()
    ledger = Ledger.for_station(paths)
    assert isinstance(ledger, SqlLedger)
    store = SerialStore(ledger)
    store.set_counter("order-1", SerialFormat("P{n:04}"), 10)  # a restart with the same flags
    assert store.assign("order-1", "esp32c3:cc", job_id="j4").serial == "P0012"
    # another order with an overlapping format never hands out a serial given before
    store.set_counter("order-2", SerialFormat("P{n:04}"), 11)
    assert store.assign("order-2", "esp32c3:dd", job_id="j5").serial == "P0013"
    ledger.check_invariants()  # the licenses' own checks do not mind the tables beside them
    ledger.close()


def test_list_runs_out_with_a_clear_error(tmp_path: Path, ledger: SqlLedger) -> None:
    csv_file = tmp_path / "serials.csv"
    csv_file.write_text("serial\nA-1\nA-2\n", encoding="utf-8")
    store = SerialStore(ledger)
    store.set_list("o", read_serial_list(csv_file))
    assert store.assign("o", "c1", job_id="j").serial == "A-1"
    assert store.assign("o", "c2", job_id="j").serial == "A-2"
    with pytest.raises(SerialError, match="no serial numbers left"):
        store.assign("o", "c3", job_id="j")
    with pytest.raises(SerialError, match="list"):
        store.set_counter("o", SerialFormat("{n}"), 0)


def test_list_file_refuses_duplicates_and_empty(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text("A\nB\nA\n", encoding="utf-8")
    with pytest.raises(SerialError, match="twice"):
        read_serial_list(dup)
    empty = tmp_path / "empty.csv"
    empty.write_text("serial\n", encoding="utf-8")
    with pytest.raises(SerialError, match="no serials"):
        read_serial_list(empty)


def _threads_never_share(stores: list[SerialStore]) -> None:
    stores[0].set_counter("o", SerialFormat("{n}"), 0)
    got: list[str] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        store = stores[k % len(stores)]
        for i in range(20):
            serial = store.assign("o", f"chip-{k}-{i}", job_id="j").serial
            with lock:
                got.append(serial)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == len(set(got)) == 80
    assert sorted(int(s) for s in got) == list(range(80))


def test_many_threads_never_share_a_serial(ledger: SqlLedger) -> None:
    _threads_never_share([SerialStore(ledger)])


def test_two_pool_stations_never_share_a_serial(pool_url: str, tmp_path: Path) -> None:
    one = open_pool(pool_url, tmp_path, station="s1")
    two = open_pool(pool_url, tmp_path, station="s2")
    try:
        _threads_never_share([SerialStore(one), SerialStore(two)])
        store = SerialStore(two)
        store.set_list("l", ["L1", "L2"])
        assert SerialStore(one).assign("l", "c", job_id="j").serial == "L1"
        assert store.assign("l", "c", job_id="j").reused
    finally:
        one.close()
        two.close()
