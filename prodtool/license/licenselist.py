"""Reading a License List (CSV or XLSX): all rows or none, every bad row named by its number.

Row numbers are the ones a spreadsheet shows (1-based, the header is row 1). Columns are found
by header, case-insensitive (`uuid`; `authkey`, `auth_key`, `auth key`, `key`), or a file without
a header has exactly two columns: UUID, then AuthKey. CSV is UTF-8 with or without BOM (UTF-16
with BOM, as Excel's "Unicode text" saves, is read too), delimited by comma, semicolon or tab.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from prodtool.license.columns import FixedColumn, RepeatIndex
from prodtool.license.errors import LicenseListError, RowProblem
from prodtool.license.formats import authkey_problem, uuid_problem
from prodtool.license.model import License
from prodtool.license.xlsx import MAX_ROWS, NUMBER, xlsx_rows

UUID_HEADERS = frozenset({"uuid"})
AUTHKEY_HEADERS = frozenset({"authkey", "auth_key", "auth key", "auth-key", "key"})
_DELIMITERS = (",", ";", "\t")
_NUMBER = NUMBER
_DETAILED = 50  # problems spelled out in the message; the rest are listed by number

Row = tuple[int, list[str]]

# Bounds that keep a hostile or broken list from taking the station's memory (docs/credential-
# package.md): a spreadsheet's own limits, and a line far longer than a license row can be.
MAX_LINE = 65_536  # characters in one CSV line (a license row has about 60)


@dataclass
class LicenseColumns:
    """A License List read and checked: UUIDs and AuthKeys in file order, each with its row
    number, and the file's SHA-256. Two flat lists, not a million objects."""

    uuids: list[str]
    authkeys: FixedColumn
    rows: array[int]
    digest: str

    def __len__(self) -> int:
        return len(self.uuids)


def read_license_list(path: Path) -> list[License]:
    """The licenses of a CSV or XLSX License List; `LicenseListError` naming every bad row."""
    return [lic for _, lic in read_license_rows(path)]


def read_license_rows(path: Path) -> list[tuple[int, License]]:
    """Like `read_license_list`, with each license's row number (for small lists and tests)."""
    columns = read_license_columns(path)
    return [
        (row, License(uuid, key))
        for row, uuid, key in zip(columns.rows, columns.uuids, columns.authkeys, strict=True)
    ]


def read_license_columns(path: Path) -> LicenseColumns:
    """Read a List row by row (never the whole file in memory), all rows or none."""
    rows = xlsx_rows(path) if path.suffix.lower() in {".xlsx", ".xlsm"} else _csv_rows(path)
    uuids, authkeys, numbers = _licenses(path.name, rows)
    return LicenseColumns(uuids, authkeys, numbers, _file_digest(path))


