"""Who is in the jig: the MAC of a module answering the ROM loader, without a reset.

The station's jig watch (`prodtool.engine.jig`) calls this through `EspFamily.probe_identity`
on a port it has just opened. It sends the ROM bootloader's SYNC *without* touching DTR/RTS
(esptool's "no-reset") and reads the MAC if something answers. The chip that just passed was
reset into its application and is not reset again; a new module that boots into download mode
(as jigs strap it) answers with its MAC.
"""

from __future__ import annotations

from typing import Any

import serial
from esptool import cmds
from esptool.util import FatalError

from prodtool.families.esp import esplog, esptune


def read_mac_no_reset(link: Any, *, baud: int) -> str | None:
    """The MAC ("aa:bb:...") of a chip answering SYNC on the open `link` now, else None.

    One try, no reset; the caller closes the port.
    """
    esptune.install()
    esplog.install()  # esptool's words go to the debug log, not to the terminal
    try:
        esp = cmds.detect_chip(port=link, baud=baud, connect_mode="no-reset", connect_attempts=1)
        return ":".join(f"{b:02x}" for b in esp.read_mac())
    except (FatalError, serial.SerialException, OSError, ValueError, AttributeError):
        return None
