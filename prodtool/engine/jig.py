"""The next module on the same adapter: read the MAC of whatever is in the jig, without a reset.

On a pogo-pin jig the USB-serial adapter stays plugged in and only the modules change, so the
port never leaves the system's list. After a pass the station watches the port instead: now and
then it opens it, sends the ROM bootloader's SYNC *without* touching DTR/RTS (esptool's
"no-reset"), and reads the MAC if something answers. The chip that just passed was reset into
its application and is not reset again; a new module that boots into download mode (as jigs
strap it) answers with a new MAC, and the station starts a job for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import serial
from esptool import cmds
from esptool.util import FatalError

from prodtool.flash import esplog
from prodtool.flash.drivers import esptune

ROM_BAUD = 115200


def probe_mac(port: str, opener: Callable[[str], Any]) -> str | None:
    """The MAC of a chip answering the bootloader's SYNC on `port` now, else None. One try,
    no reset; the port is closed again before this returns."""
    esptune.install()
    esplog.install()  # esptool's words go to the debug log, not to the terminal
    try:
        link = opener(port)
    except Exception:  # noqa: BLE001 - an adapter that cannot be opened now: nothing to say
        return None
    try:
        esp = cmds.detect_chip(
            port=link, baud=ROM_BAUD, connect_mode="no-reset", connect_attempts=1
        )
        return ":".join(f"{b:02x}" for b in esp.read_mac())
    except (FatalError, serial.SerialException, OSError, ValueError, AttributeError):
        return None
    finally:
        with contextlib.suppress(serial.SerialException, OSError):
            link.close()
