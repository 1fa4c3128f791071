"""The window's QA page and a failed tile's "Support bundle…" action, on simulated chips."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from prodtool.engine.station import Station
from prodtool.engine.support import bundle_bytes
from prodtool.flash.events import JobState
from prodtool.paths import station_paths
from prodtool.sim import ChipFarm, parse_fault
from prodtool.ui.app import build_window
from prodtool.ui.window import StationWindow
from tests.engine.simhelp import fast_settings
from tests.qa.qahelp import make_package

pytestmark = [pytest.mark.gui, pytest.mark.sim]


@pytest.fixture
def window(qtbot: QtBot, data_dir: Path) -> Iterator[StationWindow]:
    paths = station_paths(data_dir).ensure()
    win = build_window(paths, fast_settings(auto_start=False), language="en")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()


@pytest.fixture
def engine(window: StationWindow) -> Iterator[Station]:
    with ExitStack() as stack:
        station = Station(window.paths, window.settings, comports=list)
        stack.callback(station.close)
        stack.callback(window.shutdown)
        window.attach(station)
        yield station


def test_qa_page_and_support_bundle_from_a_failed_tile(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    window: StationWindow,
    engine: Station,
    tmp_path: Path,
) -> None:
    pkg = make_package(tmp_path, seed=31)
    engine.load_package(pkg.path, pkg.password)
    with ChipFarm(count=2) as farm:
        farm.chips[1].add_fault(parse_fault("auth-reject"))
        engine.add_ports(farm.urls, start=True)
        qtbot.waitUntil(
            lambda: (
                len(window.grid.tiles) == 2
                and all(t.state == JobState.REMOVE_CHIP for t in window.grid.tiles.values())
            ),
            timeout=30_000,
        )
        good, bad = (window.grid.tiles[u] for u in farm.urls)
        assert not good.support_button.isVisible()
        assert bad.support_button.isVisible() and bad.support_button.text() == "Bundle…"

        out = tmp_path / "from-tile.zip"
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), ""))
        )
        bad.support_button.click()
        qtbot.waitUntil(lambda: out.exists() and not window.busy(), timeout=15_000)
        # the history, not the strip: the licenses-low warning (2 of 4 left) may come after it
        saved = [s for s in window.notice.history if s.text.startswith("Support bundle saved")]
        assert saved and saved[-1].tone == "good" and str(out) in saved[-1].text
        data = bundle_bytes(out)
        assert bad.job_id.encode() in data
        assert not any(s.encode() in data for s in pkg.secrets)

        window.qa_action.trigger()
        page = window.qa_page
        page.set_port(farm.urls[0])
        page.check_button.click()
        qtbot.waitUntil(lambda: page.report is not None, timeout=20_000)
        assert page.report is not None and page.report.passed
        assert "PASS" in page.verdict_label.text()
        items = [page.reasons.item(i).text() for i in range(page.reasons.count())]
        assert any("belongs to order DEMO-00031, product Demo smart plug" in t for t in items)
        qtbot.waitUntil(lambda: not window.busy(), timeout=5_000)
        page.close()
