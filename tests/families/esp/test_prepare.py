"""ESP's `prepare`: a worker compresses the package's images before its first chip asks."""

from __future__ import annotations

import os

from prodtool.families import registry
from prodtool.families.driver import Region
from prodtool.families.esp.driver import DEFLATE_CACHE


def test_prepare_compresses_each_image_once_and_skips_secrets() -> None:
    family = registry.get("esp32c3")
    image = os.urandom(1024) * 64  # compressible: repeats
    secret = os.urandom(4096)
    compressions, hits = DEFLATE_CACHE.compressions, DEFLATE_CACHE.hits
    family.prepare([Region(0x10000, image, "app"), Region(0x9000, secret, "nvs", secret=True)])
    assert DEFLATE_CACHE.compressions == compressions + 1  # the secret was not cached
    family.prepare([Region(0x10000, image, "app")])
    assert DEFLATE_CACHE.compressions == compressions + 1
    assert DEFLATE_CACHE.hits == hits + 1
