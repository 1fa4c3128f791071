"""The MES outbox against a real local HTTP server that fails, stalls and restarts."""

from __future__ import annotations

import datetime as dt
import errno
import ipaddress
import json
import os
import ssl
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from prodtool.engine import writelog
from prodtool.engine.mes import MesError, MesOutbox
from prodtool.engine.station import Station
from prodtool.engine.writelog import WriteLog, WriteRecord, read_records
from prodtool.flash.events import JobFinished
from prodtool.paths import StationPaths
from prodtool.sim import ChipFarm
from tests.engine.simhelp import Recorder, fast_settings, package, verified_without_record


class Mes:
    """The MES's side: what it received (by key), and how it answers next."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.headers: list[str] = []
        self.fail_next = 0  # answer 500 to this many requests (after reading them)
        self.stall = threading.Event()  # set: hold the reply until `release` is set
        self.release = threading.Event()

    def handler(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        with self.lock:
            self.received.append(body)
            self.headers.append(request.headers.get("Idempotency-Key", ""))
            failing = self.fail_next > 0
            self.fail_next -= failing
        if self.stall.is_set():
            self.release.wait(10)
        return Response("no" if failing else "ok", status=500 if failing else 201)

    def keys(self) -> list[str]:
        with self.lock:
            return [b["idempotency_key"] for b in self.received]


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    httpd = HTTPServer(host="127.0.0.1", port=0)
    httpd.start()
    yield httpd
    httpd.clear()
    if httpd.is_running():
        httpd.stop()


@pytest.fixture
def mes(server: HTTPServer) -> Mes:
    mes = Mes()
    server.expect_request("/mes", method="POST").respond_with_handler(mes.handler)
    return mes


def _records(path: Path, count: int) -> list[dict[str, Any]]:
    log = WriteLog(path)
    return [
        log.append(
            WriteRecord(job_id=f"j{i}", station_id="s1", operator="ana", port="p1", serial=f"S{i}")
        )
        for i in range(count)
    ]


def test_failures_stalls_and_restarts_lose_nothing(
    server: HTTPServer, mes: Mes, tmp_path: Path
) -> None:
    records = _records(tmp_path / "log.jsonl", 6)
    url = server.url_for("/mes")
    outbox = MesOutbox(tmp_path / "outbox.sqlite3", url, station_id="s1", timeout=0.5)
    keys = [outbox.put(r) for r in records]
    assert outbox.put(records[0]) == keys[0]  # putting again changes nothing
    assert outbox.status().pending == 6

    mes.fail_next = 1  # the MES takes the first record in but answers 500: it will come again
    assert outbox.deliver_due() == 0
    status = outbox.status()
    assert status.pending == 6 and "500" in status.oldest_error
    assert outbox.deliver_due() == 0  # it backs off, and the others wait behind it: in order
    assert outbox.status().pending == 6 and len(mes.keys()) == 1

    mes.stall.set()  # the MES hangs past the timeout
    assert outbox.deliver_due(ignore_backoff=True) == 0
    assert "timed out" in outbox.status().oldest_error.lower()
    mes.release.set()
    mes.stall.clear()

    assert outbox.deliver_due(ignore_backoff=True) == 6
    server.stop()  # the MES goes away
    more = _records(tmp_path / "log2.jsonl", 2)
    more = [dict(r, station_id="s1", hash=f"{r['hash']}-b") for r in more]
    for record in more:
        outbox.put(record)
    assert outbox.deliver_due(ignore_backoff=True) == 0
    assert "Connection" in outbox.status().oldest_error
    outbox.close()  # and the station restarts with 2 records pending

    server.start()
    again = MesOutbox(tmp_path / "outbox.sqlite3", url, station_id="s1")
    assert again.status().pending == 2
    assert again.flush(10)
    assert again.status().pending == 0 and again.status().delivered == 8
    again.close()

    received = mes.keys()
    assert set(received) == set(keys) | {f"s1:{r['hash']}" for r in more}
    assert list(dict.fromkeys(received)) == keys + [f"s1:{r['hash']}" for r in more]  # in order
    assert received.count(keys[0]) == 3  # 500, stalled, delivered: one key, seen three times
    assert mes.headers == received  # the header carries the same key
    bodies = [b["record"] for b in mes.received]
    assert {b["serial"] for b in bodies} >= {"S0", "S5"}


def test_station_posts_every_record_without_secrets(
    server: HTTPServer, mes: Mes, paths: StationPaths, tmp_path: Path
) -> None:
    pkg, password = package(tmp_path)
    settings = fast_settings(mes_url=server.url_for("/mes"))
    with Station(paths, settings, comports=list) as station:
        station.load_package(pkg, password)
        recorder = Recorder()
        station.subscribe(recorder)
        with ChipFarm(count=2, family="esp32c3", transport="socket") as farm:
            station.add_ports(farm.urls, start=True)
            assert station.wait_idle(60)
            authkeys = [c[1] for c in (chip.read_credentials() for chip in farm.chips) if c]
        outbox = station.mes
        assert outbox is not None and outbox.flush(10)
    assert len(recorder.finished()) == 2 and len(authkeys) == 2
    assert len(set(mes.keys())) == 2
    text = json.dumps(mes.received)
    assert password not in text and not any(key in text for key in authkeys)


def test_a_record_recovered_on_start_reaches_the_mes(
    server: HTTPServer, mes: Mes, paths: StationPaths, tmp_path: Path
) -> None:
    """A SIGKILL between the ledger's verify and the write record: the next start writes the
    record from the ledger, after the outbox caught up with the log, and the MES gets it too."""
    pkg, password = package(tmp_path)
    settings = fast_settings(mes_url=server.url_for("/mes"))
    with Station(paths, settings, comports=list) as station:
        station.load_package(pkg, password)
        verified_without_record(station, "job-1", "7c:df:a1:00:00:01")
        station._record_missing = lambda: None  # type: ignore[method-assign]  # killed
    with Station(paths, settings, comports=list) as station:
        outbox = station.mes
        assert outbox is not None and outbox.flush(10)
    (record,) = list(read_records(paths.write_log))
    assert record["job_id"] == "job-1"
    assert mes.keys() == [f"{settings.station_id}:{record['hash']}"]


def test_outbox_catches_up_after_a_crash_between_log_and_outbox(tmp_path: Path) -> None:
    records = _records(tmp_path / "log.jsonl", 6)
    outbox = MesOutbox(tmp_path / "o.sqlite3", "http://127.0.0.1:9/mes", station_id="s1")
    assert outbox.catch_up(records[:2]) == 0  # a new outbox does not send the station's history
    outbox.put(records[3])
    assert outbox.catch_up(records) == 3  # records 2, 4 and 5 never reached it
    assert outbox.catch_up(records) == 0
    assert outbox.status().pending == 4
    outbox.close()


def test_bad_url_and_ca_bundle_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(MesError, match="not http"):
        MesOutbox(tmp_path / "o.sqlite3", "ftp://mes/", station_id="s1")
    with pytest.raises(MesError, match="CA bundle"):
        MesOutbox(
            tmp_path / "o.sqlite3", "https://mes/", station_id="s1", ca_bundle=str(tmp_path / "x")
        )


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "mes.pem", folder / "mes.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_with_the_stations_ca_bundle(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    mes = Mes()
    httpd.expect_request("/mes", method="POST").respond_with_handler(mes.handler)
    httpd.start()
    try:
        url = httpd.url_for("/mes")
        assert url.startswith("https://")
        (record,) = _records(tmp_path / "log.jsonl", 1)
        untrusting = MesOutbox(tmp_path / "a.sqlite3", url, station_id="s1")
        untrusting.put(record)
        assert untrusting.deliver_due() == 0
        assert "CERTIFICATE" in untrusting.status().oldest_error.upper()
        untrusting.close()
        trusting = MesOutbox(tmp_path / "b.sqlite3", url, station_id="s1", ca_bundle=str(cert))
        trusting.put(record)
        assert trusting.deliver_due() == 1
        trusting.close()
    finally:
        httpd.clear()
        httpd.stop()
    assert len(mes.keys()) == 1


def _finishes(recorder: Recorder) -> int:
    return sum(isinstance(e, JobFinished) for e in recorder.events)


def _finished_jobs(recorder: Recorder, count: int) -> bool:
    return _finishes(recorder) == count


def test_records_the_disk_refused_reach_the_mes_in_order(
    server: HTTPServer,
    mes: Mes,
    paths: StationPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two jobs' records wait in memory (the disk was full); the third job's append stores all
    three: each goes to the MES, in the log's order, while the MES fails and then recovers."""
    real_write = writelog._write_all
    disk_full = threading.Event()

    def write_all(fd: int, data: bytes) -> None:
        if disk_full.is_set():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(fd, data)

    monkeypatch.setattr(writelog, "_write_all", write_all)
    pkg, password = package(tmp_path)
    settings = fast_settings(mes_url=server.url_for("/mes"), auto_start=False)
    mes.fail_next = 2  # the MES is failing when the records arrive
    with Station(paths, settings, comports=list) as station:
        station.load_package(pkg, password)
        recorder = Recorder()
        station.subscribe(recorder)
        with ChipFarm(count=1, family="esp32c3", transport="socket") as farm:
            port = farm.urls[0]
            station.add_ports([port], start=False)
            disk_full.set()
            for done in (1, 2):
                assert station.start(port) or station.retry(port)
                assert station.wait_for(partial(_finished_jobs, recorder, done), 60)
                assert station.wait_idle(30)
            assert not paths.write_log.exists() or paths.write_log.read_text() == ""
            disk_full.clear()
            assert station.retry(port)
            assert station.wait_for(lambda: _finishes(recorder) == 3, 60)
            assert station.wait_idle(30)
        outbox = station.mes
        assert outbox is not None and outbox.flush(30)
    records = list(read_records(paths.write_log))
    assert len(records) == 3
    wanted = [f"{settings.station_id}:{r['hash']}" for r in records]
    received = mes.keys()
    assert list(dict.fromkeys(received)) == wanted  # all three, in the log's order
    assert len(received) == 3 + 2  # and each once, but the first one's two 500s
    assert received[:3] == [wanted[0]] * 3
