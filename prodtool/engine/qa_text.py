"""Every QA sentence as a template with named fields: English for reports and the command line,
and a key the window translates (`prodtool.ui.qa_words`) before filling in the same fields."""

from __future__ import annotations

from enum import StrEnum


class Say(StrEnum):
    """One QA sentence. The value is the English template (`str.format` fields)."""

    NOT_READ = "Could not read the chip: {problem}"
    CHIP_WRONG = "This chip is {family} ({mac}); the package is for {wanted}"
    CHIP_OK = "Chip {family}, MAC {mac}"
    NO_LICENSE = "The chip holds no license ({source} is empty)"
    NOT_IN_LEDGER = "UUID {uuid} is not in this station's ledger: it came from elsewhere"
    OTHER_PACKAGE = (
        "UUID {uuid} belongs to package {owner}, not to package {package} "
        "(order {order}, product {product})"
    )
    OTHER_ORDER = (
        "UUID {uuid} belongs to package {owner} (order {owner_order}, product "
        "{owner_product}), not to package {package} (order {order}, product {product})"
    )
    PACKAGE_OK = "UUID {uuid} belongs to order {order}, product {product}"
    PRODUCT_WRONG = "The license record names product {named}, the package {product}"
    NOT_GIVEN = "The ledger has not given UUID {uuid} to any chip (it is {state})"
    OTHER_CHIP = "This UUID was written to chip {other}, not this one ({mac})"
    BOUND_OK = "The ledger binds UUID {uuid} to this chip"
    TWO_LICENSES = "The ledger also binds this chip to {others}: one chip, one license"
    LOG_ELSEWHERE = "The write log shows UUID {uuid} also written to {macs}"
    KEY_OK = "The AuthKey matches the ledger's"
    KEY_WRONG = (
        "The AuthKey on the chip ({chip_key}) is not the one the ledger holds for UUID "
        "{uuid} ({ledger_key})"
    )
    VERIFIED = "The ledger records the license as verified"
    NEEDS_CHECK = (
        "The ledger still holds this license as needs_check: check again with --settle to "
        "record it as found on this chip"
    )
    NOT_SETTLED_KEY = "Not settled: the chip's AuthKey does not match"
    NOT_SETTLED = "Not settled: {why}"
    SETTLED = "Settled: the ledger now records it as verified here"
    OTHER_STATE = "The ledger holds this license as {state}, not verified"
    NO_VERSION = "The firmware version could not be read"
    TOO_OLD = "Firmware {version} is older than the package's minimum {minimum}"
    TOO_OLD_LOSES = (
        "Firmware {version} is older than the package's minimum {minimum}: devices shipped "
        "below it lose {features}"
    )
    FIRMWARE_OK = "Firmware {version}"
    FIRMWARE_OK_MIN = "Firmware {version} (minimum {minimum})"
    IMAGE_VS_SHELL = "The image says {image}, the shell {shell}"
    OTHER_FIRMWARE = "The package wrote firmware {written}; it runs {version}"
    FEATURE_NOT_IN_RECORD = (
        "Required feature {name} ({feature_code}) is missing from the license record"
    )
    FEATURE_NOT_IN_PACKAGE = (
        "Required feature {name} ({feature_code}) is missing from package {owner}, which the "
        "license came from"
    )
    FEATURES_OK = "Required features present: {names}"
