"""`prodtool families [NAME]`: the chip families this station can write, and how to wire one.

Without a name, one line per family; with one (any alias), its names, USB adapters, baud rates,
flash layout, reset sequences and the operator's wiring guide. See docs/families.md.
"""

from __future__ import annotations

import argparse

from prodtool.cli.common import add_data_dir_option
from prodtool.families import registry
from prodtool.families.family import ChipFamily


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    families = subparsers.add_parser(
        "families", help="the chip families this station can write, and their wiring"
    )
    add_data_dir_option(families)
    families.add_argument("name", nargs="?", help="one family (any of its names) in detail")
    families.set_defaults(func=families_command)


def families_command(args: argparse.Namespace) -> int:
    if args.name:
        print(describe(registry.get(args.name)))
        return 0
    for family in registry.families():
        aliases = f" (also {', '.join(family.aliases)})" if family.aliases else ""
        default = "  [default]" if family.name == registry.DEFAULT_FAMILY else ""
        print(f"{family.name:<10} {family.title}{aliases}{default}")
    return 0


def describe(family: ChipFamily) -> str:
    usb = ", ".join(f"{u.vid:04x}:{u.pid:04x} {u.name}".strip() for u in family.usb_ids)
    vendor = f", {family.vendor}" if family.vendor else ""
    lines = [
        f"family         {family.name} ({family.title}{vendor})",
        f"names          {', '.join(family.names)}",
        f"usb adapters   {usb or '-'}",
        f"baud rates     ROM {family.rom_baud}; supports {', '.join(map(str, family.baud_rates))}"
        " (written at those the settings list too)",
        f"application    at {family.app_offset:#x}; shell at {family.shell.baud} baud",
        f"into loader    {family.reset_to_loader or '-'}",
        f"into app       {family.reset_to_app or '-'}",
        f"wiring         {family.guide or '-'}",
    ]
    lines += [f"hint {reason.value:<10} {text}" for reason, text in family.hints.items()]
    return "\n".join(lines)
