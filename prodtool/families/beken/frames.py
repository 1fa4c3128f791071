"""The Beken download protocol's framing, and a reader that finds replies among noise.

Host to chip: `01 E0 FC <n> <cmd> <payload>` (short, n = 1 + len(payload) < 255) or
`01 E0 FC FF F4 <n16 LE> <cmd> <payload>` (long, used by every flash command).
Chip to host: `04 0E <n> 01 E0 FC <cmd> <payload>` (short, n = 4 + len(payload)) or
`04 0E FF 01 E0 FC F4 <n16 LE> <cmd> <payload>` (long; payload starts with a status byte).

The reader resynchronises on `04 0E`: boot noise, stale LinkCheck replies and bytes garbled by a
baud change come before the reply we want, so anything that does not parse is skipped a byte at
a time. The same `FrameReader` decodes commands on the simulated chip's side (`HostFrameReader`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum

CMD_PREAMBLE = b"\x01\xe0\xfc"
RESP_PREAMBLE = b"\x04\x0e"
LONG_MARK = 0xFF
LONG_TAG = 0xF4
MAX_LONG = 0x2000  # no command or reply we know is longer; larger lengths are noise


class _Parse(Enum):
    MORE = "more"  # a frame may start here: wait for more bytes
    NOISE = "noise"  # not a frame: skip a byte and look again


@dataclass(frozen=True)
class Frame:
    """One decoded frame: the command code, long or short form, and its payload."""

    cmd: int
    payload: bytes
    long: bool = False


def encode_command(cmd: int, payload: bytes = b"", *, long: bool = False) -> bytes:
    """A host-to-chip frame; a payload of 254 bytes or more (n = 0xFF) takes the long form."""
    size = 1 + len(payload)
    if long or size >= LONG_MARK:
        return (
            CMD_PREAMBLE
            + bytes([LONG_MARK, LONG_TAG])
            + struct.pack("<H", size)
            + bytes([cmd])
            + payload
        )
    return CMD_PREAMBLE + bytes([size, cmd]) + payload


def encode_reply(cmd: int, payload: bytes = b"", *, long: bool = False) -> bytes:
    """A chip-to-host frame (the simulated ROM's side)."""
    if long:
        return (
            RESP_PREAMBLE
            + bytes([LONG_MARK])
            + CMD_PREAMBLE
            + bytes([LONG_TAG])
            + struct.pack("<H", 1 + len(payload))
            + bytes([cmd])
            + payload
        )
    return RESP_PREAMBLE + bytes([4 + len(payload)]) + CMD_PREAMBLE + bytes([cmd]) + payload


class FrameReader:
    """Feed bytes, take frames: the chip's replies, resynchronising on `04 0E`.

    `skipped` counts bytes thrown away while looking for a frame (noise, garbled replies).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.skipped = 0

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames: list[Frame] = []
        while True:
            frame = self._next()
            if frame is None:
                return frames
            frames.append(frame)

    def pending(self) -> int:
        """Bytes held for a frame not yet complete."""
        return len(self._buf)

    def missing(self) -> int:
        """Bytes still to come for the frame begun in the buffer (0: none begun).

        A read can ask for exactly these: it returns as soon as the frame is whole, in one
        call, where a port cannot say how much is waiting (socket://: pyserial's `in_waiting`
        there is 0 or 1, and a 4 KiB reply read byte by byte took longer than its timeout).
        """
        buf = self._buf
        if len(buf) < 3 or buf[:2] != RESP_PREAMBLE:
            return 0
        if buf[2] != LONG_MARK:
            return max(0, 3 + buf[2] - len(buf))
        if len(buf) < 9:
            return 9 - len(buf)
        (size,) = struct.unpack_from("<H", buf, 7)
        return max(0, 9 + size - len(buf)) if size <= MAX_LONG else 0

    def clear(self) -> None:
        self._buf.clear()

    def _drop(self, count: int) -> None:
        del self._buf[:count]
        self.skipped += count

    def _next(self) -> Frame | None:
        buf = self._buf
        while True:
            start = buf.find(RESP_PREAMBLE)
            if start < 0:
                keep = 1 if buf[-1:] == RESP_PREAMBLE[:1] else 0
                self._drop(len(buf) - keep)
                return None
            if start:
                self._drop(start)
            parsed = self._parse()
            if parsed is _Parse.MORE:
                return None
            if parsed is _Parse.NOISE:
                self._drop(1)  # not a frame after all: look for the next 04 0E
                continue
            return parsed

    def _parse(self) -> Frame | _Parse:
        """A frame at the buffer's start, None if more bytes are needed, False if noise."""
        buf = self._buf
        if len(buf) < 3:
            return _Parse.MORE
        if buf[2] != LONG_MARK:
            size = buf[2]
            if size < 4:
                return _Parse.NOISE
            head = bytes(buf[3:6])
            if head != CMD_PREAMBLE[: len(head)]:
                return _Parse.NOISE
            if len(buf) < 3 + size:
                return _Parse.MORE
            frame = Frame(buf[6], bytes(buf[7 : 3 + size]))
            del buf[: 3 + size]
            return frame
        head = bytes(buf[3:7])
        if head != (CMD_PREAMBLE + bytes([LONG_TAG]))[: len(head)]:
            return _Parse.NOISE
        if len(buf) < 10:
            return _Parse.MORE
        (size,) = struct.unpack_from("<H", buf, 7)
        if size < 1 or size > MAX_LONG:
            return _Parse.NOISE
        if len(buf) < 9 + size:
            return _Parse.MORE
        frame = Frame(buf[9], bytes(buf[10 : 9 + size]), long=True)
        del buf[: 9 + size]
        return frame


class HostFrameReader:
    """The chip's side: commands from the host, resynchronising on `01 E0 FC`.

    Bytes before a preamble are handed back as `junk` (the simulated app reads typed text
    there); noise inside a broken frame is dropped.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def clear(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Frame | bytes]:
        """Frames and runs of non-frame bytes, in arrival order."""
        self._buf += data
        out: list[Frame | bytes] = []
        buf = self._buf
        while buf:
            start = buf.find(CMD_PREAMBLE)
            if start < 0:
                keep = next((k for k in (2, 1) if buf[-k:] == CMD_PREAMBLE[:k]), 0)
                if len(buf) > keep:
                    out.append(bytes(buf[: len(buf) - keep]))
                    del buf[: len(buf) - keep]
                return out
            if start:
                out.append(bytes(buf[:start]))
                del buf[:start]
            parsed = self._parse()
            if parsed is _Parse.MORE:
                return out
            if parsed is _Parse.NOISE:
                del buf[:1]
                continue
            out.append(parsed)
        return out

    def _parse(self) -> Frame | _Parse:
        buf = self._buf
        if len(buf) < 4:
            return _Parse.MORE
        if buf[3] != LONG_MARK:
            size = buf[3]
            if size < 1:
                return _Parse.NOISE
            if len(buf) < 4 + size:
                return _Parse.MORE
            frame = Frame(buf[4], bytes(buf[5 : 4 + size]))
            del buf[: 4 + size]
            return frame
        if len(buf) < 5:
            return _Parse.MORE
        if buf[4] != LONG_TAG:
            return _Parse.NOISE
        if len(buf) < 8:
            return _Parse.MORE
        (size,) = struct.unpack_from("<H", buf, 5)
        if size < 1 or size > MAX_LONG:
            return _Parse.NOISE
        if len(buf) < 7 + size:
            return _Parse.MORE
        frame = Frame(buf[7], bytes(buf[8 : 7 + size]), long=True)
        del buf[: 7 + size]
        return frame
