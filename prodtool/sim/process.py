"""Run `prodtool sim serve` in its own process and read the ports it prints.

Benchmarks measure the tool without the simulator sharing its interpreter (and its GIL), so
they start the chips with `SimProcess` instead of a `ChipFarm` in-process.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import TracebackType

from prodtool.families.registry import DEFAULT_FAMILY


class SimProcessError(RuntimeError):
    """`prodtool sim serve` did not start (its stderr is in the message)."""


class SimProcess:
    """`with SimProcess(chips=4) as sim: sim.urls` — the simulator as a child process."""

    def __init__(
        self,
        chips: int = 1,
        *,
        family: str = DEFAULT_FAMILY,
        transport: str = "socket",
        faults: Sequence[str] = (),
        app_version: str | None = None,
        seed: int = 0,
        startup_timeout: float = 20.0,
        python: str = sys.executable,
        mix: Sequence[tuple[int, str]] = (),
    ) -> None:
        """`mix`: (count, family) pairs, in order, instead of `chips` of `family`."""
        mix = mix or [(chips, family)]
        self.argv = [python, "-m", "prodtool", "sim", "serve"]
        for count, name in mix:
            self.argv += ["--chips", str(count), "--family", name]
        chips = sum(count for count, _name in mix)
        self.argv += ["--transport", transport, "--seed", str(seed)]
        for spec in faults:
            self.argv += ["--fault", spec]
        if app_version is not None:
            self.argv += ["--app-version", app_version]
        self.count = chips
        self.startup_timeout = startup_timeout
        self.urls: list[str] = []
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None

    def start(self) -> SimProcess:
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.process = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        try:
            self.urls = self._read_urls()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_urls(self) -> list[str]:
        process = self.process
        assert process is not None and process.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        buffer = b""
        urls: list[str] = []
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while len(urls) < self.count:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise SimProcessError("prodtool sim serve printed no ports in time")
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                    raise SimProcessError(f"prodtool sim serve exited: {err.strip()}")
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                urls += [line.decode().strip() for line in lines if line.strip()]
        return urls

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait for the clean exit, close the pipes; returns the exit code."""
        process = self.process
        if process is None:
            return self.returncode
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        self.returncode = process.returncode
        self.process = None
        return self.returncode

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
