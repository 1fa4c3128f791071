"""One simulated Beken module running TuyaOpen: boot window, download mode, the app's shell.

States (docs/beken.md):
- power-on or a CEN reset -> BOOT_WINDOW: the ROM (the T bootloader) answers LinkCheck at
  115200 for `timing.window_s`; the first answer keeps it in DOWNLOAD until a Reboot command or
  a reset. Otherwise it boots flash: a valid app (bootloader partition present, app partition
  at 0x11000 with our descriptor for this chip and a good CRC) runs the shell (APP) at the
  variant's shell baud; without one the chip stays in DOWNLOAD, listening.
- APP: TuyaOpen's shell (`auth`, `auth-read`, `read_mac`...). The firmware's reboot-to-download
  frame `01 E0 FC 05 FE 95 27 95 27` and the `reboot` command restart the chip into a new window.
- RFC 2217 ports carry the host's RTS: asserted holds CEN low (RESET), released powers on.
  pty and socket ports carry no lines: a technician's jig resets through CEN, here the software
  paths above are the only way in (as with a real adapter whose RTS is not wired).

The chip is driven from the event loop thread only, like the ESP `SimChip`, through the same
seam: `attach`, `detach`, `receive`, `set_lines`, `host_closed`, `unplug_request`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from prodtool.families.beken import frames, image
from prodtool.families.beken.flashids import lookup
from prodtool.families.beken.frames import Frame, HostFrameReader
from prodtool.families.beken.sim.faults import BekenFault, BekenFaultBook
from prodtool.families.beken.sim.faults import BekenFaultKind as K
from prodtool.families.beken.sim.rom import Action, Outcome, Rom
from prodtool.families.beken.variants import (
    APP_OFFSET,
    BOOTLOADER_SIZE,
    Dialect,
    Variant,
    variant_for,
)
from prodtool.sim.chip import ChipBase, ChipMode, set_corrupters
from prodtool.sim.faultbook import FaultBook
from prodtool.sim.faults import Fault, FaultKind
from prodtool.sim.flashmem import Flash
from prodtool.sim.shell import TuyaShell, log_line
from prodtool.sim.wire import DEFAULT_BAUD, Corrupter

if TYPE_CHECKING:
    from prodtool.families.beken.sim.serve import BekenServer

ROM_BAUD = DEFAULT_BAUD
REBOOT_FRAME_CMD = 0xFE
REBOOT_FRAME_PAYLOAD = b"\x95\x27\x95\x27"
SR_POWER_ON = 0x0218  # QE set, BP1|BP2 set: the firmware left the flash protected
BEKEN_OUI = bytes.fromhex("c8478c")


class BekenMode(StrEnum):
    UNPLUGGED = "unplugged"
    RESET = "reset"  # CEN held low
    DARK = "dark"  # browned out, coming back
    BOOT_WINDOW = "boot-window"
    DOWNLOAD = "download"
    APP = "app"


_SHARED_MODE = {
    BekenMode.UNPLUGGED: ChipMode.UNPLUGGED,
    BekenMode.RESET: ChipMode.RESET,
    BekenMode.DARK: ChipMode.RESET,
    BekenMode.BOOT_WINDOW: ChipMode.RESET,
    BekenMode.DOWNLOAD: ChipMode.DOWNLOAD,
    BekenMode.APP: ChipMode.APP,
}
_OWN_VALUES = {mode.value for mode in BekenMode}


@dataclass(frozen=True)
class SimTiming:
    """How long the simulated chip takes; IDEAL is instant flash (as the ESP simulator)."""

    # Boot window after reset. The real length is not published; 150 ms leaves room for
    # pyserial's RFC 2217 client, which polls for the server's acknowledgement of an RTS
    # change every 50 ms before the first LinkCheck can go out.
    window_s: float = 0.15
    app_boot_s: float = 0.02  # from the window's end to the shell's prompt
    erase_4k: float = 0.0
    erase_64k: float = 0.0
    program_4k: float = 0.0
    crc_bps: int = 0  # bytes per second; 0: instant


IDEAL = SimTiming()
NOR = SimTiming(erase_4k=0.045, erase_64k=0.25, program_4k=0.012, crc_bps=1_000_000)


def kv_offset(variant: Variant, flash_size: int) -> int:
    """Where the simulated firmware keeps its key-value sector (Tuya KVS on BK7231N/T)."""
    return 0x1D3000 if variant.name in ("bk7231n", "bk7231t") else flash_size - 0x20000


def mac_for(variant: Variant, seed: int, index: int) -> bytes:
    digest = hashlib.sha256(f"beken:{variant.name}:{seed}:{index}".encode()).digest()
    return BEKEN_OUI + digest[:3]


class BekenSimChip(ChipBase):
    """A simulated Beken module. Serve it alone (`serve`) or in a `BekenFarm`."""

    def __init__(
        self,
        family: str = "bk7231n",
        *,
        index: int = 0,
        seed: int = 0,
        app_version: str | None = None,
        faults: Sequence[BekenFault | Fault] | None = None,
        timing: SimTiming = IDEAL,
        shell_echo: bool = True,
        app_size: int = 0x40000,
    ) -> None:
        self.variant = variant_for(family)
        self.state = BekenMode.UNPLUGGED
        self.timing = timing
        self.flash_mid = self.variant.sim_flash_mid
        chip = lookup(self.flash_mid)
        self.flash_size = chip.size if chip is not None else 0x200000
        super().__init__(
            index=index,
            mac=mac_for(self.variant, seed, index),
            flash=Flash(self.flash_size),
            faults=FaultBook([f for f in faults or [] if isinstance(f, Fault)]),
        )
        beken = [f for f in faults or [] if isinstance(f, BekenFault)]
        self.beken_faults = BekenFaultBook(beken)
        self.status_register = SR_POWER_ON if self.variant.dialect is Dialect.BOOTROM else 0
        self.rom = Rom(self)
        self._reader = HostFrameReader()
        self._line = bytearray()
        self._busy_until = 0.0
        self._shell_ready_at = 0.0
        self._rts = False
        self._window_mute = False
        self._software_boot = False
        self.shell = TuyaShell(self._shell_services(), self._send, shell_echo)
        self._faults_changed()
        self._flash.erase(0, BOOTLOADER_SIZE)
        self._flash.program(0, image.make_bootloader(self.variant.name))
        if app_version is not None:
            self.load_app(app_version, size=app_size)

    # ---------------------------------------------------------------- public, any thread

    @property
    def family(self) -> str:
        return self.variant.name

    @property
    def mode(self) -> ChipMode:
        """The state in the shared simulator's words (a boot window or a brown-out: RESET)."""
        return _SHARED_MODE[self.state]

    @mode.setter
    def mode(self, value: ChipMode) -> None:
        self.state = BekenMode(value.value) if value.value in _OWN_VALUES else BekenMode.RESET

    @property
    def app_running(self) -> bool:
        return self.state is BekenMode.APP

    def load_app(self, version: str, size: int = 0x40000) -> None:
        """Put a valid app partition for this chip at 0x11000 (a module from a previous run)."""
        app = image.make_app_partition(self.variant.name, version, size=size)
        self._flash.erase(APP_OFFSET, len(app))
        self._flash.program(APP_OFFSET, app)

    def _kv_offset(self) -> int:
        return kv_offset(self.variant, self.flash_size)

    def app_version(self) -> str | None:
        desc = self._valid_app()
        return desc.version if desc is not None else None

    def add_fault(self, fault: BekenFault | Fault) -> None:
        """A Beken fault (`sim/faults.py`) or one of the shared kinds every simulator knows."""
        if isinstance(fault, BekenFault):
            self.beken_faults.add(fault)
            self._faults_changed()
        else:
            super().add_fault(fault)

    def remove_fault(self, fault: BekenFault | Fault) -> None:
        if isinstance(fault, Fault):
            super().remove_fault(fault)
        else:
            self._faults_changed()

    def clear_faults(self) -> None:
        self.beken_faults.clear()
        super().clear_faults()

    def identity(self) -> Variant | None:
        """The chip the ROM says it is: a `wrong-chip` fault lies (None: not a Beken chip)."""
        fault = self.faults.persistent(FaultKind.WRONG_CHIP)
        if fault is None:
            return self.variant
        try:
            return variant_for(fault.chip)
        except ValueError:
            return None

    def serve(self, transport: str = "socket") -> BekenServer:
        from prodtool.families.beken.sim.serve import BekenServer  # noqa: PLC0415 - cycle

        return BekenServer(self, transport)

    # ---------------------------------------------------------------- flash (loop thread)

    def _wrap(self, addr: int, length: int) -> list[tuple[int, int]]:
        """[addr, addr+length) modulo the flash size, as at most a few contiguous pieces."""
        size = self.flash_size
        pieces = []
        addr %= size
        while length > 0:
            take = min(length, size - addr)
            pieces.append((addr, take))
            length -= take
            addr = 0
        return pieces

    def read_wrapped(self, addr: int, length: int) -> bytes:
        return b"".join(self._flash.read(a, n) for a, n in self._wrap(addr, length))

    def program_wrapped(self, addr: int, data: bytes) -> None:
        done = 0
        for a, n in self._wrap(addr, len(data)):
            self._flash.program(a, data[done : done + n])
            if self.beken_faults.fire(K.BAD_SECTOR, offset=a) is not None:
                with self._flash.lock:
                    self._flash.data[a] ^= 0x01
            done += n

    def erase_wrapped(self, addr: int, length: int) -> None:
        for a, n in self._wrap(addr, length):
            self._flash.erase(a, n)

    def protected(self) -> bool:
        """The status register's protect bits cover the array (whole-array model)."""
        if self.variant.dialect is not Dialect.BOOTROM:
            return False
        sr = self.status_register
        bp = sr & 0x7C
        cmp_bit = bool(sr & 0x4000)
        return (bp == 0) if cmp_bit else (bp != 0)

    # ---------------------------------------------------------------- plugging (loop thread)

    def _plugged(self) -> None:
        self._rts = False
        self._power_on(software=False)

    def set_lines(self, dtr: bool, rts: bool) -> None:
        """RTS asserted holds CEN low; its release powers the chip on (RFC 2217 ports)."""
        del dtr  # not wired on Beken jigs
        old = self._rts
        self._rts = rts
        if self.state is BekenMode.UNPLUGGED:
            return
        if rts and not old:
            self._epoch += 1
            self.state = BekenMode.RESET
            if self.link is not None:
                self.link.purge_to_chip()
                self.link.purge_to_host()
        elif old and not rts:
            self._power_on(software=False)

    def host_closed(self) -> None:
        self._reader.clear()
        self._line.clear()
        if self.link is not None:
            self.link.forget_host()

    # ---------------------------------------------------------------- boot

    def _power_on(self, *, software: bool) -> None:
        self._epoch += 1
        self.stats.boots += 1
        self.rom.reset()
        self._reader.clear()
        self._line.clear()
        self._busy_until = 0.0
        self.shell.reset()
        if self.link is not None:
            self.link.purge_to_chip()
            self.link.chip_baud = ROM_BAUD
            self.link.autobaud = False
            if self.link.host_baud() is None:
                # socket:// cannot say the host's rate; a host that reset the chip follows it
                # back (the driver puts its port at the loader's or the shell's rate).
                self.link.forget_host()
            self._apply_wire_faults()
        self.state = BekenMode.BOOT_WINDOW
        self._software_boot = software
        missed = self.beken_faults.fire(K.MISSED_WINDOW) is not None
        no_link = software and self.beken_faults.persistent(K.NO_LINK) is not None
        never = self.faults.persistent(FaultKind.NO_DOWNLOAD) is not None
        self._window_mute = missed or no_link or never
        self._later(self.timing.window_s, self._window_closed)

    def _window_closed(self) -> None:
        if self.state is BekenMode.BOOT_WINDOW:
            self._boot_flash()

    def _valid_app(self) -> image.AppDescriptor | None:
        if self._flash.read(0, 4) == b"\xff\xff\xff\xff":
            return None  # no bootloader partition
        app = self._flash.read(APP_OFFSET, self.flash_size - APP_OFFSET)
        desc = image.read_descriptor(app)
        if desc is None or desc.chip != self.variant.name:
            return None
        return desc if image.app_payload_ok(app, desc) else None

    def _boot_flash(self) -> None:
        desc = self._valid_app()
        if desc is None:
            self.state = BekenMode.DOWNLOAD  # nothing to run: the ROM keeps listening
            return
        self._epoch += 1
        self.state = BekenMode.APP
        self._booted_at = self._now()
        self._line.clear()
        link = self.link
        if link is not None:
            link.chip_baud = self.variant.shell_baud
            self._apply_wire_faults()
        startup = log_line(
            0.0, f"TuyaOpen {desc.project} version {desc.version}", source="tuya_main.c:96"
        )
        banner = f"\r\n{self.variant.title} boot\r\n{startup}\r\n"
        epoch = self._epoch

        def ready() -> None:
            if self._epoch == epoch:
                self._send(banner.encode() + b"tuya>")
                self._shell_ready_at = link.tx.clock if link is not None else 0.0

        self._later(self.timing.app_boot_s, ready, keep_epoch=True)

    def _software_reboot(self) -> None:
        if self.link is not None:
            self.link.purge_to_host()
        self._power_on(software=True)

    # ---------------------------------------------------------------- input (loop thread)

    def receive(self, data: bytes) -> None:
        self.stats.bytes_in += len(data)
        if self._silent():
            return
        for item in self._reader.feed(data):
            if self._silent():
                return
            if isinstance(item, Frame):
                self._frame(item)
            elif self.state is BekenMode.APP:
                self._text(item)

    def _no_reboot_hook(self) -> bool:
        return bool(
            self.beken_faults.persistent(K.NO_REBOOT_HOOK)
            or self.faults.persistent(FaultKind.NO_DOWNLOAD)
        )

    def _silent(self) -> bool:
        """Off, held in reset or browned out: the UART hears nothing."""
        return self.state in (BekenMode.UNPLUGGED, BekenMode.RESET, BekenMode.DARK)

    def _frame(self, frame: Frame) -> None:
        state = self.state
        if state is BekenMode.APP:
            if (
                not frame.long
                and frame.cmd == REBOOT_FRAME_CMD
                and frame.payload == REBOOT_FRAME_PAYLOAD
                and not self._no_reboot_hook()
            ):
                self._software_reboot()
            return
        if self.faults.persistent(FaultKind.NO_DOWNLOAD):
            return  # a ROM that never listens (strapped wrong, or not a download UART)
        is_link = not frame.long and frame.cmd == 0x00
        if state is BekenMode.BOOT_WINDOW:
            if not is_link or self._window_mute:
                return
            self.state = BekenMode.DOWNLOAD
        self.stats.commands += 1
        self.stats.by_opcode[frame.cmd | (0x100 if frame.long else 0)] += 1
        self._execute(frame)

    def _execute(self, frame: Frame) -> None:
        now = self._now()
        start = max(now, self._busy_until)
        if self.faults.on_command(FaultKind.DROP, frame.cmd) is not None:
            return
        outcome = self.rom.handle(frame)
        delay = self.faults.on_command(FaultKind.DELAY, frame.cmd)
        if delay is not None:
            outcome.busy += delay.ms / 1000
        due = start + outcome.busy
        self._busy_until = due
        action = outcome.action
        if action is Action.REBOOT:
            self._at(due, self._software_reboot)
        elif action is Action.SET_BAUD:
            self._set_baud(outcome, due)
        elif action is Action.BROWNOUT:
            self._brownout(outcome.delay)
        elif action is Action.UNPLUG:
            self.unplug()
        elif outcome.reply is not None:
            reply = outcome.reply
            self._at(due, lambda: self._send(reply))

    def _set_baud(self, outcome: Outcome, due: float) -> None:
        link = self.link
        reply = outcome.reply or b""
        baud = outcome.baud
        if self.beken_faults.fire(K.BAUD_OLD) is not None:
            self._at(due, lambda: self._send(reply))
            self._at(due + outcome.delay, lambda: self._switch(baud))
            return
        stale = self.beken_faults.fire(K.STALE_LINK)
        if stale is not None:
            link_reply = frames.encode_reply(0x01, b"\x00")
            self._at(due, lambda: self._send(link_reply * stale.count))
        if link is not None:
            link.host_will_switch(baud)

        def switch_and_reply() -> None:
            self._switch(baud)
            self._send(reply)

        self._at(due + outcome.delay, switch_and_reply)
        self._busy_until = due + outcome.delay

    def _switch(self, baud: int) -> None:
        if self.link is not None:
            self.link.chip_baud = baud
            self._apply_wire_faults()

    def _brownout(self, dark_s: float) -> None:
        self._epoch += 1
        self.state = BekenMode.DARK
        if self.link is not None:
            self.link.purge_to_chip()
            self.link.purge_to_host()
        self._later(dark_s, lambda: self._power_on(software=False), keep_epoch=True)

    def _text(self, data: bytes) -> None:
        """Typed text in APP mode: `reboot` restarts; everything else goes to the shell."""
        if self._now() < self._shell_ready_at:
            return  # the console is not up yet: the UART drops it
        for byte in data:
            self._line.append(byte)
            if byte not in (0x0D, 0x0A):
                if len(self._line) > 512:
                    del self._line[:-512]
                continue
            line = bytes(self._line)
            self._line.clear()
            if line.strip() == b"reboot" and not self._no_reboot_hook():
                self._software_reboot()
                return
            self.shell.feed(line)

    # ---------------------------------------------------------------- output and timers

    def _later(
        self, delay: float, callback: Callable[[], None], *, keep_epoch: bool = False
    ) -> None:
        self._at(self._now() + delay, callback, keep_epoch=keep_epoch)

    def _at(self, due: float, callback: Callable[[], None], *, keep_epoch: bool = False) -> None:
        loop = self.loop
        if loop is None:
            return
        epoch = self._epoch

        def run() -> None:
            if keep_epoch or self._epoch == epoch:
                callback()

        if due <= self._now():
            run()
        else:
            loop.call_at(due, run)

    def _apply_wire_faults(self) -> None:
        link = self.link
        if link is None:
            return
        ceiling = self.beken_faults.persistent(K.BAUD_CEILING)
        corrupt = self.beken_faults.persistent(K.CORRUPT)
        shared = self.faults.persistent(FaultKind.CORRUPT)
        if ceiling is not None and link.chip_baud > ceiling.max:
            link.corrupt_tx, link.corrupt_rx = Corrupter(1.0, 1), Corrupter(1.0, 2)
        elif corrupt is not None:
            link.corrupt_tx = Corrupter(corrupt.rate, corrupt.seed)
            link.corrupt_rx = Corrupter(corrupt.rate, corrupt.seed + 1)
        elif shared is not None:
            set_corrupters(link, shared)
        else:
            link.corrupt_tx = link.corrupt_rx = None

    # ---------------------------------------------------------------- shell services

    def _shell_fault(self, kind: FaultKind) -> bool:
        if super()._shell_fault(kind):
            return True
        try:
            mine = K(kind.value)
        except ValueError:
            return False
        return self.beken_faults.fire(mine) is not None
