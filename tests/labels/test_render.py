from __future__ import annotations

from pathlib import Path

from prodtool.labels.render_pdf import render_pdf, save_png
from prodtool.labels.render_zpl import render_zpl
from prodtool.labels.template import fill, load_template
from tests.labels.conftest import PASSED, decode_qr


def test_the_preview_png_decodes_to_the_uuid_and_serial(tmp_path: Path) -> None:
    out = tmp_path / "label.png"
    save_png(fill(load_template(None), PASSED), out)
    (text,) = decode_qr(out)
    assert "UUID:uuid7f3a9c2e1b4d5a6f" in text
    assert "SN:PLUG-000042" in text


def test_the_pdf_is_one_page_the_size_of_the_label() -> None:
    pdf = render_pdf(fill(load_template(None), PASSED))
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    # 60 x 30 mm in points
    assert b"/MediaBox [ 0 0 170.0787 85.03937 ]" in pdf


def test_zpl_holds_the_qr_and_escapes_command_characters() -> None:
    record = {**PASSED, "code": "PCB^XZ~JR_1"}
    zpl = render_zpl(fill(load_template(None), record))
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XZ") == 1  # the scanned ^XZ did not end the label
    assert "^BQN,2," in zpl
    assert "^FH_^FDMA,UUID:uuid7f3a9c2e1b4d5a6f;SN:PLUG-000042;" in zpl
    assert "CODE:PCB_5EXZ_7EJR_5F1" in zpl
    assert "^PW480" in zpl and "^LL240" in zpl  # 60 x 30 mm at 8 dots/mm
