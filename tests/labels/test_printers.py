from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from prodtool.labels.printers import CupsPrinter, PrintError, ZplPrinter, printer_for
from prodtool.labels.template import fill, load_template
from tests.labels.conftest import PASSED, CupsPdf, ZplServer, decode_qr, page_image


def test_zpl_reaches_the_printers_tcp_port(zpl_server: ZplServer) -> None:
    printer = printer_for(zpl_server.url)
    assert printer == ZplPrinter("127.0.0.1", zpl_server.port)
    where = printer.print_label(fill(load_template(None), PASSED), "label-job-pass-1")
    assert zpl_server.wait_for(1)
    (zpl,) = zpl_server.labels
    assert zpl.startswith(b"^XA") and b"UUID:uuid7f3a9c2e1b4d5a6f;SN:PLUG-000042" in zpl
    assert f"{zpl_server.port}" in where


def test_an_unreachable_zpl_printer_is_one_line(zpl_server: ZplServer) -> None:
    printer = ZplPrinter("127.0.0.1", 1)  # nothing listens on port 1
    with pytest.raises(PrintError, match=r"cannot send the label to the printer at 127\.0\.0\.1:1"):
        printer.print_label(fill(load_template(None), PASSED), "t")


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("", "no label printer is set"),
        ("zpl://host:notaport", "bad port number"),
        ("zpl:///x", "is not zpl://host:port"),
        ("ipp://printer/x", "neither a CUPS queue name"),
        ("my printer", "neither a CUPS queue name"),
    ],
)
def test_bad_printer_settings_are_refused(setting: str, words: str) -> None:
    with pytest.raises(PrintError, match=words):
        printer_for(setting)


def test_a_cups_queue_name_is_a_cups_printer() -> None:
    assert printer_for("Zebra_GK420") == CupsPrinter("Zebra_GK420")


def test_cups_refusal_is_one_line(cups_pdf: CupsPdf) -> None:
    with pytest.raises(PrintError, match="CUPS refused the label for 'NoSuchQueue'") as info:
        CupsPrinter("NoSuchQueue").print_label(fill(load_template(None), PASSED), "t")
    assert "\n" not in str(info.value)


def test_a_label_printed_through_cups_decodes_to_uuid_and_serial(
    cups_pdf: CupsPdf, tmp_path: Path
) -> None:
    title = f"label-{uuid.uuid4().hex}"  # new each run: an old PDF cannot pass
    where = CupsPrinter(cups_pdf.queue).print_label(fill(load_template(None), PASSED), title)
    assert "request id is PDF-" in where
    pdf = cups_pdf.wait_for_pdf(title)
    (text,) = decode_qr(page_image(pdf, tmp_path))
    assert "UUID:uuid7f3a9c2e1b4d5a6f" in text
    assert "SN:PLUG-000042" in text
