"""Issue 15, license side: what a hostile or careless user tried, each refused in one line."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import sqlite3
import tracemalloc
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from prodtool.cli.main import main
from prodtool.engine.console import EventPrinter, format_summary
from prodtool.engine.station import Station, Summary
from prodtool.flash.events import PortAdded
from prodtool.license import archive
from prodtool.license.builder import build_package, demo_licenses, demo_signing_key, seal_package
from prodtool.license.errors import (
    LicenseListError,
    MalformedPackage,
    PackageIdClash,
    TamperedPackage,
)
from prodtool.license.formats import DEMO_ID_PREFIX, demo_authkey, printable
from prodtool.license.keys import generate_issuer_keys, key_id, load_private_key, load_public_key
from prodtool.license.ledger import Ledger
from prodtool.license.licenselist import read_license_list, read_license_rows
from prodtool.license.model import DeliveryMode, License, Manifest, ScryptParams
from prodtool.license.package import verify_package
from prodtool.license.schema import MIGRATIONS
from prodtool.license.sealing import parse_license_lines, seal_licenses
from prodtool.license.testing import (
    FIRMWARE,
    PASSWORD,
    make_package,
    open_ledger,
    open_test_package,
)
from prodtool.license.trust import TrustStore
from prodtool.paths import station_paths
from tests.license.flashable import flashable_package

REAL_KEY = "Zq8v2LmP0xYt7RkW3nBc5HdJ9sGf1aQe"  # shaped like a real AuthKey, not a DEMO one


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_refusal(code: int, err: str) -> None:
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err


def _forge_demo(path: Path, licenses: list[License], template: Manifest) -> Path:
    """What the red team did: real licenses in a package signed with the public DEMO key."""
    package_id = DEMO_ID_PREFIX + "pkg-forged"
    encryption, sealed = seal_licenses(
        licenses, password=PASSWORD, package_id=package_id, params=ScryptParams.TEST
    )
    manifest = dataclasses.replace(
        template, package_id=package_id, encryption=encryption, license_count=len(licenses)
    )
    members = [
        ("manifest.json", manifest.to_json().encode()),
        ("licenses.enc", sealed),
        *((image.file, FIRMWARE) for image in manifest.firmware),
    ]
    seal_package(path, members, demo_signing_key()[1])
    return path


# -- item 1: DEMO packages, packages under an id already loaded, the station's recorded manifest


def test_a_demo_package_carrying_real_licenses_is_refused(tmp_path: Path) -> None:
    template = open_test_package(make_package(tmp_path / "t.prodpkg")).manifest
    real = [License("uuid00000000000000aa", REAL_KEY)]
    forged = _forge_demo(tmp_path / "forged.prodpkg", real, template)
    with pytest.raises(MalformedPackage, match="only DEMO licenses") as info:
        open_test_package(forged)
    assert REAL_KEY not in str(info.value)
    with pytest.raises(LicenseListError, match="only DEMO licenses"):
        make_package(tmp_path / "b.prodpkg", licenses=real)


def test_demo_licenses_and_ids_say_demo(tmp_path: Path) -> None:
    lic = demo_licenses(3, seed=2)
    assert all(x.authkey == demo_authkey(x.uuid) for x in lic)
    assert len({x.authkey for x in lic}) == 3
    package = open_test_package(make_package(tmp_path / "a.prodpkg"))
    assert package.manifest.package_id.startswith("DEMO-") and package.demo


def test_demo_flag_and_id_must_agree(tmp_path: Path) -> None:
    _, private, _ = generate_issuer_keys(tmp_path / "keys", None)
    with pytest.raises(MalformedPackage, match="DEMO"):
        build_package(
            tmp_path / "p.prodpkg",
            password=PASSWORD,
            licenses=[License("uuid00000000000000aa", REAL_KEY)],
            mode=DeliveryMode.AUTHORIZATION_ONLY,
            signing_key=load_private_key(private),
            kdf=ScryptParams.TEST,
            package_id="DEMO-looks-like-a-demo",
        )


def _same_id_other_firmware(tmp_path: Path, first: Path, name: str) -> Path:
    """A package under `first`'s id, same license count, another firmware image."""
    original = open_test_package(first)
    return flashable_package(
        tmp_path / name,
        version="6.6.6",
        licenses=list(original.licenses()),
        package_id=original.manifest.package_id,
    )


