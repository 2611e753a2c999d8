"""ui.memory: what the server has loaded is frozen once, garbage never is."""

from __future__ import annotations

import gc
import sys
import types
import weakref
from collections.abc import Iterator

import pytest

from ui import memory


class Node:
    """An object that can sit in a reference cycle and be watched through a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> Node:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return first


@pytest.fixture
def fresh_mark(monkeypatch) -> Iterator[None]:
    monkeypatch.setattr(memory, "_modules_at_freeze", 0)
    yield
    gc.unfreeze()  # later tests get the collector as they expect it


def test_live_objects_are_frozen_and_garbage_is_collected_first(fresh_mark) -> None:
    kept = _cycle()
    dropped = weakref.ref(_cycle())
    assert memory.freeze_loaded_code()
    assert dropped() is None
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(kept)
    assert all(obj is not kept for obj in gc.get_objects())  # frozen: no generation holds it


def test_freezes_again_only_after_new_modules(fresh_mark, monkeypatch) -> None:
    assert memory.freeze_loaded_code()
    assert not memory.freeze_loaded_code()
    monkeypatch.setitem(sys.modules, "lc_test_newly_loaded", types.ModuleType("lc_test_newly_loaded"))
    assert memory.freeze_loaded_code()
    assert not memory.freeze_loaded_code()
