"""One simulated ESP32 module running TuyaOpen firmware: download mode and application mode.

The chip is plain state driven from the event loop thread: bytes arrive from its `Link` after
their wire time, DTR/RTS changes arrive from an RFC 2217 port, and it answers through the link.

How it decides between the ROM loader and the app (see docs/simulated-chips.md):
- Power-on (plug): a valid app at 0x10000 boots into the shell; otherwise the chip sits in the
  ROM's "waiting for download" state.
- RFC 2217 (lines available): strict. RTS asserted holds EN low (reset); when RTS is released
  the chip boots, into download mode if DTR is asserted (IO0 low), else from flash. This is
  what esptool's ClassicReset and HardReset do.
- pty and socket (no lines): a simulation convenience, since real chips need the reset pulse.
  A SLIP SYNC frame while the app runs puts the chip into download mode and is answered; a
  printable text line ending in CR/LF while in download mode resets the chip into its app and
  runs that line in the shell.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prodtool.families.esp import appimage, slip
from prodtool.families.esp.sim import bootlog
from prodtool.families.esp.sim.profiles import (
    FOREIGN_IDENTITIES,
    ChipProfile,
    mac_for,
    profile_for,
)
from prodtool.families.esp.sim.registers import Registers
from prodtool.families.esp.sim.rom import OHAI, SYNC_PAYLOAD, Bootloader, Loader, Op
from prodtool.sim.chip import ChipBase, ChipMode
from prodtool.sim.faultbook import FaultBook
from prodtool.sim.faults import Fault, FaultKind
from prodtool.sim.flashmem import Flash
from prodtool.sim.shell import TuyaShell, log_line
from prodtool.sim.wire import DEFAULT_BAUD

if TYPE_CHECKING:
    from prodtool.sim.farm import ChipServer

_log = logging.getLogger(__name__)
APP_BAUD = 115200
_SYNC_HEAD = bytes([0, Op.SYNC])


class SimChip(ChipBase):
    """A simulated chip. Construct, then serve it alone (`serve`) or in a `ChipFarm`."""

    def __init__(
        self,
        family: str = "esp32c3",
        *,
        index: int = 0,
        seed: int = 0,
        app_version: str | None = None,
        faults: list[Fault] | None = None,
        shell_echo: bool = True,
    ) -> None:
        self.profile: ChipProfile = profile_for(family)
        super().__init__(
            index=index,
            mac=mac_for(self.profile, seed, index),
            flash=Flash(self.profile.flash_size),
            faults=FaultBook(faults),
        )
        self.regs = Registers(self.profile, self._mac, self._magic, self._baud)
        self.bootloader = Bootloader(self)
        self.shell_echo = shell_echo
        self._decoder = slip.SlipDecoder()
        self._text = bytearray()
        self._shell_ready_at = 0.0
        self._lines = (False, False)  # (dtr, rts) asserted
        self.shell = TuyaShell(self._shell_services(), self._send, shell_echo)
        self._apply_flash_faults()
        if app_version is not None:
            image = appimage.make_app_image(version=app_version, chip=self.profile.family)
            self._flash.erase(appimage.APP_OFFSET, len(image))
            self._flash.program(appimage.APP_OFFSET, image)

    # ---------------------------------------------------------------- public, any thread

    @property
    def family(self) -> str:
        return self.profile.family

    def app_version(self) -> str | None:
        """Version of the valid app at 0x10000, or None if the chip would not boot one."""
        image = self._app_image()
        if image is None:
            return None
        desc = appimage.read_app_descriptor(image)
        return desc.version if desc else None

    def serve(self, transport: str = "socket") -> ChipServer:
        """Serve this chip alone on a new port; use as a context manager (`.url`)."""
        from prodtool.sim.farm import ChipServer  # noqa: PLC0415 - farm imports chip

        return ChipServer(self, transport)

    # ---------------------------------------------------------------- faults

    def _kv_offset(self) -> int:
        return self.profile.kv_offset

    def _magic(self) -> int:
        return self.identity()[1]

    def identity(self) -> tuple[int | None, int]:
        """(chip id for GET_SECURITY_INFO or None, magic word): a wrong-chip fault lies."""
        fault = self.faults.persistent(FaultKind.WRONG_CHIP)
        if fault is not None and fault.chip in FOREIGN_IDENTITIES:
            return FOREIGN_IDENTITIES[fault.chip]
        return self.profile.chip_id, self.profile.magic_value

    def _baud(self) -> int:
        return self.link.chip_baud if self.link is not None else DEFAULT_BAUD

    # ---------------------------------------------------------------- plugging (loop thread)

    def _plugged(self) -> None:
        self._lines = (False, False)
        self._power_on(bootlog.ResetCause.POWER_ON, first=True)

    def detach(self) -> None:
        super().detach()
        self.bootloader.reset()

    # ---------------------------------------------------------------- boot (loop thread)

    def _power_on(self, cause: bootlog.ResetCause, *, first: bool = False) -> None:
        self._epoch += 1
        self.stats.boots += 1
        self.regs.reset()
        self._decoder.reset()
        self._text.clear()
        self.bootloader.reset()
        self.shell.reset()
        if self.link is not None:
            self.link.purge_to_chip()
            self.link.chip_baud = DEFAULT_BAUD
            self.link.autobaud = False
        dtr, _rts = self._lines
        if self.strict_lines and not first:
            download = dtr and not self.faults.persistent(FaultKind.NO_DOWNLOAD)
        else:
            download = first and self._app_image() is None
        if download:
            self._enter_download(cause, banner=True)
        else:
            self._boot_from_flash(cause, banner=True)

    def _enter_download(self, cause: bootlog.ResetCause | None, *, banner: bool) -> None:
        self.mode = ChipMode.DOWNLOAD
        self.bootloader.reset(Loader.ROM)
        self._decoder.reset()
        self._text.clear()
        if self.link is not None:
            self.link.chip_baud = DEFAULT_BAUD
            self.link.autobaud = True
        if banner and cause is not None:
            self._send(bootlog.rom_banner(self.profile, cause, download=True).encode())

    def _boot_from_flash(self, cause: bootlog.ResetCause | None, *, banner: bool) -> None:
        self._booted_at = self._now()
        self.bootloader.reset()
        self._decoder.reset()
        self._text.clear()
        if self.link is not None:
            self.link.chip_baud = APP_BAUD
            self.link.autobaud = False
        text = ""
        if banner and cause is not None:
            text += bootlog.rom_banner(self.profile, cause, download=False)
        image = self._app_image()
        if image is None:
            self.mode = ChipMode.BOOT_LOOP
            boot_offset = 0x1000 if self.profile.family == "esp32" else 0x0
            head = self._flash.read(boot_offset, 4)
            if head[0] == appimage.IMAGE_MAGIC:
                text += bootlog.no_app(self.profile)
            else:
                text += bootlog.invalid_header(int.from_bytes(head, "little"))
            self._send(text.encode())
            return
        desc = appimage.read_app_descriptor(image)
        version = desc.version if desc else "?"
        project = desc.project if desc else "?"
        startup = log_line(0.0, f"TuyaOpen {project} version {version}", source="tuya_main.c:96")
        text += bootlog.app_start(self.profile, version, project, startup)
        self.mode = ChipMode.APP
        self.shell.reset()
        self._send(text.encode() + b"tuya>")
        link = self.link
        self._shell_ready_at = link.tx.clock if link is not None else 0.0

    def _app_image(self) -> bytes | None:
        """The app image at 0x10000 if the bootloader would run it."""
        head = self._flash.read(appimage.APP_OFFSET, 0x200)
        if head[0] != appimage.IMAGE_MAGIC:
            return None
        region = self._flash.view(appimage.APP_OFFSET, self._flash.size - appimage.APP_OFFSET)
        length = appimage.image_length(region)
        if length is None:
            return None
        image = bytes(region[:length])  # the image only: not a copy of the whole flash
        return image if appimage.verify_app_image(image) else None

    # ---------------------------------------------------------------- BootHost (loop thread)

    def send_packet(self, payload: bytes, delay: float = 0.0) -> None:
        frame = slip.encode(payload)
        if delay <= 0:
            self._send(frame)
            return
        epoch = self._epoch
        loop = self.loop
        if loop is None:
            return

        def later() -> None:
            if self._epoch == epoch:
                self._send(frame)

        loop.call_later(delay, later)

    def change_baud(self, baud: int) -> None:
        if self.link is not None:
            self.link.chip_baud = baud
            self.link.autobaud = False

    def keep_baud(self) -> None:
        """Stay at the current rate: a ROM that auto-bauds would otherwise follow the host."""
        if self.link is not None:
            self.link.autobaud = False

    def host_switches_baud(self, baud: int) -> None:
        if self.link is not None:
            self.link.host_will_switch(baud)

    def run_user_code(self) -> None:
        self._epoch += 1
        self._boot_from_flash(None, banner=False)

    def reboot(self) -> None:
        self._reset(bootlog.ResetCause.SOFTWARE)

    def start_stub(self) -> None:
        self.bootloader.reset(Loader.STUB)
        if self.link is not None:
            self.link.autobaud = False
        self.send_packet(OHAI)

    def start_rom(self) -> None:
        self._epoch += 1
        self._enter_download(bootlog.ResetCause.SOFTWARE, banner=True)

    def _reset(self, cause: bootlog.ResetCause) -> None:
        self._power_on(cause)

    # ---------------------------------------------------------------- lines (loop thread)

    def set_lines(self, dtr: bool, rts: bool) -> None:
        """DTR/RTS from an RFC 2217 host: RTS asserted = EN low, DTR asserted = IO0 low."""
        _old_dtr, old_rts = self._lines
        self._lines = (dtr, rts)
        if self.mode is ChipMode.UNPLUGGED:
            return
        if rts and not old_rts:
            self._epoch += 1
            self.mode = ChipMode.RESET
            if self.link is not None:
                self.link.purge_to_chip()
        elif old_rts and not rts:
            self._reset(bootlog.ResetCause.POWER_ON)

    def host_closed(self) -> None:
        """The host closed its end (socket/RFC 2217): forget half-received input."""
        self._decoder.reset()
        self._text.clear()
        if self.link is not None:
            self.link.forget_host()

    # ---------------------------------------------------------------- input (loop thread)

    def receive(self, data: bytes) -> None:
        """Bytes from the host that have finished crossing the wire."""
        self.stats.bytes_in += len(data)
        mode = self.mode
        if mode in (ChipMode.UNPLUGGED, ChipMode.RESET):
            return
        if mode is ChipMode.APP and self.strict_lines:
            self._to_shell(data)
            return
        for event in self._decoder.feed(data):
            if self.mode is ChipMode.UNPLUGGED:
                return
            if event.frame is not None:
                self._frame(event.frame)
            elif event.junk is not None:
                self._junk(event.junk)

    def _frame(self, frame: bytes) -> None:
        if self.mode is ChipMode.DOWNLOAD:
            self._count(frame)
            self.bootloader.handle(frame)
            return
        # App or boot loop on a port without lines: a SYNC means "the host wants the ROM".
        if self.strict_lines or not frame.startswith(_SYNC_HEAD):
            return
        if frame[8:] != SYNC_PAYLOAD or self.faults.persistent(FaultKind.NO_DOWNLOAD):
            return
        self._epoch += 1
        self._enter_download(None, banner=False)
        self._count(frame)
        self.bootloader.handle(frame)

    def _count(self, frame: bytes) -> None:
        if len(frame) >= 8 and frame[0] == 0 and self.bootloader.read is None:
            self.stats.commands += 1
            self.stats.by_opcode[frame[1]] += 1

    def _junk(self, data: bytes) -> None:
        if self.mode is ChipMode.APP:
            self._to_shell(data)
            return
        if self.mode is not ChipMode.DOWNLOAD or self.strict_lines:
            return
        # Download mode on a port without lines: a typed line means "reset into the app".
        self._text += data
        if len(self._text) > 512:
            del self._text[:-512]
        ends = [i for i in (self._text.find(b"\r"), self._text.find(b"\n")) if i != -1]
        if not ends:
            return
        cut = min(ends)
        line = bytes(self._text[:cut]).strip()
        rest = bytes(self._text[cut:])
        self._text.clear()
        if line and all(0x20 <= b < 0x7F for b in line):
            self._epoch += 1
            self._boot_from_flash(bootlog.ResetCause.POWER_ON, banner=True)
            if self.app_running:
                self.shell.feed(line + rest)

    def _to_shell(self, data: bytes) -> None:
        if self._now() < self._shell_ready_at:
            return  # the app has not started its console yet: the UART drops it
        self.shell.feed(data)
