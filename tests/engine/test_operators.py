"""The list of operators: sign-in by badge or by name and PIN; nothing kept as given."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodtool.engine.operators import OperatorError, operator_book


def test_badge_and_pin_sign_in_and_the_file_keeps_neither(tmp_path: Path) -> None:
    book = operator_book(tmp_path)
    assert not book and book.by_pin("  walk-in ", "") == "walk-in"  # no list: name as given
    book.add("Ana", badge="BADGE-00417")
    book.add("Bo", pin="4711")
    again = operator_book(tmp_path)  # kept across restarts
    assert again.names() == ["Ana", "Bo"]
    assert again.by_badge(" BADGE-00417\r\n") == "Ana"
    assert again.by_pin("bo", "4711") == "Bo"
    with pytest.raises(OperatorError, match="not on the station's list"):
        again.by_badge("BADGE-00418")
    with pytest.raises(OperatorError, match="wrong name or PIN"):
        again.by_pin("Bo", "4712")
    with pytest.raises(OperatorError, match="wrong name or PIN"):
        again.by_pin("Ana", "")  # Ana has a badge, no PIN
    with pytest.raises(OperatorError, match="badge is Ana's"):
        again.add("Cy", badge="BADGE-00417")
    with pytest.raises(OperatorError, match="badge or a PIN"):
        again.add("Cy")
    with pytest.raises(OperatorError, match="at least 4"):
        again.add("Cy", pin="12")
    text = (tmp_path / "operators.json").read_text()
    assert "BADGE-00417" not in text and "4711" not in text
    again.remove("ana")
    assert operator_book(tmp_path).names() == ["Bo"]
