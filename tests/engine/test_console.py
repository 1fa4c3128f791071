"""The headless run's terminal lines: words a technician reads, not class names."""

from __future__ import annotations

import io

from prodtool.engine.console import EventPrinter
from prodtool.flash.events import ChipIdentified, PortAdded, PortRemoved


def test_ports_coming_and_going_are_said_in_words() -> None:
    out = io.StringIO()
    printer = EventPrinter(out)
    printer(PortAdded(port="/dev/ttyUSB3", description="CP2102 USB to UART"))
    printer(PortAdded(port="socket://127.0.0.1:4000"))
    printer(PortRemoved(port="/dev/ttyUSB3"))
    assert out.getvalue().splitlines() == [
        "/dev/ttyUSB3: plugged in (CP2102 USB to UART)",
        "socket://127.0.0.1:4000: plugged in",
        "/dev/ttyUSB3: unplugged",
    ]


def test_a_chip_whose_loader_cannot_say_its_mac_is_said_twice() -> None:
    out = io.StringIO()
    printer = EventPrinter(out)
    printer(ChipIdentified(port="p", job_id="j", family="bk7231n", mac="", chip_id=""))
    mac = "c8:47:8c:00:00:01"
    printer(ChipIdentified(port="p", job_id="j", family="bk7231n", mac=mac, chip_id="c8478c"))
    assert out.getvalue().splitlines() == [
        "p: chip bk7231n (MAC from its firmware later)",
        f"p: chip bk7231n {mac}",
    ]
