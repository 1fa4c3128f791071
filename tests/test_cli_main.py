"""The command line offers every command even where the package folder cannot be listed (a
user who may import the checkout but not read its folders: issue 15 item 21)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import pytest

import prodtool.cli
from prodtool.cli.main import COMMANDS, build_parser

GROUPS = {
    "check",
    "demo",
    "families",
    "gui",
    "ledger",
    "log",
    "package",
    "pool",
    "run",
    "sim",
    "supervisor",
    "support",
}


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(action.choices)


def test_commands_are_registered_when_the_folder_cannot_be_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pkgutil, "iter_modules", lambda *args, **kwargs: iter(()))
    assert _commands(build_parser()) >= GROUPS


def test_listing_the_folder_adds_no_group_twice() -> None:
    assert _commands(build_parser()) >= GROUPS


def test_every_command_module_is_listed_by_name() -> None:
    listed = {m.__name__ for m in COMMANDS}
    for info in pkgutil.iter_modules(prodtool.cli.__path__):
        module = importlib.import_module(f"prodtool.cli.{info.name}")
        if callable(getattr(module, "register", None)):
            assert module.__name__ in listed, f"{module.__name__} is missing from COMMANDS"
