"""Application mode: the TuyaOpen production shell on the app UART (115200 8N1).

It echoes what is typed (an interactive line editor, like the firmware's CLI), runs the line on
CR or LF, answers, and prints the prompt `tuya>` again. Replies follow TuyaOpen's
`tuya_authorize.c` (see /work/shared/reference/tuyaopen-shell.md). Faults add ANSI colour
codes to replies or a device log line in the middle of one, or make `auth` fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prodtool.sim.faults import FaultKind

PROMPT = "tuya>"
USAGE = "Use like: auth uuidxxxxxxxxxxxxxxxx keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
LENGTH_ERROR = "uuid length must be 20/16, authkey length must be 32"
WRITE_OK = "Authorization write succeeds."
WRITE_RESET_HINT = "Please reset the device to make the authorization take effect."
WRITE_FAIL = "Authorization write failure."
READ_FAIL = "Authorization read failure."
RESET_OK = "Authorization reset succeeds."
MAX_LINE = 256
ANSI_GREEN = "\x1b[0;32m"
ANSI_RESET = "\x1b[0m"


@dataclass
class ShellServices:
    """What the shell reaches on the device: identity, the key-value store, faults, a clock."""

    mac: Callable[[], str]
    version: Callable[[], str | None]
    read_credentials: Callable[[], tuple[str, str] | None]
    write_credentials: Callable[[str, str], None]
    reset_credentials: Callable[[], None]
    fault: Callable[[FaultKind], bool]
    uptime: Callable[[], float]


def log_line(uptime: float, text: str, level: str = "I", source: str = "tuya_iot.c:412") -> str:
    """A device log line as TuyaOpen prints it: `[MM-DD hh:mm:ss ty L][file:line] text`."""
    seconds = int(uptime)
    stamp = f"11-23 08:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"[{stamp} ty {level}][{source}] {text}"


class TuyaShell:
    """Line editor plus the production commands; output goes to `emit`."""

    def __init__(self, services: ShellServices, emit: Callable[[bytes], None], echo: bool) -> None:
        self.services = services
        self.emit = emit
        self.echo = echo
        self.logs_enabled = True
        self._line = bytearray()
        self._last_cr = False

    def reset(self) -> None:
        self._line.clear()
        self._last_cr = False
        self.logs_enabled = True

    def prompt(self) -> None:
        self.emit(PROMPT.encode())

    def feed(self, data: bytes) -> None:
        """Characters from the host."""
        echo = bytearray()
        for byte in data:
            if byte in (0x0D, 0x0A):
                if byte == 0x0A and self._last_cr:
                    self._last_cr = False
                    continue
                self._last_cr = byte == 0x0D
                if echo and self.echo:
                    self.emit(bytes(echo))
                echo.clear()
                line = self._line.decode("ascii", "replace")
                self._line.clear()
                self._run(line)
                continue
            self._last_cr = False
            if byte in (0x08, 0x7F):
                if self._line:
                    self._line.pop()
                    echo += b"\b \b"
            elif 0x20 <= byte < 0x7F and len(self._line) < MAX_LINE:
                self._line.append(byte)
                echo.append(byte)
        if echo and self.echo:
            self.emit(bytes(echo))

    def _run(self, line: str) -> None:
        words = line.split()
        lines = self._command(words) if words else []
        if lines and self.services.fault(FaultKind.SHELL_NOISE):
            noise = log_line(self.services.uptime(), "mqtt client reconnecting", "W")
            lines.insert(1 if len(lines) > 1 else 0, noise)
        if lines and self.services.fault(FaultKind.SHELL_ANSI):
            lines = [f"{ANSI_GREEN}{text}{ANSI_RESET}" for text in lines]
        out = "\r\n" if self.echo else ""
        out += "".join(text + "\r\n" for text in lines) + PROMPT
        self.emit(out.encode())

    def _command(self, words: list[str]) -> list[str]:
        name, args = words[0], words[1:]
        services = self.services
        if name == "read_mac":
            return [f"mac: {services.mac()}"]
        if name == "auth":
            if len(args) != 2:
                return [USAGE]
            uuid, key = args
            if len(uuid) not in (16, 20) or len(key) != 32:
                return [LENGTH_ERROR]
            if services.fault(FaultKind.AUTH_REJECT):
                return [WRITE_FAIL]
            try:
                services.write_credentials(uuid, key)
            except (ValueError, OSError):
                return [WRITE_FAIL]
            return [WRITE_OK, WRITE_RESET_HINT]
        if name == "auth-read":
            creds = services.read_credentials()
            return [READ_FAIL] if creds is None else [creds[0], creds[1]]
        if name == "auth-reset":
            services.reset_credentials()
            return [RESET_OK]
        if name == "sys_version":
            return [services.version() or "unknown"]
        if name == "sys_log_enable":
            self.logs_enabled = not (args and args[0] == "off")
            return []
        if name == "help":
            return ["auth auth-read auth-reset read_mac sys_version sys_log_enable help"]
        return [f"{name}: command not found"]
