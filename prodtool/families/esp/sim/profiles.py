"""Chip families as data: what the ROM reports about itself (ids, eFuse words, flash chip).

Everything esptool reads to identify a chip lives here, so a new family is a new table, not new
code. Register values were checked against esptool 5.6.0 (targets/esp32c3.py, targets/esp32.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIB = 1024 * 1024


@dataclass(frozen=True)
class ChipProfile:
    """One chip family's identity and memory map, as its ROM serial bootloader shows it."""

    family: str  # esptool's --chip name: "esp32c3", "esp32"
    name: str  # esptool's CHIP_NAME: "ESP32-C3"
    chip_id: int | None  # GET_SECURITY_INFO chip id; None: the ROM lacks the command
    magic_value: int  # word at 0x40001000 (CHIP_DETECT_MAGIC_REG_ADDR)
    spi_base: int  # SPI0/1 controller used for flash commands
    spi_usr: int
    spi_usr1: int
    spi_usr2: int
    spi_miso_dlen: int
    spi_w0: int
    spi_addr_msb: bool  # ESP32 shifts the address into the top bits of SPI_ADDR
    efuse_words: dict[int, int]  # static register values (eFuse read registers and friends)
    mac_oui: bytes  # first three MAC bytes
    flash_id: int  # RDID answer: manufacturer | type << 8 | capacity << 16
    flash_size: int
    kv_offset: int  # the firmware's key-value sector (credentials), near the end of flash
    uart_clkdiv_reg: int | None = None  # divider register esptool reads to guess the crystal
    xtal_hz: int = 40_000_000
    extra_regs: dict[int, int] = field(default_factory=dict)

    def mac_words(self, mac: bytes) -> dict[int, int]:
        """The eFuse words that carry `mac`, laid out the way esptool's read_mac expects."""
        if self.family == "esp32":
            # read_mac packs (word2, word1) big-endian and drops the 2 CRC bytes on top.
            word1 = int.from_bytes(mac[2:6], "big")
            word2 = int.from_bytes(mac[0:2], "big")
            return {0x3FF5A004: word1, 0x3FF5A008: word2}
        word0 = int.from_bytes(mac[2:6], "big")
        word1 = int.from_bytes(mac[0:2], "big")
        return {0x60008844: word0, 0x60008848: word1}


ESP32C3 = ChipProfile(
    family="esp32c3",
    name="ESP32-C3",
    chip_id=5,
    magic_value=0x1B31506F,
    spi_base=0x60002000,
    spi_usr=0x18,
    spi_usr1=0x1C,
    spi_usr2=0x20,
    spi_miso_dlen=0x28,
    spi_w0=0x58,
    spi_addr_msb=False,
    efuse_words={
        # BLOCK1 word 3: package 0 (QFN32), minor revision low bits = 4, no embedded flash.
        0x60008850: 4 << 18,
        0x60008854: 0,
        # BLOCK1 word 5: major revision 0, minor high bit 0 -> revision v0.4.
        0x60008858: 0,
        0x60008830: 0,
        0x60008834: 0,
        0x60008838: 0,
    },
    mac_oui=bytes.fromhex("7cdfa1"),
    flash_id=0x1640EF,  # Winbond W25Q32, 4 MB
    flash_size=4 * MIB,
    kv_offset=4 * MIB - 0x4000,
)

ESP32 = ChipProfile(
    family="esp32",
    name="ESP32",
    chip_id=None,
    magic_value=0x00F01D83,
    spi_base=0x3FF42000,
    spi_usr=0x1C,
    spi_usr1=0x20,
    spi_usr2=0x24,
    spi_miso_dlen=0x2C,
    spi_w0=0x80,
    spi_addr_msb=True,
    efuse_words={
        0x3FF5A000: 0,
        # word 3: package 1 (D0WD), revision bit 0 set, dual core, BT enabled.
        0x3FF5A00C: (1 << 9) | (1 << 15),
        # word 4: CK8M frequency calibration 80 (with RTCCALICFG1 -> 40 MHz ROM crystal).
        0x3FF5A010: 80,
        # word 5: revision bit 1 set, minor revision 0.
        0x3FF5A014: 1 << 20,
        0x3FF5A018: 0,
    },
    mac_oui=bytes.fromhex("240ac4"),
    flash_id=0x1640EF,
    flash_size=4 * MIB,
    kv_offset=4 * MIB - 0x4000,
    uart_clkdiv_reg=0x3FF40014,
    extra_regs={
        0x3FF6607C: 1 << 31,  # APB_CTL_DATE bit 31: with the eFuse bits -> revision v3.0
        0x3FF5F06C: 1280 << 7,  # RTCCALICFG1: ROM-measured crystal exactly 40 MHz
    },
)

PROFILES: dict[str, ChipProfile] = {p.family: p for p in (ESP32C3, ESP32)}

# Families a "wrong chip" fault may claim to be: what the ROM then reports.
FOREIGN_IDENTITIES: dict[str, tuple[int | None, int]] = {
    "esp32c3": (5, 0x1B31506F),
    "esp32": (None, 0x00F01D83),
    "esp32s3": (9, 0x00000009),
    "esp32c6": (13, 0x2CE0806F),
    "esp8266": (None, 0xFFF0C101),
}


def profile_for(family: str) -> ChipProfile:
    """The profile for `family`, or a ValueError naming the families there are."""
    try:
        return PROFILES[family]
    except KeyError:
        known = sorted(PROFILES)
        raise ValueError(f"unknown chip family {family!r}: expected one of {known}") from None


def mac_for(profile: ChipProfile, seed: int, index: int) -> bytes:
    """A unique, stable MAC per (seed, index): the vendor OUI then three derived bytes."""
    tail = (seed * 7919 + index * 104729 + 1) & 0xFFFFFF
    return profile.mac_oui + tail.to_bytes(3, "big")
