"""License List import memory: a 1,000,000-row list (CSV, and XLSX with shared strings as Excel
writes it) imported into a fresh ledger, each in its own interpreter so the peak is its own.

Target (issue 15, item 6): peak resident memory under 300 MB. Prints a table and writes
bench/results/list_import.json. Run: python -m bench.bench_list_import [--rows N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench.common import peak_rss_mb, table, write_results

TARGET_MB = 300
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _rows(n: int) -> list[tuple[str, str]]:
    rng = random.Random(1)
    alphabet = string.ascii_letters + string.digits
    return [
        (f"uuid{rng.getrandbits(64):016x}", "".join(rng.choices(alphabet, k=32))) for _ in range(n)
    ]


def write_csv(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("uuid,authkey\n")
        out.writelines(f"{u},{k}\n" for u, k in rows)


def write_xlsx(path: Path, rows: list[tuple[str, str]]) -> None:
    """A minimal workbook whose cells are shared strings (Excel's way; openpyxl writes inline)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Target="xl/workbook.xml"'
            f' Type="{_REL}/officeDocument"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="List" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{_REL}/worksheet"/>'
            f'<Relationship Id="rId2" Target="sharedStrings.xml" Type="{_REL}/sharedStrings"/>'
            "</Relationships>",
        )
        with zf.open("xl/sharedStrings.xml", "w") as sst:
            sst.write(f'<sst xmlns="{_NS}"><si><t>uuid</t></si><si><t>authkey</t></si>'.encode())
            for u, k in rows:
                sst.write(f"<si><t>{u}</t></si><si><t>{k}</t></si>".encode())
            sst.write(b"</sst>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{_NS}"><sheetData>'.encode())
            for r in range(1, len(rows) + 2):
                a, b = 2 * (r - 1), 2 * (r - 1) + 1
                sheet.write(
                    f'<row r="{r}"><c r="A{r}" t="s"><v>{a}</v></c>'
                    f'<c r="B{r}" t="s"><v>{b}</v></c></row>'.encode()
                )
            sheet.write(b"</sheetData></worksheet>")


def child(path: Path) -> None:
    """Import one list into a fresh ledger; print seconds and this process's peak."""
    from prodtool.license.ledger import Ledger  # imported here: measured in this process

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with Ledger.open(Path(folder) / "l.sqlite3", key_file=Path(folder) / "l.key") as ledger:
            package_id = ledger.import_license_list(path)
            count = sum(ledger.counts(package_id)[package_id].values())
        seconds = time.perf_counter() - started
    print(json.dumps({"licenses": count, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    count = 100_000 if args.quick else args.rows
    results = []
    with tempfile.TemporaryDirectory() as folder:
        rows = _rows(count)
        for kind, writer in (("csv", write_csv), ("xlsx", write_xlsx)):
            path = Path(folder) / f"list.{kind}"
            writer(path, rows)
            run = subprocess.run(
                [sys.executable, "-m", "bench.bench_list_import", "--child", str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(run.stdout)
            results.append({"format": kind, "file_mb": path.stat().st_size / 1e6, **result})
    print(
        table(
            ["list", "licenses", "file MB", "import s", "peak RSS MB", f"target < {TARGET_MB}"],
            [
                [
                    r["format"],
                    r["licenses"],
                    f"{r['file_mb']:.0f}",
                    f"{r['seconds']:.1f}",
                    f"{r['peak_rss_mb']:.0f}",
                    "OK" if r["peak_rss_mb"] < TARGET_MB else "MISSED",
                ]
                for r in results
            ],
        )
    )
    write_results("list_import", {"rows": results, "target_mb": TARGET_MB})


if __name__ == "__main__":
    main()