def test_another_package_under_a_loaded_id_is_refused(tmp_path: Path) -> None:
    first = make_package(tmp_path / "a.prodpkg", count=3)
    other = _same_id_other_firmware(tmp_path, first, "b.prodpkg")
    with open_ledger(tmp_path) as ledger:
        package_id = ledger.load_package(open_test_package(first))
        assert ledger.load_package(open_test_package(first)) == package_id  # the same: fine
        with pytest.raises(PackageIdClash, match="a different package with the same id"):
            ledger.load_package(open_test_package(other))
        assert ledger.manifest(package_id) == open_test_package(first).manifest


def test_a_ledger_from_before_digests_records_them_and_still_refuses(tmp_path: Path) -> None:
    first = make_package(tmp_path / "a.prodpkg", count=3)
    other = _same_id_other_firmware(tmp_path, first, "b.prodpkg")
    # A schema-1 ledger, as stations hold it, with the package loaded by the old prodtool.
    conn = sqlite3.connect(tmp_path / "ledger.sqlite3")
    conn.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    conn.close()
    with open_ledger(tmp_path) as ledger:
        package_id = ledger.load_package(open_test_package(first))
    conn = sqlite3.connect(tmp_path / "ledger.sqlite3")
    with conn:
        conn.execute("UPDATE packages SET content_digest = NULL")
    conn.close()
    with open_ledger(tmp_path) as ledger:
        with pytest.raises(PackageIdClash):
            ledger.load_package(open_test_package(other))
        assert ledger.load_package(open_test_package(first)) == package_id
    conn = sqlite3.connect(tmp_path / "ledger.sqlite3")
    (digest,) = conn.execute("SELECT content_digest FROM packages").fetchone()
    conn.close()
    assert digest == open_test_package(first).digest


def test_station_follows_the_recorded_package_not_the_file_given(tmp_path: Path) -> None:
    paths = station_paths(tmp_path / "station")
    first = flashable_package(tmp_path / "a.prodpkg", count=3)
    other = _same_id_other_firmware(tmp_path, first, "b.prodpkg")
    with Station(paths, opener=_no_port, comports=list) as station:
        manifest = station.load_package(first, PASSWORD)
        with pytest.raises(PackageIdClash):
            station.load_package(other, PASSWORD)
        assert station.manifest == manifest
        assert station.summary().demo


def _no_port(url: str) -> object:
    raise AssertionError(f"no port is opened here ({url})")


def test_every_line_of_a_demo_run_says_demo() -> None:
    out = io.StringIO()
    EventPrinter(out, demo=True)(PortAdded(port="sim://1", description="x"))
    EventPrinter(out, demo=True, as_json=True)(PortAdded(port="sim://1", description="x"))
    text, data = out.getvalue().splitlines()
    assert text.startswith("DEMO ") and json.loads(data)["demo"] is True
    summary = Summary(1, 0, 0, 1.0, 3, 1.0, package_id="DEMO-pkg-1", demo=True)
    assert format_summary(summary).startswith("DEMO")
    assert json.loads(format_summary(summary, as_json=True))["demo"] is True


# -- item 7: package members are checked before inflating, streamed, and have a maximum


