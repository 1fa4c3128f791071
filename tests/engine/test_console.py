"""The headless run's terminal lines: words a technician reads, not class names."""

from __future__ import annotations

import io

from prodtool.engine.console import EventPrinter
from prodtool.flash.events import PortAdded, PortRemoved


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
