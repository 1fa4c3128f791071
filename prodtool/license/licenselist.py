"""Reading a License List (CSV or XLSX): all rows or none, every bad row named by its number.

Row numbers are the ones a spreadsheet shows (1-based, the header is row 1). Columns are found
by header, case-insensitive (`uuid`; `authkey`, `auth_key`, `auth key`, `key`), or a file without
a header has exactly two columns: UUID, then AuthKey. CSV is UTF-8 with or without BOM (UTF-16
with BOM, as Excel's "Unicode text" saves, is read too), delimited by comma, semicolon or tab.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from prodtool.license.errors import LicenseListError, RowProblem
from prodtool.license.formats import authkey_problem, uuid_problem
from prodtool.license.model import License

UUID_HEADERS = frozenset({"uuid"})
AUTHKEY_HEADERS = frozenset({"authkey", "auth_key", "auth key", "auth-key", "key"})
_DELIMITERS = (",", ";", "\t")
_NUMBER = "\x00number"  # marks a number cell (never valid: NUL is not alphanumeric)
_DETAILED = 50  # problems spelled out in the message; the rest are listed by number

Row = tuple[int, list[str]]


def read_license_list(path: Path) -> list[License]:
    """The licenses of a CSV or XLSX License List; `LicenseListError` naming every bad row."""
    return [lic for _, lic in read_license_rows(path)]


def read_license_rows(path: Path) -> list[tuple[int, License]]:
    """Like `read_license_list`, with each license's row number (to report ledger duplicates)."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        rows = _xlsx_rows(path)
    else:
        rows = _csv_rows(path)
    return _licenses(path.name, rows)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise LicenseListError(f"cannot read the License List {path}: {error.strerror}") from None


def _decode(name: str, data: bytes) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LicenseListError(
            f"{name} is not UTF-8 text", hint="save the list as CSV UTF-8 or as XLSX"
        ) from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter that appears most in the first non-empty line (comma if none does)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(path: Path) -> list[Row]:
    text = _decode(path.name, _read_bytes(path))
    if "\x00" in text:
        raise LicenseListError(f"{path.name} is not a text file", hint="save it as CSV or XLSX")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        return [(number, row) for number, row in enumerate(reader, start=1)]
    except csv.Error as error:
        raise LicenseListError(f"{path.name} is not a readable CSV file: {error}") from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Spreadsheets keep 15 digits of a number: a 16-digit UUID stored as a number has lost
        # its last digit already. Make the row fail instead of guessing.
        return _NUMBER
    return str(value)


def _xlsx_rows(path: Path) -> list[Row]:
    import zipfile  # noqa: PLC0415 - openpyxl's errors, only needed here

    from openpyxl import load_workbook  # noqa: PLC0415 - slow import, only for XLSX files

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise LicenseListError(
            f"{path.name} is not a readable XLSX workbook ({type(error).__name__})"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[Row] = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            rows.append((number, [_cell(v) for v in values]))
        return rows
    finally:
        workbook.close()


def _norm_header(cell: str) -> str:
    return " ".join(cell.strip().lower().split())


def _columns(rows: Sequence[Row]) -> tuple[int, int, bool]:
    """(uuid column, authkey column, whether the first row is a header)."""
    first = next(((n, r) for n, r in rows if any(c.strip() for c in r)), None)
    if first is None:
        raise LicenseListError("the License List is empty")
    _, cells = first
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


def _licenses(name: str, rows: list[Row]) -> list[tuple[int, License]]:
    uuid_col, key_col, has_header = _columns(rows)
    problems: list[RowProblem] = []
    licenses: list[tuple[int, License]] = []
    seen_uuid: dict[str, int] = {}
    seen_key: dict[str, int] = {}
    header_done = not has_header
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue  # blank rows are skipped, but still counted
        if not header_done:
            header_done = True
            continue
        uuid = cells[uuid_col].strip() if uuid_col < len(cells) else ""
        authkey = cells[key_col].strip() if key_col < len(cells) else ""
        why: str | None
        if _NUMBER in (uuid, authkey):
            why = "a number cell, not text: format the UUID and AuthKey columns as text"
        else:
            why = uuid_problem(uuid) or authkey_problem(authkey)
        if why is None and uuid.lower() in seen_uuid:  # UUIDs differing in case are one
            why = f"UUID {uuid} repeats row {seen_uuid[uuid.lower()]}"
        elif why is None and authkey in seen_key:
            why = f"the AuthKey repeats the one in row {seen_key[authkey]}"
        if why:
            problems.append(RowProblem(number, why))
            continue
        seen_uuid[uuid.lower()] = number
        seen_key[authkey] = number
        licenses.append((number, License(uuid, authkey)))
    if problems:
        raise rows_error(name, problems)
    if not licenses:
        raise LicenseListError(f"{name} holds no licenses")
    return licenses


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
