"""The tile shows the chip family found, the family's link step, and its hint for a failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from prodtool.families import registry
from prodtool.families.beken import guide
from prodtool.families.family import ChipFamily
from prodtool.flash.events import (
    ChipIdentified,
    JobFinished,
    JobState,
    PortEvent,
    Reason,
    StateChanged,
)
from prodtool.ui.family_words import EXTRACTED
from prodtool.ui.i18n import Translations
from prodtool.ui.port_tile import PortTile

pytestmark = pytest.mark.gui
PORT = "/dev/ttyUSB7"
BUILT_IN = ("esp32c3", "esp32", "bk7231n", "bk7231t", "t3", "t5")


def tile_with(qtbot: QtBot, *events: PortEvent) -> PortTile:
    tile = PortTile(PORT)
    qtbot.addWidget(tile)
    for event in events:
        tile.apply(event)
    tile.redraw()
    return tile


def linking(family: str) -> StateChanged:
    return StateChanged(
        port=PORT, state=JobState.IDENTIFYING, step=registry.get(family).connect_step
    )


def failed(reason: Reason, family: str, detail: str = "") -> JobFinished:
    return JobFinished(port=PORT, passed=False, reason=reason, family=family, detail=detail)


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[Translations]:
    translations = Translations()
    assert translations.switch("zh_CN")
    yield translations
    translations.switch("en")


def test_every_built_in_familys_words_are_extracted_for_translation() -> None:
    words: set[str] = set()
    for name in BUILT_IN:
        family = registry.get(name)
        words.add(family.connect_step)
        words.update(family.hints.values())
    assert words <= {str(text) for text in EXTRACTED}
    assert "" not in words


def test_the_family_found_is_shown_by_its_title(qtbot: QtBot) -> None:
    beken = tile_with(
        qtbot, linking("bk7231n"), ChipIdentified(port=PORT, family="bk7231n", mac="", chip_id="")
    )
    assert beken.family_label.text() == "BK7231N / T2"
    esp = tile_with(qtbot, ChipIdentified(port=PORT, family="esp32c3", mac="", chip_id="1"))
    assert esp.family_label.text() == "ESP32-C3"
    unknown = tile_with(qtbot, ChipIdentified(port=PORT, family="esp32s9", mac="", chip_id="1"))
    assert unknown.family_label.text() == "esp32s9"


def test_the_link_step_is_the_familys(qtbot: QtBot) -> None:
    tile = tile_with(qtbot, linking("bk7231n"))
    assert tile.step_label.text() == "Linking (reset module / CEN)"
    esp = tile_with(qtbot, linking("esp32c3"))
    assert esp.step_label.text().startswith("Connecting (hold")
    # A step too long for a small tile is cut on the tile and whole in its tool tip.
    esp.set_tile_size(150, 150)
    esp.redraw()
    assert esp.step_label.text().endswith("…")
    assert esp.step_label.toolTip() == "Connecting (hold BOOT, tap EN)"


def test_a_beken_link_failure_shows_the_cen_wiring_hint(qtbot: QtBot) -> None:
    """No chip answered, so no ChipIdentified: the job's family says whose hint applies."""
    tile = tile_with(qtbot, linking("t2"), failed(Reason.NO_ANSWER, "bk7231n"))
    text = tile.reason_label.text()
    assert text.startswith("No answer from the chip.")
    assert "Wire RTS to CEN (or bridge CEN to GND briefly)" in text
    assert "boot button" not in text


def test_an_esp_link_failure_says_boot_and_en(qtbot: QtBot) -> None:
    tile = tile_with(qtbot, failed(Reason.NO_ANSWER, "esp32c3"))
    assert "BOOT held while EN is tapped" in tile.reason_label.text()


def test_without_a_family_hint_the_reasons_own_is_shown(qtbot: QtBot) -> None:
    cable = tile_with(qtbot, failed(Reason.CABLE_PULLED, "bk7231n"))
    assert "Plug it in again firmly and retry." in cable.reason_label.text()
    old = tile_with(qtbot, failed(Reason.NO_ANSWER, ""))  # an engine that does not say
    assert "auto-reset or boot button is wired" in old.reason_label.text()
    plain = ChipFamily(name="plainfam", title="Plain")
    with registry.registered(plain):
        tile = tile_with(qtbot, failed(Reason.NO_ANSWER, "plainfam"))
    assert "auto-reset or boot button is wired" in tile.reason_label.text()


def test_a_wrong_chip_names_the_chip_found_by_its_title(qtbot: QtBot) -> None:
    tile = tile_with(
        qtbot,
        failed(Reason.WRONG_CHIP, "bk7231n", detail="this chip is bk7231t, not bk7231n"),
    )
    assert "(found BK7231T)" in tile.reason_label.text()
    assert guide.HINTS[Reason.WRONG_CHIP][1:] in tile.reason_label.text()
    assert tile.family_label.text() == "BK7231T"


def test_in_chinese_the_step_and_the_hint_are_chinese(qtbot: QtBot, chinese: Translations) -> None:
    step = tile_with(qtbot, linking("bk7231n")).step_label.text()
    assert step == "正在握手（请复位模组 / CEN）"
    tile = tile_with(qtbot, linking("bk7231n"), failed(Reason.NO_ANSWER, "bk7231n"))
    assert "请将 RTS 接到 CEN" in tile.reason_label.text()
    esp = tile_with(qtbot, failed(Reason.NO_ANSWER, "esp32c3"))
    assert "BOOT" in esp.reason_label.text() and "没有自动复位" in esp.reason_label.text()
