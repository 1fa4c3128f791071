"""The supervisor PIN gate: wrong tries wait, the count survives a restart, changing needs the
current PIN, and the PIN never reaches the disk in clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.paths import station_paths
from prodtool.settings import Settings, check_pin, hash_pin, load_settings, save_settings
from prodtool.supervisor_pin import (
    FIRST_WAIT_S,
    FREE_TRIES,
    MAX_WAIT_S,
    BadNewPinError,
    NoPinError,
    PinError,
    PinGate,
    PinLockedError,
    WrongPinError,
    save_keeping_pin,
    wait_after,
)
from tests.pinfile import pin_only_hashed


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> list[Settings]:
    return [Settings()]


def gate_for(tmp_path: Path, store: list[Settings], clock: Clock) -> PinGate:
    return PinGate(tmp_path / "attempts.json", lambda: store[-1], store.append, clock=clock)


def test_waits_grow_after_the_free_tries_and_are_capped() -> None:
    assert [wait_after(n) for n in range(FREE_TRIES)] == [0.0] * FREE_TRIES
    assert wait_after(FREE_TRIES) == FIRST_WAIT_S
    assert wait_after(FREE_TRIES + 1) == 2 * FIRST_WAIT_S
    assert wait_after(FREE_TRIES + 20) == MAX_WAIT_S


def test_wrong_tries_lock_then_a_right_pin_clears(tmp_path: Path, store: list[Settings]) -> None:
    clock = Clock()
    gate = gate_for(tmp_path, store, clock)
    with pytest.raises(NoPinError):
        gate.verify("2468")
    gate.set_pin("2468", "2468")
    for _ in range(FREE_TRIES - 1):
        with pytest.raises(WrongPinError) as wrong:
            gate.verify("1111")
        assert wrong.value.wait_s == 0
    with pytest.raises(WrongPinError) as wrong:
        gate.verify("1111")
    assert wrong.value.wait_s == FIRST_WAIT_S
    with pytest.raises(PinLockedError):  # even the right PIN is not checked while locked
        gate.verify("2468")
    # A new gate over the same file (the window restarted) still waits.
    again = gate_for(tmp_path, store, clock)
    assert again.wait_left() == FIRST_WAIT_S
    clock.now += FIRST_WAIT_S
    again.verify("2468")
    assert again.attempts().failures == 0 and again.wait_left() == 0


def test_a_damaged_count_file_means_waiting(tmp_path: Path, store: list[Settings]) -> None:
    clock = Clock()
    gate = gate_for(tmp_path, store, clock)
    gate.set_pin("2468", "2468")
    gate.attempts_file.write_text("{not json")
    with pytest.raises(PinLockedError):
        gate.verify("2468")


def test_changing_needs_the_current_pin(tmp_path: Path, store: list[Settings]) -> None:
    gate = gate_for(tmp_path, store, Clock())
    with pytest.raises(BadNewPinError) as short:
        gate.set_pin("12", "12")
    assert short.value.too_short
    with pytest.raises(BadNewPinError) as differ:
        gate.set_pin("123456", "123457")
    assert not differ.value.too_short
    gate.set_pin("2468", "2468")
    first_hash = store[-1].supervisor_pin_hash
    with pytest.raises(PinError):
        gate.set_pin("9999", "9999")
    with pytest.raises(WrongPinError):
        gate.set_pin("9999", "9999", current="1357")
    assert store[-1].supervisor_pin_hash == first_hash
    gate.set_pin("9999", "9999", current="2468")
    gate.verify("9999")


def test_command_line_sets_and_changes_the_pin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    data = str(tmp_path / "station")
    answers[:] = ["2468", "2468"]
    assert main(["supervisor", "set-pin", "--data-dir", data]) == 0
    paths = station_paths(data)
    assert pin_only_hashed(paths.settings, "2468")
    answers[:] = ["1111"]
    assert main(["supervisor", "set-pin", "--data-dir", data]) == 2
    assert "wrong supervisor PIN" in capsys.readouterr().err
    answers[:] = ["2468", "97531", "97531"]
    assert main(["supervisor", "set-pin", "--data-dir", data]) == 0
    gate = PinGate.for_station(paths)
    gate.verify("97531")
    assert load_settings(paths.settings).supervisor_pin_hash


def test_a_save_keeps_a_pin_changed_on_disk_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    first = hash_pin("2468")
    save_settings(Settings(supervisor_pin_hash=first), path)
    window_view = load_settings(path)
    PinGate.for_station(station_paths(tmp_path)).set_pin("9999", "9999", current="2468")
    written = save_keeping_pin(window_view.replace(operator="Li"), path, seen=first)
    saved = load_settings(path)
    assert saved == written and saved.operator == "Li"
    assert check_pin("9999", saved.supervisor_pin_hash)
    mine = hash_pin("1357")  # the saver's own change, the disk as it last saw it: kept
    seen = saved.supervisor_pin_hash
    save_keeping_pin(saved.replace(supervisor_pin_hash=mine), path, seen=seen)
    assert load_settings(path).supervisor_pin_hash == mine
