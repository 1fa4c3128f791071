"""Shared pieces of the reliability suites: figures, secret scans, auditing chips against the
ledger, a fast station configuration and a `prodtool run` child process."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from prodtool.license.ledger import Ledger
from prodtool.license.model import LicenseState
from prodtool.settings import Settings
from prodtool.sim import SimulatedChip
from tests.engine.simhelp import fast_settings as engine_fast_settings

FIGURES: dict[str, dict[str, object]] = {}
ROOT = Path(__file__).resolve().parents[2]
TINY_FIRMWARE = 8 * 1024


def record(suite: str, **figures: object) -> None:
    """Keep a suite's figures for the end-of-run summary (and print them for `-s` runs)."""
    FIGURES.setdefault(suite, {}).update(figures)
    print(f"\n[reliability] {suite}: {figures}", flush=True)


def fast_settings(**changes: object) -> Settings:
    """Short timeouts so a fault ends a job in seconds, not minutes."""
    defaults: dict[str, object] = {
        "station_id": "reliability",
        "operator": "harness",
        "job_timeout_s": 20.0,
        "shell_timeout_s": 3.0,
    }
    return engine_fast_settings(**(defaults | changes))


# ------------------------------------------------------------------ secrets


def secret_forms(secrets: Iterable[str]) -> dict[bytes, str]:
    """Every way a secret may sit in a file: text, hex (both cases) and base64 of its bytes."""
    forms: dict[bytes, str] = {}
    for secret in secrets:
        raw = secret.encode()
        label = f"secret#{len(forms) // 5}"
        for form in (
            raw,
            raw.hex().encode(),
            raw.hex().upper().encode(),
            base64.b64encode(raw),
            base64.urlsafe_b64encode(raw),
        ):
            forms[form] = label
    return forms


def _blobs(path: Path) -> Iterable[tuple[str, bytes]]:
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield f"{path}!{name}", archive.read(name)


def scan_files(roots: Sequence[Path], secrets: Iterable[str]) -> tuple[int, list[str]]:
    """(files scanned, hits as 'file: secret#n'). A hit is a leak."""
    forms = secret_forms(secrets)
    files, hits = 0, []
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            files += 1
            for where, blob in _blobs(path):
                hits += [f"{where}: {label}" for form, label in forms.items() if form in blob]
    return files, hits


def scan_text(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    forms = secret_forms(secrets)
    return [
        f"{text[:40]!r}: {label}"
        for text in texts
        for form, label in forms.items()
        if form.decode() in text
    ]


def owner_only(root: Path) -> list[str]:
    """Private files not 0600 or folders not 0700 under `root` (keys), as problems."""
    bad = []
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        if path.is_dir() and mode & 0o077:
            bad.append(f"{path}: folder mode {mode:o}")
        if path.is_file() and mode & 0o077:
            bad.append(f"{path}: file mode {mode:o}")
    return bad


# ------------------------------------------------------------------ chips against the ledger


@dataclass
class Audit:
    licenses_checked: int = 0
    chips_checked: int = 0


def audit_chips(ledger: Ledger, chips: Sequence[SimulatedChip], audit: Audit) -> None:
    """No license lost, none on two chips: check the ledger against every chip's flash."""
    ledger.check_invariants()
    holders: dict[str, str] = {}
    for chip in chips:
        audit.chips_checked += 1
        held = chip.read_credentials()
        if held is None:
            continue
        uuid, authkey = held
        assert uuid not in holders, f"{uuid} is on {holders[uuid]} and {chip.mac}"
        holders[uuid] = chip.mac
        record = ledger.find_uuid(uuid)
        assert record is not None, f"{chip.mac} holds {uuid}, unknown to the ledger"
        assert record.state in {
            LicenseState.WRITTEN,
            LicenseState.VERIFIED,
            LicenseState.NEEDS_CHECK,
            LicenseState.RESERVED,  # only while its (live) job runs
        }, f"{uuid} is on chip {chip.mac} but the ledger says {record.state}"
        assert record.chip_mac == chip.mac, f"{uuid} on {chip.mac}, bound to {record.chip_mac}"
        assert ledger.authkey(record.license_id) == authkey, f"{uuid}: another AuthKey on chip"
    macs = {chip.mac for chip in chips}
    for manifest in ledger.packages():
        for state in LicenseState:
            for record in ledger.in_state(state, manifest.package_id):
                audit.licenses_checked += 1
                if (
                    state in {LicenseState.WRITTEN, LicenseState.VERIFIED}
                    and record.chip_mac in macs
                ):
                    assert holders.get(record.uuid) == record.chip_mac, (
                        f"{record.uuid} is {state} on {record.chip_mac}, which does not hold it"
                    )


# ------------------------------------------------------------------ a station in a child process


def run_child(
    data: Path,
    package: Path,
    password_file: Path,
    ports: Sequence[str],
    extra: Sequence[str] = (),
    *,
    events: bool = False,
) -> subprocess.Popen[bytes]:
    """`prodtool run` on `ports` as a child process (stdout/stderr to `run.out` beside `data`;
    with `events`, stdout is a pipe of its JSON events, for `cut_at_event`)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRODTOOL_DATA_DIR": str(data)}
    out = (data.parent / "run.out").open("ab")
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prodtool",
                "run",
                "--package",
                str(package),
                "--password-file",
                str(password_file),
                "--ports",
                ",".join(ports),
                "--json",
                *extra,
            ],
            stdout=subprocess.PIPE if events else out,
            stderr=out if events else subprocess.STDOUT,
            env=env,
        )
    finally:
        out.close()


def cut_at_event(child: subprocess.Popen[bytes], event: int) -> bool:
    """SIGKILL a `run_child(..., events=True)` as it prints its `event`-th event: a moment in
    its work, not in time, so a slow machine is cut as deep into a run as a fast one (a cut
    after N seconds lands before the first job on a loaded machine). False when the run ended
    first. The wait is bounded by the run itself: every job has its watchdog."""
    assert child.stdout is not None
    with child.stdout:
        for seen, _line in enumerate(child.stdout, start=1):
            if seen >= event:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
                return True
    child.wait(timeout=30)
    return False
