"""`prodtool support bundle|replay`: package one job for support, and replay a bundle."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from prodtool.cli.common import add_data_dir_option, paths_from
from prodtool.engine.replay import replay
from prodtool.engine.support import build_bundle, default_bundle_name, read_bundle
from prodtool.license.ledger import Ledger
from prodtool.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = subparsers.add_parser("support", help="support bundles and replays of failed writes")
    commands = sub.add_subparsers(dest="support_command", metavar="ACTION", required=True)
    bundle = commands.add_parser(
        "bundle", help="one zip with a job's record, transcript, settings and versions"
    )
    bundle.add_argument("job_id", help="the job's id (the port's tile and the write log show it)")
    bundle.add_argument("--out", type=Path, help="the zip to write (default: support-JOB.zip)")
    add_data_dir_option(bundle)
    bundle.set_defaults(func=bundle_command)
    again = commands.add_parser(
        "replay", help="run a bundle's job again on a simulated chip (or --port) and compare"
    )
    again.add_argument("bundle", type=Path)
    again.add_argument("--port", help="replay on this real port instead (demo licenses only)")
    again.add_argument("--json", action="store_true", help="the comparison as JSON")
    add_data_dir_option(again)
    again.set_defaults(func=replay_command)
    add_data_dir_option(sub)


def bundle_command(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    settings = load_settings(paths.settings)
    out = args.out or Path(default_bundle_name(args.job_id))
    with Ledger.for_station(paths) as ledger:
        path = build_bundle(paths, args.job_id, out, settings=settings, ledger=ledger)
    print(f"support bundle for job {args.job_id}: {path}")
    return 0


def replay_command(args: argparse.Namespace) -> int:
    result = replay(read_bundle(args.bundle), port=args.port)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return 0 if result.reproduced else 1
    print(f"job {result.job_id} replayed on {result.target}")
    print(f"  set up: {', '.join(result.setup.faults) or 'no fault'} ({result.setup.explanation})")
    width = max((len(s) for s in result.recorded_steps), default=8)
    print(f"  {'recorded':<{width}}  replay")
    for index in range(max(len(result.recorded_steps), len(result.replayed_steps))):
        a = result.recorded_steps[index] if index < len(result.recorded_steps) else ""
        b = result.replayed_steps[index] if index < len(result.replayed_steps) else ""
        print(f"  {a:<{width}}  {b}{'' if a == b else '   <-- differs'}")
    print(result.sentence())
    return 0 if result.reproduced else 1
