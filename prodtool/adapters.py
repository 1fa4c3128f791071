"""USB-serial adapters and baud rates a station can be set to: data, so Settings can check them.

A baud rate an adapter cannot reach, or a VID:PID typed wrong, used to be saved and then made
every chip fail with "no answer". The settings dialog offers only the rates below and names the
adapters it knows; `check_usb_id` turns free text into a canonical `vid:pid` or says why not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prodtool.errors import UserError

# The rates esptool's flasher stub switches to on ESP chips (the ROM itself speaks 115200; the
# TuyaOpen shell is fixed at 115200 and ignores this list).
ESP_BAUD_RATES = (115200, 230400, 460800, 921600, 1500000, 2000000)


@dataclass(frozen=True)
class Adapter:
    """A USB-serial bridge: its USB id, a name a person recognises, and its fastest rate."""

    usb_id: str  # "vid:pid", lower-case hex
    name: str
    max_baud: int


KNOWN_ADAPTERS: tuple[Adapter, ...] = (
    Adapter("303a:1001", "Espressif USB-JTAG/serial", 2000000),
    Adapter("10c4:ea60", "Silicon Labs CP2102/CP2104", 921600),
    Adapter("10c4:ea70", "Silicon Labs CP2105", 2000000),
    Adapter("1a86:7523", "WCH CH340", 2000000),
    Adapter("1a86:55d3", "WCH CH343", 2000000),
    Adapter("1a86:55d4", "WCH CH9102", 2000000),
    Adapter("067b:2303", "Prolific PL2303", 921600),
    Adapter("0403:6001", "FTDI FT232R", 2000000),
    Adapter("0403:6010", "FTDI FT2232", 2000000),
    Adapter("0403:6014", "FTDI FT232H", 2000000),
)
DEFAULT_USB_IDS = tuple(adapter.usb_id for adapter in KNOWN_ADAPTERS)
_BY_ID = {adapter.usb_id: adapter for adapter in KNOWN_ADAPTERS}
_USB_ID = re.compile(r"^\s*(?:0x)?([0-9a-fA-F]{1,4})\s*:\s*(?:0x)?([0-9a-fA-F]{1,4})\s*$")


class BadUsbIdError(UserError):
    code = "bad_usb_id"

    def __init__(self, text: str) -> None:
        super().__init__(
            f"{text!r} is not a USB id", hint="write it as VID:PID in hex, e.g. 1a86:55d3"
        )
        self.text = text


def check_usb_id(text: str) -> str:
    """`text` as a canonical "vid:pid" (4 lower-case hex digits each), or `BadUsbIdError`."""
    match = _USB_ID.match(text)
    if match is None:
        raise BadUsbIdError(text)
    vid, pid = (int(part, 16) for part in match.groups())
    return f"{vid:04x}:{pid:04x}"


def adapter(usb_id: str) -> Adapter | None:
    """The known adapter with this id, or None."""
    return _BY_ID.get(usb_id.lower())


def slowest_adapter(usb_ids: tuple[str, ...]) -> Adapter | None:
    """Of the known adapters in `usb_ids`, the one with the lowest top rate (None: none known)."""
    known = [a for a in (adapter(u) for u in usb_ids) if a is not None]
    return min(known, key=lambda a: a.max_baud) if known else None
