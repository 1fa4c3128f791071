"""Reading the first sheet of an XLSX workbook row by row, in bounded memory, XML parsed safely.

Why not openpyxl here: its read-only mode still keeps the whole shared-string table as Python
strings (two per license: over 300 MB for a million-row list) and pads every row to the sheet's
declared width (a 5 KB file declaring XFD1048576 took gigabytes). This reader keeps shared
strings in one UTF-8 buffer, reads only the cells present (columns A-Z), and parses every part
with defusedxml (no DTDs, no entities: no entity bombs). Part sizes and compression ratios are
checked before anything is inflated. A cell is text (shared, inline or a formula's string), a
number (returned as `NUMBER`), or empty.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from prodtool.license.errors import LicenseListError

NUMBER = "\x00number"  # a number cell (never a valid UUID or AuthKey: NUL is not alphanumeric)
MAX_ROWS = 1_048_576  # rows of an Excel sheet
MAX_SHEET_COLUMNS = 16_384  # columns of an Excel sheet (XFD)
READ_COLUMNS = 26  # columns A-Z are read; a License List needs two
MAX_PART = 512 * 2**20  # declared uncompressed size of one part
MAX_TOTAL = 1024 * 2**20
MAX_PARTS = 4096
MAX_RATIO = 100  # uncompressed : compressed, for parts over 1 MiB (real lists: about 3 to 10)
MAX_SHARED_STRINGS = 4 * MAX_ROWS

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REL_STRICT = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    ParseError,
    DefusedXmlException,
    KeyError,
    ValueError,
    EOFError,
    struct.error,
    zlib.error,
    UnicodeDecodeError,
    NotImplementedError,
    RecursionError,
)

Row = tuple[int, list[str]]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _RefusedError(Exception):
    """A workbook that is no License List, with the reason (turned into a LicenseListError)."""


def xlsx_rows(path: Path) -> Iterator[Row]:
    """(row number, cells A-Z as text) for each row present in the first sheet."""
    try:
        with zipfile.ZipFile(path) as zf:
            _check_parts(path.name, zf.infolist())
            sheet, shared = _locate(zf)
            strings = _SharedStrings.read(zf, shared) if shared else _SharedStrings()
            with zf.open(sheet) as source:
                yield from _rows(source, strings)
    except OSError as error:
        raise LicenseListError(f"cannot read the License List {path}: {error.strerror}") from None
    except _RefusedError as refused:
        raise LicenseListError(
            f"{path.name} is refused: {refused}",
            hint="save the list again from the spreadsheet, or as CSV",
        ) from None
    except _ERRORS as error:
        raise LicenseListError(
            f"{path.name} is not a readable XLSX workbook ({type(error).__name__})"
        ) from None


def _check_parts(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse absurd declared sizes and ratios before any part is inflated."""
    if len(infos) > MAX_PARTS:
        raise _RefusedError(f"it has {len(infos)} parts")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if (
            info.file_size > MAX_PART
            or total > MAX_TOTAL
            or (info.file_size > 2**20 and ratio > MAX_RATIO)
        ):
            raise _RefusedError(
                f"its part {ascii(info.filename)[1:-1][:60]} would unpack to {info.file_size}"
                f" bytes from {info.compress_size} (a zip bomb, or no License List)"
            )


def _parse(zf: zipfile.ZipFile, name: str) -> Element:
    with zf.open(name) as source:
        root: Element | None = None
        for _, element in iterparse(source, events=("end",)):
            root = element
        if root is None:
            raise _RefusedError(f"its part {name} is empty")
        return root


