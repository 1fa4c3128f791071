"""Building blocks: fault specs, SLIP, flash semantics, the credential store."""

from __future__ import annotations

import pytest

from prodtool.families.esp import slip
from prodtool.sim import (
    Fault,
    FaultKind,
    FaultSpecError,
    format_fault,
    kvstore,
    parse_fault,
)
from prodtool.sim.faultbook import FaultBook
from prodtool.sim.flashmem import EraseTracker, Flash, FlashError

pytestmark = pytest.mark.sim


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("unplug@block=5", Fault(FaultKind.UNPLUG, block=5)),
        ("drop@op=0x03,nth=2", Fault(FaultKind.DROP, op=3, nth=2)),
        ("delay@op=0x13,ms=4000", Fault(FaultKind.DELAY, op=0x13, ms=4000)),
        ("corrupt@rate=0.001", Fault(FaultKind.CORRUPT, rate=0.001)),
        ("block-error@block=3,count=1", Fault(FaultKind.BLOCK_ERROR, block=3, count=1)),
        ("block-error@block=3,count=all", Fault(FaultKind.BLOCK_ERROR, block=3, count=None)),
        ("flash-stuck@offset=0x10000", Fault(FaultKind.FLASH_STUCK, offset=0x10000)),
        ("flash-rot@offset=0x10000,size=0x2000", Fault(FaultKind.FLASH_ROT, size=0x2000)),
        ("no-baud-change", Fault(FaultKind.NO_BAUD_CHANGE)),
        ("wrong-chip=esp32s3", Fault(FaultKind.WRONG_CHIP, chip="esp32s3")),
        ("no-download", Fault(FaultKind.NO_DOWNLOAD)),
        ("auth-reject@times=1", Fault(FaultKind.AUTH_REJECT, times=1)),
        ("shell-noise", Fault(FaultKind.SHELL_NOISE)),
        ("shell-ansi@times=all", Fault(FaultKind.SHELL_ANSI, times=None)),
        (
            "corrupt@rate=0.5,dir=tx,seed=7",
            Fault(FaultKind.CORRUPT, rate=0.5, direction="tx", seed=7),
        ),
    ],
)
def test_fault_specs_parse_and_round_trip(spec: str, expected: Fault) -> None:
    fault = parse_fault(spec)
    assert fault == expected
    assert parse_fault(format_fault(fault)) == fault


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode", "unknown fault"),
        ("unplug@ms=4", "does not take 'ms'"),
        ("drop@op=zz", "not a number"),
        ("drop@op", "not key=value"),
        ("no-download=yes", "takes no value"),
        ("corrupt@rate=2", "probability"),
        ("drop@nth=0", "counts from 1"),
        ("corrupt@dir=up", "rx, tx or both"),
    ],
)
def test_bad_fault_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        parse_fault(spec)


def test_fault_book_counts_firings() -> None:
    book = FaultBook([parse_fault("drop@op=0x03,nth=2"), parse_fault("block-error@count=2")])
    assert book.on_command(FaultKind.DROP, 0x03) is None  # 1st: passes
    assert book.on_command(FaultKind.DROP, 0x0A) is None  # other opcode
    assert book.on_command(FaultKind.DROP, 0x03) is not None  # 2nd: dropped
    assert book.on_command(FaultKind.DROP, 0x03) is None  # spent (once by default)
    assert book.on_block(FaultKind.BLOCK_ERROR, 0) is not None
    assert book.on_block(FaultKind.BLOCK_ERROR, 0) is not None
    assert book.on_block(FaultKind.BLOCK_ERROR, 0) is None  # count=2 per block
    assert book.on_block(FaultKind.BLOCK_ERROR, 1) is not None
    book.clear()
    assert book.faults() == []


def test_slip_round_trip_with_escapes_and_junk() -> None:
    packet = bytes([0x00, 0xC0, 0xDB, 0x01, 0xDB, 0xDC, 0xC0])
    frame = slip.encode(packet)
    assert frame.count(b"\xc0") == 2
    decoder = slip.SlipDecoder()
    events = list(decoder.feed(b"hello\r\n" + frame[:3]))
    events += list(decoder.feed(frame[3:] + b"x"))
    assert [e.junk for e in events if e.junk] == [b"hello\r\n", b"x"]
    assert [e.frame for e in events if e.frame] == [packet]


def test_slip_drops_a_frame_with_a_broken_escape() -> None:
    events = list(slip.SlipDecoder().feed(b"\xc0\x01\xdb\x02\xc0"))
    assert [e.bad for e in events] == [True]


def test_programming_only_clears_bits_and_erase_sets_whole_sectors() -> None:
    flash = Flash(0x4000)
    flash.program(0x100, b"\x0f\xf0")
    flash.program(0x100, b"\xf0\xff")
    assert flash.read(0x100, 2) == b"\x00\xf0"  # old AND new: no erase, no way back
    flash.erase(0x1FFF, 2)  # touches two sectors
    assert flash.read(0x100, 2) == b"\x00\xf0"
    assert flash.read(0x1000, 0x2000) == b"\xff" * 0x2000
    flash.erase(0x100, 1)
    assert flash.read(0x100, 2) == b"\xff\xff"
    with pytest.raises(FlashError):
        flash.read(0x3FFF, 2)


def test_stuck_and_rotting_regions() -> None:
    flash = Flash(0x4000)
    flash.stuck = [(0x1000, 0x2000)]
    flash.program(0xFFE, b"\0" * 4)
    assert flash.read(0xFFE, 4) == b"\0\0\xff\xff"
    flash.stuck = []
    flash.rot = [(0x3000, 0x4000)]
    flash.program(0x3000, b"\0" * 8)
    assert flash.read(0x3000, 8) != b"\0" * 8


def test_the_stub_erases_each_sector_just_before_writing_it() -> None:
    flash = Flash(0x4000)
    flash.program(0, b"\0" * 0x4000)
    tracker = EraseTracker(flash, 0, 0x3000)
    tracker.before_write(0, 0x800)
    assert flash.read(0, 0x1000) == b"\xff" * 0x1000
    assert flash.read(0x1000, 1) == b"\0"  # not reached yet: still old data


def test_credentials_store_survives_and_resets() -> None:
    flash = Flash(0x10000)
    assert kvstore.read_credentials(flash, 0xC000) is None
    kvstore.write_credentials(flash, 0xC000, "uuid0123456789abcdef", "k" * 32)
    assert kvstore.read_credentials(flash, 0xC000) == ("uuid0123456789abcdef", "k" * 32)
    kvstore.reset_credentials(flash, 0xC000)
    assert kvstore.read_credentials(flash, 0xC000) is None
