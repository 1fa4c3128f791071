"""Support bundles: everything support needs to understand (and replay) one job, in one zip.

Members: `bundle.json` (what the bundle is; versions; the port's USB details), `record.json`
(the job's write-log record), `transcript.jsonl` (its serial transcript), `manifest.json` (the
package's manifest, no encryption section), `settings.json` (the station's settings without
the PIN hash), `license-history.json` (the license's ledger events) and `log.txt` (the job's
steps, its log and esptool lines as a timeline, and crash logs written while it ran).

Nothing secret goes in: the job's AuthKey (from the ledger), in text or hex, and anything shaped
like an AuthKey are masked in every member before it is written (`scrub`), on top of the
transcript's own masking; the result is checked again before the zip is closed.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import io
import json
import platform
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serial.tools import list_ports

from prodtool import __version__
from prodtool.engine.writelog import read_records
from prodtool.errors import UserError
from prodtool.license.ledger import Ledger
from prodtool.paths import StationPaths
from prodtool.redact import fingerprint, mask_secrets
from prodtool.settings import Settings, settings_to_dict

BUNDLE_FORMAT = "prodtool-support-bundle/1"
_SECRET_SETTING = re.compile(r"pin|password|secret|token|private", re.IGNORECASE)
_CRASH_MARGIN_S = 60.0


class BundleError(UserError):
    code = "support_bundle"


@dataclass(frozen=True)
class Bundle:
    """A support bundle as read back: the members replay and people need."""

    info: dict[str, Any]
    record: dict[str, Any]
    transcript: list[str]
    manifest: dict[str, Any]
    settings: dict[str, Any]

    @property
    def job_id(self) -> str:
        return str(self.record.get("job_id", ""))


def versions() -> dict[str, str]:
    """prodtool, its libraries (by metadata: the core never imports Qt), Python and the OS."""
    found = {"prodtool": __version__}
    for dist in ("esptool", "pyserial", "PySide6"):
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = "not installed"
    found["python"] = platform.python_version()
    found["os"] = platform.platform()
    return found


def port_details(
    port: str, comports: Callable[[], Iterable[Any]] = list_ports.comports
) -> dict[str, Any]:
    """The USB identity of a device port (pyserial), or just the URL for a network port."""
    if "://" in port:
        return {"port": port, "kind": "url"}
    for info in comports():
        if info.device == port:
            return {
                "port": port,
                "kind": "device",
                "description": info.description,
                "hwid": info.hwid,
                "vid": f"{info.vid:04x}" if info.vid is not None else None,
                "pid": f"{info.pid:04x}" if info.pid is not None else None,
                "serial_number": info.serial_number,
                "manufacturer": info.manufacturer,
                "product": info.product,
                "location": info.location,
            }
    return {"port": port, "kind": "device", "present": False}


def safe_settings(settings: Settings) -> dict[str, Any]:
    """The settings without the supervisor PIN hash (or anything named like a secret)."""
    data = settings_to_dict(settings)
    return {k: v for k, v in data.items() if not _SECRET_SETTING.search(k)}


class Scrubber:
    """Masks the given secrets (as text and as hex) and whatever `mask_secrets` finds by shape
    (AuthKeys in any encoding, a password in a pool's or MES's URL, private keys) or holds."""

    def __init__(self, secrets: Sequence[str]) -> None:
        self._pairs: list[tuple[str, str]] = []
        for secret in secrets:
            if secret:
                mark = fingerprint(secret)
                self._pairs += [(secret, mark), (secret.encode().hex(), mark)]

    def __call__(self, text: str) -> str:
        for secret, mark in self._pairs:
            text = text.replace(secret, mark)
        return mask_secrets(text)

    def leaks(self, data: bytes) -> bool:
        return any(secret.encode() in data for secret, _ in self._pairs)


def find_record(paths: StationPaths, job_id: str) -> dict[str, Any]:
    for record in read_records(paths.write_log):
        if record.get("job_id") == job_id:
            return record
    raise BundleError(
        f"job {job_id} is not in the write log", hint="copy the job id from the port's tile"
    )


def _license_secrets(ledger: Ledger | None, uuid: str) -> tuple[list[str], list[dict[str, Any]]]:
    if ledger is None or not uuid:
        return [], []
    record = ledger.find_uuid(uuid)
    if record is None:
        return [], []
    history = [{k: str(v) for k, v in event.items()} for event in ledger.history(record.license_id)]
    return [ledger.authkey(record.license_id)], history


def _manifest(ledger: Ledger | None, package_id: str) -> dict[str, Any]:
    if ledger is None or not package_id:
        return {}
    try:
        data = ledger.manifest(package_id).to_dict()
    except UserError:
        return {}
    data.pop("encryption", None)
    return data


def _log_lines(transcript: list[str], paths: StationPaths, record: dict[str, Any]) -> str:
    lines: list[str] = []
    for line in transcript:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("dir") != "step":
            continue
        what = str(entry.get("text", ""))
        level = entry.get("level") or entry.get("reason")
        label = f"{what} ({level})" if level else what
        lines.append(f"{entry.get('t', 0):>9}s  {label}: {entry.get('detail', '')}")
    window = _window(record)
    for crash in sorted(paths.logs.glob("*.txt")) if paths.logs.is_dir() else []:
        mtime = crash.stat().st_mtime
        if window is None or window[0] - _CRASH_MARGIN_S <= mtime <= window[1] + _CRASH_MARGIN_S:
            lines.append(f"--- {crash.name}")
            lines.append(crash.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(lines) + "\n"


def _window(record: dict[str, Any]) -> tuple[float, float] | None:
    try:
        start = dt.datetime.fromisoformat(str(record["started_at"])).timestamp()
        end = dt.datetime.fromisoformat(str(record["finished_at"])).timestamp()
    except (KeyError, ValueError):
        return None
    return start, end


def build_bundle(
    paths: StationPaths,
    job_id: str,
    out: Path,
    *,
    settings: Settings,
    ledger: Ledger | None = None,
    comports: Callable[[], Iterable[Any]] = list_ports.comports,
) -> Path:
    """Write the bundle for `job_id` to `out` (atomically) and return its path."""
    record = find_record(paths, job_id)
    transcript_path = paths.transcripts / f"{job_id}.jsonl"
    try:
        transcript = transcript_path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        transcript = []
    secrets, history = _license_secrets(ledger, str(record.get("uuid", "")))
    scrub = Scrubber(secrets)
    info = {
        "format": BUNDLE_FORMAT,
        "job_id": job_id,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "station_id": settings.station_id,
        "versions": versions(),
        "port": port_details(str(record.get("port", "")), comports),
        "transcript_found": bool(transcript),
    }
    members = {
        "bundle.json": _json(info),
        "record.json": _json(record),
        "transcript.jsonl": "".join(line + "\n" for line in transcript),
        "manifest.json": _json(_manifest(ledger, str(record.get("package_id", "")))),
        "settings.json": _json(safe_settings(settings)),
        "license-history.json": _json(history),
        "log.txt": _log_lines(transcript, paths, record),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in members.items():
                data = scrub(text).encode("utf-8")
                if scrub.leaks(data):  # pragma: no cover - scrub removes every pair it knows
                    raise BundleError(f"refusing to write {name}: it still holds a secret")
                archive.writestr(name, data)
        tmp.replace(out)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise BundleError(f"cannot write the support bundle {out}: {error.strerror}") from None
    return out


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def read_bundle(path: Path) -> Bundle:
    """Open a bundle written by `build_bundle`."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "bundle.json" not in names or "record.json" not in names:
                raise BundleError(f"{path} is not a prodtool support bundle")

            def member(name: str, default: str) -> str:
                return archive.read(name).decode("utf-8") if name in names else default

            info = json.loads(member("bundle.json", "{}"))
            if info.get("format") != BUNDLE_FORMAT:
                raise BundleError(f"{path} is a bundle of an unknown format {info.get('format')}")
            return Bundle(
                info=info,
                record=json.loads(member("record.json", "{}")),
                transcript=member("transcript.jsonl", "").splitlines(),
                manifest=json.loads(member("manifest.json", "{}")),
                settings=json.loads(member("settings.json", "{}")),
            )
    except (OSError, zipfile.BadZipFile, json.JSONDecodeError, KeyError) as error:
        raise BundleError(f"cannot read the support bundle {path}: {error}") from None


def default_bundle_name(job_id: str) -> str:
    return f"support-{job_id}.zip"


def bundle_bytes(path: Path) -> bytes:
    """Every byte of a bundle and of each member decompressed (for secret scans in tests)."""
    raw = Path(path).read_bytes()
    parts = [raw]
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        parts += [archive.read(name) for name in archive.namelist()]
    return b"".join(parts)
