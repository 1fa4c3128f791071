"""Serial numbers per order: a counter with a format, or a list; one per chip, never two chips.

A format is a Python format string with the field `n` (the counter) and, optionally, `c` (a
Luhn check digit over the digits of `n` as formatted): `PLUG-{n:06}`, `SN{n:08}{c}`. No other
field, no attribute or index access: a format comes from a command line or a settings file.
A list is a CSV file, one serial per row (first column; a header row named `serial` is skipped).

`SerialStore` keeps them beside the licenses, in the ledger's own database: the station's SQLite
file, or the PostgreSQL pool the station shares (tables `serial_orders`, `serial_list`,
`serials`). One durable ledger transaction per assignment, the serial a primary key and (order,
chip) unique: a crash between two statements leaves nothing half-given, a re-written chip gets
its own serial back, and no serial is ever given to a second chip, by any station of a pool.
"""

from __future__ import annotations

import csv
import datetime as dt
import string
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from prodtool.errors import UserError
from prodtool.license.sqlstore import SqlLedger, Tx


class SerialError(UserError):
    code = "serial"


class SerialSourceKind(StrEnum):
    COUNTER = "counter"
    LIST = "list"


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for a string of digits (the one card numbers use)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


@dataclass(frozen=True)
class SerialFormat:
    """A checked format: `render(n)` is the n-th serial."""

    pattern: str

    def __post_init__(self) -> None:
        names: set[str] = set()
        try:
            fields = list(string.Formatter().parse(self.pattern))
        except ValueError as error:
            raise SerialError(f"bad serial format {self.pattern!r}: {error}") from None
        for _text, name, spec, conversion in fields:
            if name is None:
                continue
            if name not in {"n", "c"} or conversion:
                raise SerialError(
                    f"bad serial format {self.pattern!r}: only {{n}} and {{c}} are allowed",
                    hint="e.g. PLUG-{n:06} or SN{n:08}{c}",
                )
            if name == "c" and spec:
                raise SerialError(f"bad serial format {self.pattern!r}: {{c}} takes no spec")
            names.add(name)
        if "n" not in names:
            raise SerialError(
                f"the serial format {self.pattern!r} has no {{n}}", hint="e.g. PLUG-{n:06}"
            )
        try:
            self.render(0)
        except (ValueError, TypeError) as error:
            raise SerialError(f"bad serial format {self.pattern!r}: {error}") from None

    def render(self, n: int) -> str:
        number = format(n, self._spec())
        check = luhn_digit("".join(ch for ch in number if ch.isdigit()) or "0")
        return self.pattern.format(n=n, c=check)

    def _spec(self) -> str:
        for _text, name, spec, _conv in string.Formatter().parse(self.pattern):
            if name == "n":
                return spec or ""
        return ""


def read_serial_list(path: Path) -> list[str]:
    """The serials of a CSV list, in order; refuses an empty list and duplicates."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise SerialError(f"cannot read the serial list {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SerialError(f"the serial list {path} is not UTF-8 text") from None
    serials: list[str] = []
    for row in csv.reader(text.splitlines()):
        if not row or not row[0].strip():
            continue
        value = row[0].strip()
        if not serials and value.lower() == "serial":
            continue
        serials.append(value)
    if not serials:
        raise SerialError(f"the serial list {path} holds no serials")
    seen: set[str] = set()
    for value in serials:
        if value in seen:
            raise SerialError(f"the serial list {path} holds {value} twice")
        seen.add(value)
    return serials


@dataclass(frozen=True)
class Assignment:
    serial: str
    reused: bool  # the chip had it already (a re-write)


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS serial_orders (
    order_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    format TEXT NOT NULL DEFAULT '',
    next BIGINT NOT NULL DEFAULT 0
)""",
    """CREATE TABLE IF NOT EXISTS serial_list (
    order_key TEXT NOT NULL,
    position BIGINT NOT NULL,
    serial TEXT NOT NULL,
    PRIMARY KEY (order_key, position)
)""",
    """CREATE TABLE IF NOT EXISTS serials (
    serial TEXT PRIMARY KEY,
    order_key TEXT NOT NULL,
    chip TEXT NOT NULL,
    job_id TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (order_key, chip)
)""",
)


_ORDER_ROW = "SELECT kind, format, next FROM serial_orders WHERE order_key = ?"


