"""The line on simulated chips through the station: serial numbers, scanned codes, the operator,
port alarms, and the MES outbox fed by every write record."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from prodtool.engine.alarms import AlarmKind, PortAlarm
from prodtool.engine.codes import CodeBound, CodeError, ScanNeeded
from prodtool.engine.mes import MesOutbox
from prodtool.engine.station import Station
from prodtool.engine.writelog import read_records, verify_chain
from prodtool.families.esp.nvs import read_nvs_strings
from prodtool.flash.events import Reason
from prodtool.license.model import AuthMethod
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm, parse_fault
from tests.engine.simhelp import Recorder, fast_settings, package

pytestmark = pytest.mark.sim

# A stand-in for the factory's own tool: keeps each device's serial in a file named by its MAC.
DEVICE_TOOL = """
import pathlib, sys
store = pathlib.Path(sys.argv[1]) / sys.argv[3].replace(":", "")
if sys.argv[2] == "write":
    if len(sys.argv) > 5:
        sys.exit("refused by the device")
    store.write_text(sys.argv[4])
else:
    print(store.read_text() if store.exists() else "")
"""


def _tool(tmp_path: Path) -> tuple[str, str, Path]:
    script = tmp_path / "devtool.py"
    script.write_text(DEVICE_TOOL)
    store = tmp_path / "devices"
    store.mkdir()
    base = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {shlex.quote(str(store))}"
    return f"{base} write {{mac}} {{serial}}", f"{base} read {{mac}}", store


def _run(station: Station, urls: list[str]) -> Recorder:
    recorder = Recorder()
    station.subscribe(recorder)
    station.add_ports(urls, start=True)
    assert station.wait_idle(60)
    return recorder


def test_serials_written_read_back_recorded_and_reused(paths: StationPaths, tmp_path: Path) -> None:
    write, read, store = _tool(tmp_path)
    settings = fast_settings(serial_write_command=write, serial_read_command=read)
    pkg, password = package(tmp_path)
    with Station(paths, settings, comports=list) as station:
        station.load_package(pkg, password)
        station.set_serial_counter("PLUG-{n:06}", 41)
        with ChipFarm(count=3, family="esp32c3", transport="socket") as farm:
            finished = _run(station, farm.urls).finished()
            assert all(f.passed for f in finished.values()), finished
            assert station.retry(farm.urls[0]) and station.wait_idle(30)
            macs = [chip.mac for chip in farm.chips]
    records = list(read_records(paths.write_log))
    assert verify_chain(records) == []
    serials = [r["serial"] for r in records]
    assert sorted(serials[:3]) == ["PLUG-000041", "PLUG-000042", "PLUG-000043"]
    by_job = {f.job_id: f for f in finished.values()}
    for record in records[:3]:  # the JobFinished a label printer subscribes to says the same
        event = by_job[record["job_id"]]
        assert (event.serial, event.record_hash) == (record["serial"], record["hash"])
    first = next(r for r in records if r["port"] == records[3]["port"])
    assert records[3]["serial"] == first["serial"]  # the re-written chip keeps its serial
    on_devices = {p.name: p.read_text() for p in store.iterdir()}
    by_mac = {r["mac"].replace(":", ""): r["serial"] for r in records}
    assert on_devices == by_mac and len(on_devices) == len(set(macs)) == 3


def test_serial_that_does_not_read_back_fails_the_job(paths: StationPaths, tmp_path: Path) -> None:
    write, _read, _store = _tool(tmp_path)
    settings = fast_settings(serial_write_command=write + " extra")  # the tool refuses
    pkg, password = package(tmp_path)
    with Station(paths, settings, comports=list) as station:
        station.load_package(pkg, password)
        station.set_serial_list(["A-1", "A-2"])
        with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
            finished = _run(station, farm.urls).finished()
    (result,) = finished.values()
    assert not result.passed and result.reason is Reason.SERIAL_FAILED
    assert "refused by the device" in result.detail
    (record,) = read_records(paths.write_log)
    assert record["reason"] == "serial_failed" and record["serial"] == "A-1"


def test_scan_required_binds_code_and_records_it(paths: StationPaths, tmp_path: Path) -> None:
    settings = fast_settings(require_scan=True, code_pattern=r"PCB-\d{4}", operator="")
    pkg, password = package(tmp_path)
    with Station(paths, settings, comports=list) as station:
        station.load_package(pkg, password)
        station.sign_in("ana")
        recorder = Recorder()
        station.subscribe(recorder)
        with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
            station.add_ports(farm.urls, start=True)
            assert station.wait_idle(5)
            assert {e.port for e in recorder.events if isinstance(e, ScanNeeded)} == set(farm.urls)
            assert all(p.waiting_for_scan for p in station.ports())
            assert not recorder.finished()  # nothing written without a scan
            assert station.port_needing_code() == min(farm.urls)
            with pytest.raises(CodeError, match="does not look like"):
                station.bind_code(farm.urls[0], "pcb-12")
            station.bind_code(farm.urls[0], " PCB-0001\n")
            with pytest.raises(CodeError, match="already bound"):
                station.bind_code(farm.urls[1], "PCB-0001")
            assert station.port_needing_code() == farm.urls[1]
            assert station.wait_for(lambda: bool(recorder.finished()), 60)
            station.bind_code(farm.urls[1], "PCB-0002")
            assert station.wait_for(lambda: len(recorder.finished()) == 2, 60)
            assert station.wait_idle(30)
            # a passed port needs a new scan for the next unit
            assert not station.start(farm.urls[0])
            # a used code goes again only with its own chip (a re-written unit)
            first = next(f for f in recorder.finished().values() if f.port == farm.urls[0])
            station.bind_code(farm.urls[1], "PCB-0001")  # chip 1 is not that unit
            assert station.start(farm.urls[1]) and station.wait_idle(60)
            with pytest.raises(CodeError, match="already bound"):  # kept: port 1 failed
                station.bind_code(farm.urls[0], "PCB-0001")
            station.unbind_code(farm.urls[1])
            station.bind_code(farm.urls[0], "PCB-0001")  # the unit itself, re-scanned: the
            assert station.wait_idle(60)  # port waited for its scan since `start`, and runs
    assert any(isinstance(e, CodeBound) for e in recorder.events)
    records = list(read_records(paths.write_log))
    wrong, again = records[2], records[3]
    assert wrong["result"] == "failed" and wrong["reason"] == "wrong_chip"
    assert "belongs to chip" in wrong["detail"] and wrong["port"] == farm.urls[1]
    assert again["result"] == "passed" and again["mac"] == first.mac
    assert sorted(r["code"] for r in records[:2]) == ["PCB-0001", "PCB-0002"]
    assert {r["operator"] for r in records} == {"ana"}


def test_three_failures_in_a_row_raise_a_port_alarm(paths: StationPaths, tmp_path: Path) -> None:
    pkg, password = package(tmp_path)
    with Station(paths, fast_settings(alarm_in_a_row=3), comports=list) as station:
        station.load_package(pkg, password)
        recorder = Recorder()
        station.subscribe(recorder)
        with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
            farm.chips[0].add_fault(parse_fault("wrong-chip"))
            port = farm.urls[0]
            station.add_ports([port], start=False)
            for _ in range(3):
                assert station.start(port) and station.wait_idle(60)
    alarms = [e for e in recorder.events if isinstance(e, PortAlarm)]
    assert len(alarms) == 1 and alarms[0].kind is AlarmKind.IN_A_ROW
    assert alarms[0].port == port and "check the fixture" in alarms[0].text


@pytest.mark.parametrize("processes", [0, 1])
def test_serial_as_an_nvs_key_beside_the_license(
    paths: StationPaths, tmp_path: Path, processes: int
) -> None:
    pkg, password = package(tmp_path, auth_method=AuthMethod.ESP_IDF_NVS)
    settings = fast_settings(serial_nvs_key="serial", job_processes=processes)
    with Station(paths, settings) as station:  # the real opener: workers when processes > 0
        manifest = station.load_package(pkg, password)
        station.set_serial_counter("N{n:04}{c}", 7)
        nvs = manifest.nvs
        assert nvs is not None
        with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
            finished = _run(station, farm.urls).finished()
            assert all(f.passed for f in finished.values()), finished
            assert station.retry(farm.urls[0]) and station.wait_idle(60)
            held = {
                chip.mac: read_nvs_strings(bytes(chip.flash[nvs.offset : nvs.offset + nvs.size]))
                for chip in farm.chips
            }
    records = list(read_records(paths.write_log))
    by_mac = {r["mac"]: r["serial"] for r in records}
    assert sorted(by_mac.values()) == ["N00075", "N00083"]  # {c}: Luhn over 0007 and 0008
    assert {mac: s[(nvs.namespace, "serial")] for mac, s in held.items()} == by_mac
    assert len({r["serial"] for r in records}) == 2 and len(records) == 3


def _mes(station: Station) -> MesOutbox | None:
    return station.mes  # read afresh each time (mypy would keep an earlier check's answer)


def test_settings_applied_change_the_pattern_and_the_mes(paths: StationPaths) -> None:
    port = "socket://127.0.0.1:9"
    with Station(paths, fast_settings(), comports=list) as station:
        station.add_ports([port], start=False)
        assert _mes(station) is None
        with pytest.raises(CodeError, match="bad code pattern"):
            station.apply_settings(station.settings.replace(code_pattern="(("))
        assert station.settings.code_pattern == ""
        station.apply_settings(
            station.settings.replace(code_pattern=r"U\d+", mes_url="http://127.0.0.1:9/mes")
        )
        outbox = _mes(station)
        assert outbox is not None and outbox.url == "http://127.0.0.1:9/mes"
        with pytest.raises(CodeError):
            station.bind_code(port, "X1")
        assert station.bind_code(port, "U1") == "U1"
        station.apply_settings(station.settings.replace(mes_url=""))
        assert _mes(station) is None
    with pytest.raises(CodeError):  # a bad pattern at start: one clear error, nothing left open
        Station(paths, fast_settings(code_pattern="(("), comports=list)


def test_a_bug_in_the_line_steps_fails_the_job_but_keeps_its_record(
    paths: StationPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashes: list[BaseException] = []
    monkeypatch.setattr(
        "prodtool.engine.station.report_crash", lambda _t, error, _tb: crashes.append(error)
    )
    pkg, password = package(tmp_path)
    with Station(paths, fast_settings(), comports=list) as station:
        station.load_package(pkg, password)

        def broken(port: str) -> str:
            raise RuntimeError("a bug")

        monkeypatch.setattr(station._codes, "bound", broken)  # asked as the record is made
        with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
            (finished,) = _run(station, farm.urls).finished().values()
    assert not finished.passed and finished.reason is Reason.INTERNAL
    (record,) = read_records(paths.write_log)
    assert record["reason"] == "internal" and record["detail"] == "RuntimeError"
    assert [str(e) for e in crashes] == ["a bug"]


@pytest.mark.parametrize("processes", [0, 1])
def test_a_code_of_another_chip_fails_before_anything_is_written(
    paths: StationPaths, tmp_path: Path, processes: int
) -> None:
    settings = fast_settings(require_scan=True, job_processes=processes)
    pkg, password = package(tmp_path)
    with Station(paths, settings, comports=list) as station:
        station.load_package(pkg, password)
        assert "scan the unit's code" in station.code_problem("nowhere", "aa:bb")
        recorder = Recorder()
        station.subscribe(recorder)
        with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
            station.add_ports(farm.urls, start=True)
            assert station.wait_idle(5)
            station.bind_code(farm.urls[0], "PCB-0001")
            assert station.wait_for(lambda: len(recorder.finished()) == 1, 60)
            assert station.wait_idle(30)
            other = farm.chips[1]
            flash_before = bytes(other.flash)
            station.bind_code(farm.urls[1], "PCB-0001")  # the first unit's code, on another chip
            assert station.wait_for(lambda: len(recorder.finished()) == 2, 60)
            assert station.wait_idle(30)
            assert bytes(other.flash) == flash_before  # no firmware, no license went on
            assert other.read_credentials() is None
            counts = station.ledger.counts(station.manifest.package_id if station.manifest else "")
    wrong = list(read_records(paths.write_log))[1]
    assert (wrong["result"], wrong["reason"]) == ("failed", "wrong_chip")
    assert "PCB-0001 belongs to chip" in wrong["detail"] and wrong["uuid"] == ""
    states = {state.value: n for state, n in next(iter(counts.values())).items() if n}
    assert states.get("reserved", 0) == 0 and states.get("verified", 0) == 1  # only the first
