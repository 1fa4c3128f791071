"""Writing a chip's serial number to the device through a configured command, and reading it back.

The factory's own tool writes it (a script that talks to the firmware, a test jig's program):
`Settings.serial_write_command`, an argument list in shell syntax with the placeholders
{serial}, {port}, {mac}, {uuid}; run without a shell, so a serial never becomes a command.
`Settings.serial_read_command` prints the serial the device holds; it must equal the one written.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping

from prodtool.errors import UserError


class SerialWriteError(Exception):
    """The device did not take the serial (the command failed, or the read back differs)."""


def command_argv(template: str, values: Mapping[str, str]) -> list[str]:
    """The argument list of `template` with each placeholder replaced (only known names)."""
    try:
        parts = shlex.split(template)
    except ValueError as error:
        raise UserError(f"bad serial command {template!r}: {error}") from None
    argv: list[str] = []
    for part in parts:
        try:
            argv.append(part.format_map(dict(values)))
        except (KeyError, ValueError, IndexError, AttributeError) as error:
            raise UserError(
                f"bad serial command {template!r}: unknown placeholder {error}",
                hint="use {serial}, {port}, {mac} and {uuid}",
            ) from None
    return argv


def _run(argv: list[str], timeout: float) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise SerialWriteError(f"the serial command {argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise SerialWriteError(f"{argv[0]} did not finish within {timeout:.0f} s") from None
    except OSError as error:
        raise SerialWriteError(f"cannot run {argv[0]}: {error.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1][:200]
        raise SerialWriteError(f"{argv[0]} exited {done.returncode}: {last}")
    return done.stdout


def write_serial(write: str, read: str, values: Mapping[str, str], *, timeout: float = 30.0) -> str:
    """Run the write command, then the read command; returns what the device holds."""
    if write:
        _run(command_argv(write, values), timeout)
    if not read:
        return values["serial"]
    back = _run(command_argv(read, values), timeout).strip()
    if back != values["serial"]:
        raise SerialWriteError(f"the device reads back serial {back or 'nothing'}")
    return back
