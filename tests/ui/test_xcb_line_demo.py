"""Issue 19's done-when demo: the whole line on simulated chips in the window under Xvfb (xcb).

The child (`tests/ui/xcb_line_demo.py`) signs the operator in with a typed badge, takes the
units' codes as typed scans (a malformed and a duplicate one refused), writes three chips with
licenses and serial numbers (a stand-in device tool writes them and reads them back), prints
their labels to the real CUPS-PDF queue, exports the shift report and flushes the MES outbox.
Here: every record has its code, serial and operator; the devices hold their serials; each
label's QR decodes to its unit's UUID and serial; the report counts the three chips; the MES
(pytest-httpserver) got every record exactly once, by its key, and no AuthKey.
"""

from __future__ import annotations

import csv
import io
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from prodtool.engine.writelog import read_records, verify_chain
from prodtool.paths import station_paths
from tests.engine.test_mes import Mes, mes, server
from tests.labels.conftest import CupsPdf, cups_pdf, decode_qr, page_image
from tests.ui.test_xcb import _env, display

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.sim, pytest.mark.timeout(420)]

CHILD_TIMEOUT_S = 300  # the child's steps allow 60 s each; a hang is killed and its steps shown

__all__ = ["cups_pdf", "display", "mes", "server"]  # fixtures shared with their own tests

ROOT = Path(__file__).resolve().parents[2]

# A stand-in for the factory's own tool: keeps each device's serial in a file named by its MAC.
DEVICE_TOOL = """
import pathlib, sys
store = pathlib.Path(sys.argv[1]) / sys.argv[3].replace(":", "")
if sys.argv[2] == "write":
    store.write_text(sys.argv[4])
else:
    print(store.read_text() if store.exists() else "")
"""


def test_the_whole_line_under_xcb(
    display: str, tmp_path: Path, server: HTTPServer, mes: Mes, cups_pdf: CupsPdf
) -> None:
    script = tmp_path / "devtool.py"
    script.write_text(DEVICE_TOOL)
    store = tmp_path / "devices"
    store.mkdir()
    tool = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {shlex.quote(str(store))}"
    data, out = tmp_path / "station", tmp_path / "out"
    out.mkdir()
    command = [
        sys.executable, "-m", "tests.ui.xcb_line_demo", str(data), str(out),
        server.url_for("/mes"), cups_pdf.queue, f"{tool} write {{mac}} {{serial}}",
        f"{tool} read {{mac}}",
    ]  # fmt: skip
    with subprocess.Popen(
        command, env=_env(display, data), cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as child:  # fmt: skip
        try:
            stdout, stderr = child.communicate(timeout=CHILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            stdout, stderr = child.communicate()
            pytest.fail(f"the demo took over {CHILD_TIMEOUT_S} s; it said:\n{stdout}{stderr}")
    assert child.returncode == 0, stdout + stderr
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["platform"] == "xcb" and result["operator"] == "Ana"
    assert result["said"] == [
        "UNIT-0001 → slot 1",
        r"Refused: UNIT-1 is not this product's code (expected UNIT-\d{4}).",
        "UNIT-0002 → slot 2",
        "Refused: UNIT-0001 is already bound to slot 1.",
        "UNIT-0003 → slot 3",
    ]
    assert result["tile_codes"] == ["Code: UNIT-0001", "Code: UNIT-0002", "Code: UNIT-0003"]
    assert result["mes_flushed"] is True

    records = list(read_records(station_paths(data).write_log))
    assert verify_chain(records) == []
    assert [r["result"] for r in records] == ["passed"] * 3
    assert sorted(r["code"] for r in records) == ["UNIT-0001", "UNIT-0002", "UNIT-0003"]
    assert sorted(r["serial"] for r in records) == ["PLUG-000001", "PLUG-000002", "PLUG-000003"]
    assert {r["operator"] for r in records} == {"Ana"}
    on_devices = {p.name: p.read_text() for p in store.iterdir()}  # written, read back
    assert on_devices == {r["mac"].replace(":", ""): r["serial"] for r in records}

    for record in records:  # the labels, printed by CUPS-PDF: the QR says which unit
        pdf = cups_pdf.wait_for_pdf(f"label-{record['job_id']}")
        (text,) = decode_qr(page_image(pdf, tmp_path))
        assert f"UUID:{record['uuid']}" in text and f"SN:{record['serial']}" in text

    rows = list(csv.reader(io.StringIO((out / "shift.csv").read_text())))
    assert ["summary", "chips", "3"] in rows and ["summary", "first_pass_yield", "1.000"] in rows
    assert (out / "shift.pdf").read_bytes().startswith(b"%PDF-")

    keys = mes.keys()
    assert sorted(keys) == sorted(f"station-1:{r['hash']}" for r in records)  # each once
    assert mes.headers == keys
    authkeys = result["authkeys"]  # the chips hold them; nothing that left the station does
    assert len(authkeys) == 3
    sent = json.dumps(mes.received) + station_paths(data).write_log.read_text()
    sent += (station_paths(data).root / "labels.jsonl").read_text()
    assert not any(key in sent for key in authkeys)
