"""A label as ZPL II text for Zebra printers: the printer draws the QR code and the text itself.

Field data goes through `^FH` hex escapes, so a value holding `^` or `~` can never end a field or
start a command: a scanned code is data, not printer instructions.
"""

from __future__ import annotations

from prodtool.labels.layout import QUIET_ZONE, qr_matrix
from prodtool.labels.template import LabelContent

DEFAULT_DPMM = 8  # 203 dpi, the common Zebra head


def _escaped(text: str) -> str:
    """`^FH_` hex escapes for the characters ZPL would take as commands (and `_` itself)."""
    return "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in text)


def _qr_magnification(size_mm: float, dpmm: int, content: str) -> int:
    """ZPL's QR magnification (1..10, dots per module) that best fills `size_mm`."""
    modules = len(qr_matrix(content)) - 2 * QUIET_ZONE
    return max(1, min(10, int(size_mm * dpmm // modules)))


def render_zpl(label: LabelContent, dpmm: int = DEFAULT_DPMM) -> str:
    """The whole label, `^XA` to `^XZ`, UTF-8 (`^CI28`)."""
    t = label.template

    def dots(value_mm: float) -> int:
        return round(value_mm * dpmm)

    lines = [
        "^XA",
        "^CI28",
        f"^PW{dots(t.width_mm)}",
        f"^LL{dots(t.height_mm)}",
        f"^FO{dots(t.qr.x_mm)},{dots(t.qr.y_mm)}"
        f"^BQN,2,{_qr_magnification(t.qr.size_mm, dpmm, label.qr)}"
        f"^FH_^FDMA,{_escaped(label.qr)}^FS",
    ]
    for field, text in zip(t.texts, label.texts, strict=True):
        if not text:
            continue
        height = dots(field.height_mm / 0.72)
        lines.append(
            f"^FO{dots(field.x_mm)},{dots(field.y_mm)}^A0N,{height},{height}"
            f"^FH_^FD{_escaped(text)}^FS"
        )
    lines.append("^XZ")
    return "\n".join(lines) + "\n"
