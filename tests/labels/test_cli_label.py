from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.labels.printlog import entries, label_log_path
from prodtool.labels.template import DEFAULT_TEMPLATE
from prodtool.paths import StationPaths
from prodtool.supervisor_pin import PinGate
from tests.labels.conftest import CupsPdf, ZplServer, add_record, decode_qr, page_image


def _pin(station: StationPaths, tmp_path: Path, pin: str = "2468") -> Path:
    PinGate.for_station(station).set_pin("2468", "2468")
    pin_file = tmp_path / "pin.txt"
    pin_file.write_text(pin, encoding="utf-8")
    return pin_file


def test_preview_draws_the_jobs_label(station: StationPaths, tmp_path: Path) -> None:
    add_record(station, job_id="ok-1")
    out = tmp_path / "label.png"
    assert main(["label", "preview", "--data-dir", str(station.root), "--job", "ok-1",
                 "--out", str(out)]) == 0  # fmt: skip
    (text,) = decode_qr(out)
    assert "UUID:uuid7f3a9c2e1b4d5a6f;SN:PLUG-000042" in text


def test_a_template_is_tried_out_on_made_up_values(station: StationPaths, tmp_path: Path) -> None:
    template = tmp_path / "t.toml"
    template.write_text(DEFAULT_TEMPLATE.replace("UUID:{uuid}", "{order_number}/{uuid}"))
    out = tmp_path / "sample.png"
    assert main(["label", "preview", "--data-dir", str(station.root), "--sample",
                 "--template", str(template), "--out", str(out)]) == 0  # fmt: skip
    (text,) = decode_qr(out)
    assert text.startswith("ORDER-1/uuid0123456789abcdef;SN:PLUG-000001")


def test_no_label_for_a_failed_or_unknown_job(
    station: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_record(station, job_id="bad-1", result="failed")
    for job in ("bad-1", "nope"):
        code = main(["label", "preview", "--data-dir", str(station.root), "--job", job,
                     "--out", str(tmp_path / "x.png")])  # fmt: skip
        assert code == 2
    err = capsys.readouterr().err
    assert "job 'bad-1' did not pass (failed): it gets no label" in err
    assert "no job 'nope' in the write log" in err
    assert not (tmp_path / "x.png").exists()


def test_reprint_needs_the_supervisor_pin(
    station: StationPaths, tmp_path: Path, zpl_server: ZplServer,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    add_record(station, job_id="ok-1")
    wrong = _pin(station, tmp_path, "1111")
    args = ["label", "print", "--data-dir", str(station.root), "--job", "ok-1",
            "--printer", zpl_server.url]  # fmt: skip
    assert main([*args, "--pin-file", str(wrong)]) == 2
    assert "wrong supervisor PIN" in capsys.readouterr().err
    assert zpl_server.labels == []
    right = tmp_path / "right.txt"
    right.write_text("2468", encoding="utf-8")
    assert main([*args, "--pin-file", str(right)]) == 0
    assert zpl_server.wait_for(1)
    assert b"SN:PLUG-000042" in zpl_server.labels[0]
    (entry,) = entries(label_log_path(station))  # the refused PIN printed and logged nothing
    assert entry["reprint"] is True and entry["state"] == "printed"
    assert entry["job_id"] == "ok-1" and entry["printer"] == zpl_server.url


def test_reprint_to_cups_from_the_write_log(
    station: StationPaths, tmp_path: Path, cups_pdf: CupsPdf
) -> None:
    job = f"reprint-{uuid.uuid4().hex}"  # new each run: an old PDF cannot pass
    add_record(station, job_id=job, serial="PLUG-000900")
    pin = _pin(station, tmp_path)
    assert main(["label", "print", "--data-dir", str(station.root), "--job", job,
                 "--printer", cups_pdf.queue, "--pin-file", str(pin)]) == 0  # fmt: skip
    (text,) = decode_qr(page_image(cups_pdf.wait_for_pdf(f"label-{job}"), tmp_path))
    assert "SN:PLUG-000900" in text
