"""ESP chips through the esptool library: identify, write (compressed, via the stub), MD5-verify.

The write is our own loop over esptool's loader commands rather than `cmds.write_flash`, which on
every call re-reads the flash size and eFuses, compresses the image at level 9 and runs its own
MD5 pass: here the eFuse facts are read once in `identify`, each distinct image is compressed
once per process (`DeflateCache`), and the flash MD5 is asked once before the write
(`flash_matches`: a chip that holds the image already is not written again) and once after it
(`verify_regions`).

esptool's words become `Reason`s in `map_error`, by the phase the job was in and the message:
esptool raises `FatalError` for protocol trouble and lets `serial.SerialException` (or OSError)
through when the port vanishes, so both are caught. Its output reaches the port's sink through
`prodtool.families.esp.esplog` (esptool's logger is one object per process).

Tuning: esptool reads its timeouts and retries from a config file named by `ESPTOOL_CFGFILE`
when it is first imported (see esptool/config.py); per job, the driver sets the connect attempts
and the baud rate. The write has no reconnect loop of its own (the station retries whole jobs).
"""

from __future__ import annotations

import hashlib
import re
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import serial
from esptool import cmds
from esptool.loader import DEFAULT_TIMEOUT, StubMixin
from esptool.util import FatalError, NotImplementedInROMError, flash_size_bytes, pad_to

from prodtool.families.driver import (
    CancelToken,
    ChipDriver,
    ChipInfo,
    DriverError,
    ProgressFn,
    Region,
)
from prodtool.families.esp import esptune
from prodtool.families.esp.efusecache import cache_efuse_reads
from prodtool.flash.events import Reason

ROM_BAUD = 115200

# Chips whose esptool 5.6 ROM class changes baud with plain `ESPLoader.change_baud` (checked in
# esptool/targets/), as esptool's own --no-stub path does: their ROM switches before the ~12 KB
# stub upload, and the stub keeps the UART's rate, so the stub travels at the fast rate.
# ESP32 (ROM clock drift), ESP32-C2 (26 MHz crystal), ESP32-C5 (crystal correction), ESP8266
# (no ROM baud change) and every chip not listed (S2, P4 and newer: untried) keep esptool's
# order: stub first, then the stub changes the rate.
ROM_BAUD_FIRST = frozenset(
    {"ESP32-C3", "ESP32-C6", "ESP32-C61", "ESP32-H2", "ESP32-H21", "ESP32-S3"}
)
DEFLATE_LEVEL = 9  # esptool's; paid once per image per process, so the smallest wire wins


class Phase(StrEnum):
    CONNECT = "connect"
    WRITE = "write"
    VERIFY = "verify"
    READ = "read"


