"""`prodtool families`: every registered family listed, one shown with its wiring."""

from __future__ import annotations

import pytest

from prodtool.cli.main import main


def test_lists_every_family_and_describes_one_by_any_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["families"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listing] == [
        "esp32c3",
        "esp32",
        "bk7231n",
        "bk7231t",
        "t3",
        "t5",
    ]
    assert "[default]" in listing[0]
    assert main(["families", "ESP32-C3"]) == 0
    detail = capsys.readouterr().out
    assert "application    at 0x10000; shell at 115200 baud" in detail
    assert "BOOT" in detail and "hint no_answer" in detail


def test_an_unknown_family_is_one_line_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["families", "bk"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "prodtool: unknown chip family 'bk' "
        "(known families: bk7231n, bk7231t, esp32, esp32c3, t3, t5)\n"
    )
