"""Crash cuts on the line: `prodtool run` with serial numbers and the MES outbox, killed with
SIGKILL at seeded random moments and restarted, against a real local HTTP server that now and
then answers 500, and labels going to a loopback Zebra. Afterwards no serial was given to two
chips, no chip has two serials, every write record reached the MES with its idempotency key
(repeats recognisable by it), and no label was printed for a chip that did not pass.

`prodtool run` takes no scans, so the cuts with scans run a station whose product requires one
(tests/reliability/line_scan_child.py): each unit's code goes to its own chip only."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from prodtool.cli.main import main
from prodtool.engine.demo import build_demo_package
from prodtool.engine.writelog import read_records, verify_chain
from prodtool.labels.printlog import entries, label_log_path
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from prodtool.sim import ChipFarm
from tests.labels.conftest import ZplServer, zpl_server
from tests.reliability.harness import ROOT, TINY_FIRMWARE, fast_settings, record, run_child

pytestmark = [pytest.mark.sim, pytest.mark.slow]
__all__ = ["zpl_server"]  # the label tests' loopback Zebra
CHIPS = 4
RUNS_PER_CUT = 8  # runs tried per cut wanted: a run that finishes before its cut does not count


class FlakyMes:
    """Takes records in; one request in four is answered 500 after it was stored."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[str] = []

    def handler(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        with self.lock:
            self.bodies.append(body)
            self.headers.append(request.headers.get("Idempotency-Key", ""))
            fail = self.rng.random() < 0.25
        return Response("later" if fail else "ok", status=500 if fail else 201)


def _cut(child: subprocess.Popen[bytes], delay: float) -> bool:
    try:
        child.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        return True
    return False


def _next_modules(farm: ChipFarm, rng: random.Random, n: int, *, finished: bool) -> None:
    """New modules on the jig: all of them after a run that finished before its cut (every chip
    passed, so the next run would only start and stop, too fast to be cut), and about half
    every third run. Without the first, a fast machine ran out of runs to cut."""
    if finished or n % 3 == 2:
        for i in range(CHIPS):
            if finished or rng.random() < 0.5:
                farm.replace(i)


def _licenses(cuts: int) -> int:
    """Enough for every module `_next_modules` may bring in `RUNS_PER_CUT * cuts` runs."""
    return CHIPS * (RUNS_PER_CUT * cuts + 1)


@pytest.mark.timeout(900)
def test_sigkill_never_gives_a_serial_twice_nor_loses_a_record(
    tmp_path: Path, soak: bool, zpl_server: ZplServer
) -> None:
    cuts = 60 if soak else 8
    rng = random.Random(20261128)
    inputs = tmp_path / "in"
    pkg, password = build_demo_package(
        inputs, licenses=_licenses(cuts), firmware_size=TINY_FIRMWARE, fast_kdf=True, seed=9
    )
    password_file = inputs / "password"
    password_file.write_text(password)
    paths = StationPaths(tmp_path / "station").ensure()
    mes = FlakyMes(seed=4)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/mes", method="POST").respond_with_handler(mes.handler)
    server.start()
    url = server.url_for("/mes")
    settings = fast_settings(
        job_processes=2, mes_url=url, label_enabled=True, label_printer=zpl_server.url
    )
    save_settings(settings, paths.settings)
    extra = ["--serial-format", "CUT-{n:05}{c}", "--serial-start", "1"]
    survived = runs = 0
    try:
        with ChipFarm(count=CHIPS, family="esp32c3", transport="socket", seed=6) as farm:
            for n in range(RUNS_PER_CUT * cuts):
                if survived >= cuts:
                    break
                child = run_child(paths.root, pkg, password_file, farm.urls, extra)
                cut = _cut(child, rng.uniform(0.8, 2.5))
                survived += cut
                runs += 1
                assert verify_chain(list(read_records(paths.write_log))) == []
                _next_modules(farm, rng, n, finished=not cut)  # more serials to give
            child = run_child(paths.root, pkg, password_file, farm.urls, extra)
            assert child.wait(timeout=120) == 0, (tmp_path / "run.out").read_text()[-2000:]
        assert main(["--data-dir", str(paths.root), "outbox", "flush", "--timeout", "60"]) == 0
    finally:
        server.clear()
        server.stop()
    records = list(read_records(paths.write_log))
    by_serial: dict[str, set[str]] = {}
    by_mac: dict[str, set[str]] = {}
    for r in records:
        if r.get("serial"):
            by_serial.setdefault(r["serial"], set()).add(r["mac"])
            by_mac.setdefault(r["mac"], set()).add(r["serial"])
    assert all(len(macs) == 1 for macs in by_serial.values()), by_serial
    assert all(len(serials) == 1 for serials in by_mac.values()), by_mac
    assert all(r.get("serial") for r in records if r["result"] == "passed"), [
        {
            k: r.get(k)
            for k in ("job_id", "mac", "result", "serial", "recovered", "reason", "detail", "note")
        }
        for r in records
        if r["result"] == "passed" and not r.get("serial")
    ]
    keys = {b["idempotency_key"] for b in mes.bodies}
    assert all(b.get("idempotency_key") for b in mes.bodies) and mes.headers == [
        b["idempotency_key"] for b in mes.bodies
    ]
    wanted = {f"reliability:{r['hash']}" for r in records}
    assert wanted <= keys, f"{len(wanted - keys)} records never reached the MES"
    assert password not in json.dumps(mes.bodies)
    assert survived == cuts
    passed = {r["job_id"]: r for r in records if r["result"] == "passed"}
    logged = [e["job_id"] for e in entries(label_log_path(paths)) if e["state"] == "printed"]
    assert set(logged) <= set(passed)  # no label for a chip that did not pass
    with zpl_server.arrived:
        labels = [label.decode() for label in zpl_server.labels]
    uuids = [m.group(1) for label in labels for m in [re.search(r"UUID:(\w+)", label)] if m]
    assert len(uuids) == len(labels) >= len(logged)  # a cut may come between print and log
    assert set(uuids) <= {r["uuid"] for r in passed.values()}
    record(
        "line crash cuts",
        cuts_survived=survived,
        runs=runs,
        records=len(records),
        serials=len(by_serial),
        posts=len(mes.bodies),
        repeats_recognised=len(mes.bodies) - len(keys),
        labels=len(labels),
    )


def _scan_child(
    data: Path, package: Path, password_file: Path, codes: dict[str, str]
) -> subprocess.Popen[bytes]:
    """The scan-requiring station (tests/reliability/line_scan_child.py) as a child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRODTOOL_DATA_DIR": str(data)}
    with (data.parent / "scan.out").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.line_scan_child", str(data), str(package),
             str(password_file), *(f"{url}={code}" for url, code in codes.items())],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )  # fmt: skip


@pytest.mark.timeout(900)
def test_sigkill_with_scans_binds_each_code_to_one_chip(tmp_path: Path, soak: bool) -> None:
    """The same cuts on a product that requires a scan: each unit's code (one per chip, as
    printed on it) is scanned when its port asks. Afterwards a code is on one chip only and on
    its own, serials are one to one with chips, and every record reached the MES with its key."""
    cuts = 40 if soak else 6
    rng = random.Random(20261129)
    inputs = tmp_path / "in"
    pkg, password = build_demo_package(
        inputs, licenses=_licenses(cuts), firmware_size=TINY_FIRMWARE, fast_kdf=True, seed=8
    )
    password_file = inputs / "password"
    password_file.write_text(password)
    paths = StationPaths(tmp_path / "station").ensure()
    mes = FlakyMes(seed=7)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/mes", method="POST").respond_with_handler(mes.handler)
    server.start()
    settings = fast_settings(  # jobs in threads: they start at once, so cuts land mid-job
        job_processes=0, mes_url=server.url_for("/mes"), require_scan=True, code_pattern=r"U-\w+"
    )
    save_settings(settings, paths.settings)
    unit_code: dict[str, str] = {}  # MAC -> the code printed on that unit
    survived = runs = 0
    try:
        with ChipFarm(count=CHIPS, family="esp32c3", transport="socket", seed=3) as farm:

            def codes() -> dict[str, str]:
                for chip in farm.chips:
                    unit_code.setdefault(chip.mac, f"U-{chip.mac.replace(':', '')}")
                return {
                    url: unit_code[chip.mac]
                    for url, chip in zip(farm.urls, farm.chips, strict=True)
                }

            for n in range(RUNS_PER_CUT * cuts):
                if survived >= cuts:
                    break
                child = _scan_child(paths.root, pkg, password_file, codes())
                cut = _cut(child, rng.uniform(0.8, 2.5))
                survived += cut
                runs += 1
                _next_modules(farm, rng, n, finished=not cut)
            child = _scan_child(paths.root, pkg, password_file, codes())
            assert child.wait(timeout=180) == 0, (tmp_path / "scan.out").read_text()[-2000:]
        assert main(["--data-dir", str(paths.root), "outbox", "flush", "--timeout", "60"]) == 0
    finally:
        server.clear()
        server.stop()
    records = list(read_records(paths.write_log))
    assert verify_chain(records) == []
    passed = [r for r in records if r["result"] == "passed"]
    assert passed and all(r.get("code") and r.get("serial") for r in passed)
    assert all(r["code"] == unit_code[r["mac"]] for r in passed)  # each unit with its own code
    for field in ("code", "serial"):
        by_value: dict[str, set[str]] = {}
        for r in passed:
            by_value.setdefault(r[field], set()).add(r["mac"])
        assert all(len(macs) == 1 for macs in by_value.values()), (field, by_value)
    keys = {b["idempotency_key"] for b in mes.bodies}
    assert {f"reliability:{r['hash']}" for r in records} <= keys
    assert survived == cuts
    record(
        "line crash cuts with scans",
        cuts_survived=survived,
        runs=runs,
        records=len(records),
        codes=len({r["code"] for r in passed}),
        posts=len(mes.bodies),
    )
