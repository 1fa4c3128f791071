"""RFC 2217 ports through the station: `run`, `check` and replay (issue 15 item 5). pyserial's
RFC 2217 client refuses a write timeout, which every job used to ask for."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.replay import replay
from prodtool.engine.station import Station
from prodtool.engine.support import read_bundle
from prodtool.flash.events import Reason
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from prodtool.sim import ChipFarm
from tests.engine.simhelp import Recorder, fast_settings, package

pytestmark = [
    pytest.mark.sim,
    pytest.mark.slow,
    # pyserial's RFC 2217 client still calls Thread.setDaemon/setName.
    pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated:DeprecationWarning"),
]


def test_run_check_and_replay_over_rfc2217(
    paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = fast_settings()
    save_settings(settings, paths.settings)
    pkg, password = package(tmp_path, licenses=3)
    with ChipFarm(count=2, family="esp32c3", transport="rfc2217") as farm:
        url, blank = farm.urls
        assert url.startswith("rfc2217://")
        with Station(paths, settings, comports=list) as station:
            station.load_package(pkg, password)
            recorder = Recorder()
            station.subscribe(recorder)
            station.add_ports([url], start=True)
            assert station.wait_idle(90)
            finished = recorder.finished()[url]
            assert finished.reason is Reason.OK, finished
            job_id = finished.job_id
        assert farm.chips[0].read_credentials() is not None

        capsys.readouterr()
        assert main(["check", "--port", url, "--data-dir", str(paths.root)]) == 0, (
            capsys.readouterr()
        )

        bundle_path = tmp_path / "bundle.zip"
        assert (
            main(
                [
                    "support",
                    "bundle",
                    job_id,
                    "--out",
                    str(bundle_path),
                    "--data-dir",
                    str(paths.root),
                ]
            )
            == 0
        )
        result = replay(read_bundle(bundle_path), port=blank, timeout=90)
        assert result.replayed_reason == "ok", result.to_dict()
    capsys.readouterr()
