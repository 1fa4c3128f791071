"""Tamper evidence: every single-record edit, deletion and swap of an exported write log, any
byte changed, and a forged signature are caught by `prodtool log verify` (exit code 1)."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodtool.cli.main import main
from prodtool.engine.export import _message, _raw, export_log, station_key, verify_export
from prodtool.engine.writelog import GENESIS, RECORD_FIELDS, WriteLog, WriteRecord, record_hash
from prodtool.paths import StationPaths
from tests.reliability.harness import record

RECORDS = 5


def _log(paths: StationPaths) -> None:
    log = WriteLog(paths.write_log)
    for i in range(RECORDS):
        log.append(
            WriteRecord(
                job_id=f"job{i}",
                station_id="s1",
                operator="ana",
                port=f"port{i}",
                chip_family="esp32c3",
                mac=f"7c:df:a1:00:00:{i:02x}",
                chip_id=f"7cdfa10000{i:02x}",
                uuid=f"uuid{i:016d}",
                result="passed" if i % 2 else "failed",
                reason="ok" if i % 2 else "cable_pulled",
                seconds_total=1.5 + i,
                license_reused=i == 3,
                baud=921600,
            )
        )


def _read(out: Path, fmt: str) -> list[dict[str, str]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(out.read_text())))
    return list(json.loads(out.read_text())["records"])


def _write(out: Path, fmt: str, rows: list[dict[str, str]]) -> None:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, RECORD_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        out.write_text(buffer.getvalue())
    else:
        document = json.loads(out.read_text())
        document["records"] = rows
        out.write_text(json.dumps(document, indent=1))


def _mutate(value: object) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    text = str(value)
    return (text[:-1] + ("0" if text[-1:] != "0" else "1")) if text else "x"


@pytest.fixture
def paths(tmp_path: Path) -> StationPaths:
    return StationPaths(tmp_path / "station").ensure()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_every_single_record_edit_deletion_and_swap_is_named(paths: StationPaths, fmt: str) -> None:
    _log(paths)
    out = paths.root / f"export.{fmt}"
    export_log(paths, out, station_id="s1")
    original = out.read_bytes()
    rows = _read(out, fmt)
    trusted = station_key(paths).public_key()
    tried = 0

    def caught(changed: list[dict[str, str]]) -> list[tuple[str, int | None]]:
        nonlocal tried
        tried += 1
        _write(out, fmt, changed)
        report = verify_export(out, trusted=trusted)
        out.write_bytes(original)
        assert not report.ok and not report.signature_ok
        return [(p.kind, p.seq) for p in report.problems]

    for i, name in itertools.product(range(RECORDS), RECORD_FIELDS):
        changed = [dict(r) for r in rows]
        changed[i][name] = _mutate(changed[i].get(name, ""))  # type: ignore[assignment]
        kinds = caught(changed)
        assert kinds, (i, name)
        if name not in {"seq", "prev"}:
            assert ("edited", i) in kinds, (i, name, kinds)
    for i in range(RECORDS):
        kinds = caught(rows[:i] + rows[i + 1 :])
        assert ("deleted", i if i < RECORDS - 1 else None) in kinds, (i, kinds)
    for i, j in itertools.combinations(range(RECORDS), 2):
        swapped = list(rows)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        assert any(kind == "reordered" for kind, _ in caught(swapped)), (i, j)
    assert verify_export(out, trusted=trusted).ok
    assert main(["log", "verify", str(out), "--data-dir", str(paths.root)]) == 0
    _write(out, fmt, rows[1:])
    assert main(["log", "verify", str(out), "--data-dir", str(paths.root)]) == 1
    record(f"tamper ({fmt})", inputs_tried=tried + 2)


def _forge(out: Path, rows: list[dict[str, str]], key: Ed25519PrivateKey) -> None:
    """Edit, re-chain every hash and sign with another key: all an attacker can do."""
    prev = GENESIS
    for seq, row in enumerate(rows):
        row["seq"], row["prev"] = seq, prev  # type: ignore[assignment]
        row["hash"] = prev = record_hash(row)
    _write(out, "json", rows)
    data = out.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    sig = json.loads(out.with_name(out.name + ".sig").read_text())
    sig.update(
        public_key=_raw(key.public_key()).hex(),
        file_sha256=digest,
        chain_head=prev,
        records=len(rows),
        signature=key.sign(_message(digest, prev, len(rows))).hex(),
    )
    out.with_name(out.name + ".sig").write_text(json.dumps(sig))


def test_a_forged_signature_over_a_rechained_log_is_refused(
    paths: StationPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    _log(paths)
    out = paths.root / "export.json"
    export_log(paths, out, station_id="s1")
    rows = _read(out, "json")
    genuine = verify_export(out).key_fingerprint
    rows[2]["uuid"] = "uuid9999999999999999"
    _forge(out, rows, Ed25519PrivateKey.generate())
    assert verify_export(out).problems == []  # the chain alone cannot tell
    report = verify_export(out, trusted=station_key(paths).public_key())
    assert not report.ok and "signed by another key than this station's" in report.notes
    assert main(["log", "verify", str(out), "--data-dir", str(paths.root)]) == 1
    # off the station: the station's key fingerprint, given, is what a forger cannot match
    other = paths.root.parent / "elsewhere"
    args = ["log", "verify", str(out), "--data-dir", str(other), "--key-fingerprint", genuine]
    assert main(args) == 1
    assert "another key" in capsys.readouterr().out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_byte_fails_verification(paths: StationPaths, data: st.DataObject) -> None:
    if not paths.write_log.exists():
        _log(paths)
    fmt = data.draw(st.sampled_from(["csv", "json"]))
    out = paths.root / f"export.{fmt}"
    export_log(paths, out, station_id="s1")
    blob = bytearray(out.read_bytes())
    at = data.draw(st.integers(0, len(blob) - 1))
    blob[at] = data.draw(st.integers(0, 255).filter(lambda b: b != blob[at]))
    out.write_bytes(bytes(blob))
    try:
        report = verify_export(out)
    except Exception as error:  # noqa: BLE001 - only a clear refusal is allowed
        assert type(error).__name__ == "ExportError", error
        return
    assert not report.ok
