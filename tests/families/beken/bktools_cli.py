"""Run bk7231tools' command line with pyserial URLs (rfc2217://, socket://) as device names.

bk7231tools opens `serial.Serial(port=...)` itself, which takes device paths only; a simulated
chip's reset line (CEN on RTS) reaches the simulator only over RFC 2217. This swaps the class it
opens for `serial.serial_for_url` and runs its unchanged `cli()`: `python bktools_cli.py
chip_info -d rfc2217://127.0.0.1:PORT`.
"""

from __future__ import annotations

import sys
from typing import Any

import serial
from bk7231tools.__main__ import cli
from bk7231tools.serial import main as bk_main


def url_serial(port: str, **kwargs: Any) -> Any:
    return serial.serial_for_url(port, **kwargs)


if __name__ == "__main__":
    bk_main.Serial = url_serial
    sys.exit(cli())
