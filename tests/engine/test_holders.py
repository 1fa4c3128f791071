"""Finding the program that holds a serial port, through /proc."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from prodtool.engine.holders import Holder, describe_holders, port_holders
from prodtool.engine.job import open_port
from prodtool.families.driver import DriverError
from prodtool.flash.events import Reason

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")


def test_a_holding_process_is_named_with_a_fix() -> None:
    master, slave = pty.openpty()
    device = os.ttyname(slave)
    os.close(slave)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys; f = open({device!r}, 'rb'); print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"open\n"  # the child holds the device now
        found = port_holders(device)
        assert any(h.pid == holder.pid and h.name.startswith("python") for h in found)
        text = describe_holders(device)
        assert f"pid {holder.pid}" in text and device in text
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
        os.close(master)
    assert describe_holders(device) == ""


def test_known_holders_get_their_own_fix() -> None:
    assert "ModemManager" in Holder(1, "ModemManager").fix
    assert "brltty" in Holder(2, "brltty").fix
    assert "pid 3" in Holder(3, "minicom").fix


def test_open_port_names_the_holder(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_url: str) -> None:
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr("prodtool.engine.job.open_serial", refuse)
    monkeypatch.setattr(
        "prodtool.engine.job.describe_holders",
        lambda url: f"{url} is held by ModemManager (pid 9): stop it",
    )
    with pytest.raises(DriverError) as caught:
        open_port("/dev/ttyUSB7")
    assert caught.value.reason is Reason.PORT_HELD and "ModemManager" in caught.value.detail