def _deflated_bomb(path: Path, size: int) -> Path:
    """A small archive whose manifest inflates to `size` bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", b"\0" * size)
        zf.writestr("signature.json", b"{}")
    return path


def test_a_deflate_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    bomb = _deflated_bomb(tmp_path / "bomb.prodpkg", 64 * 2**20)
    assert bomb.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(TamperedPackage, match="compressed"):
            verify_package(bomb, TrustStore(None))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


def test_members_over_the_documented_maximum_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    monkeypatch.setattr(archive, "MAX_FIRMWARE_BYTES", len(FIRMWARE) - 1)
    with pytest.raises(TamperedPackage, match="more than a package member may hold"):
        verify_package(path, TrustStore(None))
    monkeypatch.setattr(archive, "MAX_PACKAGE_BYTES", 1000)
    with pytest.raises(TamperedPackage, match="more than a package may be"):
        verify_package(path, TrustStore(None))


def test_firmware_is_hashed_not_kept_and_read_again_checked(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    verified = verify_package(path, TrustStore(None))
    assert not any(name.startswith("firmware/") for name in verified.members)
    package = open_test_package(path)
    assert package.firmware_bytes(package.manifest.firmware[0]) == FIRMWARE


# -- item 12: control characters in text fields


def test_control_characters_are_refused_at_build_and_escaped_on_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(MalformedPackage, match="U\\+001B"):
        make_package(tmp_path / "a.prodpkg", product_name="Plug\x1b[2J\x1b]0;owned\x07")
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD)
    code, _, err = _run(
        capsys, "package", "build", "--out", str(tmp_path / "b.prodpkg"), "--password-file",
        str(pw), "--demo-licenses", "2", "--demo", "--kdf-test-cost", "4",
        "--order-number", "ORD\u202e1",
    )  # fmt: skip
    _one_line_refusal(code, err)
    assert "\u202e" not in err
    assert printable("a\x1b[31mb\u202ec") == "a\\x1b[31mb\\u202ec"
    assert printable("Stecker für Küche") == "Stecker für Küche"


def test_a_stored_manifest_with_control_characters_prints_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    path = make_package(tmp_path / "a.prodpkg")
    with Ledger.for_station(station_paths(data_dir)) as ledger:
        ledger.load_package(open_test_package(path))
    conn = sqlite3.connect(data_dir / "ledger.sqlite3")
    with conn:
        row = conn.execute("SELECT manifest FROM packages").fetchone()
        manifest = json.loads(row[0])
        manifest["product_name"] = "Plug\x1b[2J"
        conn.execute("UPDATE packages SET manifest = ?", (json.dumps(manifest),))
    conn.close()
    code, out, _ = _run(capsys, "ledger", "status")
    assert code == 0 and "\x1b" not in out and "Plug\\x1b[2J" in out


# -- item 13: password files


def test_password_file_with_bom_opens_and_non_utf8_is_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = flashable_package(tmp_path / "a.prodpkg")
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + PASSWORD.encode() + b"\r\n")
    code, out, err = _run(capsys, "package", "load", str(path), "--password-file", str(bom))
    assert code == 0 and "loaded DEMO package" in out, err
    latin = tmp_path / "latin.txt"
    latin.write_bytes("gähnend-9".encode("latin-1"))
    code, _, err = _run(capsys, "package", "load", str(path), "--password-file", str(latin))
    _one_line_refusal(code, err)
    assert "not UTF-8" in err and "hnend" not in err


# -- item 14: internal errors that must be refusals


def test_log_verify_with_a_folder_for_signature_is_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "log.csv"
    export.write_text("")
    (tmp_path / "log.csv.sig").mkdir()
    code, _, err = _run(capsys, "log", "verify", str(export))
    _one_line_refusal(code, err)
    assert "folder" in err


def test_trust_into_a_folder_that_cannot_be_written_is_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    _, _, public = generate_issuer_keys(tmp_path / "keys", None)
    pin = tmp_path / "pin"
    pin.write_text("1357")
    paths = station_paths(data_dir).ensure()
    paths.trust_store.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # root writes into a read-only folder: block the key's file instead
        (paths.trust_store / f"{key_id(load_public_key(public))}.tmp").mkdir()
    else:
        paths.trust_store.chmod(0o500)
    try:
        code, _, err = _run(capsys, "package", "trust", str(public), "--pin-file", str(pin))
    finally:
        paths.trust_store.chmod(0o700)
    _one_line_refusal(code, err)
    assert "cannot add the issuer key" in err


# -- item 15: scrypt cost


@pytest.mark.parametrize(
    ("n", "r", "p"), [(2**20, 8, 1), (2**18, 8, 2), (2**16, 8, 16), (2**22, 1, 1)]
)
def test_scrypt_costs_over_the_bound_are_refused_before_deriving(
    tmp_path: Path, n: int, r: int, p: int
) -> None:
    data = open_test_package(make_package(tmp_path / "a.prodpkg")).manifest.to_dict()
    data["encryption"]["kdf"].update(n=n, r=r, p=p)
    with pytest.raises(MalformedPackage, match="would cost more than a station allows"):
        Manifest.from_dict(data)


def test_the_production_cost_is_within_the_bound(tmp_path: Path) -> None:
    data = open_test_package(make_package(tmp_path / "a.prodpkg")).manifest.to_dict()
    prod = ScryptParams.PRODUCTION
    data["encryption"]["kdf"].update(n=prod.n, r=prod.r, p=prod.p)
    assert Manifest.from_dict(data).encryption is not None


# -- item 16: one license twice


def test_uuids_differing_in_case_and_one_authkey_twice_are_refused(tmp_path: Path) -> None:
    a, b = demo_licenses(2, seed=5)
    with pytest.raises(MalformedPackage, match="same UUID twice"):
        parse_license_lines(f"{a.uuid},{a.authkey}\n{a.uuid.upper()},{b.authkey}\n".encode(), 2)
    with pytest.raises(MalformedPackage, match="same AuthKey under two UUIDs"):
        parse_license_lines(f"{a.uuid},{a.authkey}\n{b.uuid},{a.authkey}\n".encode(), 2)
    with pytest.raises(LicenseListError, match="repeats license 1"):
        make_package(tmp_path / "x.prodpkg", licenses=[a, License(a.uuid.upper(), b.authkey)])
    csv = tmp_path / "list.csv"
    csv.write_text(f"uuid,authkey\n{a.uuid},{REAL_KEY}\n{a.uuid.upper()},{REAL_KEY[::-1]}\n")
    with open_ledger(tmp_path) as ledger, pytest.raises(LicenseListError, match="row 3"):
        ledger.import_license_list(csv)


def test_a_uuid_already_loaded_in_another_case_is_refused(tmp_path: Path) -> None:
    package = open_test_package(make_package(tmp_path / "a.prodpkg", count=2))
    first = next(package.licenses())
    csv = tmp_path / "list.csv"
    csv.write_text(f"uuid,authkey\n{first.uuid.upper()},{REAL_KEY}\n")
    with open_ledger(tmp_path) as ledger:
        ledger.load_package(package)
        with pytest.raises(LicenseListError, match="already in the ledger"):
            ledger.import_license_list(csv)
        assert len(ledger.packages()) == 1


# -- item 19: the supervisor PIN on the command line


def test_trust_asks_for_the_supervisor_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    _, _, public = generate_issuer_keys(tmp_path / "keys", None)
    code, _, err = _run(capsys, "package", "trust", str(public))  # stdin is no terminal here
    _one_line_refusal(code, err)
    assert "supervisor PIN" in err
    pin, wrong = tmp_path / "pin", tmp_path / "wrong"
    pin.write_text("1357\n")
    wrong.write_text("0000\n")
    code, out, err = _run(capsys, "package", "trust", str(public), "--pin-file", str(pin))
    assert code == 0 and "supervisor PIN set" in out and "trusted issuer key" in out, err
    code, _, err = _run(capsys, "package", "trust", str(public), "--pin-file", str(wrong))
    _one_line_refusal(code, err)
    assert "wrong supervisor PIN" in err and "0000" not in err
    code, out, _ = _run(capsys, "package", "trust", str(public), "--pin-file", str(pin))
    assert code == 0 and "PIN set" not in out


# -- item 6: XLSX License Lists that are bombs, broken or empty


def _workbook(tmp_path: Path, rows: Sequence[Sequence[object]], name: str = "l.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def _rewrite(path: Path, changes: dict[str, bytes], *, out: Path | None = None) -> Path:
    """A copy of the workbook at `path` with parts replaced or added (deflated, as Excel does)."""
    target = out or path.with_name("changed-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, changes.pop(info.filename, src.read(info)))
        for name, data in changes.items():
            dst.writestr(name, data)
    return target


def _shared(tmp_path: Path, rows: list[list[str]]) -> Path:
    """A workbook whose cells are shared strings, as Excel writes it (openpyxl writes inline)."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = [cell for row in rows for cell in row]
    cells = iter(range(len(strings)))
    sheet = (
        f'<worksheet xmlns="{ns}"><dimension ref="A1:B{len(rows)}"/><sheetData>'
        + "".join(
            f'<row r="{r}">'
            + "".join(f'<c r="{"AB"[c]}{r}" t="s"><v>{next(cells)}</v></c>' for c in range(2))
            + "</row>"
            for r in range(1, len(rows) + 1)
        )
        + "</sheetData></worksheet>"
    )
    sst = f'<sst xmlns="{ns}">' + "".join(f"<si><t>{x}</t></si>" for x in strings) + "</sst>"
    base = _workbook(tmp_path, [["x"]], name="base.xlsx")
    rels = (
        zipfile.ZipFile(base)
        .read("xl/_rels/workbook.xml.rels")
        .replace(
            b"</Relationships>",
            b'<Relationship Id="rId9" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.'
            b'org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
        )
    )
    changes = {
        "xl/worksheets/sheet1.xml": sheet.encode(),
        "xl/sharedStrings.xml": sst.encode(),
        "xl/_rels/workbook.xml.rels": rels,
    }
    return _rewrite(base, changes, out=tmp_path / "shared.xlsx")