class SerialStore:
    """The serial numbers, in the license ledger's own database (thread-safe: the ledger's
    transactions). On a PostgreSQL pool the order row is locked (`FOR UPDATE`) while a serial
    is chosen, so two stations of the pool never take the same one."""

    def __init__(self, ledger: SqlLedger) -> None:
        self._ledger = ledger
        self._lock = ledger.row_lock
        ledger.side_schema(_SCHEMA)

    def set_counter(self, order: str, fmt: SerialFormat, start: int) -> None:
        """Number `order`'s chips from `start` on (never back below a number already given)."""
        if start < 0:
            raise SerialError("--serial-start must be 0 or more")
        with self._ledger.side_write() as tx:
            row = tx.execute(_ORDER_ROW + self._lock, (order,)).fetchone()
            if row is not None and row[0] != SerialSourceKind.COUNTER:
                raise SerialError(f"order {order!r} takes its serials from a list")
            if row is not None and start < row[2] and row[1] == fmt.pattern:
                start = row[2]  # the order continues where it stopped
            tx.execute(
                "INSERT INTO serial_orders (order_key, kind, format, next) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (order_key) DO UPDATE SET format = excluded.format,"
                " next = excluded.next",
                (order, SerialSourceKind.COUNTER.value, fmt.pattern, start),
            )

    def set_list(self, order: str, serials: list[str]) -> None:
        """Take `order`'s serials from `serials` (appended after any loaded before)."""
        with self._ledger.side_write() as tx:
            tx.execute(
                "INSERT INTO serial_orders (order_key, kind) VALUES (?, ?)"
                " ON CONFLICT (order_key) DO NOTHING",
                (order, SerialSourceKind.LIST.value),
            )
            row = tx.execute(_ORDER_ROW + self._lock, (order,)).fetchone()
            if row[0] != SerialSourceKind.LIST:
                raise SerialError(f"order {order!r} numbers its serials with a counter")
            known = {
                r[0]
                for r in tx.execute(
                    "SELECT serial FROM serial_list WHERE order_key = ?", (order,)
                ).fetchall()
            }
            (last,) = tx.execute(
                "SELECT COALESCE(MAX(position), -1) FROM serial_list WHERE order_key = ?",
                (order,),
            ).fetchone()
            for serial in serials:
                if serial in known:
                    continue
                last += 1
                tx.execute(
                    "INSERT INTO serial_list (order_key, position, serial) VALUES (?, ?, ?)",
                    (order, last, serial),
                )

    def assign(self, order: str, chip: str, *, job_id: str) -> Assignment:
        """The chip's serial in `order`: the one it has, else the next free one."""
        with self._ledger.side_write() as tx:
            source = tx.execute(_ORDER_ROW + self._lock, (order,)).fetchone()
            if source is None:
                raise SerialError(f"order {order!r} has no serial numbers set up")
            row = tx.execute(
                "SELECT serial FROM serials WHERE order_key = ? AND chip = ?", (order, chip)
            ).fetchone()
            if row is not None:
                return Assignment(row[0], reused=True)
            kind, pattern, number = source
            if kind == SerialSourceKind.COUNTER:
                fmt = SerialFormat(pattern)
                serial = fmt.render(number)
                while _taken(tx, serial):  # given by another order with an overlapping format
                    number += 1
                    serial = fmt.render(number)
                tx.execute(
                    "UPDATE serial_orders SET next = ? WHERE order_key = ?", (number + 1, order)
                )
            else:
                free = tx.execute(
                    "SELECT serial FROM serial_list l WHERE order_key = ? AND NOT EXISTS"
                    " (SELECT 1 FROM serials s WHERE s.serial = l.serial)"
                    " ORDER BY position LIMIT 1",
                    (order,),
                ).fetchone()
                if free is None:
                    raise SerialError(
                        f"no serial numbers left for order {order!r}",
                        hint="load the next serial list",
                    )
                serial = free[0]
            tx.execute(
                "INSERT INTO serials (serial, order_key, chip, job_id, at) VALUES (?, ?, ?, ?, ?)",
                (serial, order, chip, job_id, dt.datetime.now(dt.UTC).isoformat()),
            )
            return Assignment(serial, reused=False)

    def has_order(self, order: str) -> bool:
        """Whether `order` has serial numbers set up (its units get one each)."""
        with self._ledger.side_write() as tx:
            return tx.execute(_ORDER_ROW, (order,)).fetchone() is not None

    def of_job(self, job_id: str) -> str:
        """The serial given in job `job_id` ("" when none): for a record written after a crash."""
        with self._ledger.side_write() as tx:
            row = tx.execute("SELECT serial FROM serials WHERE job_id = ?", (job_id,)).fetchone()
        return str(row[0]) if row is not None else ""

    def given(self, order: str | None = None) -> list[tuple[str, str]]:
        """(serial, chip) pairs given so far, in the order given."""
        query = "SELECT serial, chip FROM serials"
        args: tuple[str, ...] = ()
        if order is not None:
            query += " WHERE order_key = ?"
            args = (order,)
        with self._ledger.side_write() as tx:
            rows = tx.execute(query + " ORDER BY at, serial", args).fetchall()
        return [(r[0], r[1]) for r in rows]


def _taken(tx: Tx, serial: str) -> bool:
    return tx.execute("SELECT 1 FROM serials WHERE serial = ?", (serial,)).fetchone() is not None
