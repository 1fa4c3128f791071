from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.labels.template import (
    DEFAULT_TEMPLATE,
    TemplateError,
    fill,
    load_template,
    parse_template,
)
from tests.labels.conftest import PASSED


def test_default_template_fills_from_the_record() -> None:
    label = fill(load_template(None), PASSED)
    assert (
        label.qr == "UUID:uuid7f3a9c2e1b4d5a6f;SN:PLUG-000042;MAC:24:0A:C4:12:34:56;CODE:PCB-77812"
    )
    assert "SN PLUG-000042" in label.texts


def test_a_record_without_serial_or_code_still_fills() -> None:
    old = {k: v for k, v in PASSED.items() if k not in ("serial", "code")}
    label = fill(load_template(None), old)
    assert label.qr.startswith("UUID:uuid7f3a9c2e1b4d5a6f;SN:;")
    assert "SN " not in label.texts  # a line with nothing to show is left off
    assert "" in label.texts and "MAC 24:0A:C4:12:34:56" in label.texts


@pytest.mark.parametrize("name", ["authkey", "AuthKey", "auth_key", "password", "license_key"])
def test_a_secret_can_never_be_placed_on_a_label(name: str) -> None:
    text = DEFAULT_TEMPLATE.replace("CODE:{code}", f"K:{{{name}}}")
    with pytest.raises(TemplateError, match="a secret: it can never be put on a label") as info:
        parse_template(text)
    assert "\n" not in str(info.value)


def test_a_record_holding_a_secret_does_not_leak_it() -> None:
    label = fill(load_template(None), {**PASSED, "authkey": "SECRETAUTHKEY0123456789"})
    assert "SECRETAUTHKEY" not in label.qr + "".join(label.texts)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("{code}", "{colour}"), "unknown placeholder {colour}"),
        (("{code}", "{uuid.__class__}"), "unknown placeholder"),
        (("{code}", "{code!r}"), "unknown placeholder {code}"),
        (("width_mm = 60", "width_mm = 0"), "width and a height above 0"),
        (("width_mm = 60", "width_mm = 'wide'"), "width_mm must be a number"),
        (("size_mm = 26", "size_mm = 3"), "too small to scan"),
        (("x_mm = 1.5", "x_mm = 50"), "does not fit"),
        (("[qr]", "[qrcode]"), "unknown key 'qrcode'"),
        (('value = "SN {serial}"', 'value = ""'), "text #1 value must be non-empty"),
        (("height_mm = 30", "height_mm = 30\n[[[["), "not valid TOML"),
    ],
)
def test_bad_templates_are_refused_in_one_line(change: tuple[str, str], words: str) -> None:
    old, new = change
    assert old in DEFAULT_TEMPLATE
    with pytest.raises(TemplateError) as info:
        parse_template(DEFAULT_TEMPLATE.replace(old, new, 1))
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_an_unreadable_template_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read the label template"):
        load_template(tmp_path / "missing.toml")
