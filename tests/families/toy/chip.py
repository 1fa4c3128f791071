"""The toy family's simulated chip: its ROM (see family.py) and the shared TuyaOpen shell."""

from __future__ import annotations

import zlib

from prodtool.sim.chip import ChipBase, ChipMode
from prodtool.sim.faultbook import FaultBook
from prodtool.sim.faults import Fault, FaultKind
from prodtool.sim.flashmem import SECTOR, Flash
from prodtool.sim.shell import TuyaShell
from tests.families.toy.family import ROM_BAUD, make_toy_image, parse_toy_image

FLASH_SIZE = 1024 * 1024
KV_OFFSET = FLASH_SIZE - 4 * SECTOR
APP_BAUD = 115200


class ToyChip(ChipBase):
    def __init__(
        self,
        family: str = "toy",
        *,
        index: int = 0,
        seed: int = 0,
        app_version: str | None = None,
        faults: list[Fault] | None = None,
    ) -> None:
        from tests.families.toy.family import TOY

        self._family = family
        self._app_offset = TOY.app_offset
        super().__init__(
            index=index,
            mac=bytes([0x7E, 0x57, seed & 0xFF, 0, (index >> 8) & 0xFF, index & 0xFF]),
            flash=Flash(FLASH_SIZE),
            faults=FaultBook(faults),
        )
        self._text = bytearray()
        self._binary = 0  # raw bytes still expected for a BLOCK
        self._block = bytearray()
        self._cursor = 0
        self._seq = 0
        self.shell = TuyaShell(self._shell_services(), self._send, True)
        self._apply_flash_faults()
        if app_version is not None:
            image = make_toy_image(app_version)
            self._flash.erase(self._app_offset, len(image))
            self._flash.program(self._app_offset, image)

    # -- what tests and the farm read ------------------------------------------------------------
    @property
    def family(self) -> str:
        return self._family

    def _kv_offset(self) -> int:
        return KV_OFFSET

    def app_version(self) -> str | None:
        parsed = parse_toy_image(self._flash.read(self._app_offset, 64 * 1024))
        return parsed[0] if parsed else None

    # -- the farm's side (loop thread) -----------------------------------------------------------
    def _plugged(self) -> None:
        self._power_on()

    def set_lines(self, dtr: bool, rts: bool) -> None:
        """The toy has no reset lines: a TOY? line is how the host reaches the ROM."""

    def host_closed(self) -> None:
        self._text.clear()
        self._binary = 0
        if self.link is not None:
            self.link.forget_host()

    def _power_on(self) -> None:
        self.stats.boots += 1
        self._text.clear()
        self._binary = 0
        if self.app_version() is None:
            self._enter_rom()
        else:
            self._boot_app()

    def _enter_rom(self) -> None:
        self.mode = ChipMode.DOWNLOAD
        if self.link is not None:
            self.link.chip_baud = ROM_BAUD

    def _boot_app(self) -> None:
        self.mode = ChipMode.APP
        self.shell.reset()
        if self.link is not None:
            self.link.chip_baud = APP_BAUD
        self._send(f"toy app {self.app_version()}\r\n".encode() + b"tuya>")

    def receive(self, data: bytes) -> None:
        self.stats.bytes_in += len(data)
        for byte in data:
            if self.mode is ChipMode.UNPLUGGED:
                return
            if self._binary:
                self._block.append(byte)
                self._binary -= 1
                if not self._binary:
                    self._program_block()
                continue
            if byte == 0x0A:
                line = bytes(self._text).strip().decode("ascii", "replace")
                self._text.clear()
                self._line(line)
            elif self.mode is ChipMode.APP:
                self._text.append(byte)
                self.shell.feed(bytes([byte]))
            else:
                self._text.append(byte)

    def _line(self, line: str) -> None:
        if self.mode is ChipMode.APP:
            if line == "TOY?" and not self.faults.persistent(FaultKind.NO_DOWNLOAD):
                self._enter_rom()
                self._command(line)
            else:
                self.shell.feed(b"\n")
            return
        if self.mode is ChipMode.DOWNLOAD:
            self._command(line)

    def _command(self, line: str) -> None:
        words = line.split()
        if not words:
            return
        self.stats.commands += 1
        name, args = words[0], words[1:]
        if name == "TOY?":
            wrong = self.faults.persistent(FaultKind.WRONG_CHIP)
            family = wrong.chip if wrong is not None else self._family
            self._reply(f"TOY {family} {self.mac} {FLASH_SIZE}")
        elif name == "BAUD" and args:
            self._reply("OK")
            if self.link is not None:
                self.link.host_will_switch(int(args[0]))
                self.link.chip_baud = int(args[0])
        elif name == "BEGIN" and len(args) == 2:
            self._cursor, self._seq = int(args[0]), 0
            self._flash.erase(self._cursor, int(args[1]))
            self._reply("OK")
        elif name == "BLOCK" and args:
            self._binary = int(args[0])
            self._block = bytearray()
        elif name in ("CRC", "READ") and len(args) == 2:
            data = self._flash.read(int(args[0]), int(args[1]))
            self._reply(f"CRC {zlib.crc32(data):08x}" if name == "CRC" else f"DATA {data.hex()}")
        elif name == "RUN":
            self._reply("OK")
            if self.link is not None:  # the host follows to the app's rate (socket:// cannot say)
                self.link.host_will_switch(APP_BAUD)
            self._boot_app()
        else:
            self._reply("ERR")

    def _program_block(self) -> None:
        if self.faults.on_block(FaultKind.UNPLUG, self._seq) is not None:
            if self.unplug_request is not None:
                self.unplug_request()
            return
        self._flash.program(self._cursor, bytes(self._block))
        self._cursor += len(self._block)
        self._seq += 1
        self._reply("OK")

    def _reply(self, text: str) -> None:
        self._send(f"{text} #{zlib.crc32(text.encode()):08x}\n".encode())
