"""Label cost per passed chip: finding the job's write record in a long log, and rendering the
label (PDF for CUPS, ZPL, the PNG preview). The label queue runs on its own thread, so this is
about keeping up with the line, not about a job's time.

Target: a label ready (record found + PDF) in under 50 ms at 100,000 records, so one queue keeps
up with many ports. Prints a table and writes bench/results/labels.json.
Run: python -m bench.bench_labels [--records N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import table, write_results
from prodtool.labels.hook import find_record
from prodtool.labels.render_pdf import render_pdf, render_png
from prodtool.labels.render_zpl import render_zpl
from prodtool.labels.template import fill, load_template

TARGET_MS = 50.0
RECORD: dict[str, Any] = {
    "seq": 0,
    "prev": "0" * 64,
    "station_id": "station-1",
    "operator": "ana",
    "port": "/dev/ttyUSB3",
    "chip_family": "esp32c3",
    "mac": "24:0A:C4:12:34:56",
    "uuid": "uuid7f3a9c2e1b4d5a6f",
    "order_number": "ORD-2026-11",
    "firmware_sha256": "a" * 64,
    "serial": "PLUG-000042",
    "code": "PCB-77812",
    "result": "passed",
    "reason": "ok",
    "hash": "f" * 64,
}


def _ms(fn: Callable[[], object], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    records = 10_000 if args.quick else args.records
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "writelog.jsonl"
        with log.open("w", encoding="utf-8") as out:
            out.writelines(
                json.dumps({**RECORD, "job_id": f"job-{n}"}) + "\n" for n in range(records)
            )
        last, first = f"job-{records - 1}", "job-0"
        find_last = _ms(lambda: find_record(log, last), 20)
        find_first = _ms(lambda: find_record(log, first), 2)
    label = fill(load_template(None), {**RECORD, "job_id": last})
    pdf = _ms(lambda: render_pdf(label), 20)
    zpl = _ms(lambda: render_zpl(label), 50)
    png = _ms(lambda: render_png(label), 10)
    ready = find_last + pdf
    rows = [
        [f"find the newest record of {records}", f"{find_last:.1f} ms"],
        [f"find the oldest record of {records} (reprint)", f"{find_first:.1f} ms"],
        ["render PDF", f"{pdf:.1f} ms"],
        ["render ZPL", f"{zpl:.2f} ms"],
        ["render PNG preview", f"{png:.1f} ms"],
        [f"label ready for CUPS (target < {TARGET_MS:g} ms)", f"{ready:.1f} ms"],
    ]
    print(table(["labels", "time"], rows))
    write_results(
        "labels",
        {
            "records": records,
            "find_newest_ms": find_last,
            "find_oldest_ms": find_first,
            "pdf_ms": pdf,
            "zpl_ms": zpl,
            "png_ms": png,
            "ready_ms": ready,
            "target_ms": TARGET_MS,
        },
    )


if __name__ == "__main__":
    main()
