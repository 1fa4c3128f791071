"""The package's zip container, in one canonical byte-exact form.

Members are stored uncompressed with fixed metadata, so the archive is a pure function of its
members' names, order and bytes. On reading, the archive is rebuilt and compared byte for byte:
a change anywhere (a member, a header, a timestamp, trailing bytes) is caught, not only in the
signed member contents. Stored, not deflated: deflate output may differ between zlib versions.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from prodtool.license.errors import TamperedPackage

_EPOCH = (1980, 1, 1, 0, 0, 0)
_UNIX = 3
_FILE_MODE = 0o100644 << 16
# What zipfile may raise on a damaged archive.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    ValueError,
    struct.error,
    NotImplementedError,
    EOFError,
    OSError,
    zlib.error,
    KeyError,
    OverflowError,
    UnicodeDecodeError,
    IndexError,
)


def write_archive(members: Sequence[tuple[str, bytes]]) -> bytes:
    """The canonical archive of `members`, in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in members:
            zf.writestr(_canonical_info(name), data)
    return buffer.getvalue()


# Limits, checked on the central directory before a byte of any member is read (a member is
# stored, so its size in the archive is its size in memory: no member can inflate).
MAX_PACKAGE_BYTES = 512 * 2**20
MAX_MEMBERS = 32
MAX_MEMBER_BYTES = 128 * 2**20  # the license member: about 2.5 million licenses
MAX_FIRMWARE_BYTES = 64 * 2**20  # one image (the largest flash is 16 MB; room for 4x)
MAX_TEXT_MEMBER_BYTES = 2**20  # manifest.json, signature.json
_CHUNK = 2**16


def member_limit(name: str) -> int:
    """The largest size a member of this name may declare."""
    if name.startswith("firmware/"):
        return MAX_FIRMWARE_BYTES
    if name.endswith(".json"):
        return MAX_TEXT_MEMBER_BYTES
    return MAX_MEMBER_BYTES


@dataclass(frozen=True)
class ArchiveContents:
    """What reading an archive found: every member's SHA-256 and the bytes of the kept ones."""

    digests: dict[str, str]
    sizes: dict[str, int]
    kept: dict[str, bytes]


def _check_declared(infos: list[zipfile.ZipInfo], total: int) -> None:
    """Refuse what the central directory declares, before anything is read or inflated."""
    if len(infos) > MAX_MEMBERS:
        raise TamperedPackage(f"the package declares {len(infos)} members (at most {MAX_MEMBERS})")
    declared = 0
    for info in infos:
        name = _printable(info.filename)
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise TamperedPackage(
                f"the package is not as the issuer writes it: member {name} is compressed",
                hint="download the package again",
            )
        if info.file_size > member_limit(info.filename):
            raise TamperedPackage(
                f"member {name} declares {info.file_size} bytes, more than a package member may"
                f" hold ({member_limit(info.filename)})"
            )
        declared += info.file_size
    if declared > total:
        raise TamperedPackage("the package's members declare more bytes than the file holds")


def read_member(path: Path, name: str, size: int) -> bytes | None:
    """One member of the archive at `path` (None if absent), refused unless it is stored and of
    the expected `size` (checked before reading); the caller checks its hash."""
    try:
        with zipfile.ZipFile(path) as zf:
            if name not in zf.namelist():
                return None
            info = zf.getinfo(name)
            _check_declared([info], path.stat().st_size)
            if info.file_size != size:
                raise TamperedPackage(
                    f"the package was changed: member {_printable(name)} has another size",
                    hint="load the package again",
                )
            return zf.read(info)
    except _ZIP_ERRORS:
        raise TamperedPackage(
            f"the package is damaged: member {_printable(name)} cannot be read",
            hint="download the package again",
        ) from None


def _printable(name: str) -> str:
    return ascii(name)[1:-1][:80]


