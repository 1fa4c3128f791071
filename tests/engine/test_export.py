"""Exports "since the last export": each starts at the record after the one before ended, is
signed with that anchor, verifies on its own, and the exports end to end make the whole log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.engine.export import (
    AnchorLostError,
    NothingNewError,
    export_log,
    exported_path,
    last_export,
    log_sealer,
    parse,
    sig_path,
    station_key,
    verify_export,
)
from prodtool.engine.writelog import START, Anchor, WriteLog, WriteRecord, record_hash, verify_chain
from prodtool.paths import StationPaths


@pytest.fixture
def paths(tmp_path: Path) -> StationPaths:
    return StationPaths(tmp_path / "station").ensure()


def _append(paths: StationPaths, start: int, n: int) -> None:
    log = WriteLog(paths.write_log, log_sealer(paths))
    for i in range(start, start + n):
        log.append(
            WriteRecord(
                job_id=f"job{i}",
                station_id="s1",
                operator="ana",
                port=f"port{i}",
                uuid=f"uuid{i:016d}",
                result="passed",
                reason="ok",
            )
        )


def _records(out: Path) -> list[dict[str, object]]:
    return parse(out.read_bytes(), out.suffix[1:])


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_two_exports_since_the_last_make_the_whole_log(paths: StationPaths, fmt: str) -> None:
    _append(paths, 0, 3)
    first, second, whole = (paths.root / f"{name}.{fmt}" for name in ("one", "two", "all"))
    assert export_log(paths, first, station_id="s1", since_last=True) == 3  # all, the first time
    _append(paths, 3, 2)
    assert export_log(paths, second, station_id="s1", since_last=True) == 2  # only the new ones
    assert export_log(paths, whole, station_id="s1") == 5
    trusted = station_key(paths).public_key()
    one, two = verify_export(first, trusted=trusted), verify_export(second, trusted=trusted)
    assert one.ok and two.ok, (one.notes, one.problems, two.notes, two.problems)
    assert [int(str(r["seq"])) for r in _records(second)] == [3, 4]
    assert one.after == START and two.after == Anchor(2, one.head)  # it follows the first
    joined = _records(first) + _records(second)
    assert joined == _records(whole)
    assert verify_chain(joined, verify_export(whole).head) == []
    assert last_export(paths) == Anchor(4, two.head)


def test_a_tampered_record_fails_either_export(paths: StationPaths) -> None:
    _append(paths, 0, 3)
    first, second = paths.root / "one.json", paths.root / "two.json"
    export_log(paths, first, station_id="s1", since_last=True)
    _append(paths, 3, 3)
    export_log(paths, second, station_id="s1", since_last=True)
    for out, index, seq in ((first, 1, 1), (second, 1, 4)):
        document = json.loads(out.read_text())
        document["records"][index]["uuid"] = "uuid9999999999999999"
        out.write_text(json.dumps(document))
        report = verify_export(out)
        assert not report.ok and not report.signature_ok
        assert [(p.kind, p.seq) for p in report.problems] == [("edited", seq)]


def test_the_anchor_is_signed_and_checked(paths: StationPaths) -> None:
    _append(paths, 0, 2)
    export_log(paths, paths.root / "one.json", station_id="s1", since_last=True)
    _append(paths, 2, 2)
    out = paths.root / "two.json"
    export_log(paths, out, station_id="s1", since_last=True)
    sig = json.loads(sig_path(out).read_text())
    assert sig["after_seq"] == 1
    moved = {**sig, "after_seq": 0}  # claims to start earlier: the signature refuses
    sig_path(out).write_text(json.dumps(moved))
    assert not verify_export(out).signature_ok
    stripped = {k: v for k, v in sig.items() if k not in ("after_seq", "after_hash")}
    sig_path(out).write_text(json.dumps(stripped))  # passed off as a whole log: refused too
    report = verify_export(out)
    assert not report.signature_ok and report.problems  # nor does the chain start at 0
    sig_path(out).write_text(json.dumps(sig))
    document = json.loads(out.read_text())
    first = document["records"][0]  # re-linked to another start and re-hashed: the link breaks
    first["prev"] = "f" * 64
    first["hash"] = record_hash(first)
    out.write_text(json.dumps(document))
    kinds = {p.kind for p in verify_export(out).problems}
    assert "edited" in kinds


def test_nothing_new_and_a_lost_anchor_are_refused(paths: StationPaths) -> None:
    _append(paths, 0, 2)
    export_log(paths, paths.root / "one.csv", station_id="s1", since_last=True)
    with pytest.raises(NothingNewError):
        export_log(paths, paths.root / "two.csv", station_id="s1", since_last=True)
    assert not (paths.root / "two.csv").exists()
    export_log(paths, paths.root / "all.csv", station_id="s1")  # a whole export keeps the mark
    assert last_export(paths).seq == 1
    marker = json.loads(exported_path(paths).read_text())
    exported_path(paths).write_text(json.dumps({**marker, "hash": "0" * 63 + "1"}))
    _append(paths, 2, 1)
    with pytest.raises(AnchorLostError) as caught:
        export_log(paths, paths.root / "three.csv", station_id="s1", since_last=True)
    assert caught.value.code == "export_anchor_lost"


def test_the_command_line_exports_since_the_last_and_checks_the_order(
    paths: StationPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(paths.root)]
    _append(paths, 0, 2)
    first, second = paths.root / "one.csv", paths.root / "two.csv"
    assert main(["log", "export", "--since-last", "--out", str(first), *data]) == 0
    _append(paths, 2, 3)
    assert main(["log", "export", "--since-last", "--out", str(second), *data]) == 0
    assert "3 records since the last export (after record 1)" in capsys.readouterr().out
    assert main(["log", "verify", str(second), "--follows", str(first), *data]) == 0
    assert "starts after record 1" in capsys.readouterr().out
    assert main(["log", "verify", str(first), "--follows", str(second), *data]) == 1
    assert "does not start where two.csv ended" in capsys.readouterr().out
    assert main(["log", "export", "--since-last", "--out", str(paths.root / "3.csv"), *data]) == 2
    assert "no record was written since the last export" in capsys.readouterr().err
