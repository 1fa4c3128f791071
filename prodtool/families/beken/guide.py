"""What the operator reads on a Beken tile: the wiring guide and a hint per failure reason."""

from __future__ import annotations

from prodtool.flash.events import Reason

GUIDE = (
    "Beken modules listen for the flasher only briefly after a reset. Wire the adapter's TX to "
    "the module's RX1 (P10), RX to TX1 (P11), GND to GND, and RTS to CEN (RTS asserted holds "
    "CEN low: the reset). Power from a 3.3 V supply that can give 300 mA, not the adapter's "
    "3.3 V pin. Without RTS on CEN prodtool asks a running firmware to reboot into download "
    "mode; a blank or crashed module then needs CEN bridged to GND for a moment, then released."
)

CONNECT_STEP = "linking (reset module / CEN)"  # the tile's words while the driver links

HINTS: dict[Reason, str] = {
    Reason.NO_ANSWER: "wire RTS to CEN (or bridge CEN to GND briefly), check TX/RX and 3.3 V",
    Reason.LINK_ERRORS: (
        "lower the baud rate (some adapters fail above 1,000,000) or check the 3.3 V supply"
    ),
    Reason.FLASH_WRITE_FAILED: (
        "the flash stayed write-protected or its ID is not in prodtool's table: set the module "
        "aside and report the flash ID from the log"
    ),
    Reason.WRONG_CHIP: "check the package's chip: T2/CB2S/CB3S = BK7231N, WB2S/WB3S = BK7231T",
    Reason.FIRMWARE_VERIFY_FAILED: "retry once; a second CRC mismatch means a weak flash or supply",
}
