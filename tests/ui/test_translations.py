"""The Chinese catalogue is complete, matches the sources, and its compiled .qm is current."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from prodtool.flash.events import JobState, PortAdded, StateChanged
from prodtool.ui.window import StationWindow
from tests.ui.uihelpers import installer_module

translations = installer_module("translations")
pytestmark = pytest.mark.gui
TS = translations.ts_path("zh_CN")


def messages(ts: Path) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            text = "".join(translation.itertext()).strip()
            if translation.get("type") in {"unfinished", "vanished", "obsolete"}:
                text = ""
            out[(name, message.findtext("source", ""))] = text
    return out


def test_every_string_has_a_chinese_translation() -> None:
    missing = [source for (_, source), text in messages(TS).items() if not text]
    assert not missing


def test_placeholders_survive_translation() -> None:
    for (_, source), text in messages(TS).items():
        assert sorted(re.findall(r"%[0-9n]", source)) == sorted(re.findall(r"%[0-9n]", text)), (
            source
        )


def test_catalogue_lists_exactly_the_sources_strings(tmp_path: Path) -> None:
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    translations.update(copy)
    assert messages(copy) == messages(TS), "run: python installer/translations.py"


def test_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.qm"
    translations.release(TS, fresh)
    assert fresh.read_bytes() == TS.with_suffix(".qm").read_bytes(), (
        "run: python installer/translations.py"
    )


def test_language_switches_live(qtbot: QtBot, window: StationWindow) -> None:
    window.bridge.post(PortAdded(port="/dev/ttyUSB0"))
    window.bridge.post(StateChanged(port="/dev/ttyUSB0", state=JobState.PASSED))
    qtbot.waitUntil(lambda: "/dev/ttyUSB0" in window.grid.tiles)
    tile = window.grid.tiles["/dev/ttyUSB0"]
    assert tile.state_label.text() == "PASSED"
    window.language_actions["zh_CN"].trigger()
    qtbot.waitUntil(lambda: tile.state_label.text() == "通过")
    assert window.counters.yield_.caption.text() == "良率"
    assert "工位" in window.windowTitle()
    window.language_actions["en"].trigger()
    qtbot.waitUntil(lambda: tile.state_label.text() == "PASSED")