def _relationships(zf: zipfile.ZipFile, rels: str, base: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last word, part name)."""
    if rels not in zf.namelist():
        return {}
    found: dict[str, tuple[str, str]] = {}
    for rel in _parse(zf, rels):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        kind = rel.get("Type", "").rpartition("/")[2]
        found[rel.get("Id", "")] = (kind, posixpath.normpath(part))
    return found


def _locate(zf: zipfile.ZipFile) -> tuple[str, str | None]:
    """(first sheet's part, shared strings' part or None), following the relationships."""
    top = _relationships(zf, "_rels/.rels", "")
    workbook = next((p for k, p in top.values() if k == "officeDocument"), "xl/workbook.xml")
    base = posixpath.dirname(workbook)
    rels = _relationships(
        zf, posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels"), base
    )
    sheets = next((e for e in _parse(zf, workbook) if _local(e.tag) == "sheets"), None)
    first = next(iter(sheets), None) if sheets is not None else None
    if first is None:
        raise _RefusedError("the workbook has no sheet")
    rid = first.get(_REL) or first.get(_REL_STRICT) or ""
    if rid not in rels or rels[rid][1] not in zf.namelist():
        raise _RefusedError("the workbook's first sheet is missing")
    shared = next((p for k, p in rels.values() if k == "sharedStrings"), None)
    return rels[rid][1], shared if shared in zf.namelist() else None


class _SharedStrings:
    """The shared-string table in one UTF-8 buffer with offsets: a few bytes per string."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("I")  # 4 bytes an offset: the part is at most MAX_PART (512 MiB)

    @classmethod
    def read(cls, zf: zipfile.ZipFile, name: str) -> _SharedStrings:
        table = cls()
        with zf.open(name) as source:
            parser = iterparse(source, events=("start", "end"))
            _, root = next(parser)
            for event, element in parser:
                if event == "end" and _local(element.tag) == "si":
                    table._add(_text(element))
                    root.clear()
        return table

    def _add(self, text: str) -> None:
        if len(self._ends) >= MAX_SHARED_STRINGS:
            raise _RefusedError(f"it holds more than {MAX_SHARED_STRINGS} shared strings")
        self._data += text.encode("utf-8")
        self._ends.append(len(self._data))

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self._ends):
            raise _RefusedError(f"a cell names shared string {index}, which does not exist")
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode("utf-8")


def _text(element: Element) -> str:
    """The text of an `si` or `is` element: its `t`, or its rich-text runs' `t`s."""
    return "".join(t.text or "" for t in element.iter() if _local(t.tag) == "t")


def _column(ref: str) -> int:
    """0-based column of a cell reference such as `B12`; -1 if it is none."""
    letters = ref.rstrip("0123456789")
    if not letters or len(letters) > 3 or not letters.isalpha() or not letters.isupper():
        return -1
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _value(cell: Element, strings: _SharedStrings) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = next((e for e in cell if _local(e.tag) == "is"), None)
        return _text(inline) if inline is not None else ""
    v = next((e for e in cell if _local(e.tag) == "v"), None)
    if v is None or v.text is None:
        return ""
    if kind == "s":
        return strings[int(v.text)]
    if kind == "n":
        return NUMBER  # a spreadsheet keeps 15 digits: a UUID stored as a number is broken
    return v.text  # str (a formula's text), b, e, d: as written


def _rows(source: IO[bytes], strings: _SharedStrings) -> Iterator[Row]:
    parser = iterparse(source, events=("start", "end"))
    _, holder = next(parser)  # the worksheet, then its sheetData: what holds the rows
    number = 0
    for event, element in parser:
        tag = _local(element.tag)
        if event == "start" and tag == "dimension":
            _check_dimension(element.get("ref", ""))
        if event == "start" and tag == "sheetData":
            holder = element
        if event != "end" or tag != "row":
            continue
        given = element.get("r")
        number = int(given) if given is not None else number + 1
        if not 0 < number <= MAX_ROWS:
            raise _RefusedError(f"it has a row numbered {number} (a sheet has {MAX_ROWS})")
        cells = [""] * READ_COLUMNS
        for position, cell in enumerate(c for c in element if _local(c.tag) == "c"):
            column = _column(cell.get("r", "")) if cell.get("r") else position
            if 0 <= column < READ_COLUMNS:
                cells[column] = _value(cell, strings)
        holder.clear()  # the rows read so far are dropped: memory stays at one row
        yield number, cells


def _check_dimension(ref: str) -> None:
    """Refuse a sheet that declares more rows or columns than a spreadsheet holds."""
    last = ref.rpartition(":")[2]
    digits = last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    column = _column(last)
    rows = int(digits) if digits.isdigit() else 0
    if rows > MAX_ROWS or column >= MAX_SHEET_COLUMNS or (last and column < 0):
        raise _RefusedError(
            f"its sheet declares the size {ascii(ref)[1:-1][:40]}, more than a sheet holds"
        )
