"""What a license UUID and an AuthKey look like, as TuyaOpen firmware accepts them: declared once
for the license package (checks on import) and the shell client (checks before sending).

A UUID is 16 or 20 ASCII letters or digits (`uuid` + 16 hex digits is the common form), an
AuthKey exactly 32.
"""

from __future__ import annotations

import re

UUID_PATTERN = r"[A-Za-z0-9]{16}(?:[A-Za-z0-9]{4})?"
AUTHKEY_PATTERN = r"[A-Za-z0-9]{32}"
UUID_RE = re.compile(UUID_PATTERN)
AUTHKEY_RE = re.compile(AUTHKEY_PATTERN)
