"""Printing a station's events and summary for the headless CLI: one line (or JSON) per event."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from enum import Enum
from typing import Any, TextIO

from prodtool.engine.station import Summary
from prodtool.flash.events import (
    ChipIdentified,
    JobFinished,
    LicenseAssigned,
    LogLine,
    PortAdded,
    PortEvent,
    PortRemoved,
    Progress,
    StateChanged,
)


def event_dict(event: PortEvent) -> dict[str, Any]:
    """An event as plain JSON-able data, with its type name (no secret is ever in an event)."""
    data: dict[str, Any] = {"event": type(event).__name__}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        data[f.name] = value.value if isinstance(value, Enum) else value
    if isinstance(event, JobFinished):
        data["sentence"] = event.sentence
    return data


class EventPrinter:
    """A station subscriber that prints from worker threads under one lock."""

    def __init__(
        self, out: TextIO | None = None, *, as_json: bool = False, demo: bool = False
    ) -> None:
        self._out = out or sys.stdout
        self._json = as_json
        self._demo = demo  # a DEMO package: every line says so
        self._lock = threading.Lock()
        self._percent: dict[str, int] = {}

    def __call__(self, event: PortEvent) -> None:
        line = self._format(event)
        if line is None:
            return
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    def _format(self, event: PortEvent) -> str | None:
        if self._json:
            data = event_dict(event)
            if self._demo:
                data["demo"] = True
            return json.dumps(data, ensure_ascii=False)
        line = self._text(event)
        return f"DEMO {line}" if line is not None and self._demo else line

    def _text(self, event: PortEvent) -> str | None:
        port = event.port
        if isinstance(event, Progress):
            percent = 100 * event.done // event.total if event.total else 100
            bucket = percent // 25 * 25
            if self._percent.get(port) == bucket:
                return None
            self._percent[port] = bucket
            return f"{port}: {event.phase.value} {percent}%"
        if isinstance(event, StateChanged):
            self._percent.pop(port, None)
            return f"{port}: {event.state.value}" + (f" - {event.step}" if event.step else "")
        if isinstance(event, ChipIdentified):
            # a loader that cannot say the MAC: the shell says it after flashing (a 2nd event)
            return f"{port}: chip {event.family} {event.mac or '(MAC from its firmware later)'}"
        if isinstance(event, LicenseAssigned):
            return f"{port}: license {event.uuid}" + (" (reused)" if event.reused else "")
        if isinstance(event, LogLine):
            return None if event.level == "info" else f"{port}: {event.level}: {event.text}"
        if isinstance(event, JobFinished):
            verdict = "PASSED" if event.passed else f"FAILED ({event.reason.value})"
            detail = "" if event.passed else f" - {event.sentence}"
            return f"{port}: {verdict} {event.uuid} in {event.seconds:.1f} s{detail}"
        if isinstance(event, PortAdded):
            return f"{port}: plugged in" + (f" ({event.description})" if event.description else "")
        if isinstance(event, PortRemoved):
            return f"{port}: unplugged"
        return f"{port}: {type(event).__name__}"


def format_summary(summary: Summary, *, as_json: bool = False) -> str:
    if as_json:
        return json.dumps({"event": "Summary", **dataclasses.asdict(summary)})
    reasons = ", ".join(f"{k} x{v}" for k, v in sorted(summary.reasons.items()))
    left = "?" if summary.licenses_left is None else str(summary.licenses_left)
    return (
        ("DEMO (demo licenses, not for production): " if summary.demo else "")
        + f"passed {summary.passed}, failed {summary.failed}"
        + (f" ({reasons})" if reasons else "")
        + f"; {summary.devices_per_hour:.0f} devices/hour; {left} licenses left;"
        + f" {summary.elapsed_s:.1f} s"
    )
