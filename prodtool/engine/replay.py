"""Replaying a failed write from a support bundle, and saying where the new run differs.

The replay runs a throw-away station (its own temporary folder: the support person's ledger
and write log are never touched) with a demo package of the same shape as the recorded one
(delivery mode, auth method, chip family, firmware version and size, minimum version) and the
bundle's settings (baud rates, retries, timeouts). Against a simulated chip, the fault the
transcript shows is set up first (`qa_transcript.infer_setup`); against a real port (`port=`),
the chip is whatever is plugged in. Either way only demo licenses are written, never a customer's.

Limit: the firmware itself is not in a bundle. The demo image has the recorded size and version
but other bytes, so with real firmware the compressed blocks (and so a block number) can differ.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodtool.engine.demo import DEMO_VERSION, build_demo_package
from prodtool.engine.qa_transcript import (
    Divergence,
    ReplaySetup,
    first_divergence,
    infer_setup,
    job_steps,
    outcome,
    parse_transcript,
)
from prodtool.engine.station import Station
from prodtool.engine.support import Bundle, BundleError
from prodtool.errors import UserError
from prodtool.families import registry
from prodtool.families.registry import DEFAULT_FAMILY
from prodtool.license.model import AuthMethod, DeliveryMode
from prodtool.paths import StationPaths
from prodtool.settings import Settings, settings_from_dict

_MIN_IMAGE = 4096


@dataclass(frozen=True)
class ReplayResult:
    """The recorded run against the replay: steps, outcomes and the first difference."""

    job_id: str
    target: str  # "simulated chip" or the real port
    setup: ReplaySetup
    recorded_steps: tuple[str, ...]
    replayed_steps: tuple[str, ...]
    recorded_reason: str
    replayed_reason: str
    replayed_detail: str
    divergence: Divergence | None

    @property
    def reproduced(self) -> bool:
        return self.divergence is None and self.recorded_reason == self.replayed_reason

    def sentence(self) -> str:
        if self.reproduced:
            ends = ("state: failed", "state: cancelled", "state: passed", "finished:")
            work = [s for s in self.recorded_steps if not s.startswith(ends)]
            last = work[-1] if work else "the start"
            return (
                f"Reproduced: the replay failed the same way ({self.replayed_reason}) "
                f"at the same step ({last})"
            )
        parts = []
        if self.divergence is not None:
            parts.append(f"first difference at {self.divergence.sentence()}")
        if self.recorded_reason != self.replayed_reason:
            parts.append(
                f"the recorded job ended {self.recorded_reason or '(unfinished)'}, "
                f"the replay {self.replayed_reason or '(unfinished)'}"
            )
        return "Not reproduced: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "target": self.target,
            "faults": list(self.setup.faults),
            "app_version": self.setup.app_version,
            "explanation": self.setup.explanation,
            "reproduced": self.reproduced,
            "sentence": self.sentence(),
            "recorded_reason": self.recorded_reason,
            "replayed_reason": self.replayed_reason,
            "replayed_detail": self.replayed_detail,
            "divergence": None
            if self.divergence is None
            else {
                "index": self.divergence.index,
                "recorded": self.divergence.recorded,
                "replayed": self.divergence.replayed,
            },
            "recorded_steps": list(self.recorded_steps),
            "replayed_steps": list(self.replayed_steps),
        }


@dataclass(frozen=True)
class _Shape:
    """What the demo package must look like to stand in for the recorded one."""

    mode: DeliveryMode
    auth_method: AuthMethod
    chip_family: str
    version: str
    size: int
    min_version: str


def package_shape(bundle: Bundle) -> _Shape:
    manifest, record = bundle.manifest, bundle.record
    firmware = (manifest.get("firmware") or [{}])[0]
    try:
        mode = DeliveryMode(str(manifest.get("delivery_mode") or record.get("delivery_mode")))
        auth = AuthMethod(manifest.get("auth_method") or AuthMethod.TUYAOPEN_SHELL.value)
    except ValueError as error:
        raise BundleError(f"the bundle names an unknown package shape: {error}") from None
    size = int(firmware.get("size") or 0) or 64 * 1024
    size = max(_MIN_IMAGE, (size + 15) // 16 * 16)
    return _Shape(
        mode=mode,
        auth_method=auth,
        chip_family=str(manifest.get("chip_family") or record.get("chip_family") or DEFAULT_FAMILY),
        version=str(firmware.get("version") or record.get("firmware_version") or DEMO_VERSION),
        size=size,
        min_version=str(manifest.get("min_firmware_version") or ""),
    )


def replay_settings(bundle: Bundle) -> Settings:
    """The recorded station's link settings; never auto-start, never its station id."""
    settings, _problems = settings_from_dict(dict(bundle.settings))
    return settings.replace(auto_start=False, station_id="support-replay", operator="support")


