"""The next module on the same adapter: ask the plan's family who is on the port, without a reset.

On a pogo-pin jig the USB-serial adapter stays plugged in and only the modules change, so the
port never leaves the system's list. After a pass the station watches the port instead: now and
then it opens it and asks the chip family (`ChipFamily.probe_identity`) who answers there, with
no reset, so the chip that just passed is not disturbed. A new identity (a MAC) means a new
module, and the station starts a job for it. A family that cannot probe leaves the port waiting
for a Start. The engine knows no chip protocol: the family does the talking.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from prodtool.families.family import ChipFamily


def can_probe(family: ChipFamily) -> bool:
    """Whether `family` overrides `probe_identity` (else there is nothing to watch for)."""
    return type(family).probe_identity is not ChipFamily.probe_identity


def probe(port: str, opener: Callable[[str], Any], family: ChipFamily) -> str | None:
    """The identity of a chip of `family` answering on `port` now, else None. One try, no
    reset; the port is closed again before this returns."""
    if not can_probe(family):
        return None
    try:
        link = opener(port)
    except Exception:  # noqa: BLE001 - an adapter that cannot be opened now: nothing to say
        return None
    try:
        return family.probe_identity(link)
    finally:
        with contextlib.suppress(OSError):  # serial.SerialException is an OSError
            link.close()
