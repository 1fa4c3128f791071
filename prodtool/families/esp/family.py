"""The Espressif family: ESP32-C3 and ESP32, written through the esptool library.

The ROM loader speaks SLIP (esptool's protocol, /work/shared/reference/esp-rom-protocol.md);
reset into it is EN low with IO0 (BOOT) low, which USB-serial boards do through DTR/RTS
(esptool's ClassicReset); reset into the app is EN low alone (HardReset). The application sits
at 0x10000 as an ESP-IDF image with an `esp_app_desc_t`; the TuyaOpen shell answers on the same
UART at 115200 once the app has started.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prodtool.families.esp import appimage, slip
from prodtool.families.family import ChipFamily, ImageError, ImageInfo, ShellAccess, UsbId
from prodtool.flash.events import Reason

if TYPE_CHECKING:
    from prodtool.families.driver import CancelToken, ChipDriver, DriverSink, Region
    from prodtool.sim.chip import SimulatedChip
    from prodtool.sim.faults import Fault

_FLASH_DATA_OPS = frozenset({0x03, 0x11})  # FLASH_DATA, FLASH_DEFL_DATA
_SYNC_OP = 0x08

# Image header chip ids (esp_chip_id_t), for naming the chip a foreign image is built for.
IMAGE_CHIP_IDS: dict[int, str] = {
    0: "esp32",
    2: "esp32s2",
    5: "esp32c3",
    9: "esp32s3",
    12: "esp32c2",
    13: "esp32c6",
    16: "esp32h2",
}

_GUIDE = (
    "USB-serial adapter TX to the module's U0RXD, RX to U0TXD, GND to GND, 3.3 V supply. "
    "For automatic reset wire DTR to IO9/IO0 (BOOT) and RTS to EN (two transistors, as on "
    "DevKit boards); without them hold BOOT, tap EN, then release BOOT when the tile says "
    "'connecting'."
)
CONNECT_STEP = "connecting (hold BOOT, tap EN)"  # the tile; auto-reset boards need nothing
_HINTS = {
    Reason.NO_ANSWER: (
        "check the cable; a board without auto-reset needs BOOT held while EN is tapped"
    ),
    Reason.NO_SHELL: (
        "check that this is the application UART (U0) and the firmware has the production shell"
    ),
}


class _EsptoolSink:
    """esptool's sink protocol (esplog) in front of a driver sink."""

    def __init__(self, sink: DriverSink) -> None:
        self._sink = sink

    def esptool_message(self, level: str, text: str) -> None:
        self._sink.driver_message(level, text)

    def esptool_progress(self, done: int, total: int) -> None:
        self._sink.driver_progress(done, total)


