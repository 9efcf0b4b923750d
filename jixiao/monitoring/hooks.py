"""Extension points for higher apps (the warning engine in `jixiao.alerts`) without monitoring importing them.

- `on_record_saved(callback)`: `callback(record)` runs after a record is saved, submitted, reviewed or returned
  (after the service's transaction, so the callback sees committed data; an exception in it does not undo the
  user's save and is logged).
- `on_records_saved(callback)`: `callback(records)` runs once for the records saved together: after a 批量审核
  batch has committed, with the batch's records (in id order); after a single save, with that record. For work that
  is cheaper done once for a set (the warning sweep of the batch's projects: one pass, not one per record).
- `light_provider(function)`: `function(record) -> str` returns the record's warning colour label (红灯/黄灯/绿灯) for
  the 监控表 export and pages; without a provider monitoring falls back to its own execution-ratio estimate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger(__name__)

RecordCallback = Callable[[Any], None]
RecordsCallback = Callable[[Sequence[Any]], None]
LightFunction = Callable[[Any], str]

_saved: list[RecordCallback] = []
_saved_together: list[RecordsCallback] = []
_light: list[LightFunction] = []


def on_record_saved(callback: RecordCallback) -> RecordCallback:
    """Register a callback (usable as a decorator); registering twice has no effect."""
    if callback not in _saved:
        _saved.append(callback)
    return callback


def on_records_saved(callback: RecordsCallback) -> RecordsCallback:
    """Register a callback for records saved together (usable as a decorator); registering twice has no effect."""
    if callback not in _saved_together:
        _saved_together.append(callback)
    return callback


def light_provider(function: LightFunction) -> LightFunction:
    """Register the function that colours a record; the last one registered wins."""
    if function in _light:
        _light.remove(function)
    _light.append(function)
    return function


def record_saved(record: Any) -> None:
    records_saved([record])


def records_saved(records: Sequence[Any]) -> None:
    """The saved-record callbacks for records saved together: each set callback once, each per-record callback once
    per record. A failing callback is logged and the others still run."""
    if not records:
        return
    for together in list(_saved_together):
        try:
            together(records)
        except Exception:  # a failing listener must not turn the user's save into an error page
            logger.exception("monitoring on_records_saved callback failed for records %s", [r.pk for r in records])
    for record in records:
        for callback in list(_saved):
            try:
                callback(record)
            except Exception:  # as above
                logger.exception("monitoring on_record_saved callback failed for record %s", record.pk)


def light_for(record: Any) -> str | None:
    if not _light:
        return None
    return _light[-1](record)
