"""The udev rule shipped in installer/ covers every adapter prodtool knows."""

from __future__ import annotations

import re
from pathlib import Path

from prodtool.adapters import KNOWN_ADAPTERS

RULE = Path(__file__).resolve().parent.parent / "installer" / "70-prodtool-serial.rules"


def test_every_known_adapter_is_kept_from_modemmanager() -> None:
    text = RULE.read_text(encoding="utf-8")
    listed = set()
    for line in text.splitlines():
        match = re.search(r'idVendor}=="(\w{4})", ATTRS{idProduct}=="(\w{4})"', line)
        if match:
            assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line and 'TAG+="uaccess"' in line
            listed.add(f"{match[1]}:{match[2]}")
    assert listed == {adapter.usb_id for adapter in KNOWN_ADAPTERS}
