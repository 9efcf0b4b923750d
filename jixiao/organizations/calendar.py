"""The working-day calendar (`WorkCalendar`, DOMAIN.md §5.4): weekends off, plus holiday and make-up day rows.

`add_working_days` is pure (the overrides come in as a dict); `overrides_for` reads the `CalendarDay` rows of a
region (national rows, then the region's own ones on top).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

# Room enough for any SLA: a year of days is searched at most.
MAX_SPAN_DAYS = 366 * 2


def is_working_day(day: date, overrides: Mapping[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def add_working_days(start: date, n: int, overrides: Mapping[date, bool] | None = None) -> date:
    """The date `n` working days after `start` (start itself is not counted; n = 0 returns start)."""
    if n < 0:
        raise ValueError("n must not be negative")
    overrides = overrides or {}
    day = start
    left = n
    for _ in range(MAX_SPAN_DAYS):
        if left == 0:
            return day
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            left -= 1
    raise ValueError("calendar has no working days in range")


def working_days_between(start: date, end: date, overrides: Mapping[date, bool] | None = None) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is before `start`)."""
    overrides = overrides or {}
    if end < start:
        return -working_days_between(end, start, overrides)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            count += 1
    return count


def overrides_for(region: Any, start: date, end: date) -> dict[date, bool]:
    """Calendar rows between two dates for a region: national rows, then the region's and its ancestors' rows."""
    from django.db.models import Q

    from jixiao.organizations.models import CalendarDay

    query = Q(region__isnull=True)
    if region is not None:
        codes = [part for part in (region.path or "").split("/") if part]
        query |= Q(region__mof_div_code__in=codes)
    rows = CalendarDay.objects.filter(query, date__gte=start, date__lte=end).select_related("region")
    result: dict[date, bool] = {}
    ordered = sorted(rows, key=lambda r: len(r.region.path) if r.region_id else -1)  # type: ignore[union-attr]
    for row in ordered:
        result[row.date] = row.is_working
    return result
