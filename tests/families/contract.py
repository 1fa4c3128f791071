"""The driver contract: what every family's `ChipDriver` must do, on a simulated or a real chip.

`DriverContract` is a test class; a module subclasses it and gives a `target` fixture (see
`test_driver_contract.py`, which runs it for every registered family's simulated chip and, with
`-m hardware --port P --family F`, for a real chip). A throwaway family's test reuses it as is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from prodtool.families.driver import CancelToken, ChipDriver, DriverError, Region
from prodtool.families.family import ChipFamily
from prodtool.families.tuya_shell import TuyaShell
from prodtool.flash.events import Reason
from prodtool.flash.serialport import open_serial
from prodtool.sim import ChipFarm, parse_fault
from prodtool.sim.chip import SimulatedChip

IMAGE_SIZE = 16 * 1024  # small, so a contract run is quick at 115200 baud too


@dataclass
class Target:
    """One chip to test: a URL, its family, and the simulated chip behind it (None if real)."""

    family: ChipFamily
    url: str
    chip: SimulatedChip | None = None
    farm: ChipFarm | None = None

    def connect(self, *, cancel: CancelToken | None = None, attempts: int = 3) -> Connection:
        serial = open_serial(self.url)
        driver = self.family.open_driver(
            serial, baud=self.family.baud_rates[0], connect_attempts=attempts, cancel=cancel
        )
        return Connection(driver, serial)

    def add_fault(self, spec: str) -> None:
        if self.chip is None:
            pytest.skip("faults need a simulated chip")
        self.chip.add_fault(parse_fault(spec))


@dataclass
class Connection:
    driver: ChipDriver
    serial: Any

    def close(self) -> None:
        self.driver.close()
        self.serial.close()


def fresh_image(family: ChipFamily, size: int = IMAGE_SIZE) -> Region:
    """An app image of a version no other test wrote, at the family's app offset."""
    data = family.make_image(version=f"9.{uuid.uuid4().int % 1000}.0", size=size)
    return Region(family.app_offset, data, name="app.bin")


def farm_target(family: ChipFamily, transport: str = "socket") -> Iterator[Target]:
    """A `target` fixture body: one simulated chip of `family`, running an app (version 1.0.0)."""
    with ChipFarm(families=[family.name], transport=transport, app_version="1.0.0") as farm:
        yield Target(family, farm.urls[0], farm.chips[0], farm)


class QuietSink:
    """The driver's messages, kept (the contract asserts on reasons, not on words)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def driver_message(self, level: str, text: str) -> None:
        self.lines.append(f"{level}: {text}")

    def driver_progress(self, done: int, total: int) -> None:
        """Progress is asserted through write_regions' own callback."""


