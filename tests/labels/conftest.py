"""Label tests' helpers: write records, a loopback ZPL printer, and the real CUPS-PDF queue.

The CUPS fixture prints to the `PDF` queue that `.ci/run` sets up (cups + printer-driver-cups-pdf)
and finds the PDF where cups-pdf.conf's `Out` puts it. Under CI=true a missing CUPS fails the
test; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from prodtool.paths import StationPaths, station_paths

CUPS_QUEUE = "PDF"
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
PRINT_TIMEOUT_S = 60.0

PASSED = {
    "job_id": "job-pass-1",
    "station_id": "station-1",
    "operator": "ana",
    "port": "/dev/ttyUSB3",
    "chip_family": "esp32",
    "mac": "24:0A:C4:12:34:56",
    "uuid": "uuid7f3a9c2e1b4d5a6f",
    "order_number": "ORD-2026-11",
    "serial": "PLUG-000042",
    "code": "PCB-77812",
    "result": "passed",
    "reason": "ok",
}


@pytest.fixture
def station(tmp_path: Path) -> StationPaths:
    return station_paths(tmp_path / "station").ensure()


def add_record(paths: StationPaths, **changes: Any) -> dict[str, Any]:
    """Append one record as the write log stores it (JSONL), with the fields given."""
    record = {**PASSED, **changes}
    with paths.write_log.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    return record


@dataclass
class ZplServer:
    """A loopback TCP server standing in for a Zebra: keeps each connection's bytes."""

    host: str
    port: int
    labels: list[bytes] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"zpl://{self.host}:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.labels) >= count, timeout)


@pytest.fixture
def zpl_server() -> Iterator[ZplServer]:
    listener = socket.create_server(("127.0.0.1", 0))
    server = ZplServer("127.0.0.1", listener.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            if stop.is_set():
                return
            with server.arrived:
                server.labels.append(b"".join(chunks))
                server.arrived.notify_all()

    thread = threading.Thread(target=serve, name="zpl-server")
    thread.start()
    yield server
    stop.set()
    with socket.create_connection((server.host, server.port)):
        pass  # wake accept()
    thread.join(5)
    listener.close()


@dataclass(frozen=True)
class CupsPdf:
    """The CUPS-PDF queue and the folder its PDFs land in."""

    queue: str
    out_dir: Path

    def wait_for_pdf(self, title: str, timeout: float = PRINT_TIMEOUT_S) -> Path:
        """The finished PDF whose name holds `title`: a condition re-checked every 50 ms (the
        file comes from another process, so there is nothing in this one to be woken by)."""
        ready = threading.Event()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pdf in sorted(self.out_dir.glob(f"*{title}*.pdf")):
                data = pdf.read_bytes()
                if b"%%EOF" in data[-1024:]:
                    return pdf
            ready.wait(0.05)
        raise AssertionError(f"no PDF titled {title!r} in {self.out_dir} after {timeout:g} s")


def _cups_out_dir() -> Path:
    """`Out` from cups-pdf.conf, with ${USER} and ${HOME} as cups-pdf expands them."""
    user = getpass.getuser()
    out = "${HOME}/PDF"
    for line in CUPS_PDF_CONF.read_text(encoding="utf-8").splitlines():
        if re.match(r"\s*Out\s+", line):
            out = line.split(None, 1)[1].strip()
    return Path(out.replace("${USER}", user).replace("${HOME}", str(Path.home())))


def _cups_missing() -> str:
    if shutil.which("lp") is None or shutil.which("lpstat") is None:
        return "CUPS is not installed (apt-get install cups printer-driver-cups-pdf)"
    if shutil.which("pdftoppm") is None:
        return "pdftoppm is not installed (apt-get install poppler-utils)"
    if not CUPS_PDF_CONF.exists():
        return "cups-pdf is not installed (apt-get install printer-driver-cups-pdf)"
    done = subprocess.run(
        ["lpstat", "-p", CUPS_QUEUE], capture_output=True, text=True, timeout=10, check=False
    )
    if done.returncode != 0:
        return f"no CUPS queue {CUPS_QUEUE!r} (start cupsd; lpadmin -p PDF -v cups-pdf:/ ...)"
    return ""


@pytest.fixture
def cups_pdf() -> CupsPdf:
    missing = _cups_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must print to a real CUPS-PDF queue: {missing}")
        pytest.skip(missing)
    return CupsPdf(CUPS_QUEUE, _cups_out_dir())


def page_image(pdf: Path, tmp_path: Path) -> Path:
    """The PDF's first page as a 300 dpi PNG (poppler's pdftoppm)."""
    stem = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(stem)],
        check=True, timeout=60,
    )  # fmt: skip
    return stem.with_suffix(".png")


def decode_qr(png: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    with Image.open(png) as image:
        return [r.text for r in zxingcpp.read_barcodes(image)]
