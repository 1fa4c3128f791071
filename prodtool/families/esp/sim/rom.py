"""Download mode: the Espressif ROM serial bootloader and the flasher stub, as esptool v5 sees them.

Requests are `<BBHI direction 0, opcode, length, checksum>` + payload; responses are
`<BBHI direction 1, opcode, length, value>` + data + status bytes: 4 from the ROM
(`status, error, 0, 0`), 2 from the stub. A ROM error is status 1 with a code (0x07 checksum,
0x05 invalid message: an unknown command); a stub error is its code in the first byte (0xC1 bad
checksum, 0xFF not implemented). Details checked against esptool 5.6.0 (loader.py, cmds.py).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Protocol

from prodtool.families.esp.appimage import xor_checksum
from prodtool.families.esp.sim.registers import Registers
from prodtool.sim.faultbook import FaultBook
from prodtool.sim.faults import FaultKind
from prodtool.sim.flashmem import SECTOR, EraseTracker, Flash, FlashError


class Op(IntEnum):
    FLASH_BEGIN = 0x02
    FLASH_DATA = 0x03
    FLASH_END = 0x04
    MEM_BEGIN = 0x05
    MEM_END = 0x06
    MEM_DATA = 0x07
    SYNC = 0x08
    WRITE_REG = 0x09
    READ_REG = 0x0A
    SPI_SET_PARAMS = 0x0B
    SPI_ATTACH = 0x0D
    READ_FLASH_SLOW = 0x0E
    CHANGE_BAUDRATE = 0x0F
    FLASH_DEFL_BEGIN = 0x10
    FLASH_DEFL_DATA = 0x11
    FLASH_DEFL_END = 0x12
    SPI_FLASH_MD5 = 0x13
    GET_SECURITY_INFO = 0x14
    ERASE_FLASH = 0xD0
    ERASE_REGION = 0xD1
    READ_FLASH = 0xD2
    RUN_USER_CODE = 0xD3


ROM_OPS = frozenset(Op) - {Op.ERASE_FLASH, Op.ERASE_REGION, Op.READ_FLASH, Op.RUN_USER_CODE}
STUB_OPS = frozenset(Op) - {Op.READ_FLASH_SLOW}
DATA_OPS = frozenset({Op.FLASH_DATA, Op.FLASH_DEFL_DATA, Op.MEM_DATA})
SYNC_PAYLOAD = b"\x07\x07\x12\x20" + b"\x55" * 32
SYNC_VALUE = 0x20120707  # non-zero: esptool takes 0 for "a stub is already running"
OHAI = b"OHAI"


class RomError(IntEnum):
    """Second status byte of a ROM error (the first is 1); esptool shows 0x1NN."""

    INVALID_MESSAGE = 0x05
    FAILED = 0x06
    CHECKSUM = 0x07
    FLASH_WRITE = 0x08
    FLASH_READ = 0x09
    READ_LENGTH = 0x0A
    DEFLATE = 0x0B


class StubError(IntEnum):
    """First status byte of a stub error."""

    BAD_DATA_LEN = 0xC0
    BAD_CHECKSUM = 0xC1
    BAD_BLOCKSIZE = 0xC2
    FAILED_SPI_OP = 0xC4
    NOT_IN_FLASH_MODE = 0xC6
    INFLATE = 0xC7
    NOT_ENOUGH_DATA = 0xC8
    TOO_MUCH_DATA = 0xC9
    NOT_IMPLEMENTED = 0xFF


# ROM code -> the stub's code for the same trouble.
_STUB_EQUIVALENT = {
    RomError.INVALID_MESSAGE: StubError.NOT_IMPLEMENTED,
    RomError.FAILED: StubError.NOT_IN_FLASH_MODE,
    RomError.CHECKSUM: StubError.BAD_CHECKSUM,
    RomError.FLASH_WRITE: StubError.FAILED_SPI_OP,
    RomError.FLASH_READ: StubError.FAILED_SPI_OP,
    RomError.READ_LENGTH: StubError.BAD_DATA_LEN,
    RomError.DEFLATE: StubError.INFLATE,
}


class Loader(StrEnum):
    ROM = "rom"
    STUB = "stub"


class BootHost(Protocol):
    """What the bootloader needs from the chip around it."""

    regs: Registers
    faults: FaultBook

    @property
    def flash_memory(self) -> Flash: ...

    def send_packet(self, payload: bytes, delay: float = 0.0) -> None: ...
    def identity(self) -> tuple[int | None, int]: ...
    def change_baud(self, baud: int) -> None: ...
    def keep_baud(self) -> None: ...
    def host_switches_baud(self, baud: int) -> None: ...
    def run_user_code(self) -> None: ...
    def reboot(self) -> None: ...
    def start_stub(self) -> None: ...
    def start_rom(self) -> None: ...
    def unplug(self) -> None: ...


@dataclass
class WriteSession:
    """An open FLASH_BEGIN or FLASH_DEFL_BEGIN."""

    offset: int
    size: int
    block_size: int
    compressed: bool
    written: int = 0
    inflater: zlib._Decompress | None = None
    eraser: EraseTracker | None = None


@dataclass
class MemSession:
    offset: int
    size: int
    block_size: int
    data: bytearray = field(default_factory=bytearray)


@dataclass
class ReadTransfer:
    """The stub's READ_FLASH: blocks out, `<I bytes received>` acks back, MD5 at the end."""

    offset: int
    length: int
    block: int
    max_in_flight: int
    sent: int = 0
    acked: int = 0
    md5: hashlib._Hash = field(default_factory=hashlib.md5)


