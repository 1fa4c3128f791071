"""A full, read-only, locked or corrupt data folder, and firmware that cannot fit: each is one
clear line (a UserError or a job's Reason, never a traceback), and nothing already recorded —
ledger rows, history, write-log bytes — is lost or changed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from prodtool.cli.main import build_parser, main
from prodtool.engine.demo import build_demo_package
from prodtool.engine.station import Station
from prodtool.families.esp.appimage import make_app_image
from prodtool.flash.events import Reason
from prodtool.license.builder import build_package, demo_licenses, demo_signing_key
from prodtool.license.model import DeliveryMode, LicenseState, ScryptParams
from prodtool.license.sqlite_store import SqliteLedger
from prodtool.paths import StationPaths
from prodtool.settings import save_settings
from prodtool.sim import ChipFarm
from tests.engine.simhelp import Recorder
from tests.reliability.harness import ROOT, TINY_FIRMWARE, fast_settings, record

pytestmark = [pytest.mark.sim]
CHECKED: list[str] = []


def _ledger_rows(path: Path) -> list[tuple[object, ...]]:
    """The ledger's content as rows (read-only: opening it must not change it)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return [
            *conn.execute("SELECT * FROM packages ORDER BY id"),
            *conn.execute("SELECT * FROM licenses ORDER BY id"),
            *conn.execute("SELECT * FROM events ORDER BY id"),
        ]


def _one_clear_line(output: str) -> None:
    lines = [line for line in output.splitlines() if line.startswith("prodtool:")]
    assert "Traceback" not in output, output
    assert len(lines) == 1, output


@pytest.fixture
def written(tmp_path: Path) -> tuple[StationPaths, Path, Path]:
    """A station folder that already wrote two chips: (paths, package, password file)."""
    pkg, password = build_demo_package(
        tmp_path / "in", licenses=8, firmware_size=TINY_FIRMWARE, fast_kdf=True, seed=2
    )
    password_file = tmp_path / "in" / "password"
    password_file.write_text(password)
    paths = StationPaths(tmp_path / "station").ensure()
    save_settings(fast_settings(job_timeout_s=10.0), paths.settings)
    with Station(paths, comports=list) as station, ChipFarm(count=2, seed=21) as farm:
        station.load_package(pkg, password)
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(30)
        assert station.summary().passed == 2
    return paths, pkg, password_file


def _run_child(
    argv: Sequence[str], *, fsize: int | None = None, timeout: float = 60
) -> tuple[int, str]:
    limit = f"resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize}))" if fsize else ""
    code = f"import resource, sys\n{limit}\nfrom prodtool.cli.main import main\n"
    code += f"sys.exit(main({list(argv)!r}))"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_full_disk_during_a_run(written: tuple[StationPaths, Path, Path]) -> None:
    """Files may not grow (RLIMIT_FSIZE, as a full disk): every job ends `storage`."""
    paths, pkg, password_file = written
    before_rows, before_log = _ledger_rows(paths.ledger), paths.write_log.read_bytes()
    with ChipFarm(count=2, seed=22) as farm:
        code, output = _run_child(
            [
                "run",
                "--package",
                str(pkg),
                "--password-file",
                str(password_file),
                "--ports",
                ",".join(farm.urls),
                "--data-dir",
                str(paths.root),
            ],
            fsize=1,
        )
        assert [c.read_credentials() for c in farm.chips] == [None, None]
    assert code in {1, 2}, output
    assert "Traceback" not in output, output
    assert "the disk failed" not in output, output  # a full disk is called full (item 20)
    if code == 1:  # the run started: each job ended with a reason
        assert output.count("storage") >= 2, output
    else:
        _one_clear_line(output)
    assert _ledger_rows(paths.ledger) == before_rows
    assert paths.write_log.read_bytes() == before_log
    CHECKED.append("full disk")


def _as_nobody(argv: Sequence[str]) -> tuple[int, str]:
    """Run the CLI in a forked child as an unprivileged user (root ignores file modes)."""
    build_parser()  # import every command now: the user cannot read the interpreter's files
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - pytest replaced both
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        code = 70
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            code = main(list(argv))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


def _argvs(root: Path, pkg: Path, password_file: Path) -> list[list[str]]:
    run = ["run", "--package", str(pkg), "--password-file", str(password_file)]
    return [
        [*run, "--ports", "socket://127.0.0.1:9", "--data-dir", str(root)],
        ["ledger", "quarantine", "x" * 20, "--reason", "test", "--data-dir", str(root)],
        ["log", "export", "--out", str(root / "x.csv"), "--data-dir", str(root)],
    ]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX permissions")
