"""Port names a person types ("Add port...") and the serial ports the hot-plug filter hides.

A COM name, a device path, or a pyserial URL (`socket://host:port`, `rfc2217://host:port`) is
accepted; anything else gets one clear line instead of a port that never answers. The ports
the filter hides are counted so an empty window can say why it is empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from serial.tools import list_ports

from prodtool.engine.station import port_matches
from prodtool.errors import UserError
from prodtool.settings import Settings

_COM = re.compile(r"^COM[0-9]{1,3}$", re.IGNORECASE)
_URL = re.compile(r"^(socket|rfc2217)://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})(/.*)?$")


class BadPortNameError(UserError):
    code = "bad_port_name"

    def __init__(self, text: str) -> None:
        super().__init__(
            f"{text!r} is not a serial port",
            hint="give COM3, /dev/ttyUSB0, socket://host:port or rfc2217://host:port",
        )
        self.text = text


def check_port_name(text: str) -> str:
    """`text` stripped, if it names a port; `BadPortNameError` otherwise."""
    name = text.strip()
    if _COM.match(name):
        return name.upper()
    if name.startswith("/dev/") and len(name) > len("/dev/") and " " not in name:
        return name
    match = _URL.match(name)
    if match and 0 < int(match.group(3)) < 65536:
        return name
    raise BadPortNameError(text)


@dataclass(frozen=True)
class HiddenPort:
    """A serial port the filter keeps out of the window."""

    device: str
    usb_id: str  # "vid:pid"


def ignored_ports(
    settings: Settings, comports: Callable[[], Iterable[Any]] | None = None
) -> list[HiddenPort]:
    """The USB serial ports present now that the settings' filter ignores (built-in UARTs such
    as /dev/ttyS0 are nobody's plugged-in adapter and are not counted)."""
    return [
        HiddenPort(port.device, f"{port.vid:04x}:{port.pid:04x}")
        for port in (comports or list_ports.comports)()
        if port.vid is not None
        and port.pid is not None
        and not port_matches(port.device, port.vid, port.pid, settings)
    ]
