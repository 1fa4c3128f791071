"""QA batches: every chip checked as it appears, a report exported as CSV and JSON."""

from __future__ import annotations

import csv
import json
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from prodtool.cli.main import main
from prodtool.engine.qa import QaReport
from prodtool.engine.qa_batch import REPORT_COLUMNS, QaBatch
from prodtool.engine.station import Station
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import fast_settings
from tests.qa.qahelp import make_package, write_chips

pytestmark = pytest.mark.sim


def test_batch_watches_ports_and_exports_the_report(
    station: Station, paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = make_package(tmp_path, seed=11)
    manifest = station.load_package(pkg.path, pkg.password)
    with ChipFarm(count=2, app_version="1.2.0") as farm:
        write_chips(station, farm.urls[:1])  # the second chip was never written
        listed = [SimpleNamespace(device=u, vid=None, pid=None, description=u) for u in farm.urls]
        seen: list[QaReport] = []
        batch = QaBatch(
            station.ledger,
            manifest,
            fast_settings(usb_ids=(), deny=()),
            write_log=paths.write_log,
            comports=lambda: listed,
            on_report=seen.append,
        )
        batch.watch(threading.Event(), interval=0.05, count=2)
        code = main(
            [
                "check",
                "--ports",
                ",".join(farm.urls),
                "--batch",
                "--report",
                str(tmp_path / "qa.json"),
            ]
        )
    assert {r.port: r.passed for r in seen} == {farm.urls[0]: True, farm.urls[1]: False}
    assert batch.counts() == (1, 1)
    assert batch.export(tmp_path / "qa.csv") == 2
    with (tmp_path / "qa.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == REPORT_COLUMNS
    by_port = {r["port"]: r for r in rows}
    assert [by_port[u]["verdict"] for u in farm.urls] == ["pass", "fail"]
    assert by_port[farm.urls[1]]["reasons"] == "The chip holds no license (auth-read is empty)"
    assert by_port[farm.urls[0]]["mac"] == farm.chips[0].mac and by_port[farm.urls[0]]["uuid"]

    assert code == 1  # one chip failed
    data = json.loads((tmp_path / "qa.json").read_text(encoding="utf-8"))
    assert [r["verdict"] for r in data["reports"]] == ["pass", "fail"]
    everything = (tmp_path / "qa.json").read_text() + (tmp_path / "qa.csv").read_text()
    everything += capsys.readouterr().out
    assert not any(s in everything for s in pkg.secrets)
