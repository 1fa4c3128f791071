"""A serial transcript per job: every byte both ways, with timestamps, secrets masked.

Support replays these, so each line is one JSON object:
`{"t": 0.0123, "dir": "tx"|"rx", "hex": "c0..."}` for bootloader traffic (consecutive chunks
one way are one record, stamped with the first chunk's time: esptool reads a byte at a time),
`{"t": ..., "dir": "tx"|"rx", "text": "tuya> auth-read"}` for shell lines, and
`{"t": ..., "dir": "step", "text": "writing_firmware", ...}` for the job's steps.
The first line is a header (`{"dir": "header", "job_id", "port", "started"}`).

Secrets never reach the disk: shell text is buffered per line and passed through
`redact_text` with the job's known AuthKeys before it is written, and while an AuthKey travels
inside binary data (an NVS partition) `opaque()` records only byte counts.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from prodtool.redact import fingerprint, mask_key_shaped, redact_text

_OWN = frozenset({"_inner", "_transcript"})


_MERGE_LIMIT = 64 * 1024  # bytes per merged binary record


class Transcript:
    """An append-only JSONL file for one job. Thread-safe; closing twice is harmless."""

    def __init__(self, path: Path | None, *, job_id: str, port: str) -> None:
        self.path = path
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._secrets: list[str] = []
        self._pending: dict[str, str] = {"tx": "", "rx": ""}
        self._text = False
        self._opaque = 0
        # Binary chunks in one direction are merged into one record until the direction
        # changes or anything else is recorded: esptool reads answers a byte at a time.
        self._binary: tuple[str, float, bytearray] | None = None
        self._out: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # owner-only
            self._out = os.fdopen(fd, "a", encoding="utf-8")
        self._emit({"dir": "header", "job_id": job_id, "port": port, "started": time.time()})

    def add_secret(self, secret: str) -> None:
        """From now on this secret is masked wherever it appears in text."""
        with self._lock:
            if secret and secret not in self._secrets:
                self._secrets.append(secret)

    def set_text_mode(self, text: bool) -> None:
        """Text mode (the shell) records whole lines; binary mode (the bootloader) hex chunks."""
        with self._lock:
            self._flush_pending()
            self._text = text

    @contextmanager
    def opaque(self) -> Iterator[None]:
        """While inside, binary payloads are recorded by size only (they carry a secret)."""
        with self._lock:
            self._opaque += 1
        try:
            yield
        finally:
            with self._lock:
                self._opaque -= 1

    def step(self, text: str, **fields: Any) -> None:
        with self._lock:
            self._flush_pending()
            clean = {k: redact_text(str(v), self._secrets) for k, v in fields.items()}
            self._emit({"dir": "step", "text": redact_text(text, self._secrets), **clean})
            if self._out is not None:
                self._out.flush()  # each step reaches the disk; byte chunks only in between

    def data(self, direction: str, chunk: bytes) -> None:
        if not chunk:
            return
        with self._lock:
            if self._opaque:
                self._flush_binary()
                self._emit({"dir": direction, "opaque": len(chunk)})
            elif self._text:
                self._pending[direction] += chunk.decode("utf-8", errors="replace")
                *lines, rest = self._pending[direction].split("\n")
                self._pending[direction] = rest
                for line in lines:
                    self._emit_text(direction, line + "\n")
            else:
                self._add_binary(direction, chunk)

    def close(self) -> None:
        with self._lock:
            self._flush_pending()
            if self._out is not None:
                self._out.close()
                self._out = None

    def _add_binary(self, direction: str, chunk: bytes) -> None:
        binary = self._binary
        if binary is not None and (binary[0] != direction or len(binary[2]) >= _MERGE_LIMIT):
            self._flush_binary()
            binary = None
        if binary is None:
            self._binary = (direction, time.monotonic(), bytearray(chunk))
        else:
            binary[2].extend(chunk)

    def _flush_binary(self) -> None:
        binary, self._binary = self._binary, None
        if binary is not None:
            direction, at, data = binary
            self._emit({"dir": direction, "hex": data.hex()}, at=at)

    def _flush_pending(self) -> None:
        self._flush_binary()
        for direction, rest in self._pending.items():
            if rest:
                self._emit_text(direction, rest)
        self._pending = {"tx": "", "rx": ""}

    def _emit_text(self, direction: str, text: str) -> None:
        masked = redact_text(text)  # the `auth` command's key argument first
        for secret in self._secrets:
            masked = masked.replace(secret, fingerprint(secret))
        self._emit({"dir": direction, "text": mask_key_shaped(masked)})

    def _emit(self, record: dict[str, Any], at: float | None = None) -> None:
        if self._out is None:
            return
        when = time.monotonic() if at is None else at
        record = {"t": round(when - self._start, 4), **record}
        self._out.write(json.dumps(record, ensure_ascii=False) + "\n")


class RecordingSerial:
    """Wraps an open pyserial object; reads and writes go to the transcript as well.

    Every other attribute (baudrate, rts, dtr, timeout, port, in_waiting...) passes through, so
    esptool's loader and the shell client use it like the serial object itself.
    """

    def __init__(self, inner: Any, transcript: Transcript) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_transcript", transcript)

    @property
    def transcript(self) -> Transcript:
        return self._transcript  # type: ignore[no-any-return]

    def read(self, size: int = 1) -> bytes:
        data: bytes = self._inner.read(size)
        self._transcript.data("rx", data)
        return data

    def write(self, data: bytes) -> int | None:
        self._transcript.data("tx", bytes(data))
        result: int | None = self._inner.write(data)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self._inner, name, value)