def _licenses_rows(n: int) -> list[list[str]]:
    return [["uuid", "authkey"], *([x.uuid, REAL_KEY[:-6] + f"{i:06d}"] for i, x in enumerate(
        demo_licenses(n, seed=3)))]  # fmt: skip


def test_an_absurd_sheet_dimension_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path, _licenses_rows(2))
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    huge = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD99999999"', sheet)
    bomb = _rewrite(path, {"xl/worksheets/sheet1.xml": huge})
    with pytest.raises(LicenseListError, match="declares the size") as info:
        read_license_list(bomb)
    assert "\n" not in str(info.value)


def test_a_huge_but_legal_dimension_costs_nothing(tmp_path: Path) -> None:
    """The issue's 5 KB file: it declares A1:XFD1048576; only the rows present are read."""
    path = _workbook(tmp_path, _licenses_rows(3))
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    wide = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', sheet)
    wide = wide.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"/></row></sheetData>')
    bomb = _rewrite(path, {"xl/worksheets/sheet1.xml": wide})
    assert bomb.stat().st_size < 10_000
    tracemalloc.start()
    try:
        assert len(read_license_list(bomb)) == 3
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


def test_shared_strings_are_read(tmp_path: Path) -> None:
    rows = _licenses_rows(3)
    assert [(n, x.uuid) for n, x in read_license_rows(_shared(tmp_path, rows))] == [
        (2, rows[1][0]),
        (3, rows[2][0]),
        (4, rows[3][0]),
    ]


