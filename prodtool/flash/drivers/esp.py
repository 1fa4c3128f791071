"""ESP chips through the esptool library: identify, write (compressed, via the stub), MD5-verify.

esptool's words become `Reason`s in `map_error`, by the phase the job was in and the message:
esptool raises `FatalError` for protocol trouble and lets `serial.SerialException` (or OSError)
through when the port vanishes, so both are caught. Its output reaches the port's sink through
`prodtool.flash.esplog` (esptool's logger is one object per process).

Tuning: esptool reads its timeouts and retries from a config file named by `ESPTOOL_CFGFILE`
when it is first imported (see esptool/config.py); per job, the driver sets the connect attempts,
the baud rate and turns off esptool's own reconnect loop (the station retries whole jobs).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from enum import StrEnum
from typing import Any

import serial
from esptool import cmds
from esptool.util import FatalError, flash_size_bytes

from prodtool.flash import esplog
from prodtool.flash.drivers import esptune
from prodtool.flash.drivers.base import (
    CancelToken,
    ChipInfo,
    DriverError,
    ProgressFn,
    Region,
)
from prodtool.flash.events import Reason

ROM_BAUD = 115200


class Phase(StrEnum):
    CONNECT = "connect"
    WRITE = "write"
    VERIFY = "verify"
    READ = "read"


_RULES: list[tuple[re.Pattern[str], Reason]] = [
    (
        re.compile(r"This chip is .*, not |Unexpected chip (ID|magic)|autodetect", re.I),
        Reason.WRONG_CHIP,
    ),
    (
        re.compile(r"will not fit|exceeds .*flash|larger than the available", re.I),
        Reason.FIRMWARE_TOO_LARGE,
    ),
    (
        re.compile(r"MD5 of file does not match|written flash region is empty", re.I),
        Reason.FIRMWARE_VERIFY_FAILED,
    ),
    (
        re.compile(
            r"No more data to read|Lost connection|device reports readiness|"
            r"disconnected|Input/output error|Bad file descriptor|Errno (5|9|19|32|104)",
            re.I,
        ),
        Reason.CABLE_PULLED,
    ),
    (
        re.compile(
            r"checksum|0107|C100|Invalid head of packet|Corrupt|Packet content transfer "
            r"stopped|unexpected byte|Invalid SLIP",
            re.I,
        ),
        Reason.LINK_ERRORS,
    ),
    (
        re.compile(
            r"Failed to write to target flash|Failed to (compress|write)|flash begin|"
            r"Failed to enter Flash download mode",
            re.I,
        ),
        Reason.FLASH_WRITE_FAILED,
    ),
    (
        re.compile(
            r"No serial data received|Failed to connect|Could not open|Timed out waiting", re.I
        ),
        Reason.NO_ANSWER,
    ),
]
_DEFAULTS = {
    Phase.CONNECT: Reason.NO_ANSWER,
    Phase.WRITE: Reason.FLASH_WRITE_FAILED,
    Phase.VERIFY: Reason.FIRMWARE_VERIFY_FAILED,
    Phase.READ: Reason.LINK_ERRORS,
}


def map_error(error: BaseException, phase: Phase) -> DriverError:
    """An esptool or serial exception as a Reason with esptool's first line as detail."""
    text = str(error).strip()
    detail = text.splitlines()[0] if text else type(error).__name__
    for pattern, reason in _RULES:
        if pattern.search(text):
            if reason is Reason.NO_ANSWER and phase is not Phase.CONNECT:
                return DriverError(Reason.LINK_ERRORS, detail)
            return DriverError(reason, detail)
    if isinstance(error, serial.SerialException | OSError) and phase is not Phase.CONNECT:
        return DriverError(Reason.CABLE_PULLED, detail)
    return DriverError(_DEFAULTS[phase], detail)


def family_of(chip_name: str) -> str:
    """esptool's CHIP_NAME ("ESP32-C3") as the short family name packages use ("esp32c3")."""
    return chip_name.lower().replace("-", "").replace("(", "").replace(")", "").split(" ")[0]


class _ProgressSink:
    """Turns esptool's per-image progress into whole-job bytes for one region."""

    def __init__(
        self,
        outer: esplog.EsptoolSink | None,
        progress: ProgressFn,
        base: int,
        size: int,
        total: int,
    ) -> None:
        self._outer, self._progress = outer, progress
        self._base, self._size, self._total = base, size, total

    def esptool_message(self, level: str, text: str) -> None:
        if self._outer is not None:
            self._outer.esptool_message(level, text)

    def esptool_progress(self, done: int, total: int) -> None:
        part = self._size * done // total if total else self._size
        self._progress(self._base + part, self._total)


