"""The sweep's writes (alerts.sweep): compare the computed warnings and lights of the swept projects with the stored
ones and write only the difference, with multi-row INSERTs of plain tuples (no model instance per row)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Count, QuerySet, Sum, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from jixiao.alerts.models import ProjectLight, RegionLightCount, Warning

# What a stored warning is compared on: (value, value_text, color, reason, record_id); keyed by (project, rule).
WarningData = tuple[Decimal | None, str, str, str, int | None]
# A light: (color, executed_yuan, reasons); keyed by project.
LightData = tuple[str, Decimal, list[str]]
# Where a project's warnings are listed: (region id, project code), copied onto each warning; keyed by project.
Place = tuple[int, str]


CHUNK = 2_000

# pg_advisory_xact_lock(SWEEP_LOCK, region id): the first key names the sweep among the application's advisory locks.
SWEEP_LOCK = 0x4A58  # "JX"


def lock_regions(region_ids: Iterable[int]) -> None:
    """Two writers of one region's lights (two sweeps, or a sweep and a saved project rebuilding the light counts)
    take turns between reading the stored rows and writing the difference, so neither inserts a row the other has
    just inserted. Locks are taken in id order, so overlapping sets of regions never deadlock; they are re-entrant
    within a transaction. PostgreSQL only: SQLite runs one writing transaction at a time. Not the region row lock,
    which an import holds for minutes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for region_id in sorted(set(region_ids)):
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SWEEP_LOCK, region_id])


def _chunks(items: list[Any]) -> Any:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


WARNING_COLUMNS = (
    "project",
    "fiscal_year",
    "region",
    "project_code",
    "rule",
    "value",
    "value_text",
    "color",
    "reason",
    "as_of",
    "record_id",
    "created_at",
)
LIGHT_COLUMNS = ("project", "fiscal_year", "color", "executed_yuan", "reasons", "as_of", "computed_at")


def _takes_ints(field: Any) -> bool:
    """An integer column (or a foreign key to one): an `int` (or None) goes to the database as it is, which is all
    its `get_db_prep_save` would make of it (a third of a warning's preparation, for half its columns)."""
    return isinstance(field.target_field if field.is_relation else field, models.IntegerField)


