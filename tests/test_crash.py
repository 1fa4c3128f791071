"""Crash logs: whatever a bug's exception carries, no secret reaches the file (issue 15)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import prodtool.crash as crash
from prodtool.cli.common import read_password_file
from prodtool.license.builder import demo_licenses
from prodtool.license.errors import WrongPassword
from prodtool.license.keys import private_pem
from prodtool.license.model import ScryptParams
from prodtool.license.sealing import derive_key
from prodtool.paths import station_paths
from prodtool.redact import fingerprint, hold_secret, mask_secrets
from tests.reliability.harness import scan_files

AUTHKEY = demo_licenses(1, seed=77)[0].authkey


def _crash_log(data_dir: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> str:
    paths = station_paths(data_dir).ensure()
    monkeypatch.setattr(crash, "_log_folder", paths.logs)
    try:
        raise error
    except BaseException as caught:  # noqa: BLE001 - the crash handler's input
        crash.report_crash(type(caught), caught, caught.__traceback__)
    (log,) = paths.logs.glob("crash-*.txt")
    return log.read_text()


def _chained(inner: BaseException) -> BaseException:
    try:
        raise inner
    except BaseException as error:  # noqa: BLE001
        outer = RuntimeError("while loading")
        outer.__cause__ = error
        return outer


@pytest.mark.parametrize(
    "make",
    [
        lambda k: ValueError(f"bad key {k}"),
        KeyError,  # quoted, as the repr shows it
        lambda k: ValueError(k.encode()),  # b'...'
        lambda k: ValueError(k.encode().hex()),  # a byte dump
        lambda k: ValueError(k.encode().hex().upper()),
        lambda k: ValueError(base64.b64encode(k.encode()).decode()),
        lambda k: ValueError(base64.urlsafe_b64encode(k.encode()).decode()),
        lambda k: _chained(ValueError(f"> auth uuid0000000000000001 {k}")),
    ],
    ids=["text", "repr", "bytes", "hex", "HEX", "base64", "urlsafe", "chained"],
)
def test_an_authkey_of_any_shape_is_masked(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[str], BaseException]
) -> None:
    text = _crash_log(data_dir, monkeypatch, make(AUTHKEY))
    assert "Traceback" in text
    assert fingerprint(AUTHKEY) in text  # support can still match it
    assert scan_files([station_paths(data_dir).logs], [AUTHKEY])[1] == []


def test_digests_and_ids_stay_readable(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    md5, sha256 = "9e107d9d372bb6826bd81d3542a419d6", "ab" * 32
    text = _crash_log(data_dir, monkeypatch, ValueError(f"md5 {md5} sha256 {sha256}"))
    assert md5 in text and sha256 in text


def test_a_password_this_process_read_is_masked(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No shape gives a password away: once read, it is held and never shown."""
    (tmp_path / "pw").write_text("correct horse battery\n")
    password = read_password_file(tmp_path / "pw")
    text = _crash_log(data_dir, monkeypatch, KeyError(password))
    assert "correct horse" not in text and "<hidden>" in text


def test_a_package_password_is_masked_once_derived(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "tr0ub4dor-and-3"
    derive_key(password, b"saltsaltsalt", ScryptParams(n=2, r=1, p=1))
    text = _crash_log(data_dir, monkeypatch, ValueError(f"{password!r} broke"))
    assert password not in text


def test_url_passwords_and_private_keys_are_masked(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = private_pem(Ed25519PrivateKey.generate()).decode()
    body = pem.splitlines()[1]
    url = "postgresql://station:Pa55word@db.local/prodtool"
    text = _crash_log(data_dir, monkeypatch, ValueError(f"{url}\n{pem}"))
    assert "Pa55word" not in text and body not in text
    assert "postgresql://station:<hidden>@db.local/prodtool" in text


def test_an_unencodable_password_leaves_no_copy_in_the_error() -> None:
    """A UnicodeEncodeError holds the whole string in its args: none may escape."""
    password = "secret\ud800pw"  # a lone surrogate (a broken clipboard)
    with pytest.raises(WrongPassword) as caught:
        derive_key(password, b"saltsaltsalt", ScryptParams(n=2, r=1, p=1))
    error = caught.value
    assert error.__context__ is None and error.__cause__ is None
    assert password not in repr(error.args) and "secret" not in str(error)


def test_a_short_secret_is_not_held_so_ordinary_text_stays_whole() -> None:
    """A 4-digit PIN is also part of numbers and timestamps: masking it would break a support
    bundle's JSON (issue found when a test's PIN 2468 hid a field of a later test's bundle)."""
    hold_secret("2468")
    text = '{"seq": 2468, "time": "2026-11-28T12:46:08"}'
    assert mask_secrets(text) == text
