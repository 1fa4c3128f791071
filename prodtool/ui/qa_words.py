"""QA sentences in the window's language: each `Say` template translated, then filled in.

The engine keeps the English sentence (`Check.text`) for reports and the command line, and
hands the template key and its fields (`Check.say`, `Check.args`) to the window, which words
them here. A sentence without a key (from an older report) is shown as it is.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from prodtool.engine.qa import Check
from prodtool.engine.qa_text import Say


def check_sentence(check: Check) -> str:
    """`check` in the window's language, its fields filled in."""
    if check.say is None:
        return check.text
    try:
        return templates()[check.say].format(**dict(check.args))
    except (KeyError, IndexError, ValueError):  # a translation that lost a field
        return check.text


def templates() -> dict[Say, str]:
    """Every QA template, translated (lupdate reads the literal strings below)."""
    return {
        Say.NOT_READ: QCoreApplication.translate("QaWords", "Could not read the chip: {problem}"),
        Say.CHIP_WRONG: QCoreApplication.translate(
            "QaWords", "This chip is {family} ({mac}); the package is for {wanted}"
        ),
        Say.CHIP_OK: QCoreApplication.translate("QaWords", "Chip {family}, MAC {mac}"),
        Say.NO_LICENSE: QCoreApplication.translate(
            "QaWords", "The chip holds no license ({source} is empty)"
        ),
        Say.NOT_IN_LEDGER: QCoreApplication.translate(
            "QaWords", "UUID {uuid} is not in this station's ledger: it came from elsewhere"
        ),
        Say.OTHER_PACKAGE: QCoreApplication.translate(
            "QaWords",
            "UUID {uuid} belongs to package {owner}, not to package {package} (order {order}, "
            "product {product})",
        ),
        Say.OTHER_ORDER: QCoreApplication.translate(
            "QaWords",
            "UUID {uuid} belongs to package {owner} (order {owner_order}, product "
            "{owner_product}), not to package {package} (order {order}, product {product})",
        ),
        Say.PACKAGE_OK: QCoreApplication.translate(
            "QaWords", "UUID {uuid} belongs to order {order}, product {product}"
        ),
        Say.PRODUCT_WRONG: QCoreApplication.translate(
            "QaWords", "The license record names product {named}, the package {product}"
        ),
        Say.NOT_GIVEN: QCoreApplication.translate(
            "QaWords", "The ledger has not given UUID {uuid} to any chip (it is {state})"
        ),
        Say.OTHER_CHIP: QCoreApplication.translate(
            "QaWords", "This UUID was written to chip {other}, not this one ({mac})"
        ),
        Say.BOUND_OK: QCoreApplication.translate(
            "QaWords", "The ledger binds UUID {uuid} to this chip"
        ),
        Say.TWO_LICENSES: QCoreApplication.translate(
            "QaWords", "The ledger also binds this chip to {others}: one chip, one license"
        ),
        Say.LOG_ELSEWHERE: QCoreApplication.translate(
            "QaWords", "The write log shows UUID {uuid} also written to {macs}"
        ),
        Say.KEY_OK: QCoreApplication.translate("QaWords", "The AuthKey matches the ledger's"),
        Say.KEY_WRONG: QCoreApplication.translate(
            "QaWords",
            "The AuthKey on the chip ({chip_key}) is not the one the ledger holds for UUID "
            "{uuid} ({ledger_key})",
        ),
        Say.VERIFIED: QCoreApplication.translate(
            "QaWords", "The ledger records the license as verified"
        ),
        Say.NEEDS_CHECK: QCoreApplication.translate(
            "QaWords",
            "The ledger still holds this license as needs_check: check again with --settle to "
            "record it as found on this chip",
        ),
        Say.NOT_SETTLED_KEY: QCoreApplication.translate(
            "QaWords", "Not settled: the chip's AuthKey does not match"
        ),
        Say.NOT_SETTLED: QCoreApplication.translate("QaWords", "Not settled: {why}"),
        Say.SETTLED: QCoreApplication.translate(
            "QaWords", "Settled: the ledger now records it as verified here"
        ),
        Say.OTHER_STATE: QCoreApplication.translate(
            "QaWords", "The ledger holds this license as {state}, not verified"
        ),
        Say.NO_VERSION: QCoreApplication.translate(
            "QaWords", "The firmware version could not be read"
        ),
        Say.TOO_OLD: QCoreApplication.translate(
            "QaWords", "Firmware {version} is older than the package's minimum {minimum}"
        ),
        Say.TOO_OLD_LOSES: QCoreApplication.translate(
            "QaWords",
            "Firmware {version} is older than the package's minimum {minimum}: devices shipped "
            "below it lose {features}",
        ),
        Say.FIRMWARE_OK: QCoreApplication.translate("QaWords", "Firmware {version}"),
        Say.FIRMWARE_OK_MIN: QCoreApplication.translate(
            "QaWords", "Firmware {version} (minimum {minimum})"
        ),
        Say.IMAGE_VS_SHELL: QCoreApplication.translate(
            "QaWords", "The image says {image}, the shell {shell}"
        ),
        Say.OTHER_FIRMWARE: QCoreApplication.translate(
            "QaWords", "The package wrote firmware {written}; it runs {version}"
        ),
        Say.FEATURE_NOT_IN_RECORD: QCoreApplication.translate(
            "QaWords", "Required feature {name} ({feature_code}) is missing from the license record"
        ),
        Say.FEATURE_NOT_IN_PACKAGE: QCoreApplication.translate(
            "QaWords",
            "Required feature {name} ({feature_code}) is missing from package {owner}, which "
            "the license came from",
        ),
        Say.FEATURES_OK: QCoreApplication.translate(
            "QaWords", "Required features present: {names}"
        ),
    }
