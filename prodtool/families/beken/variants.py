"""The Beken chips prodtool writes, as data: who answers, how, and where the app goes.

| | BK7231N / T2 | BK7231T | T3 (BK7236) | T5 (BK7258) |
|---|---|---|---|---|
| responder | mask BootROM | flash bootloader "BK7231S_1.0.x" | BootROM | BootROM |
| chip id | ReadReg 0x800000 | ReadBootVersion (0x11) | ReadReg 0x44010004 | ReadReg 0x44010004 |
| CheckCRC end | inclusive | exclusive | inclusive | inclusive |
| writable from | 0x0 | 0x11000 (the bootloader stays) | 0x0 | 0x0 |
| status register | via 0x0C/0x0D | not reachable | SR1 + SR2 | SR1 + SR2 |
| app shell baud | 115200 | 115200 | 460800 | 460800 |

The T3/T5 chip id values (0x7236, 0x7258) are what our simulator answers; the public sources
name the register but not the exact value, so the driver accepts any value whose top nibbles
say "7236"/"7258" and reports the raw value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dialect(StrEnum):
    """Which command set answers: the BootROM's full set, or the T bootloader's basic one."""

    BOOTROM = "bootrom"
    BOOTLOADER = "bootloader"


BOOTLOADER_SIZE = 0x11000  # the flash bootloader's partition; the app partition starts here
APP_OFFSET = BOOTLOADER_SIZE
N_CHIP_ID_REG = 0x800000
T5_CHIP_ID_REG = 0x44010004


@dataclass(frozen=True)
class Variant:
    """One Beken chip as the download protocol sees it."""

    name: str  # canonical family name: "bk7231n", "bk7231t", "t3", "t5"
    title: str  # for people: "BK7231N / T2"
    aliases: tuple[str, ...]
    dialect: Dialect
    chip_id_reg: int | None  # ReadReg address of the chip id (None: ReadBootVersion)
    chip_id: int  # the value there (BootROMs); unused for the bootloader
    crc_end_inclusive: bool
    write_floor: int  # nothing below this address is written
    crc_locks_flash: bool  # the bootloader re-protects after CheckCRC until a LinkCheck
    sr2_split: bool  # SR2 written with its own op (0x31)
    shell_baud: int  # the TuyaOpen shell's rate on the app UART
    sim_flash_mid: bytes  # the flash the simulated module carries
    boot_version: str = ""  # ReadBootVersion's answer (bootloader dialect)
    fast_bauds: tuple[int, ...] = (2_000_000, 1_500_000, 921_600, 460_800)

    @property
    def has_registers(self) -> bool:
        """ReadReg, GetMID and the status register commands exist."""
        return self.dialect is Dialect.BOOTROM

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


BK7231N = Variant(
    name="bk7231n",
    title="BK7231N / T2",
    aliases=("t2", "bk7231n-t2", "cb2s", "cb3s", "t34"),
    dialect=Dialect.BOOTROM,
    chip_id_reg=N_CHIP_ID_REG,
    chip_id=0x7231C,
    crc_end_inclusive=True,
    write_floor=0,
    crc_locks_flash=False,
    sr2_split=False,
    shell_baud=115200,
    sim_flash_mid=bytes.fromhex("eb6015"),
)
BK7231T = Variant(
    name="bk7231t",
    title="BK7231T",
    aliases=("wb2s", "wb3s", "bk7231s"),
    dialect=Dialect.BOOTLOADER,
    chip_id_reg=None,
    chip_id=0x7231A,
    crc_end_inclusive=False,
    write_floor=BOOTLOADER_SIZE,
    crc_locks_flash=True,
    sr2_split=False,
    shell_baud=115200,
    sim_flash_mid=bytes.fromhex("c84015"),
    boot_version="BK7231S_1.0.5",
    fast_bauds=(1_500_000, 921_600, 460_800),
)
T3 = Variant(
    name="t3",
    title="T3 (BK7236)",
    aliases=("bk7236",),
    dialect=Dialect.BOOTROM,
    chip_id_reg=T5_CHIP_ID_REG,
    chip_id=0x7236,
    crc_end_inclusive=True,
    write_floor=0,
    crc_locks_flash=False,
    sr2_split=True,
    shell_baud=460800,
    sim_flash_mid=bytes.fromhex("c86516"),
)
T5 = Variant(
    name="t5",
    title="T5 (BK7258)",
    aliases=("bk7258", "t5ai"),
    dialect=Dialect.BOOTROM,
    chip_id_reg=T5_CHIP_ID_REG,
    chip_id=0x7258,
    crc_end_inclusive=True,
    write_floor=0,
    crc_locks_flash=False,
    sr2_split=True,
    shell_baud=460800,
    sim_flash_mid=bytes.fromhex("c86517"),
)

VARIANTS: tuple[Variant, ...] = (BK7231N, BK7231T, T3, T5)
_BY_NAME = {name: variant for variant in VARIANTS for name in variant.all_names}


class UnknownVariantError(ValueError):
    """A name that is no Beken chip."""


def variant_for(name: str) -> Variant:
    """The variant called `name` or one of its aliases (case-insensitive)."""
    try:
        return _BY_NAME[name.strip().lower()]
    except KeyError:
        known = ", ".join(v.name for v in VARIANTS)
        raise UnknownVariantError(f"{name!r} is not a Beken chip (known: {known})") from None


def is_beken(name: str) -> bool:
    return name.strip().lower() in _BY_NAME