def _file_digest(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as error:
        raise LicenseListError(f"cannot read the License List {path}: {error.strerror}") from None


def _sniff_delimiter(first: str) -> str:
    """The delimiter that appears most in the first non-empty line (comma if none does)."""
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _lines(name: str, text: io.TextIOBase) -> Iterator[str]:
    """The file's lines, each read with a bound; NUL (a binary file) and endless lines refused."""
    while line := text.readline(MAX_LINE):
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            raise LicenseListError(f"{name} has a line longer than {MAX_LINE} characters")
        if "\x00" in line:
            raise LicenseListError(f"{name} is not a text file", hint="save it as CSV or XLSX")
        yield line


def _csv_rows(path: Path) -> Iterator[Row]:
    try:
        with path.open("rb") as raw:
            head = raw.read(2)
            raw.seek(0)
            utf16 = head in (b"\xff\xfe", b"\xfe\xff")
            text = io.TextIOWrapper(raw, encoding="utf-16" if utf16 else "utf-8-sig", newline="")
            lines = _lines(path.name, text)
            before: list[str] = []  # blank lines before the first one with content
            for line in lines:
                before.append(line)
                if line.strip():
                    break
            delimiter = _sniff_delimiter(before[-1] if before else "")
            reader = csv.reader(itertools.chain(before, lines), delimiter=delimiter)
            for number, row in enumerate(reader, start=1):
                if number > MAX_ROWS:
                    raise LicenseListError(f"{path.name} has more than {MAX_ROWS} rows")
                yield number, row
    except OSError as error:
        raise LicenseListError(f"cannot read the License List {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise LicenseListError(
            f"{path.name} is not UTF-8 text", hint="save the list as CSV UTF-8 or as XLSX"
        ) from None
    except csv.Error as error:
        raise LicenseListError(f"{path.name} is not a readable CSV file: {error}") from None


def _norm_header(cell: str) -> str:
    return " ".join(cell.strip().lower().split())


def _columns(cells: Sequence[str]) -> tuple[int, int, bool]:
    """(uuid column, authkey column, whether this first non-empty row is a header)."""
    names = [_norm_header(c) for c in cells]
    uuid_cols = [i for i, n in enumerate(names) if n in UUID_HEADERS]
    key_cols = [i for i, n in enumerate(names) if n in AUTHKEY_HEADERS]
    if len(uuid_cols) == 1 and len(key_cols) == 1:
        return uuid_cols[0], key_cols[0], True
    if uuid_cols or key_cols:
        raise LicenseListError(
            "the header row must name exactly one UUID column and one AuthKey column",
            hint="name them 'uuid' and 'authkey'",
        )
    filled = [c for c in cells if c.strip()]
    if len(filled) != 2 or any(c.strip() for c in cells[2:]):
        raise LicenseListError(
            "cannot find the UUID and AuthKey columns",
            hint="add a header row 'uuid,authkey', or give exactly two columns: UUID, AuthKey",
        )
    return 0, 1, False


def _looks_swapped(uuid: str, authkey: str) -> bool:
    """An AuthKey where the UUID belongs and a UUID where the AuthKey does."""
    return uuid_problem(authkey) is None and authkey_problem(uuid) is None


class _Checker:
    """Checks rows one by one into two flat columns; remembers only what it must."""

    def __init__(self) -> None:
        self.uuids: list[str] = []
        self.authkeys = FixedColumn(32)  # 32 bytes an AuthKey instead of 89
        self.rows: array[int] = array("l")
        self.problems: list[RowProblem] = []
        self.swapped = 0
        # UUIDs in lower case (differing in case they are one), by their row in `uuids`: a
        # set of a million strings took 32-64 MB more, the import's peak with an XLSX list
        # (the lambda holds the list, not `self`: no cycle keeps the index after the import)
        uuids = self.uuids
        self._seen_uuid = RepeatIndex(lambda i: uuids[i].lower())
        self._seen_key = RepeatIndex(self.authkeys.raw)

    def add(self, number: int, uuid: str, authkey: str) -> None:
        why: str | None
        if _NUMBER in (uuid, authkey):
            why = "a number cell, not text: format the UUID and AuthKey columns as text"
        else:
            why = uuid_problem(uuid) or authkey_problem(authkey)
            if why is not None and _looks_swapped(uuid, authkey):
                self.swapped += 1
        lower = uuid.lower()
        if why is None and (earlier_uuid := self._seen_uuid.find(lower)) is not None:
            why = f"UUID {uuid} repeats row {self.rows[earlier_uuid]}"
        if why is None:
            self.authkeys.append(authkey)
            earlier = self._seen_key.add(len(self.authkeys) - 1)
            if earlier is not None:
                self.authkeys.pop()
                why = f"the AuthKey repeats the one in row {self.rows[earlier]}"
        if why:
            self.problems.append(RowProblem(number, why))
            return
        self.uuids.append(uuid)
        self.rows.append(number)
        self._seen_uuid.add(len(self.uuids) - 1, lower)


def _licenses(name: str, rows: Iterator[Row]) -> tuple[list[str], FixedColumn, array[int]]:
    first = next(((n, r) for n, r in rows if any(c.strip() for c in r)), None)
    if first is None:
        raise LicenseListError("the License List is empty")
    uuid_col, key_col, has_header = _columns(first[1])
    checker = _Checker()
    data = rows if has_header else itertools.chain([first], rows)
    for number, cells in data:
        if not any(c.strip() for c in cells):
            continue  # blank rows are skipped, but still counted
        uuid = cells[uuid_col].strip() if uuid_col < len(cells) else ""
        authkey = cells[key_col].strip() if key_col < len(cells) else ""
        checker.add(number, uuid, authkey)
    if checker.swapped and checker.swapped * 2 >= len(checker.problems):
        raise LicenseListError(
            f"{name}: the UUID and AuthKey columns look swapped ({checker.swapped} rows hold an"
            " AuthKey where the UUID belongs): nothing imported",
            hint="put the UUID first, then the AuthKey, or name them in a header 'uuid,authkey'",
        )
    if checker.problems:
        raise rows_error(name, checker.problems)
    if not checker.uuids:
        raise LicenseListError(f"{name} holds no licenses")
    return checker.uuids, checker.authkeys, checker.rows


def rows_error(name: str, problems: Sequence[RowProblem]) -> LicenseListError:
    """One error naming every bad row: the first ones with the reason, the rest by number."""
    detailed = "; ".join(str(p) for p in problems[:_DETAILED])
    rest = [p.row for p in problems[_DETAILED:]]
    more = f"; also rows {_ranges(rest)}" if rest else ""
    count = f"{len(problems)} bad row{'s' if len(problems) != 1 else ''}"
    return LicenseListError(
        f"{name}: {count}, nothing imported: {detailed}{more}",
        problems=tuple(problems),
        hint="correct the rows and import the whole list again",
    )


def _ranges(numbers: Iterable[int]) -> str:
    """`3, 5-9, 12`: many row numbers, short."""
    parts: list[str] = []
    start = prev = None
    for n in [*sorted(numbers), None]:
        if n is not None and prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        start = prev = n
    return ", ".join(parts)
