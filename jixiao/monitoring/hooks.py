"""Extension points for higher apps (the warning engine in `jixiao.alerts`) without monitoring importing them.

- `on_record_saved(callback)`: `callback(record)` runs after a record is saved, submitted, reviewed or returned
  (after the service's transaction, so the callback sees committed data; an exception in it does not undo the
  user's save and is logged).
- `light_provider(function)`: `function(record) -> str` returns the record's warning colour label (红灯/黄灯/绿灯) for
  the 监控表 export and pages; without a provider monitoring falls back to its own execution-ratio estimate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

RecordCallback = Callable[[Any], None]
LightFunction = Callable[[Any], str]

_saved: list[RecordCallback] = []
_light: list[LightFunction] = []


def on_record_saved(callback: RecordCallback) -> RecordCallback:
    """Register a callback (usable as a decorator); registering twice has no effect."""
    if callback not in _saved:
        _saved.append(callback)
    return callback


def light_provider(function: LightFunction) -> LightFunction:
    """Register the function that colours a record; the last one registered wins."""
    if function in _light:
        _light.remove(function)
    _light.append(function)
    return function


def record_saved(record: Any) -> None:
    for callback in list(_saved):
        try:
            callback(record)
        except Exception:  # a failing listener must not turn the user's save into an error page
            logger.exception("monitoring on_record_saved callback failed for record %s", record.pk)


def light_for(record: Any) -> str | None:
    if not _light:
        return None
    return _light[-1](record)
