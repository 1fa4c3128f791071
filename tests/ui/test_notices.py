"""Notices: good news and information go away on their own, warnings and errors stay until
dismissed, and everything said is kept in the history the "Notices…" list shows."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QPlainTextEdit
from pytestqt.qtbot import QtBot

from prodtool.ui.notice import HISTORY, TIMED_TONES, TIMEOUT_MS, TONES, Notice
from prodtool.ui.window import StationWindow

pytestmark = pytest.mark.gui


def test_good_news_and_information_go_away_on_their_own(
    qtbot: QtBot, window: StationWindow
) -> None:
    notice = window.notice
    assert notice._timer.interval() == TIMEOUT_MS  # eight seconds at the station
    notice._timer.setInterval(50)  # the same timer, sooner
    for tone in ("info", "good"):
        notice.say(f"a {tone} notice", tone)
        qtbot.waitUntil(notice.isVisible)
        qtbot.waitUntil(lambda: not notice.isVisible(), timeout=2000)
        assert notice.text() == ""


@pytest.mark.parametrize("tone", ["warn", "error"])
def test_warnings_and_errors_stay_until_dismissed(
    qtbot: QtBot, window: StationWindow, tone: str
) -> None:
    notice = window.notice
    notice._timer.setInterval(50)
    notice.say("good news", "good")
    notice.say(f"a {tone} that must be read", tone)  # replaces the timed one: no timeout left
    assert not notice._timer.isActive()  # nothing will take it away
    qtbot.waitUntil(notice.isVisible)
    assert notice.isVisible() and notice.text() == f"a {tone} that must be read"
    notice.close_button.click()
    qtbot.waitUntil(lambda: not notice.isVisible())
    assert notice.text() == ""
    notice.say("", "info")  # saying nothing hides the strip and keeps no empty line
    assert not notice.isVisible() and all(s.text for s in notice.history)


def test_the_history_keeps_what_was_said_newest_first(qtbot: QtBot, window: StationWindow) -> None:
    notice = window.notice
    notice.say("first: loaded", "good")
    notice.say("second: a long error\nwith its hint", "error")
    notice.clear_notice()  # dismissed: still in the history
    text = notice.history_text()
    assert text.index("second: a long error") < text.index("first: loaded")
    assert "error" in text.splitlines()[0] and "good" in text.splitlines()[-1]

    window.notices_action.trigger()
    dialog = next(d for d in window.findChildren(QDialog) if d.isVisible())
    view = dialog.findChild(QPlainTextEdit)
    assert view is not None and view.toPlainText() == text and view.isReadOnly()
    dialog.reject()


def test_the_history_is_bounded(qtbot: QtBot) -> None:
    notice = Notice()
    qtbot.addWidget(notice)
    for index in range(HISTORY + 25):
        notice.say(f"notice {index}", "warn")
    assert len(notice.history) == HISTORY
    assert (
        notice.history[0].text == "notice 25"
        and notice.history[-1].text == f"notice {HISTORY + 24}"
    )
    assert set(TONES) >= TIMED_TONES | {"warn", "error"}
