"""What a chip prints on its UART when it resets: ROM banner, bootloader, app start-up.

Texts follow real ESP32 / ESP32-C3 output closely enough that tools that look for
`boot:0x.. (...waiting for download)` (esptool does) or for the shell prompt behave as on
hardware.
"""

from __future__ import annotations

from enum import StrEnum

from prodtool.families.esp.sim.profiles import ChipProfile


class ResetCause(StrEnum):
    POWER_ON = "power-on"  # plug-in or the EN pin
    SOFTWARE = "software"  # the ROM or the stub restarting the chip


def rom_banner(profile: ChipProfile, cause: ResetCause, download: bool) -> str:
    """The first-stage ROM's lines up to the boot mode (and `waiting for download`)."""
    if profile.family == "esp32":
        rst = (
            "rst:0x1 (POWERON_RESET)" if cause is ResetCause.POWER_ON else "rst:0xc (SW_CPU_RESET)"
        )
        if download:
            mode = "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))"
            return f"ets Jul 29 2019 12:21:46\r\n\r\n{rst},{mode}\r\nwaiting for download\r\n"
        return (
            f"ets Jul 29 2019 12:21:46\r\n\r\n{rst},boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
            "configsip: 0, SPIWP:0xee\r\n"
            "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n"
            "mode:DIO, clock div:2\r\n"
        )
    rst = "rst:0x1 (POWERON)" if cause is ResetCause.POWER_ON else "rst:0x3 (RTC_SW_SYS_RST)"
    head = "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n"
    if download:
        return f"{head}{rst},boot:0x5 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n"
    return f"{head}{rst},boot:0xc (SPI_FAST_FLASH_BOOT)\r\nSPIWP:0xee\r\nmode:DIO, clock div:1\r\n"


def invalid_header(word: int) -> str:
    """The ROM's line when the flash holds no bootable image (it then resets, for ever)."""
    return f"invalid header: 0x{word:08x}\r\n"


def no_app(profile: ChipProfile) -> str:
    """The second-stage bootloader's complaint when 0x10000 holds no valid app."""
    return (
        f"I (31) boot: ESP-IDF v5.4.1 2nd stage bootloader\r\n"
        f"I (35) boot: chip: {profile.name}\r\n"
        "E (62) esp_image: image at 0x10000 has invalid magic byte (nothing flashed here?)\r\n"
        "E (68) boot: Factory app partition is not bootable\r\n"
        "E (73) boot: No bootable app partitions in the partition table\r\n"
    )


def app_start(profile: ChipProfile, version: str, project: str, log: str) -> str:
    """Second-stage bootloader and application start-up, ending before the prompt."""
    load = "load:0x3fcd5820,len:0x1714\r\nentry 0x403cc710\r\n"
    if profile.family == "esp32":
        load = "load:0x3fff0030,len:7112\r\nentry 0x400805f0\r\n"
    return (
        load + "I (30) boot: ESP-IDF v5.4.1 2nd stage bootloader\r\n"
        "I (31) boot: compile time Nov 23 2025 08:00:00\r\n"
        "I (52) boot: Loaded app from partition at offset 0x10000\r\n"
        "I (60) boot: Disabling RNG early entropy source...\r\n"
        f"{log}\r\n"
    )