_RULES: list[tuple[re.Pattern[str], Reason]] = [
    (
        re.compile(
            r"This chip is .*, not |Unexpected chip (ID|magic)|autodetect|"
            r"(is not|does not contain) an? \S+ image|requires chip revision",
            re.I,
        ),
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
            r"stopped|unexpected byte|Invalid SLIP|0105|format of the received data",
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
_READER_DIED = re.compile(r"No more data to read", re.I)
_UNEXPECTED_ID = re.compile(r"Unexpected chip (ID|magic)", re.I)
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


@dataclass(frozen=True)
class Deflated:
    """An image compressed for FLASH_DEFL_DATA, with each block's inflated size.

    The sizes give the stub's per-block timeouts and the progress in image bytes without
    inflating the image again on every port.
    """

    data: bytes
    block_size: int
    inflated: tuple[int, ...]


def deflate(image: bytes, block_size: int) -> Deflated | None:
    """`image` compressed and cut into blocks, or None when compression does not shrink it."""
    packed = zlib.compress(image, DEFLATE_LEVEL)
    if len(packed) >= len(image):
        return None
    inflater = zlib.decompressobj()
    sizes = tuple(
        len(inflater.decompress(packed[at : at + block_size]))
        for at in range(0, len(packed), block_size)
    )
    return Deflated(packed, block_size, sizes)


class _Slot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Deflated | None = None


class DeflateCache:
    """Each distinct image is compressed once per process, however many ports write it.

    Level 9 costs ~35 ms of CPU per MiB; 32 ports writing one package would pay it 32 times.
    Keyed by the image's SHA-256 and the block size, least recently used out after `entries`
    images. A port asking for an image another port is compressing waits for that result.
    """

    def __init__(self, entries: int = 4) -> None:
        self._entries = entries
        self._lock = threading.Lock()
        self._slots: OrderedDict[tuple[bytes, int], _Slot] = OrderedDict()
        self.compressions = 0
        self.hits = 0

    def get(self, image: bytes, block_size: int) -> Deflated | None:
        key = (hashlib.sha256(image).digest(), block_size)
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
                while len(self._slots) > self._entries:
                    self._slots.popitem(last=False)
            else:
                self._slots.move_to_end(key)
        with slot.lock:
            hit = slot.done
            if not hit:
                slot.value = deflate(image, block_size)
                slot.done = True
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.compressions += 1
        return slot.value


DEFLATE_CACHE = DeflateCache()


def prepare_images(regions: Sequence[Region]) -> None:
    """Compress the package's images into this process's cache before the first chip asks,
    at the block size the flasher stub writes (esptool's `StubMixin.FLASH_WRITE_SIZE`)."""
    for region in regions:
        if not region.secret and region.data:
            DEFLATE_CACHE.get(pad_to(region.data, 4), StubMixin.FLASH_WRITE_SIZE)


@dataclass(frozen=True)
class Security:
    """The eFuse facts esptool's write_flash reads before every write; read once in identify."""

    plaintext_refused: bool = False  # flash encryption on, encrypted download disabled
    secure_boot_v1: bool = False  # ESP32: the bootloader area below 0x8000 is protected
    key_manager: bool = False  # encryption keys recovered from 0x0-0x2000: keep it


def read_security(esp: Any) -> Security:
    """One or two register reads on a plain chip (the others only when encryption is on)."""
    if esp.CHIP_NAME == "ESP8266":
        return Security()  # esptool checks nothing there either
    encrypted = bool(esp.get_flash_encryption_enabled())
    return Security(
        plaintext_refused=encrypted and bool(esp.get_encrypted_download_disabled()),
        secure_boot_v1=bool(esp.get_secure_boot_v1_enabled()),
        key_manager=encrypted and bool(esp.uses_key_manager_for_flash_encryption()),
    )


def back_to_rom_baud(esp: Any) -> None:
    """CHANGE_BAUDRATE to the ROM's rate, then the port: esptool's `change_baud` without its
    50 ms settle and flush, which clean the SLIP reader for the commands that follow. None
    follows here: the chip is reset into its app next, and the shell client reads past junk."""
    second = esp._port.baudrate if esp.IS_STUB else 0
    esp.command(esp.ESP_CMDS["CHANGE_BAUDRATE"], struct.pack("<II", ROM_BAUD, second))
    esp._set_port_baudrate(ROM_BAUD)


def _lineless(port: Any) -> bool:
    """A transport that carries no DTR/RTS (socket://, as esptool's own connect decides): its
    hard reset would only sleep 100 ms and toggle nothing."""
    return str(getattr(port, "name", "") or getattr(port, "port", "")).startswith("socket:")


class EspDriver(ChipDriver):
    """One bootloader connection to one ESP chip. Not thread-safe: one job owns it."""

    def __init__(
        self,
        port: str | Any,
        *,
        baud: int = 921600,
        connect_attempts: int = 3,
        cancel: CancelToken | None = None,
        stub_baud: int = 0,
    ) -> None:
        super().__init__(baud=baud, cancel=cancel)
        self._port = port
        self._stub_baud = stub_baud  # where an earlier attempt's stub may still listen
        self._attempts = connect_attempts
        self._esp: Any = None
        self._security = Security()
        self._efuse: dict[int, int] = {}  # eFuse words this connection has read (efusecache)
        self._owns_port = isinstance(port, str)
        esptune.install()

    # -- connection --------------------------------------------------------------------------
    def identify(self, expect_family: str | None = None) -> ChipInfo:
        """Reset into the bootloader, sync, detect the chip, load the stub, read MAC and flash.

        With `expect_family`, a chip of another family fails (WRONG_CHIP) before anything else
        is asked of it. On `ROM_BAUD_FIRST` chips the ROM switches to the fast rate before the
        stub upload (the stub keeps the UART's rate); elsewhere the stub switches after it.
        """
        self._cancel.check()
        switched = False  # after a baud change, silence means the link, not the chip
        try:
            esp, resumed = self._detect()
            cache_efuse_reads(esp, self._efuse)
            self._esp = esp
            family = family_of(esp.CHIP_NAME)
            if expect_family is not None and family != expect_family:
                raise DriverError(
                    Reason.WRONG_CHIP, f"this chip is {esp.CHIP_NAME}, not {expect_family}"
                )
            fast = self._baud != ROM_BAUD and not resumed
            switched = resumed
            if fast and esp.CHIP_NAME in ROM_BAUD_FIRST:
                esp.change_baud(self._baud)
                fast, switched = False, True
            mac = ":".join(f"{b:02x}" for b in esp.read_mac())
            description = str(esp.get_chip_description())
            self._cancel.check()
            esp = cmds.run_stub(esp)
            cache_efuse_reads(esp, self._efuse)
            self._esp = esp
            if fast:
                esp.change_baud(self._baud)
                switched = True
            size_text = cmds.detect_flash_size(esp)
            flash_size = flash_size_bytes(size_text) if size_text else None
            if flash_size:
                esp.flash_set_parameters(flash_size)  # what write_flash did before every write
            self._security = read_security(esp)
        except (FatalError, serial.SerialException, OSError) as error:
            self._cancel.check()
            mapped = self._map(error, Phase.CONNECT)
            if switched and mapped.reason is Reason.NO_ANSWER:
                # The chip answered at 115200 and went quiet at the new rate: the adapter or
                # the chip cannot keep up. LINK_ERRORS makes the station retry one rate lower.
                raise DriverError(
                    Reason.LINK_ERRORS, f"no answer at {self._baud} baud ({mapped.detail})"
                ) from None
            raise mapped from None
        self.info = ChipInfo(
            family=family,
            mac=mac,
            chip_id=mac.replace(":", ""),
            flash_size=flash_size,
            description=description,
        )
        return self.info

    def _map(self, error: BaseException, phase: Phase) -> DriverError:
        """`map_error`, then a look at the port when esptool says "No more data to read": its
        SLIP reader died on an earlier error it swallowed, which may be line noise as well as
        an unplug. A port that still reads is noise (LINK_ERRORS); one that fails is gone."""
        mapped = map_error(error, phase)
        if mapped.reason is not Reason.CABLE_PULLED or not _READER_DIED.search(str(error)):
            return mapped
        port = self._esp._port if self._esp is not None else self._port
        if isinstance(port, str):
            return mapped
        try:
            if not port.is_open:
                port.open()  # esptool closes it after a failed connect
            port.read(1)
        except (serial.SerialException, OSError, ValueError, AttributeError, TypeError):
            return mapped
        return DriverError(Reason.LINK_ERRORS, f"the link stopped making sense: {mapped.detail}")

    def _detect(self) -> tuple[Any, bool]:
        """Sync with the ROM; failing that, with a flasher stub an interrupted run left running
        at the fast rate (a port without reset lines cannot send it back to the ROM). Returns
        the loader and whether it is such a stub; the ROM's failure when neither answers."""
        try:
            esp = cmds.detect_chip(port=self._port, baud=ROM_BAUD, connect_attempts=self._attempts)
            return esp, False
        except (FatalError, serial.SerialException, OSError) as error:
            self._cancel.check()
            if _UNEXPECTED_ID.search(str(error)):
                return self._detect_again(error), False
            if self._baud == ROM_BAUD or map_error(error, Phase.CONNECT).reason is not (
                Reason.NO_ANSWER
            ):
                raise
            first = error
        for baud in dict.fromkeys(b for b in (self._baud, self._stub_baud) if b):
            try:
                if not isinstance(self._port, str) and not self._port.is_open:
                    self._port.open()  # esptool closed it after the failed connect
                esp = cmds.detect_chip(port=self._port, baud=baud, connect_attempts=1)
            except (FatalError, serial.SerialException, OSError):
                self._cancel.check()
                continue
            stub = bool(esp.IS_STUB or getattr(esp, "sync_stub_detected", False))
            if stub and baud != self._baud:
                esp.change_baud(self._baud)  # the stub follows to the rate this attempt wants
            return esp, stub
        raise first

    def _detect_again(self, error: BaseException) -> Any:
        """An unknown chip id: a chip esptool does not know reads the same twice; line noise
        that garbled the id register's answer does not (LINK_ERRORS then, not WRONG_CHIP)."""
        try:
            if not isinstance(self._port, str) and not self._port.is_open:
                self._port.open()
            return cmds.detect_chip(port=self._port, baud=ROM_BAUD, connect_attempts=1)
        except (FatalError, serial.SerialException, OSError) as again:
            self._cancel.check()
            if str(again) == str(error):
                raise
            first = str(error).splitlines()[0]
            raise DriverError(
                Reason.LINK_ERRORS, f"the chip's identity read differently twice: {first}"
            ) from None

    def _need(self) -> Any:
        if self._esp is None:
            raise DriverError(Reason.INTERNAL, "identify() must run first")
        return self._esp

    # -- flash -------------------------------------------------------------------------------
    def write_regions(self, regions: Sequence[Region], progress: ProgressFn) -> None:
        """Write each region; the flash MD5 is `verify_regions`'s (the job's next step).

        `progress(done, total)` counts image bytes over all regions; cancel is honoured between
        blocks.
        """
        esp = self._need()
        self.check_fits(regions)
        self._check_allowed(esp, regions)
        total = sum(len(r.data) for r in regions)
        base = 0
        for region in regions:
            self._cancel.check()
            size = len(region.data)

            def report(done: int, base: int = base, size: int = size) -> None:
                progress(base + max(0, min(done, size)), total)

            try:
                with self._secret(region):
                    self._write(esp, region, report)
            except (FatalError, serial.SerialException, OSError) as error:
                self._cancel.check()
                raise self._map(error, Phase.WRITE) from None
            base += size
            progress(base, total)

    def _check_allowed(self, esp: Any, regions: Sequence[Region]) -> None:
        """esptool's write_flash refusals, from the eFuse facts `identify` read."""
        security = self._security
        if regions and security.plaintext_refused:
            raise DriverError(
                Reason.WRONG_CHIP,
                "flash encryption is on and encrypted download is disabled: "
                "plaintext firmware would brick this chip",
            )
        for region in regions:
            where = f"{region.name or 'image'} at {region.offset:#x}"
            if security.secure_boot_v1 and region.offset < 0x8000:
                raise DriverError(
                    Reason.WRONG_CHIP, f"secure boot v1 protects the bootloader: {where} refused"
                )
            if security.key_manager and region.offset < 0x2000:
                raise DriverError(
                    Reason.WRONG_CHIP,
                    f"flash encryption keeps its key recovery data below 0x2000: {where} refused",
                )
        if esp.CHIP_NAME == "ESP8266":
            return
        images = [(r.offset, (r.data, r.name or None)) for r in regions if r.data and not r.secret]
        try:  # an image for another chip or revision: refused at the bootloader, noted elsewhere
            cmds._validate_image_compatibility(esp, images)
        except (FatalError, serial.SerialException, OSError) as error:
            self._cancel.check()
            raise self._map(error, Phase.WRITE) from None

    def _write(self, esp: Any, region: Region, report: Callable[[int], None]) -> None:
        """One region: FLASH_DEFL_* through the stub when compression shrinks it, else FLASH_*."""
        image = pad_to(region.data, 4)
        offset, lead = region.offset, 0
        if not esp.IS_STUB:  # the ROM writes whole sectors: pad the front, as esptool does
            lead = offset % esp.FLASH_SECTOR_SIZE
            offset, image = offset - lead, b"\xff" * lead + image
        if not image:
            return
        block = esp.FLASH_WRITE_SIZE
        packed = None
        if esp.IS_STUB:  # esptool compresses only for the stub, too
            packed = deflate(image, block) if region.secret else DEFLATE_CACHE.get(image, block)
        if packed is not None:
            esp.flash_defl_begin(len(image), len(packed.data), offset)
            timeout, written = DEFAULT_TIMEOUT, 0
            for seq, inflated in enumerate(packed.inflated):
                self._cancel.check()
                chunk = packed.data[seq * block : (seq + 1) * block]
                esp.flash_defl_block(chunk, seq, timeout=timeout)
                # The stub acks a block, then writes it while the next one arrives: the next
                # command's answer waits for this block's erase and write.
                timeout = cmds._get_flash_defl_block_timeout(esp, inflated)
                written += inflated
                report(written)
            esp.flash_defl_finish(reboot=False, timeout=timeout)
            return
        esp.flash_begin(len(image), offset)
        for seq, at in enumerate(range(0, len(image), block)):
            self._cancel.check()
            chunk = image[at : at + block]
            esp.flash_block(chunk + b"\xff" * (block - len(chunk)), seq)
            report(at + len(chunk) - lead)
        if esp.IS_STUB:  # the ROM would leave the loader; the stub answers once all is written
            esp.flash_finish(reboot=False)

    def flash_matches(self, region: Region) -> bool | None:
        """The loader's MD5 of the flash under `region` against the region's (None: a ROM
        without the MD5 command, the ESP8266's)."""
        esp = self._need()
        self._cancel.check()
        if not region.data:
            return True
        try:
            flash_md5 = esp.flash_md5sum(region.offset, len(region.data))
        except NotImplementedInROMError:
            return None
        except (FatalError, serial.SerialException, OSError) as error:
            self._cancel.check()
            raise self._map(error, Phase.VERIFY) from None
        return bool(flash_md5 == hashlib.md5(region.data).hexdigest())  # noqa: S324 - the chip's

    def verify_regions(self, regions: Sequence[Region]) -> None:
        """Compare the flash's MD5 with each region's: the one MD5 pass per write."""
        esp = self._need()
        for region in regions:
            self._cancel.check()
            try:
                flash_md5 = esp.flash_md5sum(region.offset, len(region.data))
            except (FatalError, serial.SerialException, OSError) as error:
                self._cancel.check()
                raise self._map(error, Phase.VERIFY) from None
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
            raise self._map(error, Phase.READ) from None

    def reset_to_app(self) -> None:
        """Hard reset over RTS; skipped on socket:// (no modem lines), where the app is reached
        another way (a typed line on simulated chips, EN by hand on real ones)."""
        esp = self._need()
        try:
            if self._baud != ROM_BAUD:
                # Back to the console's rate first: on a transport without modem lines the
                # reset below does nothing, and the app must still understand us.
                back_to_rom_baud(esp)
            if not _lineless(esp._port):
                esp.hard_reset()
        except (FatalError, serial.SerialException, OSError, ValueError) as error:
            self._cancel.check()
            raise self._map(error, Phase.WRITE) from None

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
