"""What a settings file may hold of the supervisor PIN: its salted hash, and nowhere else."""

from __future__ import annotations

import json
import re
from pathlib import Path

SCRYPT_HASH = re.compile(r"scrypt\$\d+\$\d+\$\d+\$[0-9a-f]{32}\$[0-9a-f]{64}")


def pin_only_hashed(settings_file: Path, pin: str) -> bool:
    """The PIN is in no field but the hash's, and that field is a salted scrypt hash (whose hex
    may hold any four digits by chance, so it is checked by its form, not searched)."""
    stored = json.loads(settings_file.read_text())
    hashed = str(stored.pop("supervisor_pin_hash", ""))
    return SCRYPT_HASH.fullmatch(hashed) is not None and pin not in json.dumps(stored)
