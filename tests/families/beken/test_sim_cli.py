"""`prodtool sim serve --fault ...` with Beken's own fault kinds."""

from __future__ import annotations

import pytest

from prodtool.cli.main import main
from prodtool.cli.sim import parse_faults
from prodtool.errors import UserError
from prodtool.families.beken.driver import BekenDriver
from prodtool.families.beken.sim.faults import BekenFaultKind
from prodtool.sim import FaultKind
from prodtool.sim.process import SimProcess
from tests.families.beken.conftest import QUICK

# One spec per Beken-only kind the issue names: no link until reset, stale link replies, baud
# refused / garbled above a ceiling, protect that does not stick, unknown flash ID, a corrupted
# sector, busy / param status, slow CRC, brown-out.
BEKEN_SPECS = {
    "no-link": BekenFaultKind.NO_LINK,
    "stale-link@count=3": BekenFaultKind.STALE_LINK,
    "baud-refused": BekenFaultKind.BAUD_REFUSED,
    "baud-ceiling@max=1500000": BekenFaultKind.BAUD_CEILING,
    "sr-stuck": BekenFaultKind.SR_STUCK,
    "unknown-mid": BekenFaultKind.UNKNOWN_MID,
    "bad-sector@offset=0x20000": BekenFaultKind.BAD_SECTOR,
    "status@op=0x07,code=1,nth=2": BekenFaultKind.STATUS,
    "status@op=0x0f,code=6": BekenFaultKind.STATUS,
    "slow-crc@bps=20000": BekenFaultKind.SLOW_CRC,
    "brownout@offset=0x20000,ms=200": BekenFaultKind.BROWNOUT,
    "unplug@offset=0x30000": BekenFaultKind.UNPLUG,
}


def test_every_beken_kind_parses_for_beken_chips() -> None:
    shared, beken = parse_faults([*BEKEN_SPECS, "unplug@block=4", "auth-reject"], ["bk7231n"])
    assert [f.kind for f in beken] == list(BEKEN_SPECS.values())
    # the shared kinds stay shared (every chip knows them), also where Beken has a namesake
    assert [f.kind for f in shared] == [FaultKind.UNPLUG, FaultKind.AUTH_REJECT]
    assert beken[3].max == 1_500_000 and beken[7].code == 1 and beken[7].nth == 2


@pytest.mark.parametrize(
    ("specs", "families", "words"),
    [
        (["baud-refused"], ["esp32c3"], "is a Beken fault, and not every chip here"),
        (["sr-stuck"], ["bk7231n", "esp32c3"], "is a Beken fault, and not every chip here"),
        (["stale-link@rate=3"], ["t5"], "stale-link does not take 'rate'"),
        (["explode"], ["t2"], "unknown Beken fault 'explode'"),
        (["explode"], ["esp32c3"], "unknown fault 'explode'"),
    ],
)
def test_bad_faults_are_one_line(specs: list[str], families: list[str], words: str) -> None:
    with pytest.raises(UserError, match=words):
        parse_faults(specs, families)


def test_the_command_line_refuses_a_beken_fault_on_esp_chips(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sim", "serve", "--family", "esp32c3", "--fault", "baud-refused"]) == 2
    err = capsys.readouterr().err
    assert "is a Beken fault" in err and err.count("\n") == 1


@pytest.mark.sim
def test_a_served_beken_fault_acts_on_the_chip() -> None:
    """`baud-refused` through the command line: the driver falls back to 115200 (on a pty,
    which tells the chip the host's rate; socket:// carries none, so there any rate works)."""
    with SimProcess(family="t2", faults=["baud-refused"], transport="pty") as sim:
        driver = BekenDriver(sim.urls[0], family="bk7231n", baud=2_000_000, policy=QUICK)
        try:
            info = driver.identify()
        finally:
            driver.close()
    assert driver.baud == 115200
    assert "115200 baud" in info.description
