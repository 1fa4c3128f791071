"""The Beken driver against simulated chips over real ports: every variant, the faults, cancel.

Images are small (a bootloader partition and 64-128 KiB of app) so each case runs in about a
second at 2,000,000 baud on a throttled wire.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from prodtool.families.beken import image
from prodtool.families.beken.driver import BekenDriver
from prodtool.families.beken.frames import encode_command
from prodtool.families.beken.link import LinkStep
from prodtool.families.beken.sim.chip import SR_POWER_ON, BekenMode, BekenSimChip
from prodtool.families.beken.sim.faults import parse_beken_fault
from prodtool.families.driver import CancelToken, DriverError, Region
from prodtool.families.tuya_shell import TuyaShell, WriteReply
from prodtool.flash.events import Reason
from prodtool.sim.faults import parse_fault
from tests.families.beken.conftest import served, wait_until

pytestmark = [
    pytest.mark.sim,
    # pyserial's RFC 2217 client still calls Thread.setDaemon/setName.
    pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated:DeprecationWarning"),
]

MakeDriver = Callable[..., BekenDriver]
SIZE = 0x11000 + 0x10000 + 0x3000  # bootloader, one 64 KiB block and an edge


def regions_for(family: str, version: str = "1.2.3", size: int = SIZE) -> list[Region]:
    data = image.make_qio_image(family, version, size=size)
    return [Region(r.offset, r.data, "firmware") for r in image.plan_regions(family, data, 0)]


def full_cycle(driver: BekenDriver, regions: list[Region]) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    driver.identify()
    driver.write_regions(regions, lambda done, total: seen.append((done, total)))
    driver.verify_regions(regions)
    driver.reset_to_app()
    return seen


@pytest.mark.parametrize(
    ("family", "transport"),
    [("bk7231n", "pty"), ("bk7231t", "socket"), ("t3", "rfc2217"), ("t5", "pty")],
)
def test_each_variant_writes_verifies_and_boots(
    family: str, transport: str, open_driver: MakeDriver
) -> None:
    chip = BekenSimChip(family)
    regions = regions_for(family)
    with served(chip, transport) as server:
        driver = open_driver(server.url, family)
        seen = full_cycle(driver, regions)
        assert driver.info is not None and driver.info.family == family
        for region in regions:
            end = region.offset + len(region.data)
            assert bytes(chip.flash[region.offset : end]) == region.data
        total = sum(len(r.data) for r in regions)
        assert seen[-1] == (total, total)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        assert server.run(chip.app_version) == "1.2.3"
    if family == "bk7231t":
        assert regions[0].offset == 0x11000  # the bootloader stayed
    else:
        assert chip.status_register == SR_POWER_ON  # re-protected as it was


@pytest.mark.parametrize("transport", ["pty", "socket"])
def test_the_license_goes_over_the_shell_at_the_variant_baud(
    transport: str, open_driver: MakeDriver
) -> None:
    chip = BekenSimChip("t5")
    with served(chip, transport) as server:
        driver = open_driver(server.url, "t5")
        full_cycle(driver, regions_for("t5"))
        port = driver._t.port if driver._t is not None else None
        assert port is not None
        shell = TuyaShell(port, timeout=3)
        port.baudrate = 460800
        shell.wait_prompt()
        assert shell.read_mac() == chip.mac
        assert shell.auth_write("uuid0123456789abcdef", "k" * 32) is WriteReply.OK
        creds = shell.auth_read()
        assert creds is not None and creds.uuid == "uuid0123456789abcdef"
    assert chip.read_credentials() == ("uuid0123456789abcdef", "k" * 32)


def test_a_running_app_is_reached_by_the_reboot_frame(open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n", app_version="0.9")
    with served(chip) as server:
        assert wait_until(lambda: chip.state is BekenMode.APP)
        driver = open_driver(server.url)
        driver.identify()
        assert driver.link_step is LinkStep.REBOOT_FRAME


def test_a_cen_reset_reaches_a_chip_whose_app_has_no_reboot_hook(open_driver: MakeDriver) -> None:
    faults = [parse_beken_fault("no-reboot-hook"), parse_beken_fault("no-link")]
    chip = BekenSimChip("bk7231n", app_version="0.9", faults=faults)
    with served(chip, "rfc2217") as server:
        assert wait_until(lambda: chip.state is BekenMode.APP)
        driver = open_driver(server.url)
        driver.identify()
        assert driver.link_step is LinkStep.CEN_RESET


def test_without_lines_or_hook_the_failure_names_the_cen_wiring(open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n", app_version="0.9", faults=[parse_beken_fault("no-reboot-hook")])
    with served(chip) as server:
        assert wait_until(lambda: chip.state is BekenMode.APP)
        with pytest.raises(DriverError) as caught:
            open_driver(server.url).identify()
    assert caught.value.reason is Reason.NO_ANSWER
    assert "CEN" in caught.value.detail and "reboot frame" in caught.value.detail


@pytest.mark.parametrize("cut", [0, 5, 700])
def test_a_chip_a_dead_session_left_at_a_fast_rate_is_found_there(
    cut: int, open_driver: MakeDriver
) -> None:
    """The station killed mid-write: the chip stays in download mode at 2,000,000 baud, with
    `cut` bytes of a 4 KiB write frame received. A pty tells the chip the host's rate, so the
    next session's 115200 is noise to it (noise that fills the half frame: that sector takes
    it) until the driver tries the fast rates; the next write puts the whole image right."""
    chip = BekenSimChip("bk7231n")
    regions = regions_for("bk7231n")
    at = 0x20000  # a sector of the image
    with served(chip) as server:
        first = open_driver(server.url)
        first.identify()
        first.write_regions([Region(0x11000, b"\x00" * 0x1000, "start")], lambda d, t: None)
        assert first._t is not None
        frame = encode_command(0x07, at.to_bytes(4, "little") + b"\x55" * 0x1000, long=True)
        before = chip.stats.bytes_in
        first._t.write(frame[:cut])
        first.close()  # what the kernel does for a killed process
        assert wait_until(lambda: chip.stats.bytes_in == before + cut)
        assert chip.state is BekenMode.DOWNLOAD and chip.link is not None
        assert chip.link.chip_baud == 2_000_000
        outside = bytes(chip.flash[0x24000:0x100000])
        driver = open_driver(server.url)
        full_cycle(driver, regions)
        assert driver.link_step is LinkStep.FAST_RATE
        assert driver.info is not None and "fast-rate" in driver.info.description
    for region in regions:
        assert bytes(chip.flash[region.offset : region.offset + len(region.data)]) == region.data
    assert bytes(chip.flash[0x24000:0x100000]) == outside  # the filler programmed nothing


def test_a_family_that_is_not_beken_is_the_wrong_chip(open_driver: MakeDriver) -> None:
    with served(BekenSimChip("bk7231n")) as server, pytest.raises(DriverError) as caught:
        open_driver(server.url).identify("esp32c3")
    assert caught.value.reason is Reason.WRONG_CHIP


def test_wrong_variant_is_named(open_driver: MakeDriver) -> None:
    with served(BekenSimChip("bk7231t")) as server, pytest.raises(DriverError) as caught:
        open_driver(server.url, "bk7231n").identify()
    assert caught.value.reason is Reason.WRONG_CHIP
    assert "BK7231T" in caught.value.detail


def test_stale_link_replies_before_the_baud_reply(open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n", faults=[parse_beken_fault("stale-link@count=5")])
    with served(chip) as server:
        driver = open_driver(server.url)
        driver.identify()
        assert driver.baud == 2_000_000


@pytest.mark.parametrize("spec", ["baud-refused", "baud-old"])
def test_a_refused_baud_change_falls_back(spec: str, open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n", faults=[parse_beken_fault(spec)])
    app = image.make_app_partition("bk7231n", "1.2.3", size=0x2000)  # 0.7 s at 115200
    regions = [Region(0x11000, app, "app")]
    with served(chip) as server:
        driver = open_driver(server.url)
        full_cycle(driver, regions)
        assert driver.info is not None
        expected = "115200" if spec == "baud-refused" else "2000000"
        assert expected + " baud" in driver.info.description


def test_an_adapter_ceiling_steps_down_after_a_reset(open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n", faults=[parse_beken_fault("baud-ceiling@max=1000000")])
    with served(chip, "rfc2217") as server:
        driver = open_driver(server.url)
        full_cycle(driver, regions_for("bk7231n"))
        assert driver.info is not None and "921600 baud" in driver.info.description


@pytest.mark.parametrize(
    ("spec", "reason", "words"),
    [
        ("sr-stuck", Reason.FLASH_WRITE_FAILED, "write-protected"),
        ("unknown-mid", Reason.FLASH_WRITE_FAILED, "unknown flash ID 00 00 00"),
        ("bad-sector@offset=0x21000", Reason.FIRMWARE_VERIFY_FAILED, "at 0x21000-0x21fff"),
        ("status@op=0x07,code=1,nth=2", Reason.FLASH_WRITE_FAILED, "status 1 (busy)"),
        ("status@op=0x0f,code=6", Reason.FLASH_WRITE_FAILED, "status 6 (bad parameter)"),
        ("brownout@offset=0x20000", Reason.LINK_ERRORS, "brown-out"),
        ("unplug@offset=0x20000", Reason.CABLE_PULLED, ""),
    ],
)
def test_faults_end_with_a_reason(
    spec: str, reason: Reason, words: str, open_driver: MakeDriver
) -> None:
    chip = BekenSimChip("bk7231n", faults=[parse_beken_fault(spec)])
    regions = regions_for("bk7231n")
    with served(chip) as server:
        driver = open_driver(server.url)
        with pytest.raises(DriverError) as caught:
            full_cycle(driver, regions)
    assert caught.value.reason is reason
    assert words in caught.value.detail


def test_a_slow_crc_is_waited_for(open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n", faults=[parse_beken_fault("slow-crc@bps=400000")])
    with served(chip) as server:
        full_cycle(open_driver(server.url), regions_for("bk7231n"))


def test_a_crc_slower_than_the_floor_fails_with_a_timeout(open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n", faults=[parse_beken_fault("slow-crc@bps=20000")])
    with served(chip) as server, pytest.raises(DriverError) as caught:
        full_cycle(open_driver(server.url), regions_for("bk7231n"))
    assert caught.value.reason is Reason.FIRMWARE_VERIFY_FAILED
    assert "did not answer within" in caught.value.detail


def test_reads_return_what_was_written(open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n")
    regions = regions_for("bk7231n")
    with served(chip) as server:
        driver = open_driver(server.url)
        full_cycle(driver, regions)
        driver.identify()
        assert driver.read(0x11000 + 100, 5000) == regions[0].data[0x11000 + 100 : 0x11000 + 5100]


def test_bk7231t_writes_a_qio_image_from_0x11000(open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231t")
    boot = bytes(chip.flash[:0x11000])
    qio = image.make_qio_image("bk7231t", "7.0", size=SIZE)
    with served(chip) as server:
        driver = open_driver(server.url, "bk7231t")
        seen = full_cycle(driver, [Region(0, qio, "qio"), Region(0, b"\x00" * 0x1000, "boot")])
        assert wait_until(lambda: chip.app_version() == "7.0")
    assert bytes(chip.flash[: len(qio)]) == boot + qio[0x11000:]
    assert seen[-1] == (len(qio) - 0x11000, len(qio) - 0x11000)


def test_cancel_mid_write_stops_between_sectors(open_driver: MakeDriver) -> None:
    cancel = CancelToken()
    chip = BekenSimChip("bk7231n")
    regions = regions_for("bk7231n", size=0x11000 + 0x40000)
    half = threading.Event()

    def progress(done: int, total: int) -> None:
        if done > total // 3:
            half.set()
            cancel.cancel()

    with served(chip) as server:
        driver = open_driver(server.url, cancel=cancel)
        driver.identify()
        with pytest.raises(DriverError) as caught:
            driver.write_regions(regions, progress)
    assert caught.value.reason is Reason.CANCELLED
    assert half.is_set()
    tail = regions[0].data[-0x1000:]
    assert bytes(chip.flash[len(regions[0].data) - 0x1000 : len(regions[0].data)]) != tail


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("no-download", Reason.NO_ANSWER),
        ("wrong-chip=bk7231t", Reason.WRONG_CHIP),
        ("wrong-chip=esp32s3", Reason.WRONG_CHIP),
        ("unplug@block=2", Reason.CABLE_PULLED),
        ("flash-stuck@offset=0x20000,size=0x1000", Reason.FIRMWARE_VERIFY_FAILED),
        ("drop@op=0x10", Reason.FIRMWARE_VERIFY_FAILED),
    ],
)
def test_the_shared_fault_kinds(spec: str, reason: Reason, open_driver: MakeDriver) -> None:
    chip = BekenSimChip("bk7231n", faults=[parse_fault(spec)])
    with served(chip) as server:
        driver = open_driver(server.url)
        with pytest.raises(DriverError) as caught:
            full_cycle(driver, regions_for("bk7231n"))
    assert caught.value.reason is reason, caught.value.detail


def test_cancel_while_linking_returns_at_once(open_driver: MakeDriver) -> None:
    cancel = CancelToken()
    chip = BekenSimChip("bk7231n", faults=[parse_fault("no-download")])
    failure: list[DriverError] = []
    started = threading.Event()

    with served(chip) as server:
        driver = open_driver(server.url, cancel=cancel)

        def link() -> None:
            started.set()
            try:
                driver.identify()
            except DriverError as error:
                failure.append(error)

        thread = threading.Thread(target=link)
        thread.start()
        assert started.wait(2)
        assert wait_until(lambda: chip.stats.bytes_in > 0)
        cancel.cancel()
        thread.join(1.0)
        assert not thread.is_alive()
    assert failure and failure[0].reason is Reason.CANCELLED