@dataclass(frozen=True)
class EspFamily(ChipFamily):
    """One Espressif chip; the hooks are shared by every ESP chip."""

    image_chip_id: int = 5

    def prepare(self, regions: Sequence[Region]) -> None:
        from prodtool.families.esp.driver import prepare_images  # noqa: PLC0415 - esptool is heavy

        prepare_images(regions)

    def open_driver(
        self,
        serial: Any,
        *,
        baud: int,
        connect_attempts: int = 3,
        cancel: CancelToken | None = None,
        stub_baud: int = 0,
    ) -> ChipDriver:
        from prodtool.families.esp.driver import EspDriver  # noqa: PLC0415 - esptool is heavy

        return EspDriver(
            serial,
            baud=baud,
            connect_attempts=connect_attempts,
            cancel=cancel,
            stub_baud=stub_baud,
        )

    def log_route(self, sink: DriverSink) -> contextlib.AbstractContextManager[None]:
        from prodtool.families.esp import esplog  # noqa: PLC0415 - esptool is heavy

        return esplog.route(_EsptoolSink(sink))

    def read_image(self, data: bytes, *, name: str = "image") -> ImageInfo:
        """An ESP-IDF application image for this chip, whole: what the bootloader would run."""
        if not data:
            raise ImageError(f"{name} is empty (0 bytes)")
        if data[0] != appimage.IMAGE_MAGIC:
            raise ImageError(
                f"{name} is not an ESP application image (first byte {data[0]:#04x}, "
                f"expected {appimage.IMAGE_MAGIC:#04x})"
            )
        if len(data) < 24:
            raise ImageError(f"{name} is truncated: {len(data)} bytes, shorter than its header")
        chip_id = int.from_bytes(data[12:14], "little")
        if chip_id != self.image_chip_id:
            built_for = IMAGE_CHIP_IDS.get(chip_id, f"chip id {chip_id}")
            raise ImageError(f"{name} is built for {built_for}, not {self.name}")
        length = appimage.image_length(data)
        if length is None:
            raise ImageError(
                f"{name} is truncated: its segments run past its {len(data)} bytes"
            )
        descriptor = appimage.read_app_descriptor(data)
        if descriptor is None:
            raise ImageError(f"{name} has no application descriptor (esp_app_desc_t)")
        if not appimage.verify_app_image(data[:length]):
            raise ImageError(f"{name} is damaged: its checksum or SHA-256 digest does not match")
        return ImageInfo(
            chip=self.name, version=descriptor.version, size=length, project=descriptor.project
        )

    def transcript_blocks(self, sent: bytes) -> list[int]:
        """FLASH_DATA and FLASH_DEFL_DATA requests carry their sequence number at byte 12."""
        return [
            struct.unpack_from("<I", frame, 12)[0]
            for frame in slip.frames(sent)
            if len(frame) >= 16 and frame[0] == 0x00 and frame[1] in _FLASH_DATA_OPS
        ]

    def loader_answered(self, received: bytes) -> bool:
        """A SYNC response frame: the ROM answered."""
        return any(
            len(f) >= 2 and f[0] == 0x01 and f[1] == _SYNC_OP for f in slip.frames(received)
        )

    def image_version(self, head: bytes) -> str | None:
        descriptor = appimage.read_app_descriptor(head)
        return descriptor.version if descriptor else None

    def probe_identity(self, serial: Any) -> str | None:
        """The MAC of a module answering the ROM loader's SYNC, sent without DTR/RTS."""
        from prodtool.families.esp.probe import read_mac_no_reset  # noqa: PLC0415 - esptool

        return read_mac_no_reset(serial, baud=self.rom_baud)

    def make_image(self, *, version: str, size: int | None = None) -> bytes:
        try:
            return appimage.make_app_image(version=version, size=size, chip=self.name)
        except ValueError as error:
            raise ImageError(str(error)) from None

    def sim_chip(
        self,
        *,
        index: int = 0,
        seed: int = 0,
        app_version: str | None = None,
        faults: Sequence[Fault] = (),
        shell_echo: bool = True,
    ) -> SimulatedChip:
        from prodtool.families.esp.sim.chip import SimChip  # noqa: PLC0415 - sim only

        return SimChip(
            self.name,
            index=index,
            seed=seed,
            app_version=app_version,
            faults=list(faults),
            shell_echo=shell_echo,
        )


_COMMON: dict[str, Any] = {
    "vendor": "Espressif",
    "usb_ids": (
        UsbId(0x303A, 0x1001, "Espressif USB-Serial/JTAG"),
        UsbId(0x10C4, 0xEA60, "Silicon Labs CP210x"),
        UsbId(0x1A86, 0x7523, "WCH CH340"),
        UsbId(0x1A86, 0x55D4, "WCH CH343/CH9102"),
        UsbId(0x0403, 0x6001, "FTDI FT232R"),
        UsbId(0x0403, 0x6010, "FTDI FT2232"),
    ),
    "rom_baud": 115200,
    # What esptool's flasher stub switches to on these chips (the ROM itself starts at 115200);
    # the station writes at the ones its settings also list (921600 first by default).
    "baud_rates": (2000000, 1500000, 921600, 460800, 230400, 115200),
    "app_offset": appimage.APP_OFFSET,
    "shell": ShellAccess(baud=115200),
    "reset_to_loader": "DTR/RTS: EN low with IO0 (BOOT) low, then EN high (esptool ClassicReset)",
    "reset_to_app": "RTS: EN low, then high, IO0 high (esptool HardReset); "
    "on ports without lines a typed line (simulated chips) or the operator's EN button",
    "guide": _GUIDE,
    "connect_step": CONNECT_STEP,
    "hints": _HINTS,
}

ESP32C3 = EspFamily(
    name="esp32c3", title="ESP32-C3", image_chip_id=5, **_COMMON
)
ESP32 = EspFamily(name="esp32", title="ESP32", image_chip_id=0, **_COMMON)

ESP_FAMILIES: tuple[EspFamily, ...] = (ESP32C3, ESP32)
