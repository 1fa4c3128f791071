"""The ESP image check: empty, truncated, foreign and damaged images are refused in one line,
at `package build`, at `package load` and when the station loads a package (issue 15, item 22).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.station import Station
from prodtool.families import registry
from prodtool.families.esp.appimage import make_app_image
from prodtool.families.family import ImageError
from prodtool.license.builder import build_package, demo_licenses, demo_signing_key
from prodtool.license.ledger import Ledger
from prodtool.license.model import DeliveryMode, ScryptParams
from prodtool.paths import StationPaths

PASSWORD = "download-pass-123"
GOOD = make_app_image(version="2.0.0", size=4096, chip="esp32c3")


def _damaged() -> bytes:
    image = bytearray(GOOD)
    image[600] ^= 0x01  # a flipped bit inside a segment: checksum and digest no longer match
    return bytes(image)


BAD_IMAGES = {
    "empty": (b"", "is empty (0 bytes)"),
    "truncated": (GOOD[: len(GOOD) // 2], "is truncated"),
    "header only": (GOOD[:10], "is truncated"),
    "foreign chip": (
        make_app_image(version="2.0.0", size=4096, chip="esp32"),
        "is built for esp32, not esp32c3",
    ),
    "not an image": (b"\x00" * 4096, "is not an ESP application image"),
    "damaged": (_damaged(), "is damaged"),
}


def test_a_good_image_says_what_it_is() -> None:
    info = registry.get("ESP32-C3").read_image(GOOD, name="app.bin")
    assert (info.chip, info.version, info.size) == ("esp32c3", "2.0.0", 4096)
    # a longer file (padding after the image) is fine: the image's own length counts
    assert registry.get("esp32c3").read_image(GOOD + b"\xff" * 100).size == 4096


@pytest.mark.parametrize("kind", sorted(BAD_IMAGES))
def test_bad_images_are_refused_in_one_line(kind: str) -> None:
    data, words = BAD_IMAGES[kind]
    with pytest.raises(ImageError) as caught:
        registry.get("esp32c3").check_region(0x10000, data, name="app.bin")
    assert words in caught.value.message
    assert caught.value.message.startswith("app.bin")
    assert "\n" not in str(caught.value)


def test_only_the_app_region_is_parsed_but_no_region_may_be_empty() -> None:
    family = registry.get("esp32c3")
    assert family.check_region(0x8000, b"\xaa" * 3072, name="partitions.bin") is None
    with pytest.raises(ImageError, match=r"partitions.bin at 0x8000 is empty"):
        family.check_region(0x8000, b"", name="partitions.bin")


@pytest.mark.parametrize("kind", ["empty", "truncated", "foreign chip"])
def test_package_build_refuses_a_bad_image(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "app.bin"
    image.write_bytes(BAD_IMAGES[kind][0])
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD)
    out = tmp_path / "x.prodpkg"
    code = main(
        [
            "package", "build", "--out", str(out), "--password-file", str(pw),
            "--demo-licenses", "2", "--demo", "--kdf-test-cost", "4",
            "--firmware", f"{image}@0x10000",
        ]
    )  # fmt: skip
    _out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and BAD_IMAGES[kind][1] in err
    assert not out.exists()


def _package_around(tmp_path: Path, image: bytes) -> Path:
    """A signed package holding `image`, built past the CLI's check (as a foreign tool could)."""
    path = tmp_path / "bad.prodpkg"
    build_package(
        path,
        password=PASSWORD,
        licenses=demo_licenses(2, seed=3),
        mode=DeliveryMode.CREDENTIAL,
        firmware=[(image, 0x10000, "2.0.0")],
        signing_key=demo_signing_key()[1],
        demo=True,
        kdf=ScryptParams.TEST,
        chip_family="esp32c3",
    )
    return path


def test_package_load_refuses_a_bad_image_and_loads_nothing(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = _package_around(tmp_path, BAD_IMAGES["truncated"][0])
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD)
    code = main(["package", "load", str(package), "--password-file", str(pw)])
    _out, err = capsys.readouterr()
    assert code == 2 and "is truncated" in err and err.count("\n") == 1
    with Ledger.for_station(StationPaths(data_dir)) as ledger:
        assert ledger.packages() == []


def test_the_station_refuses_a_bad_image_before_the_ledger_sees_it(
    tmp_path: Path, data_dir: Path
) -> None:
    package = _package_around(tmp_path, b"")
    station = Station(StationPaths(data_dir))
    try:
        with pytest.raises(ImageError, match="is empty"):
            station.load_package(package, PASSWORD)
        with Ledger.for_station(station.paths) as ledger:
            assert ledger.packages() == []
    finally:
        station.close()
