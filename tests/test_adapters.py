"""USB ids are checked and named; the defaults cover the common bridges."""

from __future__ import annotations

import pytest

from prodtool.adapters import (
    DEFAULT_USB_IDS,
    BadUsbIdError,
    adapter,
    check_usb_id,
    slowest_adapter,
)
from prodtool.settings import Settings


@pytest.mark.parametrize(
    ("text", "usb_id"),
    [("1a86:55d3", "1a86:55d3"), (" 0x10C4 : 0xEA60 ", "10c4:ea60"), ("403:6010", "0403:6010")],
)
def test_usb_ids_are_made_canonical(text: str, usb_id: str) -> None:
    assert check_usb_id(text) == usb_id


@pytest.mark.parametrize("text", ["hello", "1a86", "1a86:55d3:1", "12345:1", "zz:10", ""])
def test_nonsense_is_not_a_usb_id(text: str) -> None:
    with pytest.raises(BadUsbIdError):
        check_usb_id(text)


def test_defaults_cover_common_bridges() -> None:
    assert Settings().usb_ids == DEFAULT_USB_IDS
    for usb_id, word in [
        ("1a86:55d3", "CH343"),
        ("10c4:ea70", "CP2105"),
        ("067b:2303", "PL2303"),
        ("0403:6010", "FT2232"),
    ]:
        found = adapter(usb_id)
        assert usb_id in DEFAULT_USB_IDS and found is not None and word in found.name


def test_slowest_adapter_limits_the_rate() -> None:
    slowest = slowest_adapter(("1a86:55d3", "10c4:ea60", "ffff:0001"))
    assert slowest is not None and slowest.max_baud == 921600
    assert slowest_adapter(("ffff:0001",)) is None


def test_the_default_filter_covers_every_family_s_adapters() -> None:
    from prodtool.families import registry

    missing = set(registry.usb_ids()) - set(DEFAULT_USB_IDS)
    assert registry.usb_ids() and not missing, f"add these to prodtool.adapters: {missing}"
