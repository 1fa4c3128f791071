"""The ESP driver's write cycle on simulated chips: what goes over the wire, in which order.

One MD5 per region, each image compressed once per process, the stub uploaded at the fast rate
where the ROM can switch, cancel between blocks, uncompressible data written plain, esptool's
safety refusals kept; and the socket:// opener that closes without pyserial's 0.3 s sleep.
"""

from __future__ import annotations

import random
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import serial
from esptool.targets.esp32 import ESP32ROM
from esptool.targets.esp32c3 import ESP32C3ROM

from prodtool.families.driver import CancelToken, DriverError, Region
from prodtool.families.esp import appimage
from prodtool.families.esp import driver as esp_driver
from prodtool.families.esp.driver import DEFLATE_CACHE, DeflateCache, EspDriver
from prodtool.families.esp.sim.rom import Op
from prodtool.flash.events import Reason
from prodtool.flash.serialport import QuickCloseSocket, open_serial
from prodtool.sim import ChipFarm, SimChip, SimulatedChip

pytestmark = pytest.mark.sim

FAST = 921600
APP = appimage.APP_OFFSET


class CommandLog:
    """A serial port that notes each command esptool writes, with the baud rate set then."""

    def __init__(self, inner: Any) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "commands", [])

    def write(self, data: bytes) -> int | None:
        if len(data) > 2 and data[0] == 0xC0 and data[1] == 0:  # SLIP start, a request
            self.commands.append((data[2], self._inner.baudrate))
        result: int | None = self._inner.write(data)
        return result

    def ops(self) -> list[int]:
        return [op for op, _baud in self.commands]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._inner, name, value)


@pytest.fixture
def farm(request: pytest.FixtureRequest) -> Iterator[ChipFarm]:
    family, count = getattr(request, "param", ("esp32c3", 1))
    with ChipFarm(count=count, family=family) as chips:
        yield chips


def connect(farm: ChipFarm, i: int = 0, **kwargs: Any) -> tuple[EspDriver, CommandLog]:
    port = CommandLog(open_serial(farm.urls[i]))
    driver = EspDriver(port, baud=FAST, **kwargs)
    driver.identify(farm.family)
    return driver, port


def fresh_image(size: int, chip: str = "esp32c3") -> bytes:
    """An app image no other test wrote (so the process-wide cache has not seen it)."""
    return appimage.make_app_image(version=uuid.uuid4().hex[:12], size=size, chip=chip)


def ops_seen(chip: SimulatedChip, *ops: Op) -> list[int]:
    return [chip.stats.by_opcode[op] for op in ops]


def test_one_md5_per_region_and_the_flash_reads_back(farm: ChipFarm) -> None:
    driver, port = connect(farm)
    chip = farm.chips[0]
    regions = [
        Region(APP, fresh_image(64 * 1024), name="app"),
        Region(0x300000, bytes(range(256)) * 40 + b"\x01\x02\x03", name="key", secret=True),
    ]
    progress: list[tuple[int, int]] = []
    compressions = DEFLATE_CACHE.compressions
    try:
        driver.write_regions(regions, lambda done, total: progress.append((done, total)))
        assert chip.stats.by_opcode[Op.SPI_FLASH_MD5] == 0
        driver.verify_regions(regions)
        assert chip.stats.by_opcode[Op.SPI_FLASH_MD5] == len(regions)
        for region in regions:
            end = region.offset + len(region.data)
            assert driver.read(region.offset, len(region.data)) == region.data
            assert bytes(chip.flash[region.offset : end]) == region.data
    finally:
        driver.close()
        port.close()
    total = sum(len(r.data) for r in regions)
    assert progress[-1] == (total, total)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert chip.stats.by_opcode[Op.FLASH_DEFL_END] == len(regions)  # the stub finished each
    assert isinstance(chip, SimChip)
    assert chip.bootloader.flash_size_param == chip.profile.flash_size  # set once, at identify
    assert DEFLATE_CACHE.compressions - compressions == 1  # a secret region is never cached


def test_the_same_image_on_two_chips_is_compressed_once() -> None:
    image = fresh_image(32 * 1024)
    compressions, hits = DEFLATE_CACHE.compressions, DEFLATE_CACHE.hits
    with ChipFarm(count=2) as farm:
        for i in range(2):
            driver, port = connect(farm, i)
            try:
                driver.write_regions([Region(APP, image)], lambda done, total: None)
                driver.verify_regions([Region(APP, image)])
            finally:
                port.close()
        blocks = [ops_seen(chip, Op.FLASH_DEFL_DATA)[0] for chip in farm.chips]
    assert DEFLATE_CACHE.compressions - compressions == 1
    assert DEFLATE_CACHE.hits - hits == 1
    assert blocks[0] == blocks[1] > 0