class _CanonicalCheck(io.RawIOBase):
    """A seekable sink for `zipfile` that compares what it is given with the original file.

    The canonical archive is written member by member into this sink; large writes (member data)
    are compared at once, small ones (headers, which zipfile rewrites after the data) are kept
    and compared at the end. Memory stays at one chunk, whatever the package size.
    """

    def __init__(self, original: BinaryIO) -> None:
        self._original = original
        self._pos = 0
        self._end = 0
        self._small: dict[int, bytes] = {}
        self.differs = False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = offset if whence == io.SEEK_SET else (self._end + offset)
        return self._pos

    def write(self, data: bytes) -> int:  # type: ignore[override]
        view = bytes(data)
        if len(view) <= 4096:
            self._small[self._pos] = view
        elif not self._same(self._pos, view):
            self.differs = True
        self._pos += len(view)
        self._end = max(self._end, self._pos)
        return len(view)

    def _same(self, pos: int, data: bytes) -> bool:
        self._original.seek(pos)
        return self._original.read(len(data)) == data

    def matches(self, length: int) -> bool:
        """True when every byte written is the original's and the lengths agree."""
        if self.differs or self._end != length:
            return False
        return all(self._same(pos, data) for pos, data in self._small.items())


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> tuple[str, bytes]:
    """Copy one member into the canonical writer in chunks; (sha256 hex, bytes if kept)."""
    digest = hashlib.sha256()
    kept = bytearray()
    keep = not info.filename.startswith("firmware/")  # images are read again when flashed
    canonical = _canonical_info(info.filename)
    canonical.file_size = info.file_size  # as writestr does: the same header bytes
    with zf.open(info) as src, out.open(canonical, "w") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            if keep:
                kept += chunk
    return digest.hexdigest(), bytes(kept)


def _canonical_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = _UNIX
    info.external_attr = _FILE_MODE
    return info


def read_archive_file(path: Path) -> ArchiveContents:
    """Check a canonical archive on disk, streaming: sizes first (from the central directory),
    then each member hashed in chunks; firmware images are hashed, not kept."""
    with path.open("rb") as handle:
        total = os.fstat(handle.fileno()).st_size
        if total > MAX_PACKAGE_BYTES:
            raise TamperedPackage(
                f"the package is {total} bytes, more than a package may be ({MAX_PACKAGE_BYTES})"
            )
        contents = ArchiveContents({}, {}, {})
        try:
            with zipfile.ZipFile(handle) as zf:
                infos = zf.infolist()
                _check_declared(infos, total)
                names = [info.filename for info in infos]
                if len(set(names)) != len(names):
                    raise TamperedPackage("the package is damaged: a member appears twice")
                with path.open("rb") as original:
                    sink = _CanonicalCheck(original)
                    with zipfile.ZipFile(
                        sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True
                    ) as out:
                        for info in infos:
                            digest, kept = _read_one(zf, info, out)
                            contents.digests[info.filename] = digest
                            contents.sizes[info.filename] = info.file_size
                            if not info.filename.startswith("firmware/"):
                                contents.kept[info.filename] = kept
                    canonical = sink.matches(total)
        except _ZIP_ERRORS:
            raise TamperedPackage(
                "the package is damaged: it is not a complete package archive",
                hint="download the package again",
            ) from None
    if not canonical:
        raise TamperedPackage(
            "the package was changed: its archive structure is not as the issuer wrote it",
            hint="download the package again",
        )
    return contents


def _read_one(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile
) -> tuple[str, bytes]:
    try:
        return _stream(zf, info, out)
    except _ZIP_ERRORS:
        raise TamperedPackage(
            f"the package is damaged: member {_printable(info.filename)} does not "
            "read back as it was written",
            hint="download the package again",
        ) from None


def read_archive(data: bytes) -> list[tuple[str, bytes]]:
    """The members of a canonical archive, in order; `TamperedPackage` if anything is off."""
    members: list[tuple[str, bytes]] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            for info in infos:
                try:
                    members.append((info.filename, zf.read(info)))
                except _ZIP_ERRORS:
                    raise TamperedPackage(
                        f"the package is damaged: member {_printable(info.filename)} does not "
                        "read back as it was written",
                        hint="download the package again",
                    ) from None
    except _ZIP_ERRORS:
        raise TamperedPackage(
            "the package is damaged: it is not a complete package archive",
            hint="download the package again",
        ) from None
    names = [name for name, _ in members]
    if len(set(names)) != len(names):
        raise TamperedPackage("the package is damaged: a member appears twice")
    if write_archive(members) != data:
        raise TamperedPackage(
            "the package was changed: its archive structure is not as the issuer wrote it",
            hint="download the package again",
        )
    return members
