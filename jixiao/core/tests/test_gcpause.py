"""core.gcpause: the cyclic collector is off inside the block and back to its earlier state after, exceptions
included; the warning sweep's passes run inside such a block."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from jixiao.core.gcpause import freeze_inherited, gc_paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_enabled_after() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: still off, and the inner block does not turn it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_enabled_again_after_an_exception() -> None:
    gc.enable()
    with pytest.raises(ZeroDivisionError), gc_paused():
        _ = 1 / 0
    assert gc.isenabled()


def test_left_off_when_it_was_off_before() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_cycles_made_inside_wait_for_the_collector_and_are_collected_after() -> None:
    gc.enable()

    class Node:
        other: Any = None

    with gc_paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive = weakref.ref(a)
        del a, b
        for _ in range(10_000):  # allocations that would have triggered collections
            _ = [[]]
        assert alive() is not None  # unreachable, but reference counting cannot free a cycle
    gc.collect()
    assert alive() is None


def test_freeze_moves_existing_objects_out_of_reach() -> None:
    gc.unfreeze()
    freeze_inherited()
    assert gc.get_freeze_count() > 0
