"""The memory-mapped registers esptool reads and writes: eFuses, magic word, SPI controller.

esptool identifies a chip by READ_REG (magic word, eFuse words, MAC) and reads the flash id by
driving the SPI controller with WRITE_REG: it sets USR/USR1/USR2/MISO_DLEN/ADDR, writes bit 18
of the CMD register to start, polls it until it clears and reads the answer from W0. This module
answers those accesses from the chip's profile and runs the flash command that was set up.
"""

from __future__ import annotations

from collections.abc import Callable

from prodtool.families.esp.sim.profiles import ChipProfile

CHIP_DETECT_MAGIC_REG = 0x40001000
SPI_CMD_USR = 1 << 18
SPI_USR_ADDR_LEN_SHIFT = 26

# Serial Flash Discoverable Parameters table: "SFDP", rev 1.6, two parameter headers.
_SFDP = bytes.fromhex("53464450060101ff00060110300000ff84000102800000ff") + bytes(40)


class Registers:
    """A chip's register file as the serial bootloader exposes it."""

    def __init__(
        self,
        profile: ChipProfile,
        mac: bytes,
        magic: Callable[[], int],
        baud: Callable[[], int],
    ) -> None:
        self.profile = profile
        self._magic = magic
        self._baud = baud
        self._static: dict[int, int] = {}
        self._static.update(profile.efuse_words)
        self._static.update(profile.extra_regs)
        self._static.update(profile.mac_words(mac))
        self._written: dict[int, int] = {}

    def reset(self) -> None:
        """Power-on values (SPI controller and scratch registers forget what was written)."""
        self._written.clear()

    def read(self, addr: int) -> int:
        if addr == CHIP_DETECT_MAGIC_REG:
            return self._magic()
        if addr == self.profile.uart_clkdiv_reg:
            return round(self.profile.xtal_hz / self._baud()) & 0xFFFFF
        if addr in self._written:
            return self._written[addr]
        return self._static.get(addr, 0)

    def write(self, addr: int, value: int, mask: int) -> None:
        if addr in self._static and addr not in self._written:
            old = self._static[addr]
        else:
            old = self._written.get(addr, 0)
        new = (old & ~mask) | (value & mask)
        self._written[addr] = new & 0xFFFFFFFF
        if addr == self.profile.spi_base and new & SPI_CMD_USR:
            self._run_spi_command()
            self._written[addr] = new & ~SPI_CMD_USR

    def _run_spi_command(self) -> None:
        p = self.profile
        base = p.spi_base
        command = self._written.get(base + p.spi_usr2, 0) & 0xFF
        usr1 = self._written.get(base + p.spi_usr1, 0)
        addr_len = ((usr1 >> SPI_USR_ADDR_LEN_SHIFT) & 0x3F) + 1
        addr = self._written.get(base + 0x04, 0)
        if p.spi_addr_msb and addr_len < 32:
            addr >>= 32 - addr_len
        answer = 0
        if command == 0x9F:  # RDID
            answer = p.flash_id
        elif command == 0x5A:  # RDSFDP
            window = _SFDP[addr : addr + 4] if addr < len(_SFDP) else b""
            answer = int.from_bytes(window.ljust(4, b"\0"), "little")
        elif command == 0xAB:  # release power-down: device id
            answer = (p.flash_id >> 16) - 1
        miso_bits = (self._written.get(base + p.spi_miso_dlen, 0) & 0xFFFF) + 1
        if miso_bits < 32:
            answer &= (1 << miso_bits) - 1
        self._written[base + p.spi_w0] = answer
