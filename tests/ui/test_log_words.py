"""The log panel in the window's language: the job's lines and steps carry a template key and
fields, and a run on simulated chips in zh_CN leaves no English sentence in the log."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from prodtool.engine.demo import build_demo_package
from prodtool.engine.log_text import LogSay, error_line
from prodtool.engine.station import Station
from prodtool.flash.events import JobState, LogLine, StateChanged
from prodtool.license.errors import ChipBusy
from prodtool.sim import ChipFarm, parse_fault
from prodtool.ui.log_panel import format_line
from prodtool.ui.log_words import sentence, step_sentence, templates
from prodtool.ui.window import StationWindow
from tests.ui.test_zh_walk import english_sentences

pytestmark = pytest.mark.gui
JOB_TIMEOUT_MS = 45_000


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.fixture
def chinese(window: StationWindow) -> Iterator[StationWindow]:
    assert window.translations.switch("zh_CN")
    yield window
    window.translations.switch("en")


def test_every_line_has_a_chinese_template(chinese: StationWindow) -> None:
    words = templates()
    assert set(words) == set(LogSay)
    for say, template in words.items():
        assert fields(template) <= fields(say.value) | {"reason"}, say
        assert re.search(r"[\u4e00-\u9fff]", template), f"untranslated: {say.value}"


def test_lines_steps_and_errors_are_worded(chinese: StationWindow) -> None:
    line = LogLine(
        port="COM3",
        level="warning",
        text="no answer; retrying at 115200 baud",
        say=LogSay.RETRYING.name,
        params=(("problem", "no answer"), ("reason", "no_answer"), ("baud", "115200")),
    )
    assert format_line(line).endswith("警告 芯片无响应；以 115200 波特率重试")
    step = StateChanged(
        port="COM3",
        state=JobState.CONNECTING,
        step="opening COM3 at 115200 baud",
        say=LogSay.OPENING.name,
        params=(("port", "COM3"), ("baud", "115200")),
    )
    assert step_sentence(step) == "以 115200 波特率打开 COM3"
    busy = ChipBusy("chip aa is being written", params={"chip": "aa:bb", "port": "COM4"})
    worded = format_line(error_line("COM3", "j1", busy))
    assert "芯片 aa:bb 正在端口 COM4 上写入" in worded and "错误" in worded
    assert sentence("", (), "esptool's own words") == "esptool's own words"
    assert sentence("NO_SUCH_KEY", (), "kept as it is") == "kept as it is"


@pytest.mark.sim
def test_a_run_in_chinese_logs_no_english(
    qtbot: QtBot, chinese: StationWindow, tmp_path: Path
) -> None:
    window = chinese
    package, password = build_demo_package(
        tmp_path / "pkg", licenses=4, fast_kdf=True, seed=8, firmware_size=48 * 1024
    )
    with ExitStack() as stack:
        station = Station(window.paths, window.settings)
        stack.callback(station.close)
        stack.callback(window.shutdown)
        window.attach(station)
        station.load_package(package, password)
        farm = stack.enter_context(ChipFarm(count=2, family="esp32c3", transport="socket"))
        farm.chips[0].add_fault(parse_fault("auth-reject@times=1"))
        station.add_ports(farm.urls, start=True)
        qtbot.waitUntil(
            lambda: (
                all(
                    window.grid.tiles[url].result in (JobState.PASSED, JobState.FAILED)
                    for url in farm.urls
                    if url in window.grid.tiles
                )
                and len(window.grid.tiles) == 2
            ),
            timeout=JOB_TIMEOUT_MS,
        )
        window.shutdown()
    text = window.log_panel.text()
    assert "正在选择授权" in text and "已预留授权" in text  # steps and lines were worded
    lines = [line.split("  ", 1)[-1] for line in text.splitlines()]
    assert not english_sentences(lines)
    window.translations.switch("en")  # the panel words its lines again in the new language
    qtbot.waitUntil(lambda: re.search(r"license \w+ reserved", window.log_panel.text()) is not None)
