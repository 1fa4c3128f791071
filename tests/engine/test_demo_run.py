"""A DEMO run says DEMO in every output: each printed line, the summary, the write log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.writelog import read_records
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from prodtool.sim import ChipFarm
from tests.engine.simhelp import fast_settings, package

pytestmark = pytest.mark.sim


@pytest.mark.parametrize("as_json", [False, True])
def test_every_output_of_a_demo_run_says_demo(
    paths: StationPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    save_settings(fast_settings(), paths.settings)
    pkg, password = package(tmp_path)
    secret = tmp_path / "password.txt"
    secret.write_text(password)
    with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
        args = ["run", "--package", str(pkg), "--password-file", str(secret)]
        code = main([*args, "--ports", farm.urls[0], *(["--json"] if as_json else [])])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) > 5
    if as_json:
        assert all(json.loads(line)["demo"] is True for line in lines)
    else:
        assert all(line.startswith("DEMO") for line in lines), out
    records = list(read_records(paths.write_log))
    assert records and all(str(r["package_id"]).startswith("DEMO-") for r in records)
