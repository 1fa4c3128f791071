"""The label template: a small TOML file (size in mm, one QR code, text lines) checked on load.

Placeholders such as `{uuid}` are filled from the job's write record. Only the names in
`PLACEHOLDERS` may appear: an AuthKey (or any other secret) has no placeholder, so no template can
put one on a label; a template that names one is refused in one line. Bad templates never print.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodtool.errors import UserError

# Record fields a label may show. Identifiers only: none of these is ever a secret.
PLACEHOLDERS = (
    "uuid",
    "mac",
    "serial",
    "code",
    "job_id",
    "order_number",
    "station_id",
    "port",
    "chip_family",
    "chip_id",
    "firmware_version",
    "finished_at",
)
# Names a template might reach for that are secrets: refused with their own words.
SECRET_NAMES = frozenset({"authkey", "auth_key", "key", "password", "secret", "psk", "token"})

MAX_SIZE_MM = 300.0

DEFAULT_TEMPLATE = """\
# prodtool label: 60 x 30 mm, QR on the left, text on the right.
width_mm = 60
height_mm = 30

[qr]
content = "UUID:{uuid};SN:{serial};MAC:{mac};CODE:{code}"
x_mm = 1.5
y_mm = 2
size_mm = 26

[[text]]
value = "SN {serial}"
x_mm = 29
y_mm = 5
height_mm = 2.4

[[text]]
value = "MAC {mac}"
x_mm = 29
y_mm = 12
height_mm = 1.8

[[text]]
value = "{order_number}"
x_mm = 29
y_mm = 17
height_mm = 1.8

[[text]]
value = "{code}"
x_mm = 29
y_mm = 23
height_mm = 1.8
"""


class TemplateError(UserError):
    code = "label_template"


@dataclass(frozen=True)
class QrField:
    """The QR code: its content (with placeholders), its top-left corner and its side, in mm."""

    content: str
    x_mm: float
    y_mm: float
    size_mm: float


@dataclass(frozen=True)
class TextField:
    """One line of text: its value (with placeholders), top-left corner and letter height, mm."""

    value: str
    x_mm: float
    y_mm: float
    height_mm: float


@dataclass(frozen=True)
class LabelTemplate:
    width_mm: float
    height_mm: float
    qr: QrField
    texts: tuple[TextField, ...]
    source: str = "the built-in template"


@dataclass(frozen=True)
class LabelContent:
    """A template filled for one unit: what the renderers draw."""

    template: LabelTemplate
    qr: str
    texts: tuple[str, ...]


def placeholders_in(text: str, where: str, source: str) -> list[str]:
    """The placeholder names in `text`; raise `TemplateError` on an unknown or secret one."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise TemplateError(f"{source}: {where} is not a valid pattern ({error})") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name.lower() in SECRET_NAMES or "key" in name.lower():
            raise TemplateError(
                f"{source}: {where} asks for {{{name}}}, a secret: it can never be put on a label"
            )
        if name not in PLACEHOLDERS or spec or conversion:
            raise TemplateError(
                f"{source}: {where} has an unknown placeholder {{{name}}}"
                f" (known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
            )
        names.append(name)
    return names


def _number(table: Mapping[str, Any], key: str, where: str, source: str, limit: float) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TemplateError(f"{source}: {where}{key} must be a number (mm)")
    if not 0 <= value <= limit:
        raise TemplateError(f"{source}: {where}{key} = {value} is outside 0..{limit:g} mm")
    return float(value)


def _text(table: Mapping[str, Any], key: str, where: str, source: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise TemplateError(f"{source}: {where}{key} must be non-empty text")
    placeholders_in(value, f"{where}{key}", source)
    return value


def parse_template(text: str, source: str = "the label template") -> LabelTemplate:
    """A checked template from TOML text; one-line `TemplateError` for anything wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"{source} is not valid TOML ({error})") from None
    known = {"width_mm", "height_mm", "qr", "text"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise TemplateError(
            f"{source}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    width = _number(data, "width_mm", "", source, MAX_SIZE_MM)
    height = _number(data, "height_mm", "", source, MAX_SIZE_MM)
    if width == 0 or height == 0:
        raise TemplateError(f"{source}: the label needs a width and a height above 0 mm")
    qr_table = data.get("qr")
    if not isinstance(qr_table, dict):
        raise TemplateError(f"{source}: a [qr] table is needed (content, x_mm, y_mm, size_mm)")
    qr = QrField(
        content=_text(qr_table, "content", "qr.", source),
        x_mm=_number(qr_table, "x_mm", "qr.", source, width),
        y_mm=_number(qr_table, "y_mm", "qr.", source, height),
        size_mm=_number(qr_table, "size_mm", "qr.", source, min(width, height)),
    )
    if qr.size_mm < 5:
        raise TemplateError(
            f"{source}: qr.size_mm = {qr.size_mm:g} is too small to scan (5 mm or more)"
        )
    if qr.x_mm + qr.size_mm > width or qr.y_mm + qr.size_mm > height:
        raise TemplateError(
            f"{source}: the QR code does not fit on the {width:g} x {height:g} mm label"
        )
    text_tables = data.get("text", [])
    if not isinstance(text_tables, list) or not all(isinstance(t, dict) for t in text_tables):
        raise TemplateError(f"{source}: text must be [[text]] tables")
    texts = []
    for number, table in enumerate(text_tables, start=1):
        where = f"text #{number} "
        texts.append(
            TextField(
                value=_text(table, "value", where, source),
                x_mm=_number(table, "x_mm", where, source, width),
                y_mm=_number(table, "y_mm", where, source, height),
                height_mm=_number(table, "height_mm", where, source, height),
            )
        )
    return LabelTemplate(width, height, qr, tuple(texts), source)


def load_template(path: str | Path | None) -> LabelTemplate:
    """The template at `path`, or the built-in one for an empty path."""
    if not path:
        return parse_template(DEFAULT_TEMPLATE)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"cannot read the label template {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise TemplateError(f"the label template {path} is not UTF-8 text") from None
    return parse_template(text, f"the label template {path}")


def label_values(record: Mapping[str, Any]) -> dict[str, str]:
    """The placeholder values from a write record. `.get()`: `serial` and `code` arrive with
    the serial-number and scan work; before it they are simply empty."""
    return {name: str(record.get(name) or "") for name in PLACEHOLDERS}


def fill(template: LabelTemplate, record: Mapping[str, Any]) -> LabelContent:
    """The template filled from `record`: only whitelisted fields are ever read."""
    values = label_values(record)
    return LabelContent(
        template=template,
        qr=template.qr.content.format_map(values),
        texts=tuple(_line(t.value, values, template.source) for t in template.texts),
    )


def _line(pattern: str, values: Mapping[str, str], source: str) -> str:
    """A text line; one whose every placeholder is empty is left off ("SN " with no serial)."""
    names = placeholders_in(pattern, "text", source)
    if names and not any(values[name] for name in names):
        return ""
    return pattern.format_map(values)
