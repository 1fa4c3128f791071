"""The Beken family: BK7231N / T2, BK7231T, T3 (BK7236) and T5 (BK7258).

Data from `variants.py` (one `BekenFamily` per variant), hooks over our own driver, image checks
and simulated module. docs/beken.md says how each piece works.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prodtool.families.beken import guide, image
from prodtool.families.beken.frames import Frame, FrameReader, HostFrameReader
from prodtool.families.beken.variants import APP_OFFSET, VARIANTS, Variant
from prodtool.families.family import ChipFamily, ImageError, ImageInfo, ShellAccess, UsbId

if TYPE_CHECKING:
    from prodtool.families.driver import CancelToken, ChipDriver
    from prodtool.sim.chip import SimulatedChip
    from prodtool.sim.faults import Fault

APP_SIZE = 0x40000  # a simulated image's default app partition
_WRITE_4K = 0x07  # long command: 4 KiB sector write
_LINK_REPLY = 0x01  # the code a LinkCheck's reply carries


@dataclass(frozen=True)
class BekenFamily(ChipFamily):
    """One Beken chip; the hooks are shared by every variant."""

    def open_driver(
        self,
        serial: Any,
        *,
        baud: int,
        connect_attempts: int = 3,
        cancel: CancelToken | None = None,
        stub_baud: int = 0,
    ) -> ChipDriver:
        del stub_baud  # Beken's loader is in ROM: there is no stub left at another rate
        from prodtool.families.beken.driver import BekenDriver  # noqa: PLC0415
        from prodtool.families.beken.link import LinkPolicy  # noqa: PLC0415

        return BekenDriver(
            serial,
            family=self.name,
            baud=baud,
            cancel=cancel,
            policy=LinkPolicy(rounds=max(1, connect_attempts)),
            shell_baud=self.shell.baud,
        )

    def read_image(self, data: bytes, *, name: str = "image") -> ImageInfo:
        """An app partition (UA) or a whole-flash (QIO) image for this chip."""
        if not data:
            raise ImageError(f"{name} is empty (0 bytes)")
        info = image.read_image(data)
        offset = 0 if info.kind is image.ImageKind.QIO else APP_OFFSET
        return self.check_at(offset, data, name=name)

    def check_at(self, offset: int, data: bytes, *, name: str) -> ImageInfo:
        try:
            info = image.check_image(self.name, data, offset, name=name)
        except image.ImageError as error:
            raise ImageError(str(error)) from None
        return ImageInfo(
            chip=self.name, version=info.version or "", size=len(data), project=info.project or ""
        )

    def check_region(self, offset: int, data: bytes, *, name: str = "image") -> ImageInfo | None:
        """QIO at 0x0 and UA at 0x11000 are checked whole; other regions must not be empty."""
        if not data:
            raise ImageError(f"{name} at {offset:#x} is empty (0 bytes)")
        if offset in (0, APP_OFFSET):
            return self.check_at(offset, data, name=name)
        return None

    def transcript_blocks(self, sent: bytes) -> list[int]:
        """The 4 KiB writes (long 0x07) in what the host sent, numbered in order from 0: what
        the simulator's `unplug@block=N` counts (the Nth write of a loader session)."""
        items = HostFrameReader().feed(sent)
        writes = [f for f in items if isinstance(f, Frame) and f.long and f.cmd == _WRITE_4K]
        return list(range(len(writes)))

    def loader_answered(self, received: bytes) -> bool:
        """A LinkCheck reply (`04 0E ... 01 00`) among what the host received."""
        return any(
            not f.long and f.cmd == _LINK_REPLY and f.payload[:1] == b"\x00"
            for f in FrameReader().feed(received)
        )

    def image_version(self, head: bytes) -> str | None:
        desc = image.read_descriptor(head)
        return desc.version if desc is not None and desc.chip == self.name else None

    def make_image(self, *, version: str, size: int | None = None) -> bytes:
        return image.make_app_partition(self.name, version, size=size or APP_SIZE)

    def sim_chip(
        self,
        *,
        index: int = 0,
        seed: int = 0,
        app_version: str | None = None,
        faults: Sequence[Fault] = (),
        shell_echo: bool = True,
    ) -> SimulatedChip:
        from prodtool.families.beken.sim.chip import BekenSimChip  # noqa: PLC0415

        return BekenSimChip(
            self.name,
            index=index,
            seed=seed,
            app_version=app_version,
            faults=list(faults),
            shell_echo=shell_echo,
        )


_USB = (
    UsbId(0x1A86, 0x7523, "WCH CH340"),
    UsbId(0x10C4, 0xEA60, "Silicon Labs CP210x"),
    UsbId(0x0403, 0x6001, "FTDI FT232R"),
)


def _family(variant: Variant) -> BekenFamily:
    return BekenFamily(
        name=variant.name,
        title=variant.title,
        aliases=variant.aliases,
        vendor="Beken",
        usb_ids=_USB,
        rom_baud=115200,
        baud_rates=(*variant.fast_bauds, 115200),
        app_offset=APP_OFFSET,
        version_probe=image.DESC_LEN // 32 * 34,
        shell=ShellAccess(baud=variant.shell_baud),
        reset_to_loader="RTS on CEN: CEN low, then a LinkCheck burst in the boot window; "
        "else the firmware's reboot-to-download frame or `reboot`",
        reset_to_app="Reboot command (0E A5); the app's shell at "
        f"{variant.shell_baud} baud on the same UART",
        guide=guide.GUIDE,
        connect_step=guide.CONNECT_STEP,
        hints=guide.HINTS,
        loader_reports_mac=False,
    )


BEKEN_FAMILIES: tuple[BekenFamily, ...] = tuple(_family(v) for v in VARIANTS)
