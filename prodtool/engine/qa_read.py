"""Reading back what a chip holds, for QA: identity, firmware version, license.

Uses the same drivers as the write job and writes nothing: the bootloader gives the identity,
the application image's descriptor (at the app offset) and, for the `esp-idf-nvs` method, the
license partition; for the `tuyaopen-shell` method the chip is reset into its firmware and asked
`read_mac`, `sys_version` and `auth-read` (not when the flash holds no application: there is no
shell to wait for). A chip whose loader cannot say its MAC (Beken) is identified by the shell's
`read_mac`. A step that cannot be read becomes a `problem` line,
so the judge can still say everything else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import serial

from prodtool.engine.job import open_port
from prodtool.families import registry
from prodtool.families.driver import CancelToken, ChipDriver, DriverError
from prodtool.families.esp.nvs import parse_nvs_record
from prodtool.families.family import ChipFamily
from prodtool.families.tuya_shell import TuyaShell
from prodtool.license.model import AuthMethod, Manifest


@dataclass(frozen=True)
class ChipReading:
    """What one chip showed. `authkey` is a secret: compare it, never print it."""

    port: str
    family: str = ""
    mac: str = ""
    chip_id: str = ""
    app_offset: int = 0  # where the app was looked for (the family's place, or the package's)
    firmware_version: str | None = None  # from the app descriptor in flash
    shell_version: str | None = None  # from `sys_version`
    auth_source: str = ""  # "auth-read" or "NVS partition at 0x9000"
    uuid: str | None = None
    authkey: str = field(default="", repr=False)
    product_id: str | None = None  # NVS record only
    features: tuple[str, ...] | None = None  # NVS record only
    problems: tuple[str, ...] = ()  # steps that could not be read, in words

    @property
    def identified(self) -> bool:
        return bool(self.mac)

    @property
    def version(self) -> str | None:
        """The firmware version QA judges: the descriptor's, else the shell's."""
        return self.firmware_version or self.shell_version


class _QuietSink:
    """The driver's messages for this read: kept as lines, never printed to stdout."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def driver_message(self, level: str, text: str) -> None:
        self.lines.append(f"{level}: {text}")

    def driver_progress(self, done: int, total: int) -> None:
        """Reads are short: no progress shown."""


def read_chip(
    port: str,
    manifest: Manifest,
    *,
    opener: Callable[[str], Any] = open_port,
    baud: int = 460800,
    connect_attempts: int = 3,
    shell_timeout_s: float = 8.0,
    cancel: CancelToken | None = None,
) -> ChipReading:
    """Read identity, firmware version and license from the chip on `port` (changes nothing)."""
    cancel = cancel or CancelToken()
    family = registry.get(manifest.chip_family)
    values: dict[str, Any] = {"port": port}
    problems: list[str] = []
    raw: Any = None
    try:
        with family.log_route(_QuietSink()):
            raw = opener(port)
            cancel.on_cancel(lambda: _close(raw))
            driver = family.open_driver(
                raw, baud=baud, connect_attempts=connect_attempts, cancel=cancel
            )
            info = driver.identify()
            values.update(family=info.family, mac=info.mac, chip_id=info.chip_id)
            _read_flash(driver, family, manifest, values, problems)
            # the shell when an app is there to answer; always where only the shell can say
            # who the chip is (a loader without the MAC: a real Beken image has no descriptor)
            app = "firmware_version" in values or not family.loader_reports_mac
            if manifest.auth_method is AuthMethod.TUYAOPEN_SHELL and app:
                family.start_app(driver, raw)
                _read_shell(
                    raw,
                    info.mac,
                    timeout=shell_timeout_s,
                    cancel=cancel,
                    values=values,
                    problems=problems,
                )
    except DriverError as error:
        problems.append(f"{error.reason.value}: {error.detail or 'no detail'}")
    except (serial.SerialException, OSError) as error:
        problems.append(f"cable_pulled: {str(error).splitlines()[0] if str(error) else 'I/O'}")
    finally:
        _close(raw)
    return ChipReading(**values, problems=tuple(problems))


def _read_flash(
    driver: ChipDriver,
    family: ChipFamily,
    manifest: Manifest,
    values: dict[str, Any],
    problems: list[str],
) -> None:
    offset = manifest.firmware[0].offset if manifest.firmware else family.app_offset
    values["app_offset"] = offset
    version = family.image_version(driver.read(offset, family.version_probe))
    if version is None:
        problems.append(f"no application image at {offset:#x}")
    else:
        values["firmware_version"] = version
    nvs = manifest.nvs
    if manifest.auth_method is not AuthMethod.ESP_IDF_NVS or nvs is None:
        return
    values["auth_source"] = f"NVS partition at {nvs.offset:#x}"
    try:
        record = parse_nvs_record(driver.read(nvs.offset, nvs.size), namespace=nvs.namespace)
    except ValueError as error:  # AuthRecordError: a damaged partition (never the key)
        problems.append(f"the license partition at {nvs.offset:#x} is damaged: {error}")
        return
    if record is not None:
        values.update(
            uuid=record.uuid,
            authkey=record.authkey,
            product_id=record.product_id,
            features=record.features,
        )


def _read_shell(
    raw: Any,
    mac: str,
    *,
    timeout: float,
    cancel: CancelToken,
    values: dict[str, Any],
    problems: list[str],
) -> None:
    values["auth_source"] = "auth-read"
    shell = TuyaShell(raw, timeout=timeout, cancel=cancel)
    shell.wait_prompt()
    shell_mac = shell.read_mac()
    if not mac and shell_mac:  # the loader could not say it: the firmware's word is the identity
        values.update(mac=shell_mac, chip_id=shell_mac.replace(":", ""))
    elif shell_mac != mac:
        problems.append(f"the shell reports MAC {shell_mac}, the bootloader {mac}: another UART?")
        return
    values["shell_version"] = shell.sys_version()
    held = shell.auth_read()
    if held is not None:
        values.update(uuid=held.uuid, authkey=held.authkey)


def _close(raw: Any) -> None:
    if raw is not None:
        with contextlib.suppress(serial.SerialException, OSError):
            raw.close()
