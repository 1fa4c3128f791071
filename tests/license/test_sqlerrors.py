"""A full disk under the ledger is said as such, even where SQLite calls it an I/O error
(issue 15 item 20)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import NamedTuple

import pytest

from prodtool.license import sqlerrors


class _Usage(NamedTuple):
    total: int
    used: int
    free: int


def _io_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = 778  # SQLITE_IOERR_WRITE
    return error


@pytest.mark.parametrize(("free", "words"), [(0, "is full"), (1 << 40, "the disk failed")])
def test_an_io_error_on_a_full_disk_says_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free: int, words: str
) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: _Usage(1 << 41, 0, free))
    found = sqlerrors.storage_error(_io_error(), tmp_path / "ledger.sqlite3")
    assert found is not None and words in found.message
