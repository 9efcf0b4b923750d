"""Python's cyclic garbage collector paused around large batch passes (the warning sweep).

A pass over 50 counties builds a few hundred thousand small objects (rows read, tuples compared) that reference
counting frees by itself. The cyclic collector still runs every 700 allocations, and each of its full collections
walks every object of the process: three per pass, more the larger the process (a worker forked from a large
parent walks the parent's objects too). Measured on a 50-county pass: 0.88 s with the collector, 0.77 s without
(docs/scale.md)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block without the cyclic collector; it resumes afterwards if it ran before (nested or concurrent
    blocks leave it enabled once the outermost one that disabled it ends). Memory is still freed by reference
    counting; only objects in reference cycles wait for the collector to resume."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def freeze_inherited() -> None:
    """In a forked worker: move the objects inherited from the parent out of the collector's reach, so its
    collections neither walk them nor copy their memory pages (copy-on-write) by touching them."""
    gc.freeze()
