"""Engine errors worded by the window from their code and arguments: each error a window user
meets, made by the real engine, reads as a Chinese sentence in zh_CN with its arguments filled
in, and the English one (the command line's) is unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from string import Formatter

import pytest

from prodtool.engine import export, issuer_keys, ledger_actions
from prodtool.engine.export import export_log, format_of, log_sealer, parse, verify_export
from prodtool.engine.issuer_keys import remove_key
from prodtool.engine.ledger_actions import (
    find_license,
    quarantine_license,
    release_license,
    settle_license,
)
from prodtool.engine.qa import choose_manifest
from prodtool.engine.slots import SlotBook
from prodtool.engine.writelog import WriteLog, WriteRecord
from prodtool.errors import UserError
from prodtool.license import errors as license_errors
from prodtool.license.ledger import Ledger
from prodtool.license.package import open_package
from prodtool.license.testing import PASSWORD, chip, loaded_package, make_package, open_ledger
from prodtool.license.trust import TrustStore
from prodtool.paths import StationPaths
from prodtool.ui.i18n import Translations
from prodtool.ui.messages import WITH_DETAIL, error_text, templates
from tests.ui.test_zh_walk import english_sentences

pytestmark = pytest.mark.gui


def caught(action: Callable[[], object]) -> UserError:
    try:
        action()
    except UserError as error:
        return error
    raise AssertionError("no UserError was raised")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(tmp_path) as opened:
        yield opened


def ledger_errors(ledger: Ledger, tmp_path: Path) -> list[UserError]:
    package_id = ledger.load_package(loaded_package(tmp_path, count=3))
    first = ledger.reserve(package_id, chip(1), job_id="j1", port="COM3")
    second = ledger.reserve(package_id, chip(2), job_id="j2", port="COM4")
    third = ledger.reserve(package_id, chip(3), job_id="j3", port="COM5")
    ledger.mark_sending(first.license_id, job_id="j1")
    ledger.mark_written(first.license_id, job_id="j1")
    ledger.mark_verified(first.license_id, job_id="j1")
    ledger.mark_sending(second.license_id, job_id="j2")
    ledger.mark_needs_check(second.license_id, job_id="j2", reason="no answer")
    quarantine_license(ledger, third.uuid, reason="label torn")
    return [
        caught(lambda: ledger.reserve(package_id, chip(4), job_id="j4", port="COM6")),
        caught(lambda: ledger.reserve(package_id, chip(3), job_id="j5", port="COM6")),
        caught(lambda: find_license(ledger, "uuid9999999999999999")),
        caught(lambda: quarantine_license(ledger, third.uuid, reason="again")),
        caught(lambda: release_license(ledger, first.uuid, reason="oops")),
        caught(lambda: settle_license(ledger, first.uuid, found_on_mac=None)),
        caught(lambda: settle_license(ledger, second.uuid, found_on_mac="not a mac")),
        caught(lambda: ledger.settle(second.license_id, found_on=chip(1))),
    ]


def busy_and_sent(ledger: Ledger, tmp_path: Path) -> list[UserError]:
    package_id = ledger.load_package(loaded_package(tmp_path, count=2, seed=2))
    held = ledger.reserve(package_id, chip(7), job_id="a", port="COM3")
    busy = caught(lambda: ledger.reserve(package_id, chip(7), job_id="b", port="COM4"))
    other = caught(lambda: ledger.mark_sending(held.license_id, job_id="b"))
    ledger.mark_sending(held.license_id, job_id="a")
    sent = caught(lambda: ledger.release(held.license_id, job_id="a", reason="x"))
    return [busy, other, sent]


def export_errors(tmp_path: Path) -> list[UserError]:
    paths = StationPaths(tmp_path / "station").ensure()
    log = WriteLog(paths.write_log, log_sealer(paths))
    log.append(WriteRecord(job_id="j", station_id="s", operator="", port="COM3"))
    export_log(paths, tmp_path / "one.csv", station_id="s", since_last=True)
    nothing = caught(
        lambda: export_log(paths, tmp_path / "two.csv", station_id="s", since_last=True)
    )
    mark = export.exported_path(paths)
    mark.write_text(json.dumps({"seq": 0, "hash": "1" * 64}))
    lost = caught(lambda: export_log(paths, tmp_path / "two.csv", station_id="s", since_last=True))
    mark.write_text("{")
    damaged_mark = caught(
        lambda: export_log(paths, tmp_path / "two.csv", station_id="s", since_last=True)
    )
    with paths.write_log.open("a") as out:
        out.write('{"seq": 1, "pr')
    torn = caught(lambda: export_log(paths, tmp_path / "two.csv", station_id="s"))
    return [
        nothing,
        lost,
        damaged_mark,
        torn,
        caught(lambda: format_of(tmp_path / "log.txt")),
        caught(lambda: parse(b"not json", "json")),
        caught(lambda: parse(b"seq,hash\n1,2,3\n", "csv")),
        caught(lambda: verify_export(tmp_path / "missing.json")),
    ]


def qa_and_slot_errors(tmp_path: Path) -> list[UserError]:
    tmp_path.mkdir()
    slots = tmp_path / "slots.json"
    slots.write_text("{")
    with open_ledger(tmp_path) as empty:
        no_package = caught(lambda: choose_manifest(empty, None))
        empty.load_package(loaded_package(tmp_path, count=1, seed=4))
        empty.load_package(loaded_package(tmp_path, count=1, seed=5))
        several = caught(lambda: choose_manifest(empty, None))
    return [no_package, several, caught(lambda: SlotBook(slots))]


def package_errors(tmp_path: Path) -> list[UserError]:
    path = make_package(tmp_path / "order.prodpkg")
    strange = TrustStore(tmp_path / "trusted", include_demo=False)
    return [
        caught(lambda: open_package(path, "wrong", TrustStore(None))),
        caught(lambda: open_package(path, PASSWORD, strange)),
        caught(lambda: open_package(tmp_path / "gone.prodpkg", PASSWORD, TrustStore(None))),
        caught(lambda: remove_key(TrustStore(None), "0123456789abcdef")),
    ]


@pytest.fixture
def zh(qapp: object) -> Iterator[None]:
    translations = Translations()
    assert translations.switch("zh_CN")
    yield
    translations.switch("en")


def test_errors_a_window_user_meets_are_worded_in_chinese(
    zh: None, ledger: Ledger, tmp_path: Path
) -> None:
    errors = [
        *ledger_errors(ledger, tmp_path / "a"),
        *busy_and_sent(ledger, tmp_path / "b"),
        *export_errors(tmp_path / "c"),
        *package_errors(tmp_path / "d"),
        *qa_and_slot_errors(tmp_path / "e"),
    ]
    codes = [error.code for error in errors]
    assert len(set(codes)) == len(codes), sorted(codes)  # each path its own code
    english: dict[str, str] = {}
    for error in errors:
        text = error_text(error)
        worded = text.split("\n")[0] if error.code in WITH_DETAIL else text
        if english_sentences([worded]) or error.code not in templates():
            english[error.code] = text
        fields = {name for _, name, _, _ in Formatter().parse(templates()[error.code]) if name}
        for name in fields - {"state"}:  # a state is worded too
            assert error.params[name] in text, (error.code, name)  # the arguments filled in
    assert not english, english


def test_english_stays_for_the_command_line(ledger: Ledger, tmp_path: Path) -> None:
    error = caught(lambda: find_license(ledger, "uuid-123"))
    assert str(error) == "license uuid-123 is not in the ledger"
    assert error.params == {"uuid": "uuid-123"}
    assert error_text(error) == "License uuid-123 is not in this station's ledger."


def test_every_engine_refusal_the_window_can_meet_has_words() -> None:
    """A new refusal in these modules without a template fails here, before it reaches a
    Chinese window in English."""
    modules = (license_errors, export, ledger_actions, issuer_keys)
    classes = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, UserError) and value is not UserError
    ]
    missing = sorted({c.code for c in classes} - set(templates()))
    assert not missing
