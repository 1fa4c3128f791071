"""Which baud rates a job tries: the family's supported rates met with the station's and the
adapter's, highest first; nothing in common falls back to the family's default with a reason."""

from __future__ import annotations

import dataclasses

from prodtool.families import registry
from prodtool.families.beken.family import BEKEN_FAMILIES
from prodtool.families.esp.family import ESP32C3
from prodtool.families.family import ChipFamily

BK7231N, BK7231T = BEKEN_FAMILIES[0], BEKEN_FAMILIES[1]


def test_the_rates_both_lists_hold_highest_first() -> None:
    plan = ESP32C3.plan_bauds((115200, 2000000, 921600, 921600))
    assert plan.rates == (2000000, 921600, 115200)
    assert (plan.note, plan.fallback) == ("", False)


def test_a_rate_the_family_does_not_support_is_left_out() -> None:
    assert BK7231T.name == "bk7231t" and 2000000 not in BK7231T.baud_rates
    plan = BK7231T.plan_bauds((2000000, 921600, 115200))
    assert plan.rates == (921600, 115200) and not plan.fallback
    assert BK7231N.plan_bauds((2000000, 921600, 115200)).rates == (2000000, 921600, 115200)


def test_the_adapters_top_rate_caps_the_list_and_says_so() -> None:
    plan = BK7231N.plan_bauds((2000000, 921600), max_baud=921600, adapter="CP2102")
    assert plan.rates == (921600,) and not plan.fallback
    assert plan.note == "CP2102 reaches at most 921600 baud: 2000000 left out"


def test_nothing_in_common_falls_back_to_the_familys_default_with_the_reason() -> None:
    odd = dataclasses.replace(ESP32C3, baud_rates=(460800, 115200), rom_baud=74880)
    plan = odd.plan_bauds((2000000, 921600))
    assert plan.rates == (74880,) and plan.fallback
    assert plan.note == (
        "none of the station's baud rates (2000000, 921600) is one ESP32-C3 supports "
        "(460800, 115200): writing at ESP32-C3's default 74880 baud"
    )
    capped = BK7231N.plan_bauds((2000000,), max_baud=921600, adapter="CP2102")
    assert capped.rates == (115200,) and capped.fallback
    assert "all above what CP2102 reaches (921600)" in capped.note


def test_no_station_list_means_the_familys_own() -> None:
    assert BK7231N.plan_bauds(()).rates == BK7231N.baud_rates


def test_the_registry_lists_every_familys_rates_and_a_new_family_adds_its_own() -> None:
    assert 2000000 in registry.baud_rates() and 230400 in registry.baud_rates()
    odd = ChipFamily(name="oddbaud", title="Odd", baud_rates=(3000000, 115200))
    assert 3000000 not in registry.baud_rates()
    with registry.registered(odd):
        rates = registry.baud_rates()
        assert rates[0] == 3000000 and list(rates) == sorted(rates, reverse=True)
    assert 3000000 not in registry.baud_rates()
