"""The pool's password, kept out of the settings and out of sight: a libpq passfile in the
station's keys folder (`keys/pgpass`, owner-only), which the pool's connections read.

One line per pool, `host:port:dbname:user:password` with `:` and `\\` escaped; a new password
for the same server, database and user replaces the old line.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from prodtool.errors import StorageError, UserError
from prodtool.redact import hold_secret

PG_LOGIN_FILE = "pgpass"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def login_key(url: str) -> str:
    """The passfile line's first four fields for `url` ('*' where the URL leaves one out)."""
    info = conninfo_to_dict(url)
    fields = (
        str(info.get("host") or "localhost"),
        str(info.get("port") or "5432"),
        str(info.get("dbname") or "*"),
        str(info.get("user") or "*"),
    )
    return ":".join(_escape(f) for f in fields)


def url_has_password(url: str) -> bool:
    try:
        return bool(conninfo_to_dict(url).get("password"))
    except Exception:  # noqa: BLE001 - an unreadable URL has no password we could see
        return False


def save_password(keys: Path, url: str, password: str) -> Path:
    """Store `password` for the pool at `url` in `keys/pgpass` (0600, written atomically)."""
    if "\n" in password or "\r" in password:
        raise UserError("a password cannot hold a line break", code="bad_password")
    hold_secret(password)  # no crash log of this process shows it
    key = login_key(url)
    path = keys / PG_LOGIN_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        kept = [line for line in lines if not line.startswith(key + ":")]
        kept.append(f"{key}:{_escape(password)}")
        keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=keys, prefix=".tmp-pgpass-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write("\n".join(kept) + "\n")
                out.flush()
                os.fsync(out.fileno())
            Path(temp).replace(path)
        finally:
            Path(temp).unlink(missing_ok=True)
    except OSError as error:
        raise StorageError(
            f"cannot store the pool's password in {path}: {error.strerror}",
            hint="check the station folder's permissions",
        ) from None
    return path


def has_password(keys: Path, url: str) -> bool:
    path = keys / PG_LOGIN_FILE
    if not path.exists():
        return False
    key = login_key(url) + ":"
    return any(line.startswith(key) for line in path.read_text(encoding="utf-8").splitlines())
