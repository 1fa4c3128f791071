"""The station key that seals AuthKeys in the ledger (AES-256-GCM, random 96-bit nonces).

A 32-byte key file, owner-only, created on first use. Each sealed AuthKey is nonce + ciphertext,
bound to its package and UUID (associated data), so a ciphertext moved to another row won't open.
"""

from __future__ import annotations

import contextlib
import hashlib
import operator
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from prodtool.errors import StorageError

KEY_SIZE = 32
_NONCE = 12
_TAG = 16


class StationKey:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError("a station key is 32 bytes")
        self._aes = AESGCM(key)
        # A key of its own for the AuthKey tags (never the sealing key itself).
        tag_key = hashlib.sha256(b"prodtool authkey tag\n" + key).digest()
        self._tagger = hashlib.blake2b(key=tag_key, digest_size=_TAG)
        self.check_value = hashlib.sha256(b"prodtool station key check\n" + key).hexdigest()[:32]

    def __repr__(self) -> str:
        return "StationKey(<hidden>)"

    @classmethod
    def load(cls, path: Path, *, create: bool) -> StationKey:
        """Read the key file; create it (owner-only, race-free) if `create` and it is missing."""
        try:
            return cls(_read_key(path))
        except FileNotFoundError:
            if not create:
                raise StorageError(
                    f"the station key {path} is missing: the ledger's AuthKeys cannot be read",
                    hint="restore the keys folder from the station's backup",
                ) from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-key-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(os.urandom(KEY_SIZE))
                    out.flush()
                    os.fsync(out.fileno())
                Path(temp).chmod(0o600)
                with contextlib.suppress(FileExistsError):
                    os.link(temp, path)  # never replaces a key another process just made
            finally:
                Path(temp).unlink(missing_ok=True)
            return cls(_read_key(path))
        except OSError as error:
            raise StorageError(
                f"cannot create the station key {path}: {error.strerror}",
                hint="check the data folder's permissions",
            ) from None

    def seal(self, authkey: str, *, package_id: str, uuid: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aes.encrypt(nonce, authkey.encode("ascii"), _aad(package_id, uuid))

    def seal_many(
        self, uuids: Sequence[str], authkeys: Sequence[str], *, package_id: str
    ) -> list[bytes]:
        """Seal many AuthKeys: one urandom call for all nonces, C-level loops (map) only."""
        size = _NONCE * len(uuids)
        block = os.urandom(size)
        cuts = map(slice, range(0, size, _NONCE), range(_NONCE, size + _NONCE, _NONCE))
        nonces = list(map(block.__getitem__, cuts))
        prefix = package_id.encode() + b"\x00"
        aads = map(prefix.__add__, map(str.encode, uuids))
        plains = map(str.encode, authkeys)
        return list(map(operator.add, nonces, map(self._aes.encrypt, nonces, plains, aads)))

    def tag_many(self, authkeys: Sequence[str]) -> list[bytes]:
        """A keyed tag of each AuthKey (keyed BLAKE2b, 16 bytes): the ledger's unique index on
        it refuses one AuthKey under two UUIDs, and the tag tells nobody without the key what
        the AuthKey is (a plain hash of a short key could be searched). BLAKE2b's own key mode
        is a MAC; each tag copies one keyed state (the key's block is hashed once, not once per
        AuthKey): a million tags take well under a second (HMAC took six)."""
        keyed = self._tagger.copy
        tags: list[bytes] = []
        add = tags.append
        for plain in map(str.encode, authkeys):
            state = keyed()
            state.update(plain)
            add(state.digest())
        return tags

    def open(self, sealed: bytes, *, package_id: str, uuid: str) -> str:
        try:
            plain = self._aes.decrypt(sealed[:_NONCE], sealed[_NONCE:], _aad(package_id, uuid))
        except InvalidTag:
            raise StorageError(
                f"the stored AuthKey of {uuid} does not open with this station's key",
                hint="the ledger or the key file was replaced; restore both from one backup",
            ) from None
        return plain.decode("ascii")


def _aad(package_id: str, uuid: str) -> bytes:
    return package_id.encode() + b"\x00" + uuid.encode()


def _read_key(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise StorageError(f"cannot read the station key {path}: {error.strerror}") from None
    if len(data) != KEY_SIZE:
        raise StorageError(f"the station key {path} is damaged (wrong size)")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o600)  # tighten a key someone copied in with loose permissions
    return data
