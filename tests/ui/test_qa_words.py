"""QA sentences are worded in the window's language from their template key and fields."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from prodtool.engine.qa import Check, CheckCode, Status
from prodtool.engine.qa_text import Say
from prodtool.ui.i18n import Translations
from prodtool.ui.qa_words import check_sentence, templates

pytestmark = pytest.mark.gui


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[Translations]:
    translations = Translations()
    assert translations.switch("zh_CN")
    yield translations
    translations.switch("en")


def test_every_sentence_has_a_template_with_the_same_fields(chinese: Translations) -> None:
    words = templates()
    assert set(words) == set(Say)
    for say, template in words.items():
        assert fields(template) == fields(say.value), say
        assert re.search(r"[\u4e00-\u9fff]", template), f"untranslated: {say.value}"


def test_a_check_is_worded_in_chinese(chinese: Translations) -> None:
    check = Check(
        CheckCode.FIRMWARE,
        Status.FAIL,
        "Firmware 1.0.0 is older than the package's minimum 1.2.0",
        Say.TOO_OLD,
        (("version", "1.0.0"), ("minimum", "1.2.0")),
    )
    assert check_sentence(check) == "固件 1.0.0 低于授权包要求的最低版本 1.2.0"
    plain = Check(CheckCode.READ, Status.FAIL, "from an older report")
    assert check_sentence(plain) == "from an older report"


def test_english_stays_the_engine_text(qapp: QApplication) -> None:
    Translations().switch("en")
    check = Check(
        CheckCode.CHIP,
        Status.OK,
        "Chip esp32c3, MAC aa",
        Say.CHIP_OK,
        (("family", "esp32c3"), ("mac", "aa")),
    )
    assert check_sentence(check) == check.text
