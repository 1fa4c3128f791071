"""The QR code's modules, from segno, shared by the PDF and PNG renderers so both draw the same
label. ZPL does not need it: a Zebra draws its own QR from the content."""

from __future__ import annotations

import segno

QUIET_ZONE = 2  # modules of white around the code: scanners want some, the label has little room
FONT_HEIGHT_RATIO = 0.72  # cap height / font size for Helvetica and DejaVu Sans, near enough


def qr_matrix(content: str) -> list[list[bool]]:
    """The QR code's dark modules as rows (quiet zone included), error correction M."""
    code = segno.make_qr(content, error="m", boost_error=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=QUIET_ZONE)]
