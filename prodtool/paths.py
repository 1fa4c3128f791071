"""Where the station keeps its ledger, logs, settings and keys.

One folder per station. `--data-dir` (or `PRODTOOL_DATA_DIR`) overrides the platform default, so a
test or a second station on the same computer keeps its own files and never touches the user's.
"""

from __future__ import annotations

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
        for folder in (self.root, self.logs, self.transcripts, self.keys, self.trust_store):
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as error:
                raise StorageError(
                    f"cannot use the station folder {folder}: {error.strerror}",
                    hint="check that the disk is mounted and the folder belongs to this user",
                    code="data_dir",
                ) from None
        return self


def station_paths(data_dir: str | os.PathLike[str] | None = None) -> StationPaths:
    """Resolve the data folder: explicit argument, then the environment, then the platform's."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(
            APP_NAME, appauthor=False
        )
    return StationPaths(Path(data_dir).expanduser().resolve())
