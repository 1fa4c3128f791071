"""SLIP framing (RFC 1055 as the ESP ROM uses it): C0 delimits, DB escapes.

The decoder is incremental and works on whole chunks with bytes methods, not per byte in Python,
so a 16 KiB block costs a few C calls. Bytes outside any frame are handed back separately: the
chip uses them to notice text (a shell command) on a port that has no reset lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

END = 0xC0
ESC = 0xDB
_END = b"\xc0"


def encode(packet: bytes) -> bytes:
    """One SLIP frame: C0, escaped packet, C0."""
    return _END + packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + _END


def frames(data: bytes) -> list[bytes]:
    """The whole, well-escaped frames in a byte stream (bytes between frames are skipped)."""
    return [event.frame for event in SlipDecoder().feed(data) if event.frame is not None]


class SlipDecodeError(Exception):
    """A frame with an invalid escape sequence."""


def unescape(body: bytes) -> bytes:
    """Undo SLIP escaping; raise SlipDecodeError on an escape the ROM would reject."""
    if b"\xdb" not in body:
        return body
    if _has_bad_escape(body):
        raise SlipDecodeError("invalid SLIP escape")
    return body.replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")


def _has_bad_escape(body: bytes) -> bool:
    i = body.find(b"\xdb")
    while i != -1:
        if i + 1 >= len(body) or body[i + 1] not in (0xDC, 0xDD):
            return True
        i = body.find(b"\xdb", i + 2)
    return False


@dataclass
class Event:
    """What the decoder found: a frame (escaped body undone) or bytes outside frames."""

    frame: bytes | None = None
    junk: bytes | None = None
    bad: bool = False  # a frame with a broken escape: the ROM drops it


@dataclass
class SlipDecoder:
    """Incremental SLIP decoder that also reports bytes between frames."""

    _partial: bytearray | None = None
    _max_frame: int = 0x12000

    @property
    def in_frame(self) -> bool:
        return self._partial is not None

    def reset(self) -> None:
        self._partial = None

    def feed(self, data: bytes) -> Iterator[Event]:
        pos = 0
        n = len(data)
        while pos < n:
            if self._partial is None:
                start = data.find(_END, pos)
                if start == -1:
                    yield Event(junk=data[pos:])
                    return
                if start > pos:
                    yield Event(junk=data[pos:start])
                self._partial = bytearray()
                pos = start + 1
                continue
            end = data.find(_END, pos)
            if end == -1:
                self._partial += data[pos:]
                if len(self._partial) > self._max_frame:
                    self._partial = None  # runaway frame: drop it like a full FIFO
                return
            self._partial += data[pos:end]
            body = bytes(self._partial)
            pos = end + 1
            if not body:
                # C0 C0: an empty frame is the start of the next one (esptool's reader agrees)
                continue
            self._partial = None
            try:
                yield Event(frame=unescape(body))
            except SlipDecodeError:
                yield Event(bad=True)
