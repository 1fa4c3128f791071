"""The QA page: labelled fields, the loaded package by default (by order number), a big verdict
with wrapped reasons, a batch history and its CSV/JSON report."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QFormLayout, QLabel
from pytestqt.qtbot import QtBot

from prodtool.engine.station import Station
from prodtool.sim import ChipFarm
from prodtool.ui.qa_page import QaPage
from prodtool.ui.window import StationWindow
from tests.engine.simhelp import fast_settings
from tests.qa.qahelp import make_package

pytestmark = [pytest.mark.gui, pytest.mark.sim]


@pytest.fixture
def engine(window: StationWindow) -> Iterator[Station]:
    window.settings = fast_settings()
    with ExitStack() as stack:
        station = Station(window.paths, window.settings, comports=list)
        stack.callback(station.close)
        stack.callback(window.shutdown)
        window.attach(station)
        yield station


def labels(page: QaPage) -> list[str]:
    out = []
    for row in range(page.form.rowCount()):
        item = page.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        widget = item.widget() if item is not None else None
        if isinstance(widget, QLabel):
            out.append(widget.text())
    return out


def test_qa_page_batch_and_report(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    window: StationWindow,
    engine: Station,
    tmp_path: Path,
) -> None:
    other = make_package(tmp_path / "a", seed=32)
    engine.load_package(other.path, other.password)
    pkg = make_package(tmp_path / "b", seed=33)
    loaded = engine.load_package(pkg.path, pkg.password)  # the one loaded now
    with ChipFarm(count=2) as farm:
        engine.add_ports(farm.urls[:1], start=True)
        assert engine.wait_idle(30)
        window.open_qa(port=farm.urls[1])  # "QA this slot": the port comes preselected
        page = window.qa_page
        assert labels(page) == ["Port:", "Package:"]
        assert page.port_box.currentText() == farm.urls[1]
        assert page.package_box.currentData() == loaded.package_id
        assert page.package_box.currentText().startswith(loaded.order_number)
        page.batch_box.setChecked(True)
        assert page.batch_area.isVisible() and not page.export_button.isEnabled()
        for url in (farm.urls[0], farm.urls[1]):
            page.set_port(url)
            page.check_button.click()
            qtbot.waitUntil(
                lambda: page.check_button.isEnabled() and not window.busy(), timeout=20_000
            )
        assert [r.passed for r in page.history] == [True, False]
        assert page.verdict_label.text() == "FAIL"
        assert page.verdict_label.font().pointSizeF() > page.chip_label.font().pointSizeF() * 2
        assert page.reasons.wordWrap() and page.reasons.item(0).text().startswith("✘")
        assert page.batch_counts.text() == "2 checked: 1 passed, 1 failed"
        assert page.history_table.rowCount() == 2

        out = tmp_path / "reports" / "qa"
        out.parent.mkdir()
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "CSV (*.csv)"))
        )
        page.export_button.click()
        qtbot.waitUntil(lambda: "saved to" in page.batch_counts.text() and not window.busy())
        rows = list(csv.DictReader(out.with_suffix(".csv").read_text("utf-8").splitlines()))
        assert [r["verdict"] for r in rows] == ["pass", "fail"]
        assert rows[1]["reasons"]
        page.export_to(out.with_suffix(".json"))
        qtbot.waitUntil(lambda: out.with_suffix(".json").exists() and not window.busy())
        data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        assert len(data["reports"]) == 2
        text = out.with_suffix(".csv").read_text() + out.with_suffix(".json").read_text()
        assert not any(secret in text for secret in pkg.secrets)
        page.close()
