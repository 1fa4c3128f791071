"""Issuer keys: a fingerprint before trusting, a list, removal (not of the demo key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.issuer_keys import (
    KeyNotRemovableError,
    fingerprint,
    preview_key,
    remove_key,
    trusted_keys,
)
from prodtool.license.errors import KeyFileError, UnknownIssuer
from prodtool.license.keys import generate_issuer_keys, load_public_key
from prodtool.license.trust import TrustStore


def test_preview_then_trust_then_remove(tmp_path: Path) -> None:
    kid, _, public = generate_issuer_keys(tmp_path / "issuer")
    store = TrustStore(tmp_path / "trusted")
    preview = preview_key(public, store)
    assert preview.kid == kid and not preview.trusted and not preview.demo
    assert preview.fingerprint == fingerprint(load_public_key(public))
    assert len(preview.fingerprint.split()) == 16
    assert kid not in store.key_ids()  # looking is not trusting
    store.add(public)
    listed = {k.kid: k for k in trusted_keys(store)}
    assert listed[kid].fingerprint == preview.fingerprint
    assert any(k.demo for k in listed.values())
    remove_key(store, kid)
    assert kid not in store.key_ids()
    with pytest.raises(UnknownIssuer):
        store.key(kid)
    demo = next(k.kid for k in trusted_keys(store) if k.demo)
    with pytest.raises(KeyNotRemovableError):
        remove_key(store, demo)
    with pytest.raises(KeyNotRemovableError):
        remove_key(store, "../../etc")


def test_a_non_key_file_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "key.pem"
    bogus.write_text("hello")
    with pytest.raises(KeyFileError):
        preview_key(bogus, TrustStore(tmp_path / "trusted"))
