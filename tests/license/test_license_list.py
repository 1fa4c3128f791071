"""License Lists: CSV variants and XLSX, every bad row by its number, all rows or none."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from prodtool.license.errors import LicenseListError
from prodtool.license.licenselist import read_license_list, read_license_rows

U1, K1 = "uuid0123456789abcdef", "abcdefghijklmnopqrstuvwxyz012345"
U2, K2 = "uuidfedcba9876543210", "ABCDEFGHIJKLMNOPQRSTUVWXYZ543210"
U3, K3 = "tuya1234abcd5678", "0123456789012345678901234567890Z"  # a 16-character UUID


def _csv(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "l.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_with_header_any_delimiter_bom_and_newline(
    tmp_path: Path, delimiter: str, bom: bool, newline: str
) -> None:
    rows = ["UUID", "AuthKey"], [U1, K1], [U2, K2], [U3, K3]
    text = newline.join(delimiter.join(r) for r in rows) + newline
    path = _csv(tmp_path, text, encoding="utf-8-sig" if bom else "utf-8")
    licenses = read_license_list(path)
    assert [(lic.uuid, lic.authkey) for lic in licenses] == [(U1, K1), (U2, K2), (U3, K3)]


@pytest.mark.parametrize("key_header", ["authkey", "auth_key", "Auth Key", "KEY", " AuthKey "])
def test_header_names_are_case_insensitive_and_columns_found_anywhere(
    tmp_path: Path, key_header: str
) -> None:
    path = _csv(tmp_path, f"No.,{key_header},Note,uuid\n1,{K1},x,{U1}\n2,{K2},,{U2}\n")
    assert [lic.uuid for lic in read_license_list(path)] == [U1, U2]
    assert read_license_list(path)[0].authkey == K1


def test_header_less_two_column_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{U1};{K1}\n{U2};{K2}\n")
    assert [(lic.uuid, lic.authkey) for lic in read_license_list(path)] == [(U1, K1), (U2, K2)]


def test_utf16_text_from_excel(tmp_path: Path) -> None:
    path = _csv(tmp_path, f"uuid\tauthkey\r\n{U1}\t{K1}\r\n", encoding="utf-16")
    assert read_license_list(path)[0].uuid == U1


def test_every_bad_row_is_reported_by_its_spreadsheet_number(tmp_path: Path) -> None:
    text = (
        "uuid,authkey\n"  # row 1
        f"{U1},{K1}\n"  # row 2 fine
        f"short,{K2}\n"  # row 3 bad uuid
        "\n"  # row 4 blank, skipped
        f"{U2},tooshort\n"  # row 5 bad key
        f"{U1},{K3}\n"  # row 6 duplicate uuid of row 2
        f"{U3},{K1}\n"  # row 7 duplicate key of row 2
        f"uuid-0123456789abcde,{'é' * 32}\n"  # row 8 bad characters
    )
    with pytest.raises(LicenseListError) as info:
        read_license_list(_csv(tmp_path, text))
    assert [p.row for p in info.value.problems] == [3, 5, 6, 7, 8]
    message = str(info.value)
    for row in (3, 5, 6, 7, 8):
        assert f"row {row}:" in message
    assert "repeats row 2" in message and "nothing imported" in message
    for secret in (K1, K2, K3):
        assert secret not in message


def test_many_bad_rows_are_all_named(tmp_path: Path) -> None:
    lines = ["uuid,authkey"] + [f"bad{i},{K1}" for i in range(120)]
    with pytest.raises(LicenseListError) as info:
        read_license_list(_csv(tmp_path, "\n".join(lines)))
    assert len(info.value.problems) == 120
    assert "also rows 52-121" in str(info.value)


def test_unfindable_columns_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(LicenseListError, match="cannot find the UUID and AuthKey"):
        read_license_list(_csv(tmp_path, f"a,b,c\n{U1},{K1},x\n"))
    with pytest.raises(LicenseListError, match="exactly one UUID column"):
        read_license_list(_csv(tmp_path, f"uuid,serial\n{U1},1\n"))
    with pytest.raises(LicenseListError, match="empty"):
        read_license_list(_csv(tmp_path, "\n\n"))
    with pytest.raises(LicenseListError, match="no licenses"):
        read_license_list(_csv(tmp_path, "uuid,authkey\n"))
    with pytest.raises(LicenseListError, match="not UTF-8"):
        read_license_list(_csv(tmp_path, "uuid,authkey\n\xff\xfe", encoding="latin-1"))
    with pytest.raises(LicenseListError, match="cannot read"):
        read_license_list(tmp_path / "missing.csv")


def _xlsx(tmp_path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "l.xlsx"
    workbook.save(path)
    return path


def test_xlsx_with_header(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, [["Device", "UUID", "AuthKey"], ["a", U1, K1], ["b", U2, K2]])
    rows = read_license_rows(path)
    assert [(n, lic.uuid) for n, lic in rows] == [(2, U1), (3, U2)]


def test_xlsx_bad_rows_and_number_cells(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path,
        [["uuid", "authkey"], [U1, K1], [1234567890123456.0, K2], [], [U2, None]],
    )
    with pytest.raises(LicenseListError) as info:
        read_license_list(path)
    assert [p.row for p in info.value.problems] == [3, 5]
    assert "format the UUID and AuthKey columns as text" in str(info.value)


def test_xlsx_header_less_and_not_a_workbook(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, [[U1, K1], [U3, K3]])
    assert [lic.uuid for lic in read_license_list(path)] == [U1, U3]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(LicenseListError, match="not a readable XLSX"):
        read_license_list(broken)