@pytest.mark.parametrize(
    "mode",
    [
        "read-only",
        "no-access",
    ],
)
def test_read_only_data_folder(written: tuple[StationPaths, Path, Path], mode: str) -> None:
    paths, pkg, password_file = written
    base = Path(tempfile.mkdtemp(prefix="prodtool-ro-"))  # pytest's folders are root-only
    root = base / "station"
    shutil.copytree(paths.root, root)
    shutil.copy(pkg, base / pkg.name)
    shutil.copy(password_file, base / "password")
    before_rows, before_log = _ledger_rows(root / "ledger.sqlite3"), paths.write_log.read_bytes()
    tree = [base, *base.rglob("*")]
    try:
        for p in tree:
            p.chmod(0o555 if p.is_dir() else 0o444)
        root.chmod(0o555 if mode == "read-only" else 0o000)
        for argv in _argvs(root, base / pkg.name, base / "password"):
            code, output = _as_nobody(argv)
            assert code == 2, (argv, output)
            _one_clear_line(output)
    finally:
        for p in tree:
            p.chmod(0o700 if p.is_dir() else 0o600)
        before_after = _ledger_rows(root / "ledger.sqlite3") == before_rows
        log_same = (root / paths.write_log.name).read_bytes() == before_log
        shutil.rmtree(base)
    assert before_after and log_same
    CHECKED.append(f"{mode} folder")


def test_locked_ledger_fails_the_job_with_storage(
    written: tuple[StationPaths, Path, Path],
) -> None:
    paths, pkg, password_file = written
    with Station(paths, comports=list) as station, ChipFarm(count=1, seed=23) as farm:
        station.load_package(pkg, password_file.read_text())
        before_rows, before_log = _ledger_rows(paths.ledger), paths.write_log.read_bytes()
        assert isinstance(station.ledger, SqliteLedger)
        station.ledger._conn.execute("PRAGMA busy_timeout = 200")  # not 10 s for a test
        blocker = sqlite3.connect(paths.ledger, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            recorder = Recorder()
            station.subscribe(recorder)
            station.add_ports(farm.urls, start=True)
            assert station.wait_idle(30)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        finished = recorder.finished()[farm.urls[0]]
        assert finished.reason is Reason.STORAGE and "\n" not in finished.detail
        assert farm.chips[0].read_credentials() is None
    assert _ledger_rows(paths.ledger) == before_rows
    assert paths.write_log.read_bytes().startswith(before_log)
    CHECKED.append("locked ledger")


@pytest.mark.parametrize("damage", ["garbage", "pages"])
def test_corrupt_ledger_is_one_line_and_left_alone(
    written: tuple[StationPaths, Path, Path], damage: str
) -> None:
    paths, pkg, password_file = written
    with sqlite3.connect(paths.ledger) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(paths.ledger.read_bytes())
    if damage == "garbage":
        data = bytearray(b"not a ledger at all " * 300)
    else:  # keep the header, scramble every page after the first
        for at in range(4096, len(data), 7):
            data[at] ^= 0x5A
    paths.ledger.write_bytes(bytes(data))
    before_log = paths.write_log.read_bytes()
    for argv in (
        ["ledger", "status", "--check", "--data-dir", str(paths.root)],
        [
            "run",
            "--package",
            str(pkg),
            "--password-file",
            str(password_file),
            "--ports",
            "socket://127.0.0.1:9",
            "--data-dir",
            str(paths.root),
        ],
    ):
        code, output = _run_child(argv)
        assert code == 2, (argv, output)
        _one_clear_line(output)
        assert "corrupt" in output or "not a prodtool ledger" in output, output
    assert paths.ledger.read_bytes() == bytes(data)
    assert paths.write_log.read_bytes() == before_log
    CHECKED.append(f"corrupt ledger ({damage})")


def test_firmware_that_does_not_fit_the_flash(tmp_path: Path) -> None:
    _, key = demo_signing_key()
    pkg = tmp_path / "big.prodpkg"
    build_package(
        pkg,
        password="pw-for-a-big-one",
        licenses=demo_licenses(2, seed=4),
        mode=DeliveryMode.CREDENTIAL,
        signing_key=key,
        demo=True,
        kdf=ScryptParams.TEST,
        firmware=[(make_app_image(version="1.0.0", size=64 * 1024), 0x3F8000, "1.0.0")],
    )
    paths = StationPaths(tmp_path / "station").ensure()
    with Station(paths, fast_settings(), comports=list) as station, ChipFarm(count=1) as farm:
        station.load_package(pkg, "pw-for-a-big-one")
        blank = bytes(farm.chips[0].flash)
        recorder = Recorder()
        station.subscribe(recorder)
        station.add_ports(farm.urls, start=True)
        assert station.wait_idle(30)
        finished = recorder.finished()[farm.urls[0]]
        assert finished.reason is Reason.FIRMWARE_TOO_LARGE, finished.detail
        assert bytes(farm.chips[0].flash) == blank
        pid = station.summary().package_id
        assert station.ledger.counts(pid)[pid][LicenseState.AVAILABLE] == 2
    CHECKED.append("firmware too large")


def test_zz_report() -> None:
    record("bad input (storage)", cases_checked=len(CHECKED), cases=CHECKED)
