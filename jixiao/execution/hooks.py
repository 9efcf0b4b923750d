"""Callbacks run after payments change, registered by higher stages (warnings) in their AppConfig.ready().

The execution app imports none of them: `payments_imported(region, fiscal_years)` is called by the import service
after its transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Callback = Callable[[Any, Iterable[int]], None]
_callbacks: list[Callback] = []


def on_payments_imported(callback: Callback) -> Callback:
    """Register `callback(region, fiscal_years)`; usable as a decorator."""
    if callback not in _callbacks:
        _callbacks.append(callback)
    return callback


def payments_imported(region: Any, fiscal_years: Iterable[int]) -> None:
    years = sorted(set(fiscal_years))
    for callback in _callbacks:
        callback(region, years)
