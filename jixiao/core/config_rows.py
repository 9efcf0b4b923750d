"""Configuration rows that differ by region and year: one rule for which row applies.

Rules, thresholds, templates and profiles are rows with a nullable `region` (null = the national default) and a
nullable `fiscal_year` (null = every year). For a region and a year the applicable rows are the national ones and
those of the region or any of its ancestors; among them the most specific wins: the nearest region first (national
last), then a row for the given year before an "every year" row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from jixiao.core.errors import ConflictError

R = TypeVar("R")


def ancestor_codes(region: Any) -> list[str]:
    """The region's own code and its ancestors' (from the materialised path)."""
    return [code for code in region.path.split("/") if code] if region is not None else []


def applicable(
    rows: QuerySet[Any], region: Any, fiscal_year: int | None, *, year_field: str = "fiscal_year"
) -> QuerySet[Any]:
    """Filter a queryset of configuration rows to those that may apply to the region and year (database side)."""
    qs = rows.filter(Q(region__isnull=True) | Q(region__mof_div_code__in=ancestor_codes(region)))
    if fiscal_year is not None and year_field:
        qs = qs.filter(Q(**{f"{year_field}__isnull": True}) | Q(**{year_field: fiscal_year}))
    return qs


def specificity(region_path: str | None, fiscal_year: int | None) -> tuple[int, int]:
    """Sort key: longer region path (national = -1) first, then a set year before "every year"."""
    return (len(region_path) if region_path else -1, 1 if fiscal_year is not None else 0)


def row_specificity(row: Any, *, year_field: str = "fiscal_year") -> tuple[int, int]:
    region = row.region if row.region_id is not None else None
    return specificity(region.path if region is not None else None, getattr(row, year_field, None))


def matches(row: Any, region: Any, fiscal_year: int, *, year_field: str = "fiscal_year") -> bool:
    """Whether one (already fetched) row applies to the region and year."""
    year = getattr(row, year_field, None)
    if year is not None and year != fiscal_year:
        return False
    return row.region_id is None or region.path.startswith(row.region.path)


def most_specific(
    rows: Iterable[R],
    region: Any,
    fiscal_year: int,
    *,
    where: Callable[[R], bool] | None = None,
    year_field: str = "fiscal_year",
) -> R | None:
    """The most specific applicable row among `rows` (optionally only those passing `where`), or None."""
    best: tuple[int, int] | None = None
    chosen: R | None = None
    for row in rows:
        if where is not None and not where(row):
            continue
        if not matches(row, region, fiscal_year, year_field=year_field):
            continue
        rank = row_specificity(row, year_field=year_field)
        if best is None or rank > best:
            best, chosen = rank, row
    return chosen


def layered(rows: Iterable[R], *, year_field: str = "fiscal_year") -> list[R]:
    """Applicable rows from the least to the most specific, for settings that layer overrides over defaults."""
    return sorted(rows, key=lambda row: row_specificity(row, year_field=year_field))


def refuse_second_copy(rows: QuerySet[Any], region: Any, fiscal_year: int | None, noun: str) -> None:
    """Copy-on-write makes a region's own row for a year once (the first save of the national or another region's
    page): a later save of that page would add a second copy that never applies (the most specific, first row
    wins), so it is refused, naming the copy to open. `rows` are the candidates of the same kind; run it after the
    save's row locks, so it also sees a copy committed while this save waited for them."""
    own = rows.filter(region=region, fiscal_year=fiscal_year, is_active=True).order_by("pk").first()
    if own is not None:
        year = f"{fiscal_year}年度" if fiscal_year else "各年度"
        raise ConflictError(f"{region.name}已有{year}的本区划{noun}“{own.name}”，请打开该模板修改，不再另存副本")
