"""Typed port names are checked; the ports the filter hides are counted."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from prodtool.engine.port_names import BadPortNameError, check_port_name, ignored_ports
from prodtool.settings import Settings


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("com3", "COM3"),
        (" /dev/ttyUSB0 ", "/dev/ttyUSB0"),
        ("socket://10.0.0.5:4000", "socket://10.0.0.5:4000"),
        ("rfc2217://bench-3.local:7000", "rfc2217://bench-3.local:7000"),
    ],
)
def test_port_names_accepted(text: str, name: str) -> None:
    assert check_port_name(text) == name


@pytest.mark.parametrize(
    "text", ["hello", "COM", "socket://host", "socket://host:99999", "http://x:80", "/dev/"]
)
def test_port_names_refused(text: str) -> None:
    with pytest.raises(BadPortNameError):
        check_port_name(text)


@dataclass
class FakePort:
    device: str
    vid: int | None
    pid: int | None


def test_ignored_ports_counts_filtered_usb_adapters_only() -> None:
    ports = [
        FakePort("/dev/ttyS0", None, None),
        FakePort("/dev/ttyUSB0", 0x1A86, 0x7523),
        FakePort("/dev/ttyACM0", 0x1234, 0x5678),
    ]
    hidden = ignored_ports(Settings(), lambda: ports)
    assert [(p.device, p.usb_id) for p in hidden] == [("/dev/ttyACM0", "1234:5678")]
    assert ignored_ports(Settings(usb_ids=()), lambda: ports) == []