def test_concurrent_ports_wait_for_one_compression() -> None:
    cache = DeflateCache(entries=2)
    image = fresh_image(64 * 1024)
    barrier = threading.Barrier(8)
    results: list[esp_driver.Deflated | None] = []

    def port() -> None:
        barrier.wait(timeout=10)
        results.append(cache.get(image, 0x4000))

    threads = [threading.Thread(target=port) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (cache.compressions, cache.hits) == (1, 7)
    assert len({id(r) for r in results}) == 1
    for other in (fresh_image(1024), fresh_image(2048)):  # two more images: the first goes
        cache.get(other, 0x4000)
    cache.get(image, 0x4000)
    assert cache.compressions == 4


@pytest.mark.parametrize(
    ("farm", "stub_first"),
    [(("esp32c3", 1), False), (("esp32", 1), True)],
    indirect=["farm"],
    ids=["esp32c3-rom-switches", "esp32-stub-switches"],
)
def test_stub_upload_and_baud_change_order(farm: ChipFarm, stub_first: bool) -> None:
    driver, port = connect(farm)
    try:
        ops = port.ops()
        change = ops.index(Op.CHANGE_BAUDRATE)
        upload = [i for i, op in enumerate(ops) if op in (Op.MEM_BEGIN, Op.MEM_DATA, Op.MEM_END)]
        stub_rates = {baud for op, baud in port.commands if op == Op.MEM_DATA}
        assert driver.baud == FAST
        if stub_first:
            assert max(upload) < change
            assert stub_rates == {115200}
        else:
            assert change < min(upload)
            assert stub_rates == {FAST}
        assert ops.count(Op.CHANGE_BAUDRATE) == 1
        driver.reset_to_app()  # back to the console's rate for the shell
        assert port.baudrate == 115200
        link = farm.chips[0].link
        assert link is not None and link.chip_baud == 115200
    finally:
        port.close()


def test_cancel_mid_write_stops_within_a_block(farm: ChipFarm) -> None:
    cancel = CancelToken()
    driver, port = connect(farm, cancel=cancel)
    chip = farm.chips[0]
    reports = 0

    def progress(done: int, total: int) -> None:
        nonlocal reports
        reports += 1
        if reports == 2:
            cancel.cancel()

    try:
        with pytest.raises(DriverError) as raised:
            driver.write_regions([Region(APP, fresh_image(128 * 1024))], progress)
    finally:
        port.close()
    assert raised.value.reason is Reason.CANCELLED
    assert ops_seen(chip, Op.FLASH_DEFL_BEGIN, Op.FLASH_DEFL_DATA, Op.FLASH_DEFL_END) == [1, 2, 0]


def test_uncompressible_data_is_written_plain(farm: ChipFarm) -> None:
    data = random.Random(8).randbytes(40_002)  # 3 blocks of 16 KiB, not a multiple of 4
    region = Region(0x200000, data, name="noise")
    driver, port = connect(farm)
    chip = farm.chips[0]
    try:
        driver.write_regions([region], lambda done, total: None)
        driver.verify_regions([region])
    finally:
        port.close()
    assert ops_seen(chip, Op.FLASH_BEGIN, Op.FLASH_DATA, Op.FLASH_END) == [1, 3, 1]
    assert ops_seen(chip, Op.FLASH_DEFL_BEGIN, Op.SPI_FLASH_MD5) == [0, 1]
    assert bytes(chip.flash[0x200000 : 0x200000 + len(data)]) == data


@pytest.mark.parametrize(
    ("farm", "efuses", "offset", "says"),
    [
        (
            ("esp32c3", 1),
            [
                (ESP32C3ROM.EFUSE_SPI_BOOT_CRYPT_CNT_REG, 1 << 18),  # one bit: encryption on
                (
                    ESP32C3ROM.EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT_REG,
                    ESP32C3ROM.EFUSE_DIS_DOWNLOAD_MANUAL_ENCRYPT,
                ),
            ],
            APP,
            "flash encryption is on",
        ),
        (
            ("esp32", 1),
            [(ESP32ROM.EFUSE_RD_ABS_DONE_REG, ESP32ROM.EFUSE_RD_ABS_DONE_0_MASK)],
            0x1000,
            "secure boot v1",
        ),
    ],
    indirect=["farm"],
    ids=["encrypted-production-chip", "esp32-secure-boot-v1-bootloader"],
)
def test_esptools_safety_refusals_are_kept(
    farm: ChipFarm, efuses: list[tuple[int, int]], offset: int, says: str
) -> None:
    """eFuses set the way a locked chip has them: refused before anything is erased."""
    chip = farm.chips[0]
    assert isinstance(chip, SimChip)
    for address, value in efuses:
        chip.regs.write(address, value, value)
    driver, port = connect(farm)
    try:
        with pytest.raises(DriverError) as raised:
            driver.write_regions([Region(offset, b"\xe9" + bytes(4095))], lambda d, t: None)
    finally:
        port.close()
    assert raised.value.reason is Reason.WRONG_CHIP
    assert says in raised.value.detail
    assert ops_seen(chip, Op.FLASH_BEGIN, Op.FLASH_DEFL_BEGIN) == [0, 0]


# -- the socket:// opener ------------------------------------------------------------------------


class EchoServer:
    """A loopback server with one connection at a time: echoes, and notes each hang-up."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self.listener.getsockname()[1]}"
        self.hung_up = 0
        self.thread = threading.Thread(target=self._serve, args=(2,), name="echo-server")
        self.thread.start()

    def _serve(self, connections: int) -> None:
        for _ in range(connections):
            client, _ = self.listener.accept()
            with client:
                while data := client.recv(4096):
                    client.sendall(data)
                self.hung_up += 1  # before the server's FIN, which the host's close waits for

    def close(self) -> None:
        self.thread.join(timeout=10)
        self.listener.close()


def test_socket_ports_close_without_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr("time.sleep", sleeps.append)
    server = EchoServer()
    try:
        for n in (1, 2):  # the second connection right after the first close: accepted
            port = open_serial(server.url)
            assert isinstance(port, QuickCloseSocket)
            assert (port.timeout, port.write_timeout, port.exclusive) == (0.05, 10, True)
            port.write(b"ping")
            echo = b""
            while len(echo) < 4:
                echo += port.read(4 - len(echo))
            assert echo == b"ping"
            port.close()
            assert server.hung_up == n
            assert not port.is_open
    finally:
        server.close()
    assert sleeps == []


def test_open_serial_leaves_errors_and_other_urls_to_pyserial() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with pytest.raises(serial.SerialException):
        open_serial(f"socket://127.0.0.1:{free}")
    loop = open_serial("loop://")
    try:
        assert not isinstance(loop, QuickCloseSocket)
        assert (loop.timeout, loop.write_timeout, loop.exclusive) == (0.05, 10, True)
    finally:
        loop.close()


def test_without_the_stub_the_rom_writes_whole_sectors_plain(
    farm: ChipFarm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chip whose stub is disabled (secure boot, some ESP32-C2): esptool's --no-stub path."""
    monkeypatch.setattr("esptool.cmds.run_stub", lambda esp: esp)
    data = fresh_image(4096)[:3000]
    region = Region(APP + 0x100, data, name="app")  # not sector-aligned: the ROM starts at APP
    driver, port = connect(farm)
    chip = farm.chips[0]
    progress: list[int] = []
    try:
        driver.write_regions([region], lambda done, total: progress.append(done))
        driver.verify_regions([region])
        assert driver.read(APP, 0x100 + len(data)) == b"\xff" * 0x100 + data
    finally:
        port.close()
    assert ops_seen(chip, Op.FLASH_BEGIN, Op.FLASH_DATA, Op.FLASH_END) == [1, 4, 0]
    assert ops_seen(chip, Op.FLASH_DEFL_BEGIN, Op.SPI_FLASH_MD5) == [0, 1]
    assert progress[-1] == len(data)
    assert progress == sorted(progress)


@pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated:DeprecationWarning")
@pytest.mark.parametrize("transport", ["socket", "pty", "rfc2217"])
def test_at_2000000_the_app_starts_and_its_shell_answers_at_115200(
    transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written at 2,000,000, then back to the ROM's rate and into the app on every transport;
    socket:// carries no DTR/RTS, so its hard reset (a 100 ms sleep toggling nothing) is
    skipped there, as esptool's own connect skips the reset into the loader."""
    from esptool.loader import ESPLoader

    from prodtool.families import registry
    from prodtool.families.tuya_shell import TuyaShell

    resets: list[str] = []
    real = ESPLoader.hard_reset

    def hard_reset(self: ESPLoader, *args: Any, **kwargs: Any) -> None:
        resets.append(transport)
        real(self, *args, **kwargs)

    monkeypatch.setattr(ESPLoader, "hard_reset", hard_reset)
    family = registry.get("esp32c3")
    image = family.make_image(version="9.8.7", size=48 * 1024)
    with ChipFarm(count=1, family="esp32c3", transport=transport) as farm:
        port = open_serial(farm.urls[0])
        try:
            driver = EspDriver(port, baud=2_000_000)
            driver.identify("esp32c3")
            assert driver.baud == 2_000_000
            regions = [Region(APP, image, name="app")]
            driver.write_regions(regions, lambda done, total: None)
            driver.verify_regions(regions)
            family.start_app(driver, port)
            assert port.baudrate == 115200
            shell = TuyaShell(port, timeout=5.0)
            shell.wait_prompt()
            assert shell.read_mac() == farm.chips[0].mac
        finally:
            port.close()
        assert farm.chips[0].app_version() == "9.8.7"
    assert resets == ([] if transport == "socket" else [transport])
