"""The batch archive: signed, every member's digest checked, a changed member named."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from prodtool.engine.batch import BatchError, close_batch, verify_batch
from prodtool.engine.export import _raw, key_fingerprint, station_key
from prodtool.engine.writelog import WriteLog, WriteRecord
from prodtool.license.ledger import Ledger
from prodtool.paths import StationPaths


def test_close_and_tamper(paths: StationPaths, tmp_path: Path) -> None:
    log = WriteLog(paths.write_log)
    for i in range(3):
        log.append(
            WriteRecord(job_id=f"j{i}", station_id="s", operator="ana", port="p", result="passed")
        )
    out = tmp_path / "batch.zip"
    with Ledger.for_station(paths) as ledger:
        report = close_batch(paths, ledger, out, station_id="s")
        with pytest.raises(BatchError, match=r"\.zip"):
            close_batch(paths, ledger, tmp_path / "b.tar", station_id="s")
    assert report.jobs == 3
    station = station_key(paths).public_key()
    assert verify_batch(out, trusted=station).ok
    assert verify_batch(out, expect_fingerprint=key_fingerprint(station)).ok
    unpinned = verify_batch(out)  # the archive's own key proves nothing
    assert not unpinned.ok and "no station key" in unpinned.problems[0]
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "shift-report.csv":
                data = data.replace(b"jobs,3", b"jobs,2")
            dst.writestr(item, data)
    check = verify_batch(tampered, trusted=station)
    assert (
        not check.ok and check.signature_ok and check.problems == ["shift-report.csv was changed"]
    )
    with pytest.raises(BatchError):
        verify_batch(tmp_path / "missing.zip")


def test_an_archive_re_signed_with_another_key_is_refused(
    paths: StationPaths, tmp_path: Path
) -> None:
    """A forger changes a member, rewrites the manifest's digests and its `public_key`, and signs
    with a key of their own: self-consistent, but not signed by this station's key."""
    WriteLog(paths.write_log).append(
        WriteRecord(job_id="j0", station_id="s", operator="ana", port="p", result="passed")
    )
    out = tmp_path / "batch.zip"
    with Ledger.for_station(paths) as ledger:
        close_batch(paths, ledger, out, station_id="s")
    forger = Ed25519PrivateKey.generate()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(forged, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for name in manifest["members"]:
            data = src.read(name)
            if name == "shift-report.csv":
                data = data.replace(b"jobs,1", b"jobs,9")
            manifest["members"][name] = hashlib.sha256(data).hexdigest()
            dst.writestr(name, data)
        manifest["public_key"] = _raw(forger.public_key()).hex()
        body = json.dumps(manifest).encode()
        dst.writestr("manifest.json", body)
        dst.writestr("manifest.sig", forger.sign(body).hex())
    station = station_key(paths).public_key()
    check = verify_batch(forged, trusted=station)
    assert not check.ok and not check.signature_ok
    assert "signed by another key than this station's" in check.problems
    by_print = verify_batch(forged, expect_fingerprint=key_fingerprint(station))
    assert not by_print.ok and by_print.problems[0].startswith("signed by another key than")
    assert not verify_batch(forged).ok
