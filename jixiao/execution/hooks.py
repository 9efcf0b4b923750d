"""Callbacks run after payments change, registered by higher stages (warnings) in their AppConfig.ready().

The execution app imports none of them: `payments_imported(region, fiscal_years)` is called by the import service
after its transaction commits. `time_progress(region, fiscal_year, month)` asks the provider the monitoring app
registers (its `MonitoringSettings.time_progress_mode`) for the region's 序时进度.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
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


# ---- 序时进度 --------------------------------------------------------------------------------------------------------

ProgressFunction = Callable[[Any, int, int], Decimal]
_progress: list[ProgressFunction] = []


def time_progress_provider(function: ProgressFunction) -> ProgressFunction:
    """Register `function(region, fiscal_year, month) -> Decimal`, the region's 序时进度 (a fraction) at the end of
    `month`: the monitoring app registers its settings rule (N/12 or elapsed days); the last one registered wins."""
    if function in _progress:
        _progress.remove(function)
    _progress.append(function)
    return function


def time_progress(region: Any, fiscal_year: int, month: int) -> Decimal:
    """序时进度 at the end of `month` for the region (a fraction): the provider's, m/12 without one."""
    if _progress:
        return _progress[-1](region, fiscal_year, month)
    return Decimal(month) / Decimal(12)
