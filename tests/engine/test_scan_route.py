"""Scans routed to ports through a real station: the next port, or the slot scanned first."""

from __future__ import annotations

from prodtool.engine.codes import Refusal
from prodtool.engine.scan_route import ScanKind, ScanRouter
from prodtool.engine.station import Station
from prodtool.paths import StationPaths
from prodtool.settings import ScanTarget
from tests.engine.simhelp import fast_settings

PORTS = ["socket://127.0.0.1:9001", "socket://127.0.0.1:9002", "socket://127.0.0.1:9003"]


def _slots(number: int) -> str | None:
    return PORTS[number - 1] if 1 <= number <= len(PORTS) else None


def test_next_port_workflow_fills_the_ports_in_turn(paths: StationPaths) -> None:
    with Station(paths, fast_settings(code_pattern=r"PCB-\d{4}"), comports=list) as station:
        station.add_ports(PORTS, start=False)
        router = ScanRouter(station, ScanTarget.NEXT_PORT, _slots)
        first = router.scan("PCB-0001\r\n")
        assert (first.kind, first.port, first.code) == (ScanKind.BOUND, PORTS[0], "PCB-0001")
        assert router.scan("PCB-0002").port == PORTS[1]
        malformed = router.scan("pcb-3")
        assert malformed.kind is ScanKind.REFUSED and not malformed.ok
        assert malformed.error is not None and getattr(malformed.error, "why", None) is (
            Refusal.MALFORMED
        )
        duplicate = router.scan("PCB-0001")  # goes to the third port, but port 1 holds it
        assert duplicate.kind is ScanKind.REFUSED
        assert getattr(duplicate.error, "why", None) is Refusal.BOUND_ELSEWHERE
        assert getattr(duplicate.error, "other", None) == PORTS[0]
        assert router.scan("PCB-0003").port == PORTS[2]
        assert router.scan("PCB-0004").kind is ScanKind.NO_PORT  # every port has its code
        assert [p.code for p in station.ports()] == ["PCB-0001", "PCB-0002", "PCB-0003"]


def test_slot_first_workflow_binds_to_the_scanned_slot(paths: StationPaths) -> None:
    with Station(paths, fast_settings(code_pattern=r"PCB-\d{4}"), comports=list) as station:
        station.add_ports(PORTS, start=False)
        router = ScanRouter(station, ScanTarget.SLOT_FIRST, _slots)
        assert router.scan("PCB-0001").kind is ScanKind.SLOT_FIRST  # no slot scanned yet
        assert router.scan("SLOT-9").kind is ScanKind.UNKNOWN_SLOT
        picked = router.scan("slot-3")
        assert (picked.kind, picked.port) == (ScanKind.SLOT_PICKED, PORTS[2])
        assert router.scan("nope").kind is ScanKind.REFUSED
        assert router.picked == PORTS[2]  # a refused code leaves the slot picked
        bound = router.scan("PCB-0007")
        assert (bound.kind, bound.port) == (ScanKind.BOUND, PORTS[2])
        assert router.picked == ""
        assert router.scan("PCB-0008").kind is ScanKind.SLOT_FIRST  # one code per slot label
        assert {p.port: p.code for p in station.ports()}[PORTS[2]] == "PCB-0007"
        assert "scan the slot's label first" in router.scan("PCB-0008").text()
