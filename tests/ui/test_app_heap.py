"""The window's start-up heap is left out of later full collections (`settle_heap`)."""

from __future__ import annotations

import gc

from prodtool.ui.app import settle_heap


class _Cycle:
    """An object in a reference cycle: only the cyclic collector could ever free it."""

    def __init__(self) -> None:
        self.me = self


def _tracked(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects())


def test_settle_heap_freezes_what_start_up_made_and_not_what_comes_after() -> None:
    before = _Cycle()
    assert _tracked(before)
    try:
        settle_heap()
        after = _Cycle()
        assert gc.get_freeze_count() > 0
        assert not _tracked(before)  # out of every generation a full collection walks
        assert _tracked(after)
    finally:
        gc.unfreeze()
    assert _tracked(before)
