"""Issuer key files: reading, writing owner-only, and the key id that names a key.

The key id is the first 16 hex digits of the SHA-256 of the raw public key, so a trust store
entry, a manifest and a key file can be matched without trusting any file name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from prodtool.license.errors import KeyFileError
from prodtool.redact import encode_secret


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read the key file {path}: {error.strerror}") from None


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file; a private key given by mistake is refused."""
    data = _read(path)
    if b"PRIVATE KEY" in data:
        raise KeyFileError(
            f"{path.name} is a private key", hint="give the issuer's public key file instead"
        )
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise KeyFileError(f"{path.name} is not a PEM public key file") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path.name} is not an Ed25519 key")
    return key


def load_private_key(path: Path, password: str | None = None) -> Ed25519PrivateKey:
    data = _read(path)
    secret = _encoded(password)
    try:
        key = serialization.load_pem_private_key(data, password=secret)
    except TypeError:
        raise KeyFileError(
            f"{path.name} is encrypted", hint="give its password with --signing-key-password-file"
        ) from None
    except ValueError:
        raise KeyFileError(
            f"{path.name} is not a PEM private key (or the password is wrong)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path.name} is not an Ed25519 key")
    return key


def private_pem(private_key: Ed25519PrivateKey, password: str | None = None) -> bytes:
    secret = _encoded(password)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    )
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _encoded(password: str | None) -> bytes | None:
    """A key's password as bytes (held, so no crash log shows it); None for no password."""
    if not password:
        return None
    secret = encode_secret(password)
    if secret is None:
        raise KeyFileError("the key's password holds characters that are not text")
    return secret


def write_private_file(path: Path, data: bytes) -> None:
    """Write a secret owner-only (0600), atomically, refusing to overwrite an existing file."""
    if path.exists():
        raise KeyFileError(f"{path} exists already", hint="choose another folder")
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(temp).chmod(0o600)
        os.link(temp, path)  # fails rather than replace a file that appeared meanwhile
    finally:
        Path(temp).unlink(missing_ok=True)


def generate_issuer_keys(folder: Path, password: str | None = None) -> tuple[str, Path, Path]:
    """A new issuer key pair in `folder`: (key id, private key file, public key file)."""
    folder.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    private_path = folder / f"issuer-{kid}-private.pem"
    public_path = folder / f"issuer-{kid}-public.pem"
    write_private_file(private_path, private_pem(private, password))
    public_path.write_bytes(public_pem(private.public_key()))
    return kid, private_path, public_path