class EspDriver:
    """One bootloader connection to one ESP chip. Not thread-safe: one job owns it."""

    def __init__(
        self,
        port: str | Any,
        *,
        baud: int = 921600,
        connect_attempts: int = 3,
        cancel: CancelToken | None = None,
    ) -> None:
        self._port = port
        self._baud = baud
        self._attempts = connect_attempts
        self._cancel = cancel or CancelToken()
        self._esp: Any = None
        self._owns_port = isinstance(port, str)
        self.info: ChipInfo | None = None
        esptune.install()

    @property
    def baud(self) -> int:
        """The baud rate in use (the ROM's on transports that cannot change it)."""
        return self._baud

    # -- connection --------------------------------------------------------------------------
    def identify(self, expect_family: str | None = None) -> ChipInfo:
        """Reset into the bootloader, sync, detect the chip, load the stub, read MAC and flash.

        With `expect_family`, a chip of another family fails (WRONG_CHIP) before anything else
        is asked of it.
        """
        self._cancel.check()
        try:
            esp = cmds.detect_chip(port=self._port, baud=ROM_BAUD, connect_attempts=self._attempts)
            self._esp = esp
            esp.WRITE_FLASH_ATTEMPTS = 1  # no esptool reconnect loop: the station retries
            family = family_of(esp.CHIP_NAME)
            if expect_family is not None and family != expect_family:
                raise DriverError(
                    Reason.WRONG_CHIP, f"this chip is {esp.CHIP_NAME}, not {expect_family}"
                )
            mac = ":".join(f"{b:02x}" for b in esp.read_mac())
            description = str(esp.get_chip_description())
            self._cancel.check()
            esp = cmds.run_stub(esp)
            self._esp = esp
            if self._baud != ROM_BAUD:
                esp.change_baud(self._baud)
            size_text = cmds.detect_flash_size(esp)
        except (FatalError, serial.SerialException, OSError) as error:
            self._cancel.check()
            raise map_error(error, Phase.CONNECT) from None
        self.info = ChipInfo(
            family=family,
            mac=mac,
            chip_id=mac.replace(":", ""),
            flash_size=flash_size_bytes(size_text) if size_text else None,
            description=description,
        )
        return self.info

    def _need(self) -> Any:
        if self._esp is None:
            raise DriverError(Reason.INTERNAL, "identify() must run first")
        return self._esp

    # -- flash -------------------------------------------------------------------------------
    def check_fits(self, regions: Sequence[Region]) -> None:
        size = self.info.flash_size if self.info else None
        if size is None:
            return
        for region in regions:
            if region.offset + len(region.data) > size:
                raise DriverError(
                    Reason.FIRMWARE_TOO_LARGE,
                    f"{region.name or 'image'} ends at {region.offset + len(region.data):#x}, "
                    f"the flash holds {size:#x}",
                )

    def write_regions(self, regions: Sequence[Region], progress: ProgressFn) -> None:
        esp = self._need()
        self.check_fits(regions)
        total = sum(len(r.data) for r in regions)
        base = 0
        router = esplog.install()
        outer = router.sink()
        for region in regions:
            self._cancel.check()
            sink = _ProgressSink(outer, progress, base, len(region.data), total)
            try:
                with esplog.route(sink), self._secret(region):
                    cmds.write_flash(esp, [(region.offset, region.data)], compress=True)
            except (FatalError, serial.SerialException, OSError) as error:
                self._cancel.check()
                raise map_error(error, Phase.WRITE) from None
            base += len(region.data)
            progress(base, total)

    def verify_regions(self, regions: Sequence[Region]) -> None:
        """Compare the flash's MD5 with each region's (a second check after esptool's own)."""
        esp = self._need()
        for region in regions:
            self._cancel.check()
            try:
                flash_md5 = esp.flash_md5sum(region.offset, len(region.data))
            except (FatalError, serial.SerialException, OSError) as error:
                self._cancel.check()
                raise map_error(error, Phase.VERIFY) from None
            if flash_md5 != hashlib.md5(region.data).hexdigest():  # noqa: S324 - the chip's hash
                raise DriverError(
                    Reason.FIRMWARE_VERIFY_FAILED,
                    f"MD5 of {region.name or 'region'} at {region.offset:#x} differs",
                )

    def read(self, offset: int, length: int) -> bytes:
        esp = self._need()
        try:
            return bytes(esp.read_flash(offset, length))
        except (FatalError, serial.SerialException, OSError) as error:
            self._cancel.check()
            raise map_error(error, Phase.READ) from None

    def reset_to_app(self) -> None:
        """Hard reset over RTS; a no-op on transports without modem lines."""
        esp = self._need()
        try:
            if self._baud != ROM_BAUD:
                # Back to the console's rate first: on a transport without modem lines the
                # reset below does nothing, and the app must still understand us.
                esp.change_baud(ROM_BAUD)
            esp.hard_reset()
        except (FatalError, serial.SerialException, OSError, ValueError) as error:
            self._cancel.check()
            raise map_error(error, Phase.WRITE) from None

    def close(self) -> None:
        """Close the port if this driver opened it; a caller's serial object stays open."""
        if self._esp is not None and self._owns_port:
            with suppress(serial.SerialException, OSError):
                self._esp._port.close()
        self._esp = None

    def _secret(self, region: Region) -> AbstractContextManager[None]:
        transcript = getattr(self._port, "transcript", None)
        if region.secret and transcript is not None:
            opaque: AbstractContextManager[None] = transcript.opaque()
            return opaque
        return nullcontext()