class DriverContract:
    """Every test takes `target` (a `Target`); subclasses provide that fixture."""

    # The fault spec that makes a chip of this family say it is another one.
    WRONG_CHIP_FAULT = "wrong-chip=esp32s3"

    @pytest.fixture(autouse=True)
    def _routed_log(self, target: Target) -> Iterator[QuietSink]:
        """The family's library log (esptool's) goes to a sink, as in a job, not to stdout."""
        sink = QuietSink()
        with target.family.log_route(sink):
            yield sink

    def test_identify_says_who_the_chip_is(self, target: Target) -> None:
        link = target.connect()
        try:
            info = link.driver.identify(target.family.name)
        finally:
            link.close()
        assert info.family == target.family.name
        assert link.driver.info == info
        assert link.driver.baud in target.family.baud_rates
        if not target.family.loader_reports_mac:  # the shell says it, after flashing (the job)
            assert info.mac == "" and info.chip_id == ""
            return
        assert len(info.mac.split(":")) == 6 and info.chip_id
        if target.chip is not None:
            assert info.mac == target.chip.mac

    def test_another_family_is_refused_before_anything_is_written(self, target: Target) -> None:
        link = target.connect()
        try:
            with pytest.raises(DriverError) as caught:
                link.driver.identify("not-" + target.family.name)
        finally:
            link.close()
        assert caught.value.reason is Reason.WRONG_CHIP

    def test_write_verify_read_back_and_boot(self, target: Target) -> None:
        region = fresh_image(target.family)
        progress: list[tuple[int, int]] = []
        link = target.connect()
        try:
            info = link.driver.identify(target.family.name)
            link.driver.check_fits([region])
            link.driver.write_regions([region], lambda done, total: progress.append((done, total)))
            link.driver.verify_regions([region])
            assert link.driver.read(region.offset, len(region.data)) == region.data
            version = target.family.image_version(
                link.driver.read(region.offset, target.family.version_probe)
            )
            assert version == target.family.read_image(region.data).version
            target.family.start_app(link.driver, link.serial)
            shell = TuyaShell(link.serial, timeout=8.0)
            shell.wait_prompt()
            mac = shell.read_mac()
            assert len(mac.split(":")) == 6
            if target.family.loader_reports_mac:
                assert mac == info.mac
            if target.chip is not None:
                assert mac == target.chip.mac
            assert shell.sys_version() == version
        finally:
            link.close()
        assert progress and progress[-1] == (len(region.data), len(region.data))
        assert [d for d, _ in progress] == sorted(d for d, _ in progress)

    def test_verify_finds_a_difference(self, target: Target) -> None:
        region = fresh_image(target.family)
        link = target.connect()
        try:
            link.driver.identify(target.family.name)
            link.driver.write_regions([region], lambda _d, _t: None)
            other = Region(region.offset, region.data[:-16] + b"\x5a" * 16, name="app.bin")
            with pytest.raises(DriverError) as caught:
                link.driver.verify_regions([other])
        finally:
            link.close()
        assert caught.value.reason is Reason.FIRMWARE_VERIFY_FAILED

    def test_the_flash_digest_says_whether_an_image_is_there(self, target: Target) -> None:
        region = fresh_image(target.family)
        other = Region(region.offset, region.data[:-16] + b"\x5a" * 16, name="app.bin")
        link = target.connect()
        try:
            link.driver.identify(target.family.name)
            before = link.driver.flash_matches(region)
            if before is None:
                pytest.skip("this family has no flash digest: the job always writes")
            link.driver.write_regions([region], lambda _d, _t: None)
            after = link.driver.flash_matches(region)
            differs = link.driver.flash_matches(other)
            link.driver.verify_regions([region])  # the check left the loader ready to go on
        finally:
            link.close()
        assert (before, after, differs) == (False, True, False)

    def test_too_large_is_refused_before_writing(self, target: Target) -> None:
        link = target.connect()
        try:
            info = link.driver.identify(target.family.name)
            if info.flash_size is None:
                pytest.skip("the chip did not say its flash size")
            huge = Region(info.flash_size - 16, b"\x00" * 32, name="big.bin")
            with pytest.raises(DriverError) as caught:
                link.driver.check_fits([huge])
        finally:
            link.close()
        assert caught.value.reason is Reason.FIRMWARE_TOO_LARGE

    def test_cancel_mid_write_stops_between_blocks(self, target: Target) -> None:
        region = fresh_image(target.family, 16 * IMAGE_SIZE)  # several blocks, however packed
        cancel = CancelToken()
        seen: list[int] = []

        def progress(done: int, total: int) -> None:
            seen.append(done)
            if 0 < done < total:
                cancel.cancel(Reason.CANCELLED)

        link = target.connect(cancel=cancel)
        try:
            link.driver.identify(target.family.name)
            with pytest.raises(DriverError) as caught:
                link.driver.write_regions([region], progress)
        finally:
            link.close()
        assert caught.value.reason is Reason.CANCELLED
        assert seen and max(seen) < len(region.data)

    # -- faults (simulated chips only) -----------------------------------------------------------
    def test_fault_no_loader_is_no_answer(self, target: Target) -> None:
        target.add_fault("no-download")
        if target.chip is not None and target.chip.app_version() is None:
            pytest.skip("a blank chip sits in its loader whatever the fault says")
        link = target.connect(attempts=1)
        try:
            with pytest.raises(DriverError) as caught:
                link.driver.identify(target.family.name)
        finally:
            link.close()
        assert caught.value.reason is Reason.NO_ANSWER

    def test_fault_wrong_chip(self, target: Target) -> None:
        target.add_fault(self.WRONG_CHIP_FAULT)
        link = target.connect()
        try:
            with pytest.raises(DriverError) as caught:
                link.driver.identify(target.family.name)
        finally:
            link.close()
        assert caught.value.reason is Reason.WRONG_CHIP

    def test_fault_unplug_mid_write_is_a_pulled_cable(self, target: Target) -> None:
        target.add_fault("unplug@block=2")
        region = fresh_image(target.family, 16 * IMAGE_SIZE)
        link = target.connect()
        try:
            link.driver.identify(target.family.name)
            with pytest.raises(DriverError) as caught:
                link.driver.write_regions([region], lambda _d, _t: None)
        finally:
            link.close()
        assert caught.value.reason is Reason.CABLE_PULLED

    def test_fault_flash_stuck_fails_the_verify(self, target: Target) -> None:
        target.add_fault(f"flash-stuck@offset={target.family.app_offset + 0x1000:#x},size=0x1000")
        region = fresh_image(target.family)
        link = target.connect()
        try:
            link.driver.identify(target.family.name)
            with pytest.raises(DriverError) as caught:
                link.driver.write_regions([region], lambda _d, _t: None)
                link.driver.verify_regions([region])
        finally:
            link.close()
        assert caught.value.reason in {Reason.FIRMWARE_VERIFY_FAILED, Reason.FLASH_WRITE_FAILED}

    def test_fault_corrupt_link_is_link_errors(self, target: Target) -> None:
        target.add_fault("corrupt@rate=0.05,dir=tx,seed=7")
        link = target.connect(attempts=1)
        try:
            with pytest.raises(DriverError) as caught:
                link.driver.identify(target.family.name)
                link.driver.read(0, 4096)
        finally:
            link.close()
        assert caught.value.reason in {Reason.LINK_ERRORS, Reason.NO_ANSWER}