def _insert(
    model: Any, names: tuple[str, ...], rows: list[tuple[Any, ...]], conflict: tuple[str, ...] | None = None
) -> None:
    """Multi-row INSERT (or upsert on `conflict`) of plain tuples: the values are prepared by each field's own
    `get_db_prep_save`, as bulk_create does (ints of integer columns as they are), but without building a model
    instance per row."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    ints = [_takes_ints(f) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row_marks = f"({', '.join(['%s'] * len(fields))})"
    suffix = ""
    if conflict:
        updates = ", ".join(
            f"{quote(f.column)} = excluded.{quote(f.column)}" for f in fields if f.column not in conflict
        )
        suffix = f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO UPDATE SET {updates}"
    size = max(1, min(500, connection.ops.bulk_batch_size(fields, rows)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            params = [
                v if takes_ints and (v is None or type(v) is int) else f.get_db_prep_save(v, connection)
                for row in batch
                for f, takes_ints, v in zip(fields, ints, row, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 - names from model metadata
                f"VALUES {', '.join([row_marks] * len(batch))}{suffix}",
                params,
            )


def write_warnings(
    scope: QuerySet[Any],
    fiscal_year: int,
    as_of: date,
    wanted: dict[tuple[int, int], WarningData],
    places: dict[int, Place],
) -> int:
    """Write only what changed: delete stored warnings that are gone or differ, insert new or changed ones, and
    move the date of the unchanged ones to `as_of` in one UPDATE. Returns the rows deleted + inserted. `places`:
    each swept project's region and code, which its warnings carry (a warning that still names another region or
    code, its project having moved or been renumbered, is rewritten like a changed one)."""
    stored = (
        Warning.objects.filter(project__in=scope, fiscal_year=fiscal_year)
        .order_by()  # any order: not the model's (a sort of every stored warning of the pass)
        .values_list(
            "id",
            "project_id",
            "rule_id",
            "value",
            "value_text",
            "color",
            "reason",
            "record_id",
            "region_id",
            "project_code",
        )
    )
    kept: set[tuple[int, int]] = set()
    gone: list[int] = []
    for row in stored:  # (id, project, rule, *WarningData, *Place)
        key = (row[1], row[2])
        if key not in kept and wanted.get(key) == row[3:8] and places.get(row[1]) == row[8:]:
            kept.add(key)
        else:
            gone.append(row[0])
    for ids in _chunks(gone):
        Warning.objects.filter(pk__in=ids).delete()
    now = timezone.now()
    new = [
        (project_id, fiscal_year, *places[project_id], rule_id, value, text, color, reason, as_of, record_id, now)
        for (project_id, rule_id), (value, text, color, reason, record_id) in wanted.items()
        if (project_id, rule_id) not in kept
    ]
    _insert(Warning, WARNING_COLUMNS, new)
    if kept:
        Warning.objects.filter(project__in=scope, fiscal_year=fiscal_year).exclude(as_of=as_of).update(as_of=as_of)
    return len(gone) + len(new)


# Built once: `json.dumps` with arguments builds an encoder per call, a third of the lights' comparison.
_JSONB_TEXT = json.JSONEncoder(ensure_ascii=False).encode
_DJANGO_TEXT = json.JSONEncoder().encode


def _json_text(reasons: list[str], postgresql: bool) -> str:
    """The reasons as PostgreSQL prints jsonb (", " between items, characters unescaped); SQLite keeps Django's
    own text (json.dumps with ASCII escapes)."""
    if not reasons:
        return "[]"
    return _JSONB_TEXT(reasons) if postgresql else _DJANGO_TEXT(reasons)


def _same_light(
    stored: tuple[str, Decimal, str] | None, color: str, executed: Decimal, reasons: list[str], postgresql: bool
) -> bool:
    if stored is None or stored[0] != color or stored[1] != executed:
        return False
    return stored[2] == _json_text(reasons, postgresql) or json.loads(stored[2]) == reasons


def write_lights(scope: QuerySet[Any], fiscal_year: int, as_of: date, lights: dict[int, LightData]) -> int:
    """Upsert only the lights whose colour, execution or reasons changed; re-date the others in one UPDATE."""
    # The reasons as the database's own JSON text: most lights keep their reasons, and comparing texts spares
    # decoding them; only a text that differs (or is spelled differently by the database) is decoded.
    stored = {
        project_id: (color, executed, reasons_text)
        for project_id, color, executed, reasons_text in ProjectLight.objects.filter(
            project__in=scope, fiscal_year=fiscal_year
        )
        .annotate(reasons_text=Cast("reasons", TextField()))
        .values_list("project_id", "color", "executed_yuan", "reasons_text")
    }
    now = timezone.now()
    postgresql = connection.vendor == "postgresql"
    changed = [
        (project_id, fiscal_year, color, executed, reasons, as_of, now)
        for project_id, (color, executed, reasons) in lights.items()
        if not _same_light(stored.get(project_id), color, executed, reasons, postgresql)
    ]
    _insert(ProjectLight, LIGHT_COLUMNS, changed, conflict=("project_id", "fiscal_year"))
    if stored:  # re-date the unchanged ones (the upserted rows already carry `as_of`)
        ProjectLight.objects.filter(project__in=scope, fiscal_year=fiscal_year).exclude(as_of=as_of).update(
            as_of=as_of, computed_at=timezone.now()
        )
    return len(changed)


def light_counts_refresh(region_ids: Iterable[int], fiscal_years: Iterable[int]) -> None:
    """Rebuild the regions' light counts of some years (`RegionLightCount`) from the lights of their undeleted
    projects, with one INSERT … SELECT of the compiled grouped queryset per 500 regions. Callers hold the regions'
    sweep locks (`lock_regions`) inside a transaction."""
    ids, years = sorted(set(region_ids)), sorted(set(fiscal_years))
    quote = connection.ops.quote_name
    fields = ("region", "fiscal_year", "color", "projects", "amount_yuan")
    columns = ", ".join(quote(RegionLightCount._meta.get_field(name).column) for name in fields)  # type: ignore[union-attr, arg-type]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        RegionLightCount.objects.filter(region_id__in=chunk, fiscal_year__in=years).delete()
        counts = (
            ProjectLight.objects.filter(project__region_id__in=chunk, project__is_deleted=False, fiscal_year__in=years)
            .values("project__region_id", "fiscal_year", "color")
            .annotate(n=Count("id"), amount=Coalesce(Sum("project__total_amount_yuan"), Value(Decimal(0))))
            .values_list("project__region_id", "fiscal_year", "color", "n", "amount")
            .order_by()
        )
        select, params = counts.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(RegionLightCount._meta.db_table)} ({columns}) {select}",
                params,
            )
