"""The TuyaOpen shell replies as real firmware prints them: colours, device logs, echo, garbage."""

from __future__ import annotations

import threading

import pytest

from prodtool.families.driver import DriverError
from prodtool.families.tuya_shell import (
    Credentials,
    TuyaShell,
    WriteReply,
    clean_lines,
    parse_auth_read,
    parse_auth_write,
    parse_mac,
    parse_version,
    version_tuple,
)
from prodtool.flash.events import Reason

UUID = "uuid8a3f2b1c9d0e4f57"
KEY = "Kq3ZpL8vN2xR7tY1wE5uI9oA4sD6fG0h"


def test_clean_lines_strips_colour_logs_prompt_and_echo() -> None:
    raw = (
        "auth-read\r\n\x1b[32m[11-23 08:00:01 ty D][tal_kv.c:12] kv read\x1b[0m\r\n"
        f"\x1b[1m{UUID}\x1b[0m\r\n{KEY}\r\ntuya> "
    )
    assert clean_lines(raw, "auth-read") == [UUID, KEY]


def test_auth_read_returns_credentials_and_hides_the_key_in_repr() -> None:
    creds = parse_auth_read([UUID, KEY])
    assert creds == Credentials(UUID, KEY)
    assert KEY not in repr(creds)


@pytest.mark.parametrize(
    "lines",
    [["Authorization read failure."], ["uuidxxxxxxxxxxxxxxxx", "keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]],
)
def test_auth_read_empty(lines: list[str]) -> None:
    assert parse_auth_read(lines) is None


@pytest.mark.parametrize(
    "lines",
    [
        [UUID],
        [UUID, KEY[:-1]],
        [UUID[:-2] + "#!", KEY],
        [UUID, KEY + "x"],
        [UUID, KEY, "extra"],
        ["\ufffd\ufffd", KEY],
    ],
)
def test_garbled_auth_read_is_never_success(lines: list[str]) -> None:
    with pytest.raises(DriverError) as info:
        parse_auth_read(lines)
    assert info.value.reason is Reason.GARBLED_REPLY
    assert KEY not in str(info.value)


def test_mac_and_version() -> None:
    assert parse_mac(["mac: AA:bb:cc:00:11:22"]) == "aa:bb:cc:00:11:22"
    with pytest.raises(DriverError) as info:
        parse_mac(["mac: zz"])
    assert info.value.reason is Reason.GARBLED_REPLY
    assert parse_version(["version: 1.4.2"]) == "1.4.2"
    assert version_tuple("v1.10.0") > version_tuple("1.9.9")


def test_write_replies() -> None:
    assert parse_auth_write(["Authorization write succeeds.", "Please reset"]) is WriteReply.OK
    assert parse_auth_write(["uuid length must be 20/16, authkey length must be 32"]) is (
        WriteReply.REJECTED
    )
    assert parse_auth_write(["Authorization write failure."]) is WriteReply.REJECTED
    assert parse_auth_write(["\ufffd"]) is WriteReply.UNKNOWN


class ScriptedPort:
    """A serial port whose reads come from a script: each item one chunk, QUIET one read that
    times out (as a real read does after `timeout` with nothing on the line); after the script,
    the line stays quiet."""

    QUIET = None

    def __init__(self, script: list[bytes | None]) -> None:
        self.script = list(script)
        self.baudrate = 0
        self.timeout = 0.0
        self.written: list[bytes] = []
        self.quiet_reads = 0
        self._line = threading.Event()  # never set: a read with nothing to read times out

    @property
    def in_waiting(self) -> int:
        return len(self.script[0] or b"") if self.script else 0

    def read(self, size: int = 1) -> bytes:
        chunk = self.script.pop(0) if self.script else None
        if chunk is None:
            self.quiet_reads += 1
            self._line.wait(self.timeout)
            return b""
        return chunk

    def write(self, data: bytes) -> int:
        self.written.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def reset_input_buffer(self) -> None:
        pass  # the script is what arrives later: nothing is buffered yet


BANNER = b"I (30) boot: ESP-IDF\r\n[11-23 08:00:00 ty I][tuya_main.c:96] TuyaOpen\r\ntuya>"
PROBE_REPLY = b"read_mac\r\nmac: 11:11:11:11:11:11\r\ntuya>"
COMMAND_REPLY = b"read_mac\r\nmac: 22:22:22:22:22:22\r\ntuya>"


def test_a_probe_answered_with_the_banner_needs_no_quiet_wait() -> None:
    port = ScriptedPort([BANNER + PROBE_REPLY, COMMAND_REPLY])
    shell = TuyaShell(port)
    shell.wait_prompt()
    assert port.quiet_reads == 0  # its reply and the prompt after it: nothing is owed
    assert shell.read_mac() == "22:22:22:22:22:22"


def test_the_probe_reply_after_the_banner_prompt_is_read_before_the_next_command() -> None:
    port = ScriptedPort([BANNER, PROBE_REPLY, COMMAND_REPLY])
    shell = TuyaShell(port)
    shell.wait_prompt()
    assert port.quiet_reads == 0
    assert shell.read_mac() == "22:22:22:22:22:22"  # not the probe's late 11:...


def test_an_unanswered_probe_waits_for_a_quiet_line() -> None:
    port = ScriptedPort([BANNER, ScriptedPort.QUIET, ScriptedPort.QUIET, COMMAND_REPLY])
    shell = TuyaShell(port)
    shell.wait_prompt()  # the probe was typed while the chip booted: lost
    assert port.quiet_reads == 2  # QUIET_S of quiet (two 50 ms reads), then the command
    assert shell.read_mac() == "22:22:22:22:22:22"
    assert port.written == [b"read_mac\r\n", b"read_mac\r\n"]