def test_a_shared_strings_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    path = _shared(tmp_path, _licenses_rows(2))
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    strings += b"<si><t>a</t></si>" * (32 * 2**20 // 17) + b"</sst>"
    bomb = _rewrite(path, {"xl/sharedStrings.xml": strings})
    assert bomb.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(LicenseListError, match="zip bomb"):
            read_license_list(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


def test_an_entity_bomb_is_refused(tmp_path: Path) -> None:
    path = _shared(tmp_path, _licenses_rows(2))
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&c;</t></si></sst>"
    )
    bomb = _rewrite(path, {"xl/sharedStrings.xml": laughs})
    with pytest.raises(LicenseListError, match="not a readable XLSX"):
        read_license_list(bomb)


@pytest.mark.parametrize(
    ("part", "content", "message"),
    [
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row", "not a readable XLSX"),
        ("xl/workbook.xml", b"<workbook><sheets/></workbook>", "has no sheet"),
        ("xl/sharedStrings.xml", b"<sst><si><t>only one</t></si></sst>", "does not exist"),
    ],
)
def test_broken_workbooks_are_one_line_refusals(
    tmp_path: Path, part: str, content: bytes, message: str
) -> None:
    path = _shared(tmp_path, _licenses_rows(2))
    broken = _rewrite(path, {part: content})
    with pytest.raises(LicenseListError, match=message) as info:
        read_license_list(broken)
    assert "\n" not in str(info.value)


def test_inline_and_rich_text_cells_are_read(tmp_path: Path) -> None:
    path = _workbook(tmp_path, _licenses_rows(1))
    uuid = demo_licenses(1, seed=3)[0].uuid
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>UUID</t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><t>Auth</t></r><r><t>Key</t></r></is></c></row>'
        f'<row r="3"><c r="A3" t="inlineStr"><is><t>{uuid}</t></is></c>'
        f'<c r="B3" t="str"><v>{REAL_KEY}</v></c></row></sheetData></worksheet>'
    ).encode()
    changed = _rewrite(path, {"xl/worksheets/sheet1.xml": sheet})
    assert read_license_rows(changed) == [(3, License(uuid, REAL_KEY))]


# -- item 11: no message quotes an AuthKey; swapped columns are named


def test_swapped_columns_are_said_and_no_authkey_is_quoted(tmp_path: Path) -> None:
    licenses = [License(x.uuid, REAL_KEY[:-2] + f"{i:02d}") for i, x in enumerate(
        demo_licenses(60, seed=8))]  # fmt: skip
    path = tmp_path / "swapped.csv"
    path.write_text("".join(f"{x.authkey},{x.uuid}\n" for x in licenses))
    with pytest.raises(LicenseListError, match="columns look swapped") as info:
        read_license_list(path)
    message = str(info.value)
    for lic in licenses:
        assert not any(lic.authkey[i : i + 6] in message for i in range(27)), message
    header = tmp_path / "header.csv"
    header.write_text("uuid,authkey\n" + "".join(f"{x.authkey},{x.uuid}\n" for x in licenses))
    with pytest.raises(LicenseListError, match="columns look swapped") as info:
        read_license_list(header)


def test_a_bad_uuid_cell_is_not_quoted(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text(f"uuid,authkey\n{REAL_KEY}x,{REAL_KEY}\n")
    with pytest.raises(LicenseListError, match="the UUID must be 16 or 20") as info:
        read_license_list(path)
    assert REAL_KEY[:8] not in str(info.value)