class UnpluggedError(Exception):
    """The cable was pulled while handling a command: nothing more is said."""


class CommandError(Exception):
    def __init__(self, code: RomError) -> None:
        super().__init__(code.name)
        self.code = code


class Bootloader:
    """Speaks the ROM protocol, then the stub's once esptool has uploaded and started it."""

    def __init__(self, host: BootHost) -> None:
        self.host = host
        self.loader = Loader.ROM
        self.write: WriteSession | None = None
        self.mem: MemSession | None = None
        self.read: ReadTransfer | None = None
        self.flash_size_param: int | None = None

    def reset(self, loader: Loader = Loader.ROM) -> None:
        self.loader = loader
        self.write = None
        self.mem = None
        self.read = None

    # ---------------------------------------------------------------- responses

    def _status(self, error: RomError | None) -> bytes:
        if self.loader is Loader.ROM:
            return bytes([0, 0, 0, 0]) if error is None else bytes([1, error, 0, 0])
        if error is None:
            return b"\0\0"
        return bytes([_STUB_EQUIVALENT[error], 0])

    def _respond(
        self,
        op: int,
        *,
        value: int = 0,
        data: bytes = b"",
        error: RomError | None = None,
        delay: float = 0.0,
    ) -> None:
        body = data + self._status(error)
        self.host.send_packet(struct.pack("<BBHI", 1, op, len(body), value) + body, delay)

    # ---------------------------------------------------------------- requests

    def handle(self, frame: bytes) -> None:
        """One SLIP frame from the host."""
        if self.read is not None:
            if len(frame) == 4:
                self._read_ack(struct.unpack("<I", frame)[0])
                return
            self.read = None  # anything else ends the transfer, like the stub's loop
        if len(frame) < 8 or frame[0] != 0:
            return  # not a request: the ROM ignores it
        _direction, op, length, checksum = struct.unpack_from("<BBHI", frame)
        payload = frame[8 : 8 + length]
        faults = self.host.faults
        if faults.on_command(FaultKind.UNPLUG, op):
            self.host.unplug()
            return
        no_download = faults.persistent(FaultKind.NO_DOWNLOAD) is not None
        if op == Op.SYNC and no_download and self.loader is Loader.ROM:
            return
        drop = faults.on_command(FaultKind.DROP, op)
        late = faults.on_command(FaultKind.DELAY, op)
        delay = late.ms / 1000.0 if late else 0.0
        known = ROM_OPS if self.loader is Loader.ROM else STUB_OPS
        if op not in known:
            if not drop:
                self._respond(op, error=RomError.INVALID_MESSAGE, delay=delay)
            return
        if length != len(payload):
            if not drop:
                self._respond(op, error=RomError.INVALID_MESSAGE, delay=delay)
            return
        try:
            reply = self._dispatch(Op(op), payload, checksum)
        except UnpluggedError:
            return
        except CommandError as error:
            if not drop:
                self._respond(op, error=error.code, delay=delay)
            return
        except (FlashError, struct.error):
            if not drop:
                self._respond(op, error=RomError.INVALID_MESSAGE, delay=delay)
            return
        if reply is None or drop:
            return
        value, data, repeat = reply
        for _ in range(repeat):
            self._respond(op, value=value, data=data, delay=delay)
        self._after(Op(op), payload)

    def _dispatch(self, op: Op, payload: bytes, checksum: int) -> tuple[int, bytes, int] | None:
        """Run a command: (value, data, times to send) or None for no answer."""
        host = self.host
        if op in DATA_OPS:
            self._check_data(op, payload, checksum)
        if op == Op.SYNC:
            if payload != SYNC_PAYLOAD:
                raise CommandError(RomError.INVALID_MESSAGE)
            return (SYNC_VALUE if self.loader is Loader.ROM else 0), b"", 8
        if op == Op.READ_REG:
            (addr,) = struct.unpack("<I", payload[:4])
            return host.regs.read(addr), b"", 1
        if op == Op.WRITE_REG:
            if len(payload) % 16:
                raise CommandError(RomError.INVALID_MESSAGE)
            for pos in range(0, len(payload), 16):
                addr, value, mask, _delay = struct.unpack_from("<IIII", payload, pos)
                host.regs.write(addr, value, mask)
            return 0, b"", 1
        if op == Op.GET_SECURITY_INFO:
            chip_id, _magic = host.identity()
            if chip_id is None:
                raise CommandError(RomError.INVALID_MESSAGE)
            info = struct.pack("<IBBBBBBBBII", 0, 0, 0, 0, 0, 0, 0, 0, 0, chip_id, 3)
            return 0, info, 1
        if op in (Op.SPI_ATTACH,):
            return 0, b"", 1
        if op == Op.SPI_SET_PARAMS:
            _fl_id, total, _block, _sector, _page, _mask = struct.unpack("<IIIIII", payload[:24])
            self.flash_size_param = total
            return 0, b"", 1
        if op == Op.CHANGE_BAUDRATE:
            struct.unpack("<II", payload[:8])
            return 0, b"", 1
        if op in (Op.FLASH_BEGIN, Op.FLASH_DEFL_BEGIN):
            self._flash_begin(op, payload)
            return 0, b"", 1
        if op in (Op.FLASH_DATA, Op.FLASH_DEFL_DATA):
            return self._flash_data(op, payload)
        if op in (Op.FLASH_END, Op.FLASH_DEFL_END):
            self._flash_end(op)
            return 0, b"", 1
        if op == Op.SPI_FLASH_MD5:
            addr, size = struct.unpack("<II", payload[:8])
            digest = host.flash_memory.md5(addr, size)
            data = digest if self.loader is Loader.STUB else digest.hex().encode()
            return 0, data, 1
        if op == Op.READ_FLASH_SLOW:
            offset, length = struct.unpack("<II", payload[:8])
            if length > 64:
                raise CommandError(RomError.READ_LENGTH)
            return 0, host.flash_memory.read(offset, length).ljust(64, b"\0"), 1
        if op == Op.READ_FLASH:
            offset, length, block, in_flight = struct.unpack("<IIII", payload[:16])
            host.flash_memory.read(offset, length)  # bounds check before acknowledging
            if block == 0 or in_flight == 0:
                raise CommandError(RomError.READ_LENGTH)
            self.read = ReadTransfer(offset, length, block, in_flight)
            return 0, b"", 1
        if op == Op.ERASE_FLASH:
            host.flash_memory.erase(0, host.flash_memory.size)
            return 0, b"", 1
        if op == Op.ERASE_REGION:
            offset, size = struct.unpack("<II", payload[:8])
            if offset % SECTOR or size % SECTOR:
                raise CommandError(RomError.FLASH_WRITE)
            host.flash_memory.erase(offset, size)
            return 0, b"", 1
        if op == Op.MEM_BEGIN:
            size, _blocks, block_size, offset = struct.unpack("<IIII", payload[:16])
            self.mem = MemSession(offset, size, block_size)
            return 0, b"", 1
        if op == Op.MEM_DATA:
            if self.mem is None:
                raise CommandError(RomError.FAILED)
            length, _seq = struct.unpack("<II", payload[:8])
            self.mem.data += payload[16 : 16 + length]
            if len(self.mem.data) > self.mem.size:
                raise CommandError(RomError.FAILED)
            return 0, b"", 1
        if op == Op.MEM_END:
            return 0, b"", 1
        if op == Op.RUN_USER_CODE:
            return None
        raise CommandError(RomError.INVALID_MESSAGE)  # pragma: no cover - all ops covered

    def _after(self, op: Op, payload: bytes) -> None:
        """What happens once the answer is on its way: baud switch, reboot, stub start."""
        host = self.host
        if op == Op.CHANGE_BAUDRATE:
            new, _old = struct.unpack("<II", payload[:8])
            if new > 0:
                host.host_switches_baud(new)
                if host.faults.persistent(FaultKind.NO_BAUD_CHANGE):
                    host.keep_baud()  # acknowledged, yet the rate stays (and stops following)
                else:
                    host.change_baud(new)
        elif op in (Op.FLASH_END, Op.FLASH_DEFL_END):
            (flag,) = struct.unpack("<I", payload[:4]) if len(payload) >= 4 else (1,)
            if self.loader is Loader.ROM:
                # ROM: 1 = run the user code, 0 = reboot. Either way the app starts.
                if flag:
                    host.run_user_code()
                else:
                    host.reboot()
            elif flag == 0:
                # The stub's reboot re-enters the ROM loader (esptool's soft_reset relies on it).
                host.start_rom()
        elif op == Op.MEM_END:
            (no_entry, _entry) = struct.unpack("<II", payload[:8])
            if no_entry == 0 and self.loader is Loader.ROM:
                host.start_stub()
        elif op == Op.READ_FLASH:
            self._read_pump()

    def _check_data(self, op: Op, payload: bytes, checksum: int) -> None:
        if len(payload) < 16:
            raise CommandError(RomError.INVALID_MESSAGE)
        length, seq = struct.unpack("<II", payload[:8])
        data = payload[16:]
        if length != len(data):
            raise CommandError(RomError.INVALID_MESSAGE)
        if op != Op.MEM_DATA:
            faults = self.host.faults
            if faults.on_block(FaultKind.UNPLUG, seq):
                self.host.unplug()
                raise UnpluggedError
            if faults.on_block(FaultKind.BLOCK_ERROR, seq):
                raise CommandError(RomError.CHECKSUM)
        if xor_checksum(data) != checksum & 0xFF:
            raise CommandError(RomError.CHECKSUM)

    # ---------------------------------------------------------------- flash writes

    def _flash_begin(self, op: Op, payload: bytes) -> None:
        size, _blocks, block_size, offset = struct.unpack("<IIII", payload[:16])
        flash = self.host.flash_memory
        compressed = op == Op.FLASH_DEFL_BEGIN
        if offset + size > flash.size:
            raise CommandError(RomError.FAILED)
        session = WriteSession(offset, size, block_size, compressed)
        if compressed:
            session.inflater = zlib.decompressobj()
        if self.loader is Loader.ROM:
            flash.erase(offset, size)  # the ROM erases everything up front
        else:
            session.eraser = EraseTracker(flash, offset, size)
        self.write = session

    def _flash_data(self, op: Op, payload: bytes) -> tuple[int, bytes, int]:
        session = self.write
        if session is None or session.compressed != (op == Op.FLASH_DEFL_DATA):
            raise CommandError(RomError.FAILED)
        _length, seq = struct.unpack("<II", payload[:8])
        data = payload[16:]
        if session.inflater is not None:
            try:
                chunk = session.inflater.decompress(data)
            except zlib.error:
                raise CommandError(RomError.DEFLATE) from None
            at = session.offset + session.written
        else:
            chunk = data
            at = session.offset + seq * session.block_size
        if session.compressed and session.written + len(chunk) > session.size:
            raise CommandError(RomError.FLASH_WRITE)
        if at + len(chunk) > self.host.flash_memory.size:
            chunk = chunk[: max(0, self.host.flash_memory.size - at)]
        if session.eraser is not None:
            session.eraser.before_write(at, len(chunk))
        self.host.flash_memory.program(at, chunk)
        if session.compressed:
            session.written += len(chunk)
        return 0, b"", 1

    def _flash_end(self, op: Op) -> None:
        session = self.write
        if (
            session is not None
            and session.inflater is not None
            and self.loader is Loader.STUB
            and session.size
            and not session.inflater.eof
        ):
            self.write = None
            raise CommandError(RomError.FAILED)
        self.write = None

    # ---------------------------------------------------------------- stub READ_FLASH

    def _read_pump(self) -> None:
        transfer = self.read
        if transfer is None:
            return
        window = transfer.max_in_flight * transfer.block
        while transfer.sent < transfer.length and transfer.sent - transfer.acked < window:
            size = min(transfer.block, transfer.length - transfer.sent)
            data = self.host.flash_memory.read(transfer.offset + transfer.sent, size)
            transfer.md5.update(data)
            transfer.sent += size
            self.host.send_packet(data)

    def _read_ack(self, received: int) -> None:
        transfer = self.read
        if transfer is None:
            return
        transfer.acked = max(transfer.acked, received)
        if transfer.acked >= transfer.length:
            self.read = None
            self.host.send_packet(transfer.md5.digest())
            return
        self._read_pump()
