"""Transcripts record both directions machine-readably and never hold an AuthKey."""

from __future__ import annotations

import json
from pathlib import Path

from prodtool.flash.transcript import RecordingSerial, Transcript
from prodtool.redact import fingerprint

KEY = "Kq3ZpL8vN2xR7tY1wE5uI9oA4sD6fG0h"
OTHER_KEY = "Zz3ZpL8vN2xR7tY1wE5uI9oA4sD6fG0h"


class _Loop:
    """A serial double: what is written can be read back."""

    def __init__(self) -> None:
        self.buffer = b""
        self.baudrate = 115200

    def write(self, data: bytes) -> int:
        self.buffer += data
        return len(data)

    def read(self, size: int = 1) -> bytes:
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out


def test_text_lines_are_masked_even_when_split_across_reads(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    transcript = Transcript(path, job_id="j1", port="p")
    transcript.set_text_mode(True)
    inner = _Loop()
    port = RecordingSerial(inner, transcript)
    port.baudrate = 9600
    assert inner.baudrate == 9600
    transcript.add_secret(KEY)
    port.write(f"auth uuid8a3f2b1c9d0e4f57 {KEY}\r\n".encode())
    for _i in range(0, 40, 3):
        port.read(3)
    inner.buffer = f"uuid8a3f2b1c9d0e4f57\r\n{OTHER_KEY}\r\ntuya> ".encode()
    while port.read(5):
        pass
    transcript.step("verifying_auth", uuid="uuid8a3f2b1c9d0e4f57")
    transcript.set_text_mode(False)
    port.write(b"\xc0\x00\x08\xc0")
    with transcript.opaque():
        port.write(KEY.encode())
    transcript.close()
    text = path.read_text()
    assert KEY not in text and OTHER_KEY not in text
    assert fingerprint(KEY) in text and fingerprint(OTHER_KEY) in text
    records = [json.loads(line) for line in text.splitlines()]
    assert records[0]["dir"] == "header"
    assert {"t", "dir"} <= set(records[1])
    assert {"dir": "tx", "hex": "c00008c0"}.items() <= records[-2].items()
    assert records[-1]["opaque"] == 32
