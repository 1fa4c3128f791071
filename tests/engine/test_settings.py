"""Settings: defaults, round trip, unknown keys kept, bad values reported, PIN only hashed."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from prodtool.settings import (
    QuarantinePolicy,
    Settings,
    SettingsError,
    check_baud_rates,
    check_pin,
    hash_pin,
    load_settings,
    save_settings,
)


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "settings.json") == Settings()
    assert Settings().baud_rates == (921600, 460800, 115200)


def test_round_trip_keeps_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"station_id": "line-3", "future_option": [1, 2]}))
    settings = load_settings(path)
    assert settings.station_id == "line-3"
    save_settings(settings.replace(operator="ana"), path)
    data = json.loads(path.read_text())
    assert data["future_option"] == [1, 2] and data["operator"] == "ana"
    assert data["version"] == 1
    assert path.stat().st_mode & 0o077 == 0


def test_bad_values_fall_back_with_a_clear_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps({"baud_rates": ["fast"], "auto_start": "yes", "quarantine_policy": "burn"})
    )
    with caplog.at_level(logging.WARNING):
        settings = load_settings(path)
    assert settings.baud_rates == Settings().baud_rates
    assert settings.auto_start is True
    assert settings.quarantine_policy is QuarantinePolicy.QUARANTINE
    assert "'baud_rates' must be a list of numbers" in caplog.text


def test_not_json_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{nope")
    with pytest.raises(SettingsError, match="not valid JSON"):
        load_settings(path)


def test_pin_is_stored_only_as_a_hash(tmp_path: Path) -> None:
    stored = hash_pin("4711")
    # salt and digest are random hex, which may contain "4711" by chance: compare whole fields
    kind, *fields = stored.split("$")
    assert kind == "scrypt" and "4711" not in fields
    assert check_pin("4711", stored) and not check_pin("4712", stored)
    assert not check_pin("4711", "garbage")
    path = tmp_path / "settings.json"
    save_settings(Settings(supervisor_pin_hash=stored), path)
    values = json.loads(path.read_text())
    assert values["supervisor_pin_hash"] == stored
    assert "4711" not in [str(v) for v in values.values()]


def test_a_baud_rate_no_chip_family_supports_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from prodtool.families import registry  # installs the families' rates as the settings' rule

    assert 250000 not in registry.baud_rates()
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"baud_rates": [2000000, 250000]}))
    with caplog.at_level(logging.WARNING):
        settings = load_settings(path)
    assert settings.baud_rates == Settings().baud_rates
    assert "lists 250000 baud, which no chip family supports" in caplog.text
    path.write_text(json.dumps({"baud_rates": [115200, 2000000]}))
    assert load_settings(path).baud_rates == (115200, 2000000)


def test_check_baud_rates_names_the_unsupported_ones() -> None:
    from prodtool.families import registry

    assert check_baud_rates([115200, 2000000, 115200]) == (2000000, 115200)
    with pytest.raises(SettingsError, match=r"lists 250000, 12 baud, which no chip family"):
        check_baud_rates([12, 250000, 921600])
    with pytest.raises(SettingsError, match="at least one positive"):
        check_baud_rates([])
    assert set(registry.baud_rates()) >= {2000000, 1500000, 921600, 460800, 115200}
