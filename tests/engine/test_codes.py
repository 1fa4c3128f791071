"""The code book beside the ledger: a job that takes a port's code keeps it through a crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prodtool.engine.codes import CodeBook
from prodtool.license.ledger import Ledger
from prodtool.license.sqlstore import SqlLedger
from prodtool.paths import StationPaths


@pytest.fixture
def ledger(paths: StationPaths) -> Iterator[SqlLedger]:
    with Ledger.for_station(paths) as ledger:
        assert isinstance(ledger, SqlLedger)
        yield ledger


def test_a_claimed_code_is_found_by_its_job_after_the_process_is_gone(
    ledger: SqlLedger,
) -> None:
    book = CodeBook(ledger, r"U-\w+")
    book.bind("p1", "U-1")
    book.claim("p1", "aa", "job-1")
    book.claim("p2", "bb", "job-2")  # nothing bound on p2: nothing claimed
    again = CodeBook(ledger, r"U-\w+")  # a new process: the bindings in memory are gone
    assert again.of_job("job-1") == "U-1"
    assert again.of_job("job-2") == ""
    assert again.bound("p1") == ""
    book.used("p1", "aa", "job-1")  # passed and recorded: the used code answers as well
    assert again.of_job("job-1") == "U-1"