def replay(
    bundle: Bundle,
    *,
    port: str | None = None,
    timeout: float = 300.0,
    settings: Settings | None = None,
) -> ReplayResult:
    """Run the recorded job's steps again (simulated chip unless `port`) and compare."""
    records = parse_transcript(bundle.transcript)
    if not records:
        raise BundleError("the bundle has no transcript to replay")
    shape = package_shape(bundle)
    family = registry.get(shape.chip_family)
    setup = infer_setup(records, family)
    settings = settings or replay_settings(bundle)
    with tempfile.TemporaryDirectory(prefix="prodtool-replay-") as tmp:
        folder = Path(tmp)
        package, password = build_demo_package(
            folder / "package",
            licenses=2,
            firmware_size=shape.size,
            version=shape.version,
            mode=shape.mode,
            auth_method=shape.auth_method,
            min_firmware_version=shape.min_version,
            chip_family=shape.chip_family,
            fast_kdf=True,
            seed=1,
        )
        paths = StationPaths(folder / "station").ensure()
        if port is not None:
            lines = _run(
                paths,
                settings,
                package=package,
                password=password,
                port=port,
                timeout=timeout,
            )
            target = port
        else:
            lines = _run_simulated(
                paths,
                settings,
                package=package,
                password=password,
                shape=shape,
                setup=setup,
                timeout=timeout,
            )
            target = "simulated chip"
    replayed = parse_transcript(lines)
    recorded_steps, replayed_steps = job_steps(records, family), job_steps(replayed, family)
    replayed_reason, replayed_detail = outcome(replayed)
    return ReplayResult(
        job_id=bundle.job_id,
        target=target,
        setup=setup,
        recorded_steps=tuple(recorded_steps),
        replayed_steps=tuple(replayed_steps),
        recorded_reason=outcome(records)[0],
        replayed_reason=replayed_reason,
        replayed_detail=replayed_detail,
        divergence=first_divergence(recorded_steps, replayed_steps),
    )


def _run_simulated(
    paths: StationPaths,
    settings: Settings,
    *,
    package: Path,
    password: str,
    shape: _Shape,
    setup: ReplaySetup,
    timeout: float,
) -> list[str]:
    from prodtool.sim import ChipFarm, parse_fault  # noqa: PLC0415 - support only

    faults = [parse_fault(spec) for spec in setup.faults]
    app_version = setup.app_version
    if app_version is None and shape.mode is not DeliveryMode.CREDENTIAL:
        app_version = shape.min_version or shape.version  # the firmware must already be there
    with ChipFarm(1, shape.chip_family, "socket", faults, app_version, 0) as farm:
        return _run(
            paths,
            settings,
            package=package,
            password=password,
            port=farm.urls[0],
            timeout=timeout,
        )


def _run(
    paths: StationPaths,
    settings: Settings,
    *,
    package: Path,
    password: str,
    port: str,
    timeout: float,
) -> list[str]:
    with Station(paths, settings, comports=list) as station:
        station.load_package(package, password)
        station.add_ports([port], start=True)
        if not station.wait_idle(timeout):
            station.stop()
            raise UserError(f"the replay did not finish within {timeout:.0f} s", code="replay")
        job_id = next((p.job_id for p in station.ports() if p.port == port), "")
    try:
        return (paths.transcripts / f"{job_id}.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
