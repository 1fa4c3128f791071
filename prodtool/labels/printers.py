"""Where labels go: a CUPS queue (a PDF through `lp`) or a Zebra's raw TCP port (ZPL text).

CUPS through its own `lp` command rather than pycups: `lp` ships with every CUPS install, needs no
C extension built against libcups headers (pycups has no wheels), and its one line of output
("request id is PDF-7") is all a label needs. A printer setting of `zpl://host:port` sends ZPL
straight to the printer (port 9100 by default), as Zebra's network printers take it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from prodtool.errors import UserError
from prodtool.labels.render_pdf import render_pdf
from prodtool.labels.render_zpl import render_zpl
from prodtool.labels.template import LabelContent

ZPL_PORT = 9100
SEND_TIMEOUT_S = 10.0
LP_TIMEOUT_S = 30.0


class PrintError(UserError):
    code = "label_print"


class LabelPrinter(Protocol):
    """Prints one filled label; returns a line saying where it went."""

    def print_label(self, label: LabelContent, title: str) -> str: ...


@dataclass(frozen=True)
class CupsPrinter:
    """A CUPS queue by name: the label is rendered to PDF and handed to `lp`."""

    queue: str

    def print_label(self, label: LabelContent, title: str) -> str:
        lp = shutil.which("lp")
        if lp is None:
            raise PrintError(
                "CUPS's 'lp' command is not installed: no label can be printed",
                hint="install CUPS (apt-get install cups), or set a zpl://host:port printer",
            )
        t = label.template
        with tempfile.TemporaryDirectory(prefix="prodtool-label-") as folder:
            pdf = Path(folder) / f"{title}.pdf"
            pdf.write_bytes(render_pdf(label))
            command = [
                lp, "-d", self.queue, "-t", title,
                "-o", f"media=Custom.{t.width_mm:g}x{t.height_mm:g}mm",
                "--", str(pdf),
            ]  # fmt: skip
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=LP_TIMEOUT_S, check=False
                )
            except subprocess.TimeoutExpired:
                raise PrintError(f"CUPS did not take the label within {LP_TIMEOUT_S:g} s") from None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
            raise PrintError(f"CUPS refused the label for {self.queue!r}: {reason}")
        return done.stdout.strip() or f"sent to {self.queue}"


@dataclass(frozen=True)
class ZplPrinter:
    """A Zebra (or anything speaking ZPL) on a raw TCP port."""

    host: str
    port: int = ZPL_PORT

    def print_label(self, label: LabelContent, title: str) -> str:
        data = render_zpl(label).encode("utf-8")
        try:
            with socket.create_connection((self.host, self.port), timeout=SEND_TIMEOUT_S) as conn:
                conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
        except OSError as error:
            raise PrintError(
                f"cannot send the label to the printer at {self.host}:{self.port}:"
                f" {error.strerror or error}"
            ) from None
        return f"{len(data)} bytes of ZPL sent to {self.host}:{self.port}"


def printer_for(setting: str) -> LabelPrinter:
    """The printer a setting names: `zpl://host[:port]`, or a CUPS queue name."""
    setting = setting.strip()
    if not setting:
        raise PrintError(
            "no label printer is set",
            hint="give a CUPS queue name or zpl://host:port (setting label_printer, or --printer)",
        )
    if setting.startswith("zpl://"):
        parts = urlsplit(setting)
        try:
            port = parts.port or ZPL_PORT
        except ValueError:
            raise PrintError(f"the printer {setting!r} has a bad port number") from None
        if not parts.hostname or parts.path not in ("", "/"):
            raise PrintError(f"the printer {setting!r} is not zpl://host:port")
        return ZplPrinter(parts.hostname, port)
    if "://" in setting or any(c.isspace() or c in "/#" for c in setting):
        raise PrintError(
            f"the printer {setting!r} is neither a CUPS queue name nor zpl://host:port"
        )
    return CupsPrinter(setting)
