"""Where the station keeps its ledger, logs, settings and keys.

One folder per station. `--data-dir` (or `PRODTOOL_DATA_DIR`) overrides the platform default, so a
test or a second station on the same computer keeps its own files and never touches the user's.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from prodtool.errors import StorageError

APP_NAME = "prodtool"
DATA_DIR_ENV = "PRODTOOL_DATA_DIR"


@dataclass(frozen=True)
class StationPaths:
    """The files of one station, all below `root`."""

    root: Path

    @property
    def ledger(self) -> Path:
        return self.root / "ledger.sqlite3"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def transcripts(self) -> Path:
        return self.root / "transcripts"

    @property
    def write_log(self) -> Path:
        return self.root / "writelog.jsonl"

    @property
    def settings(self) -> Path:
        return self.root / "settings.json"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def trust_store(self) -> Path:
        return self.root / "trusted-issuers"

    def ensure(self) -> StationPaths:
        """Create the folders (owner-only: they hold keys and licenses).

        A folder that cannot be made or entered is a `StorageError`: one clear line for the
        person at the station, not a crash.
        """
        loose_transcripts = _is_loose(self.transcripts)
        for folder in (self.root, self.logs, self.transcripts, self.keys, self.trust_store):
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as error:
                raise StorageError(
                    f"cannot use the station folder {folder}: {error.strerror}",
                    hint="check that the disk is mounted and the folder belongs to this user",
                    code="data_dir",
                ) from None
            _owner_only(folder, 0o700)  # mkdir's mode counts only for a folder it creates
        ledger_files = [self.ledger.with_name(self.ledger.name + s) for s in ("-wal", "-shm")]
        for file in (self.ledger, *ledger_files, self.write_log):
            _owner_only(file, 0o600)
        if loose_transcripts:  # made by an older version: its files are as loose (once)
            for transcript in self.transcripts.glob("*.jsonl"):
                _owner_only(transcript, 0o600)
        # SQLite creates a new ledger 0644 (and its -wal and -shm like it): create it ourselves.
        with contextlib.suppress(OSError):
            os.close(os.open(self.ledger, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return self


def _is_loose(path: Path) -> bool:
    try:
        return os.name == "posix" and bool(path.stat().st_mode & 0o077)
    except OSError:
        return False


def _owner_only(path: Path, mode: int) -> None:
    """Take group and other access away from an existing file or folder (the owner keeps it).
    A folder this user may not change is left as it is: opening it then says what is wrong."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(mode)


def station_paths(data_dir: str | os.PathLike[str] | None = None) -> StationPaths:
    """Resolve the data folder: explicit argument, then the environment, then the platform's."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(
            APP_NAME, appauthor=False
        )
    return StationPaths(Path(data_dir).expanduser().resolve())
