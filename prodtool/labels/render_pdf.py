"""A label as a one-page PDF (reportlab) for CUPS, and as a PNG (Pillow) for the preview.

Both draw from the same filled template and the same QR modules: the preview is what prints.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from prodtool.errors import StorageError
from prodtool.labels.layout import FONT_HEIGHT_RATIO, qr_matrix
from prodtool.labels.template import LabelContent

MARGIN_MM = 1.0  # text keeps this far from the right edge
PREVIEW_DPMM = 12  # about 300 dpi: sharp on screen, and QR modules several pixels wide
_FONT = "Helvetica"
_PREVIEW_FONTS = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def render_pdf(label: LabelContent) -> bytes:
    """One page the size of the label; the QR code drawn as vector squares."""
    t = label.template
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(t.width_mm * mm, t.height_mm * mm), invariant=True)
    page.setTitle("prodtool label")
    matrix = qr_matrix(label.qr)
    module = t.qr.size_mm / len(matrix)
    top = t.height_mm - t.qr.y_mm
    path = page.beginPath()  # one filled path: no hairline seams between modules
    for row_number, row in enumerate(matrix):
        for col_number, dark in enumerate(row):
            if dark:
                x = t.qr.x_mm + col_number * module
                y = top - (row_number + 1) * module
                path.rect(x * mm, y * mm, module * mm, module * mm)
    page.drawPath(path, stroke=0, fill=1)
    for field, text in zip(t.texts, label.texts, strict=True):
        size_pt = field.height_mm / FONT_HEIGHT_RATIO * mm
        room_pt = (t.width_mm - field.x_mm - MARGIN_MM) * mm
        width_pt = pdfmetrics.stringWidth(text, _FONT, size_pt)
        if width_pt > room_pt > 0:  # a long value shrinks to fit rather than run off the label
            size_pt *= room_pt / width_pt
        page.setFont(_FONT, size_pt)
        page.drawString(field.x_mm * mm, (t.height_mm - field.y_mm - field.height_mm) * mm, text)
    page.showPage()
    page.save()
    return out.getvalue()


def _font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in _PREVIEW_FONTS:
        try:
            return ImageFont.truetype(name, size_px)
        except OSError:
            continue
    return ImageFont.load_default(size_px)


def render_png(label: LabelContent, dpmm: int = PREVIEW_DPMM) -> Image.Image:
    """The label as an image, `dpmm` pixels per mm, black on white."""
    t = label.template
    image = Image.new("L", (round(t.width_mm * dpmm), round(t.height_mm * dpmm)), 255)
    draw = ImageDraw.Draw(image)
    matrix = qr_matrix(label.qr)
    module = t.qr.size_mm * dpmm / len(matrix)
    for row_number, row in enumerate(matrix):
        for col_number, dark in enumerate(row):
            if dark:
                x = t.qr.x_mm * dpmm + col_number * module
                y = t.qr.y_mm * dpmm + row_number * module
                draw.rectangle(
                    (round(x), round(y), round(x + module) - 1, round(y + module) - 1), fill=0
                )
    for field, text in zip(t.texts, label.texts, strict=True):
        size_px = round(field.height_mm / FONT_HEIGHT_RATIO * dpmm)
        font = _font(size_px)
        room_px = (t.width_mm - field.x_mm - MARGIN_MM) * dpmm
        width_px = font.getlength(text)
        if width_px > room_px > 0:  # as in the PDF: shrink to fit
            font = _font(max(1, int(size_px * room_px / width_px)))
        baseline = (field.y_mm + field.height_mm) * dpmm
        draw.text((field.x_mm * dpmm, baseline), text, fill=0, font=font, anchor="ls")
    return image


def save_png(label: LabelContent, path: Path) -> None:
    try:
        render_png(label).save(path, format="PNG")
    except OSError as error:
        raise StorageError(f"cannot write the preview {path}: {error.strerror or error}") from None
