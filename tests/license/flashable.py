"""Test packages whose firmware passes the chip family's image check, as `package load` and the
station check it (`prodtool.license.testing` may not import the families, so its default firmware
is only shaped like an image)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prodtool.families import registry
from prodtool.families.registry import DEFAULT_FAMILY
from prodtool.license.testing import make_package


def flashable_package(path: Path, *, version: str = "1.0.0", **options: Any) -> Path:
    image = registry.get(DEFAULT_FAMILY).make_image(version=version)
    return make_package(path, firmware=[(image, 0x10000, version)], **options)
