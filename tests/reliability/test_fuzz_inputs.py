"""Bad input, fuzzed: the package reader, License Lists (CSV and XLSX bytes), SLIP on both sides
of the wire and the TuyaOpen shell's reply parser. Each either reads the input or refuses it with
its own clear error; nothing else may escape (no crash, no traceback)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from esptool.loader import slip_reader
from esptool.util import FatalError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from prodtool.families.driver import DriverError
from prodtool.families.esp import slip
from prodtool.families.esp.driver import Phase, map_error
from prodtool.families.tuya_shell import (
    PLACEHOLDER_UUID,
    clean_lines,
    parse_auth_read,
    parse_auth_write,
    parse_mac,
    parse_version,
)
from prodtool.license.errors import LicenseListError, PackageError
from prodtool.license.formats import authkey_problem, uuid_problem
from prodtool.license.licenselist import read_license_list
from prodtool.license.testing import PASSWORD, make_package, open_test_package
from tests.reliability.harness import record

TRIED: dict[str, int] = {}


def _count(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


# example counts come from the hypothesis profile (tests/reliability/conftest.py: --soak)
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def good_package(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("pkg")
    return make_package(folder / "good.prodpkg", count=2).read_bytes()


@FUZZ
@given(data=st.data())
def test_package_reader_refuses_any_damage_cleanly(
    tmp_path: Path, good_package: bytes, data: st.DataObject
) -> None:
    _count("package")
    blob = bytearray(good_package)
    how = data.draw(st.sampled_from(["random", "cut", "splice", "flip", "zip"]))
    if how == "random":
        blob = bytearray(data.draw(st.binary(max_size=4096)))
    elif how == "cut":
        del blob[data.draw(st.integers(0, len(blob) - 1)) :]
    elif how == "splice":
        at = data.draw(st.integers(0, len(blob)))
        blob[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    elif how == "flip":
        for at in data.draw(st.lists(st.integers(0, len(blob) - 1), min_size=1, max_size=8)):
            blob[at] ^= data.draw(st.integers(1, 255))
    else:  # a well-formed zip of the right member names with hostile contents
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in ("manifest.json", "licenses.enc", "signature.json"):
                archive.writestr(name, data.draw(st.binary(max_size=512)))
        blob = bytearray(buffer.getvalue())
    path = tmp_path / "fuzzed.prodpkg"
    path.write_bytes(bytes(blob))
    if bytes(blob) == good_package:
        return
    with pytest.raises(PackageError) as refused:
        open_test_package(path, PASSWORD)
    assert "\n" not in str(refused.value)


_CELL = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyzABCDEF", min_size=16, max_size=32),
    st.sampled_from(["uuid", "AuthKey", "auth_key", "key", "", " "]),
)


def _check_list(path: Path) -> None:
    try:
        licenses = read_license_list(path)
    except LicenseListError as error:
        assert str(error).strip(), "a refusal must say something"
        return
    uuids = [lic.uuid for lic in licenses]
    assert len(set(uuids)) == len(uuids)
    for lic in licenses:
        assert uuid_problem(lic.uuid) is None and authkey_problem(lic.authkey) is None


@FUZZ
@given(
    raw=st.one_of(
        st.binary(max_size=2048),
        st.lists(st.lists(_CELL, max_size=4), max_size=12).flatmap(
            lambda rows: st.sampled_from([",", ";", "\t"]).map(
                lambda d: "\n".join(d.join(r) for r in rows).encode()
            )
        ),
    ),
    bom=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"]),
)
def test_license_list_csv_bytes(tmp_path: Path, raw: bytes, bom: bytes) -> None:
    _count("csv")
    path = tmp_path / "list.csv"
    path.write_bytes(bom + raw)
    _check_list(path)


@FUZZ
@given(
    rows=st.lists(
        st.lists(st.one_of(_CELL, st.integers(), st.floats(allow_nan=True), st.none()), max_size=4),
        max_size=10,
    ),
    garbage=st.one_of(st.none(), st.binary(max_size=512)),
)
def test_license_list_xlsx_bytes(
    tmp_path: Path, rows: list[list[object]], garbage: bytes | None
) -> None:
    _count("xlsx")
    path = tmp_path / "list.xlsx"
    if garbage is not None:
        path.write_bytes(garbage)
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append([_xlsx_safe(v) for v in row])
        book.save(path)
    _check_list(path)


def _xlsx_safe(value: object) -> object:
    if isinstance(value, str):  # openpyxl refuses control characters in cells
        return "".join(c for c in value if c >= " " or c in "\t\n")
    return value


@FUZZ
@given(chunks=st.lists(st.binary(max_size=300), max_size=8))
def test_sim_slip_decoder_never_raises(chunks: list[bytes]) -> None:
    _count("slip (simulator)")
    decoder = slip.SlipDecoder()
    for chunk in chunks:
        for event in decoder.feed(chunk):
            assert (event.frame is not None) + (event.junk is not None) + event.bad == 1
            if event.frame is not None:
                assert slip.encode(event.frame)[1:-1].count(b"\xc0") == 0


@FUZZ
@given(packets=st.lists(st.binary(max_size=64), max_size=4))
def test_sim_slip_round_trip(packets: list[bytes]) -> None:
    _count("slip (simulator)")
    wire = b"".join(slip.encode(p) for p in packets)
    frames = [e.frame for e in slip.SlipDecoder().feed(wire) if e.frame is not None]
    assert frames == [p for p in packets if p]


class _FakePort:
    def __init__(self, data: bytes) -> None:
        self._chunks: Iterator[bytes] = iter([data[i : i + 7] for i in range(0, len(data), 7)])

    def inWaiting(self) -> int:
        return 0

    def read(self, _n: int) -> bytes:
        return next(self._chunks, b"")


@FUZZ
@given(data=st.binary(max_size=600))
def test_driver_side_slip_ends_in_a_reason(data: bytes) -> None:
    """esptool's reader (the driver's side) on garbage: packets, then an error we map."""
    _count("slip (driver)")
    reader = slip_reader(_FakePort(data), lambda _msg: None)
    for _ in range(len(data) + 2):
        try:
            next(reader)
        except FatalError as error:
            mapped = map_error(error, Phase.CONNECT)
            assert isinstance(mapped, DriverError) and mapped.reason.value
            return
    pytest.fail("the reader never ended")


_DEVICE_LOG = st.builds(
    lambda n, text: f"[11-23 08:00:{n:02d} ty W][tuya_iot.c:412] {text}",
    st.integers(0, 59),
    st.text(alphabet="abc xyz:", max_size=20),
)
_LINE = st.one_of(st.text(max_size=60), _DEVICE_LOG, st.sampled_from(["tuya>", "\x1b[0;32m", "\r"]))


@FUZZ
@given(lines=st.lists(_LINE, max_size=8), command=st.sampled_from(["", "auth-read", "read_mac"]))
def test_shell_reply_parsers_take_anything(lines: list[str], command: str) -> None:
    _count("shell replies")
    clean = clean_lines("\r\n".join(lines), command)
    for parse in (parse_mac, parse_auth_read):
        try:
            parse(clean)
        except DriverError as error:
            assert error.reason.value in {"garbled_reply", "no_shell"}
    parse_auth_write(clean)
    parse_version(clean)


@FUZZ
@given(
    uuid=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=20, max_size=20),
    key=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        min_size=32,
        max_size=32,
    ),
    noise=st.lists(_DEVICE_LOG, max_size=3),
    ansi=st.booleans(),
)
def test_auth_read_survives_noise_and_colour(
    uuid: str, key: str, noise: list[str], ansi: bool
) -> None:
    _count("shell replies")
    assume(uuid != PLACEHOLDER_UUID)  # the firmware's "no license" answer
    paint = (lambda s: f"\x1b[0;32m{s}\x1b[0m") if ansi else (lambda s: s)
    reply = ["auth-read", paint(uuid), *noise, paint(key), "tuya>"]
    held = parse_auth_read(clean_lines("\r\n".join(reply), "auth-read"))
    assert held is not None and (held.uuid, held.authkey) == (uuid, key)


def test_zz_report_inputs_tried() -> None:
    record("bad input (fuzz)", inputs_tried=sum(TRIED.values()), by_parser=dict(TRIED))
