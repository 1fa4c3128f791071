"""A passed unit's label again: its preview (PNG) and its reprint, from its write record.

`prodtool label preview|print --job` and the window's label dialog both come here, so a reprint
from the window is the same reprint as from the command line: the record must say `passed`, the
label is filled from it alone, and `labels.jsonl` notes it as a reprint with how it went.
Asking for the supervisor PIN is the caller's part (the terminal or the window), before
`reprint_label`.
"""

from __future__ import annotations

import io
from typing import Any

from prodtool.errors import UserError
from prodtool.labels import printlog
from prodtool.labels.hook import find_record, label_title
from prodtool.labels.printers import printer_for
from prodtool.labels.printlog import entry_for, label_log_path
from prodtool.labels.render_pdf import render_png
from prodtool.labels.template import LabelTemplate, fill
from prodtool.paths import StationPaths


def passed_record(paths: StationPaths, job_id: str) -> dict[str, Any]:
    """The job's write record; UserError when there is none or it did not pass."""
    job_id = job_id.strip()
    record = find_record(paths.write_log, job_id)
    if record is None:
        raise UserError(
            f"no job {job_id!r} in the write log",
            hint="export the write log to see the job ids: prodtool log export",
            code="label_job",
        )
    if record.get("result") != "passed":
        raise UserError(
            f"job {job_id!r} did not pass ({record.get('result') or 'no result'}):"
            " it gets no label",
            code="label_job",
        )
    return record


def preview_png(template: LabelTemplate, record: dict[str, Any]) -> bytes:
    """The label as PNG bytes, as `prodtool label preview` draws it."""
    out = io.BytesIO()
    render_png(fill(template, record)).save(out, format="PNG")
    return out.getvalue()


def reprint_label(
    paths: StationPaths, template: LabelTemplate, record: dict[str, Any], printer_name: str
) -> str:
    """Print the record's label again on `printer_name` and note it; returns where it went."""
    printer = printer_for(printer_name)
    log = label_log_path(paths)
    try:
        where = printer.print_label(fill(template, record), label_title(record))
    except UserError as error:
        entry = entry_for(record, printer_name, reprint=True, state="failed", message=str(error))
        printlog.append(log, entry)
        raise
    printlog.append(
        log, entry_for(record, printer_name, reprint=True, state="printed", message=where)
    )
    return where
