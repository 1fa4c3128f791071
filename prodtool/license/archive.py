"""The package's zip container, in one canonical byte-exact form.

Members are stored uncompressed with fixed metadata, so the archive is a pure function of its
members' names, order and bytes. On reading, the archive is rebuilt and compared byte for byte:
a change anywhere (a member, a header, a timestamp, trailing bytes) is caught, not only in the
signed member contents. Stored, not deflated: deflate output may differ between zlib versions.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

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
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = _UNIX
            info.external_attr = _FILE_MODE
            zf.writestr(info, data)
    return buffer.getvalue()


def read_member(path: Path, name: str) -> bytes | None:
    """One member of the archive at `path` (None if absent); the caller checks its hash."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.read(name) if name in zf.namelist() else None
    except _ZIP_ERRORS:
        raise TamperedPackage(
            f"the package is damaged: member {_printable(name)} cannot be read",
            hint="download the package again",
        ) from None


def _printable(name: str) -> str:
    return ascii(name)[1:-1][:80]


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
