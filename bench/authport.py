"""The authorization step of a classic factory script: one process per port after esptool.

`python -m bench.authport URL UUID AUTHKEY`: open the port (lines released, as Tuya's tool
does), wait for the TuyaOpen shell, `auth` the license, read it back. Exit 0 when it reads back
right. Same shell client and exchange as prodtool's job, so only the process model differs.
"""

from __future__ import annotations

import sys

import serial

from prodtool.families.tuya_shell import TuyaShell, WriteReply


def main(argv: list[str]) -> int:
    url, uuid, authkey = argv
    port = serial.serial_for_url(url, do_not_open=True, timeout=0.05)
    port.dtr = port.rts = False
    port.baudrate = 115200
    port.open()
    try:
        shell = TuyaShell(port, timeout=8.0)
        shell.wait_prompt()
        shell.read_mac()
        shell.auth_read()
        if shell.auth_write(uuid, authkey) is WriteReply.REJECTED:
            return 1
        back = shell.auth_read()
        return 0 if back is not None and (back.uuid, back.authkey) == (uuid, authkey) else 1
    finally:
        port.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
