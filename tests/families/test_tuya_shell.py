"""The TuyaOpen shell replies as real firmware prints them: colours, device logs, echo, garbage."""

from __future__ import annotations

import pytest

from prodtool.families.driver import DriverError
from prodtool.families.tuya_shell import (
    Credentials,
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
