"""The ledger panel over the real engine and simulated chips: a license that needs a check is
listed with why, where and the next step, and settled by reading the chip back with a click."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.license.model import LicenseState
from prodtool.sim import ChipFarm
from prodtool.ui.ledger_panel import LedgerPanel, local_time, why_words
from prodtool.ui.window import StationWindow
from tests.engine.simhelp import fast_settings

pytestmark = [pytest.mark.gui, pytest.mark.sim]
JOB_TIMEOUT_S = 45


@pytest.fixture
def station(window: StationWindow, tmp_path: Path) -> Iterator[Station]:
    window.settings = fast_settings()
    with ExitStack() as stack:
        engine = Station(window.paths, window.settings)
        stack.callback(engine.close)
        stack.callback(window.shutdown)
        package, password = build_demo_package(
            tmp_path / "pkg", licenses=4, fast_kdf=True, seed=3, firmware_size=48 * 1024
        )
        engine.load_package(package, password)
        window.attach(engine)
        yield engine


def panel_for(qtbot: QtBot, window: StationWindow, asked: list[str], allow: bool) -> LedgerPanel:
    def authorize(purpose: str) -> bool:
        asked.append(purpose)
        return allow

    station = window.station
    assert station is not None
    panel = LedgerPanel(
        station.ledger,
        window.run_task,
        authorize,
        ports=lambda: [p.port for p in station.ports()],
        station_id="L3/S7",
        read_options={"shell_timeout_s": 5.0, "connect_attempts": 2},
    )
    qtbot.addWidget(panel)
    panel.show()
    return panel


def test_needs_check_is_listed_and_settled_by_reading_back(
    qtbot: QtBot, window: StationWindow, station: Station
) -> None:
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(JOB_TIMEOUT_S)
        uuid, _ = farm.chips[0].read_credentials() or ("", "")
        record = station.ledger.find_uuid(uuid)
        assert record is not None and record.state is LicenseState.VERIFIED
        station.ledger.quarantine(record.license_id, reason="label torn")

        asked: list[str] = []
        panel = panel_for(qtbot, window, asked, allow=False)
        qtbot.waitUntil(lambda: len(panel.items) == 1 and not window.busy())
        assert panel.counts.text() == "0 need a check, 1 quarantined"
        cells = [panel.table.item(0, column) for column in range(panel.COLUMNS)]
        assert [c.text() if c else "" for c in cells][1:4] == [
            "quarantined",
            "label torn",
            farm.chips[0].mac,
        ]
        panel.select(uuid)
        assert farm.chips[0].mac in panel.step.text() and "Release" in panel.step.text()
        panel.release.click()  # without the PIN: nothing happens
        assert asked == ["Releasing a quarantined license"]
        assert panel.outcome.text() == "Nothing was changed."
        assert station.ledger.find_uuid(uuid).state is LicenseState.QUARANTINED  # type: ignore[union-attr]
        panel.close()

        panel = panel_for(qtbot, window, asked, allow=True)
        qtbot.waitUntil(lambda: len(panel.items) == 1 and not window.busy())
        panel.select(uuid)
        panel.release.click()
        qtbot.waitUntil(lambda: "released" in panel.outcome.text() and not window.busy())
        assert "needs a check" in panel.outcome.text()
        qtbot.waitUntil(lambda: panel.counts.text() == "1 need a check, 0 quarantined")
        panel.select(uuid)
        assert "Read the chip back" in panel.step.text()
        assert panel.read_back.isEnabled()
        panel.port.setCurrentText(farm.urls[0])
        panel.read_back.click()
        qtbot.waitUntil(lambda: "verified" in panel.outcome.text(), timeout=JOB_TIMEOUT_S * 1000)
        qtbot.waitUntil(lambda: not window.busy())
        assert station.ledger.find_uuid(uuid).state is LicenseState.VERIFIED  # type: ignore[union-attr]
        assert panel.counts.text().startswith("Nothing to decide")
        window.shutdown()


def test_times_are_local() -> None:
    stamp = "2026-11-28T09:12:44.123+00:00"
    expected = dt.datetime(2026, 11, 28, 9, 12, 44, tzinfo=dt.UTC).astimezone()
    assert local_time(stamp) == expected.strftime("%Y-%m-%d %H:%M:%S")
    assert local_time("not a time") == "not a time"


def test_a_jobs_reason_is_worded_and_a_persons_kept(window: StationWindow) -> None:
    assert why_words("no_answer: timeout after 3 s") == "No answer from the chip: timeout after 3 s"
    assert window.translations.switch("zh_CN")
    try:
        assert why_words("no_answer: timeout after 3 s") == "芯片无响应"
        assert why_words("label torn") == "label torn"
    finally:
        window.translations.switch("en")
