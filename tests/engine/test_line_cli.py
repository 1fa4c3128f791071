"""The line from the command line on simulated chips: serials and the MES on `run`, then the
shift report, the batch archive and the outbox commands."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from prodtool.cli.main import main
from prodtool.engine.writelog import read_records
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from prodtool.sim import ChipFarm
from tests.engine.simhelp import fast_settings, package

pytestmark = pytest.mark.sim


def test_run_with_serials_and_mes_then_report_and_close(
    paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    received: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("ok", status=200)

    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/mes", method="POST").respond_with_handler(handler)
    server.start()
    try:
        save_settings(fast_settings(), paths.settings)
        pkg, password = package(tmp_path)
        secret = tmp_path / "password.txt"
        secret.write_text(password)
        url = server.url_for("/mes")
        with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
            code = main(
                [
                    "run",
                    "--package",
                    str(pkg),
                    "--password-file",
                    str(secret),
                    "--ports",
                    ",".join(farm.urls),
                    "--serial-format",
                    "PLUG-{n:06}",
                    "--serial-start",
                    "100",
                    "--mes-url",
                    url,
                ]
            )
        assert code == 0, capsys.readouterr()
        assert main(["outbox", "flush", "--mes-url", url, "--timeout", "10"]) == 0
        capsys.readouterr()
        assert main(["outbox", "status"]) == 0
        assert "0 pending, 2 delivered" in capsys.readouterr().out
    finally:
        server.clear()
        server.stop()
    records = list(read_records(paths.write_log))
    assert sorted(r["serial"] for r in records) == ["PLUG-000100", "PLUG-000101"]
    assert sorted(b["record"]["serial"] for b in received) == ["PLUG-000100", "PLUG-000101"]

    report = tmp_path / "shift.csv"
    assert main(["shift", "report", "--out", str(report)]) == 0
    rows = list(csv.reader(io.StringIO(report.read_text())))
    assert ["summary", "first_pass_yield", "1.000"] in rows and ["summary", "chips", "2"] in rows
    pdf = tmp_path / "shift.pdf"
    assert main(["shift", "report", "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF-")

    archive = tmp_path / "batch.zip"
    assert main(["batch", "close", "--out", str(archive)]) == 0
    assert main(["batch", "verify", str(archive)]) == 0
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        text = b"".join(zf.read(n) for n in names)
    assert {"writelog.csv", "ledger-summary.json", "firmware.json", "shift-report.csv"} <= names
    assert password.encode() not in text


def test_bad_serial_format_and_mes_url_are_usage_errors(
    paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_settings(fast_settings(), paths.settings)
    pkg, password = package(tmp_path)
    secret = tmp_path / "password.txt"
    secret.write_text(password)
    base = ["run", "--package", str(pkg), "--password-file", str(secret), "--ports", "x"]
    assert main([*base, "--serial-format", "PLUG"]) == 2
    assert "has no {n}" in capsys.readouterr().err
    assert main([*base, "--mes-url", "ftp://mes"]) == 2
    assert "not http" in capsys.readouterr().err
    assert main(["shift", "report", "--out", str(tmp_path / "r.txt")]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["shift", "report", "--out", str(tmp_path / "r.csv"), "--since", "soon"])
    assert usage.value.code == 2 and "not a time" in capsys.readouterr().err


def test_outbox_flush_fails_while_the_mes_is_away(
    paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prodtool.engine.mes import OUTBOX_FILE, MesOutbox
    from prodtool.engine.writelog import WriteLog, WriteRecord

    record = WriteLog(tmp_path / "log.jsonl").append(
        WriteRecord(job_id="j", station_id="s", operator="", port="p")
    )
    outbox = MesOutbox(paths.root / OUTBOX_FILE, "http://127.0.0.1:9/mes", station_id="s")
    outbox.put(record)
    outbox.close()
    code = main(["outbox", "flush", "--mes-url", "http://127.0.0.1:9/mes", "--timeout", "0.1"])
    out = capsys.readouterr().out
    assert code == 1 and "1 pending" in out and "last error" in out
