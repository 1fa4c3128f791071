"""`prodtool gui --demo`: the window on simulated chips with a DEMO package, in one command.

The package is built exactly as `prodtool demo` builds it (`engine.demo.build_demo_package`);
it is loaded on a worker thread like any package, then the chips are plugged in and auto-start
writes them. Everything started here is closed by the caller's ExitStack in reverse order:
the window's jobs, the station, then the chips.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from prodtool.engine.demo import DEMO_FIRMWARE_SIZE, build_demo_package
from prodtool.engine.station import Station
from prodtool.license.model import Manifest
from prodtool.sim import ChipFarm
from prodtool.ui.package_info import from_manifest
from prodtool.ui.window import StationWindow


def start_demo(
    window: StationWindow,
    stack: ExitStack,
    *,
    ports: int = 8,
    farm: ChipFarm | None = None,
    fast_kdf: bool = False,
    firmware_size: int | None = None,
) -> ChipFarm:
    """Chips, station and package for the window; returns the farm (tests add faults to it)."""
    if farm is None:
        farm = stack.enter_context(ChipFarm(count=ports, family="esp32c3", transport="socket"))
    window.settings = window.settings.replace(operator=window.settings.operator or "demo")
    station = Station(window.paths, window.settings)
    stack.callback(station.close)
    stack.callback(window.shutdown)  # runs first: stops the jobs while chips still answer
    window.attach(station)
    window.demo_mode = True
    folder = window.paths.root / "demo"
    licenses = max(64, 2 * len(farm.urls))
    urls = list(farm.urls)

    def load() -> tuple[Manifest, Path]:
        package, password = build_demo_package(
            folder,
            licenses=licenses,
            fast_kdf=fast_kdf,
            firmware_size=firmware_size or DEMO_FIRMWARE_SIZE,
        )
        return station.load_package(package, password), package

    def loaded(result: tuple[Manifest, Path]) -> None:
        manifest, package = result
        window.show_package(from_manifest(manifest, package.name))
        station.add_ports(urls, start=window.auto_start_action.isChecked())
        print(f"prodtool gui: {len(urls)} simulated chip(s) plugged in", flush=True)

    window.run_task("demo", load, loaded)
    return farm
