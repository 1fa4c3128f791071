"""The TuyaOpen production shell on the application UART: read the MAC, read and write licenses.

Replies arrive mixed with ANSI colour codes, device log lines (`[11-23 08:00:01 ...`) and the
echo of our own command; `clean_lines` strips all three. The parsers are strict: a UUID or AuthKey
that is not well-formed is a garbled reply, never a success (Tuya's own tool once counted garbled
`auth-read` replies as written licenses). The placeholder UUID counts as "no license".
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from prodtool.credentials import AUTHKEY_RE, UUID_RE
from prodtool.families.driver import CancelToken, DriverError
from prodtool.flash.events import Reason

SHELL_BAUD = 115200
PROMPT = "tuya>"
PROBE = "read_mac"  # wait_prompt's harmless command: read-only, with a reply of its own
QUIET_S = 0.1  # quiet line after the prompt while no probe has been answered
QUIET_AFTER_REPLY_S = 0.05  # ... once one has: another buffered probe would answer at once
PLACEHOLDER_UUID = "uuidxxxxxxxxxxxxxxxx"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_DEVICE_LOG = re.compile(r"^\[\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_PROBE_REPLY = re.compile(r"^(?:mac:|Failed to get MAC)", re.MULTILINE | re.IGNORECASE)
_MAC = re.compile(r"^mac:\s*((?:[0-9a-f]{2}:){5}[0-9a-f]{2})$", re.IGNORECASE)
_VERSION = re.compile(r"(\d+(?:\.\d+)+)")


@dataclass(frozen=True)
class Credentials:
    uuid: str
    authkey: str

    def __repr__(self) -> str:
        return f"Credentials(uuid={self.uuid!r}, authkey=<hidden>)"


class WriteReply(Enum):
    OK = "ok"
    REJECTED = "rejected"
    UNKNOWN = "unknown"  # unreadable: only the read-back can tell


def clean_lines(raw: str, command: str = "") -> list[str]:
    """Content lines of a reply: no colour codes, device logs, prompts, echo or blank lines."""
    lines: list[str] = []
    for line in _ANSI.sub("", raw).replace("\r", "\n").split("\n"):
        text = line.strip()
        while text.startswith(PROMPT):
            text = text[len(PROMPT) :].strip()
        if not text or _DEVICE_LOG.match(text) or (command and text == command.strip()):
            continue
        lines.append(text)
    return lines


def parse_mac(lines: list[str]) -> str:
    for line in lines:
        match = _MAC.match(line)
        if match:
            return match.group(1).lower()
    if any("Failed to get MAC" in line for line in lines):
        raise DriverError(Reason.NO_SHELL, "the firmware could not read its MAC")
    raise DriverError(Reason.GARBLED_REPLY, f"read_mac answered {len(lines)} unreadable line(s)")


def _value(line: str, label: str) -> str:
    """`line` without an optional `label:` prefix (some firmware prints `uuid: ...`)."""
    head, sep, rest = line.partition(":")
    return rest.strip() if sep and head.strip().lower() == label else line.strip()


def parse_auth_read(lines: list[str]) -> Credentials | None:
    """The stored license, None when there is none; DriverError(GARBLED_REPLY) otherwise."""
    if any("Authorization read failure" in line for line in lines):
        return None
    if len(lines) != 2:
        raise DriverError(Reason.GARBLED_REPLY, f"auth-read answered {len(lines)} line(s), not 2")
    uuid, authkey = _value(lines[0], "uuid"), _value(lines[1], "authkey")
    if uuid == PLACEHOLDER_UUID:
        return None
    if not UUID_RE.fullmatch(uuid) or not AUTHKEY_RE.fullmatch(authkey):
        raise DriverError(Reason.GARBLED_REPLY, "auth-read answered a malformed UUID or AuthKey")
    return Credentials(uuid, authkey)


def parse_auth_write(lines: list[str]) -> WriteReply:
    if any("Authorization write succeeds" in line for line in lines):
        return WriteReply.OK
    refusals = ("Use like:", "length must be", "Authorization write failure")
    if any(any(r in line for r in refusals) for line in lines):
        return WriteReply.REJECTED
    return WriteReply.UNKNOWN


def parse_version(lines: list[str]) -> str | None:
    for line in lines:
        match = _VERSION.search(line)
        if match:
            return match.group(1)
    return None


def version_tuple(version: str) -> tuple[int, ...]:
    match = _VERSION.search(version)
    return tuple(int(p) for p in match.group(1).split(".")) if match else ()


class TuyaShell:
    """A client for the shell on an open serial object (baud set to 115200 here)."""

    def __init__(
        self, serial: Any, *, timeout: float = 8.0, cancel: CancelToken | None = None
    ) -> None:
        self._serial = serial
        self._timeout = timeout
        self._cancel = cancel or CancelToken()
        serial.baudrate = SHELL_BAUD
        serial.timeout = 0.05

    def reset_into_app(self, use_rts: bool) -> None:
        """Pulse EN (RTS) with IO0 high (DTR off) where the transport carries the lines."""
        if not use_rts:
            return
        self._serial.dtr = False
        self._serial.rts = True
        self._cancel.wait(0.1)
        self._serial.rts = False

    def wait_prompt(self) -> None:
        """Poke the shell with a harmless command until it shows its prompt.

        A read-only command rather than a blank line: a chip still in download mode on a port
        without modem lines (the simulator's pty/socket) boots its app on a typed line.
        """
        deadline = time.monotonic() + self._timeout
        seen = ""
        probes = 0
        while time.monotonic() < deadline:
            self._cancel.check()
            self._write(PROBE + "\r\n")
            probes += 1
            seen += self._read_for(0.5, stop_at_prompt=True)
            if PROMPT in _ANSI.sub("", seen):
                self._settle(seen, probes)
                return
        raise DriverError(Reason.NO_SHELL, f"no '{PROMPT}' prompt within {self._timeout:.0f} s")

    def _settle(self, seen: str, probes: int, longest: float = 1.0) -> None:
        """Read what is still owed after the first prompt (often the boot banner's): the
        replies to the probes, which must not end up in the next command's reply.

        Done at once when every probe has its reply and the prompt after it. A probe typed
        while the chip was still booting may never be answered, so otherwise the line must be
        quiet: `QUIET_S` while no reply has come, `QUIET_AFTER_REPLY_S` once one has (a
        buffered probe's reply follows the one before it straight away)."""
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            clean = _ANSI.sub("", seen)
            answered = len(_PROBE_REPLY.findall(clean))
            if answered >= probes and clean.rstrip().endswith(PROMPT):
                return
            more = self._read_for(QUIET_AFTER_REPLY_S if answered else QUIET_S, stop_at_prompt=True)
            if not more:
                return
            seen += more

    def command(self, command: str) -> list[str]:
        """Send one command line and return the cleaned reply lines up to the next prompt."""
        self._cancel.check()
        self._serial.reset_input_buffer()
        self._write(command + "\r\n")
        raw = self._read_for(self._timeout, stop_at_prompt=True)
        if not _ANSI.sub("", raw).rstrip().endswith(PROMPT):
            name = command.split(" ", maxsplit=1)[0]
            raise DriverError(Reason.NO_SHELL, f"no prompt after '{name}'")
        return clean_lines(raw.rsplit(PROMPT, 1)[0] if raw else raw, command)

    def read_mac(self) -> str:
        return parse_mac(self.command("read_mac"))

    def auth_read(self) -> Credentials | None:
        return parse_auth_read(self.command("auth-read"))

    def auth_write(self, uuid: str, authkey: str) -> WriteReply:
        if not UUID_RE.fullmatch(uuid) or not AUTHKEY_RE.fullmatch(authkey):
            raise DriverError(Reason.INTERNAL, f"refusing to send a malformed license ({uuid})")
        return parse_auth_write(self.command(f"auth {uuid} {authkey}"))

    def sys_version(self) -> str | None:
        return parse_version(self.command("sys_version"))

    def _write(self, text: str) -> None:
        self._serial.write(text.encode("ascii"))
        self._serial.flush()

    def _read_for(self, seconds: float, *, stop_at_prompt: bool) -> str:
        deadline = time.monotonic() + seconds
        chunks: list[str] = []
        while time.monotonic() < deadline:
            self._cancel.check()
            waiting = self._serial.in_waiting
            data: bytes = self._serial.read(max(1, waiting))
            if data:
                chunks.append(data.decode("utf-8", errors="replace"))
                tail = _ANSI.sub("", "".join(chunks)[-64:]).rstrip()
                if stop_at_prompt and tail.endswith(PROMPT):
                    break
        return "".join(chunks)
