"""The 待办 (to-do) registry. Domain apps register providers in AppConfig.ready(); core knows none of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class TodoItem:
    stage: str
    title: str
    count: int
    url: str
    hint: str = ""


TodoProvider = Callable[[Any], list[TodoItem]]
_providers: list[TodoProvider] = []


def providers() -> tuple[TodoProvider, ...]:
    return tuple(_providers)


def register(provider: TodoProvider) -> TodoProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def for_user(user: Any) -> list[TodoItem]:
    items: list[TodoItem] = []
    for provider in _providers:
        items.extend(item for item in provider(user) if item.count > 0)
    return items


def counts(**querysets: QuerySet[Any]) -> dict[str, int]:
    """Row counts of several querysets (of any models, on one database) in one query: ``SELECT (count 1), (count 2)…``.

    For providers whose counts come from different tables; counts over one table are cheaper as conditional
    aggregates (``Count("pk", filter=Q(...))``). Each count equals ``queryset.count()``.
    """
    result = dict.fromkeys(querysets, 0)
    selects: list[str] = []
    params: list[Any] = []
    names: list[str] = []
    alias = None
    for name, qs in querysets.items():
        if alias is not None and qs.db != alias:
            raise ValueError("todos.counts: every queryset must use the same database")
        alias = qs.db
        inner = qs.order_by().values("pk")
        try:
            sql, inner_params = inner.query.get_compiler(using=qs.db).as_sql()
        except EmptyResultSet:  # e.g. .none(): nothing to count
            continue
        # Only Django-compiled SQL is composed here; every value stays a bound parameter.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) todo_{len(names)})")  # noqa: S608
        params.extend(inner_params)
        names.append(name)
    if not names or alias is None:
        return result
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    result.update(zip(names, (int(n) for n in row), strict=True))
    return result


def status_counts(queryset: QuerySet[Any], statuses: Iterable[str]) -> dict[str, int]:
    """Rows per status of `queryset`, counting only the `statuses` a 待办 list shows (no query when there are none).

    A 待办 waits in a few working states, while a region's history piles up in the finished ones (a province holds
    years of 入库 projects and 已批复 targets): filtering on the wanted states lets PostgreSQL read a partial
    ``(status, region)`` index of the live rows instead of counting every row the user may see.
    """
    wanted = sorted(set(statuses))
    if not wanted:
        return {}
    rows = queryset.filter(status__in=wanted).order_by().values_list("status").annotate(n=Count("*"))
    return dict(rows)


def countdown(deadline: date, today: date | None = None) -> tuple[int, str]:
    """Days left and the Chinese label of a deadline, for 待办 hints and lists: 还剩3天 / 今天截止 / 已逾期2天."""
    days = (deadline - (today or timezone.localdate())).days
    if days > 0:
        return days, f"还剩{days}天"
    if days == 0:
        return 0, "今天截止"
    return days, f"已逾期{-days}天"
