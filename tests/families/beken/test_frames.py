"""Framing: both forms both ways, and a reader that finds replies among noise and stale frames."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from prodtool.families.beken.frames import (
    Frame,
    FrameReader,
    HostFrameReader,
    encode_command,
    encode_reply,
)


def test_short_and_long_commands_match_published_captures() -> None:
    # bkWriter 1.60 captures (BK7231GUIFlashTool developer notes): SetBaudRate 921600, 15 ms
    # and CheckCRC 0x11000..0x11FFF.
    assert encode_command(0x0F, struct.pack("<IB", 921600, 15)).hex(" ") == (
        "01 e0 fc 06 0f 00 10 0e 00 0f"
    )
    assert encode_command(0x10, struct.pack("<II", 0x11000, 0x11FFF)).hex(" ") == (
        "01 e0 fc 09 10 00 10 01 00 ff 1f 01 00"
    )
    assert encode_command(0x0E, b"\xa5").hex(" ") == "01 e0 fc 02 0e a5"
    long = encode_command(0x07, b"\x00\x10\x00\x00" + b"\xaa" * 4096, long=True)
    # n16 = 1 (code) + 4 (address) + 4096 = 0x1005, little-endian, then the code.
    assert long[:12].hex(" ") == "01 e0 fc ff f4 05 10 07 00 10 00 00"
    assert len(long) == 8 + 4 + 4096


def test_payloads_of_254_bytes_or_more_take_the_long_form() -> None:
    assert encode_command(0x06, b"\x00" * 253)[3] == 254
    assert encode_command(0x06, b"\x00" * 254)[3] == 0xFF


def test_reply_forms_decode() -> None:
    reader = FrameReader()
    link = encode_reply(0x01, b"\x00")
    assert link.hex(" ") == "04 0e 05 01 e0 fc 01 00"
    mid = encode_reply(0x0E, bytes.fromhex("009feb6015"), long=True)
    assert mid[:10].hex(" ") == "04 0e ff 01 e0 fc f4 06 00 0e"
    assert reader.feed(link + mid) == [
        Frame(0x01, b"\x00"),
        Frame(0x0E, bytes.fromhex("009feb6015"), long=True),
    ]


def test_reader_resynchronises_after_noise_and_split_reads() -> None:
    reader = FrameReader()
    stream = b"\x00\x04\x0e\xffgarbage\x04" + encode_reply(0x10, b"\x01\x02\x03\x04") + b"\x04"
    frames: list[Frame] = []
    for byte in stream:
        frames += reader.feed(bytes([byte]))
    assert frames == [Frame(0x10, b"\x01\x02\x03\x04")]
    assert reader.skipped >= 11
    assert reader.pending() == 1  # a trailing 04 might start the next reply


@given(
    noise=st.binary(max_size=64),
    payload=st.binary(max_size=300),
    long=st.booleans(),
    cut=st.integers(min_value=1, max_value=50),
)
def test_a_reply_after_any_noise_is_found(
    noise: bytes, payload: bytes, long: bool, cut: int
) -> None:
    if not long and len(payload) > 250:
        payload = payload[:250]
    reader = FrameReader()
    reply = encode_reply(0x09, payload, long=long)
    stream = noise.replace(b"\x04\x0e", b"\x04\x00") + reply
    frames: list[Frame] = []
    for at in range(0, len(stream), cut):
        frames += reader.feed(stream[at : at + cut])
    assert frames[-1:] == [Frame(0x09, payload, long=long)]


def test_host_reader_splits_text_from_frames() -> None:
    reader = HostFrameReader()
    items = reader.feed(b"reboot\r\n" + encode_command(0xFE, b"\x95\x27\x95\x27") + b"ab\x01")
    assert items[0] == b"reboot\r\n"
    assert items[1] == Frame(0xFE, b"\x95\x27\x95\x27")
    assert items[2] == b"ab"
    assert reader.feed(b"\xe0\xfc\x01\x00") == [Frame(0x00, b"")]


def test_host_reader_long_command() -> None:
    reader = HostFrameReader()
    frame = encode_command(0x09, b"\x00\x10\x00\x00", long=True)
    assert reader.feed(frame[:6]) == []
    assert reader.feed(frame[6:]) == [Frame(0x09, b"\x00\x10\x00\x00", long=True)]
