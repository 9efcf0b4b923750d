"""Fast inserts for the province generator: COPY on PostgreSQL, one `executemany` on SQLite.

`bulk_create` spends most of its time preparing values field by field and compiling large INSERT statements; the
generator knows its rows are valid and plain, so it writes them directly. Primary keys are taken from the table's
sequence up front (PostgreSQL: `nextval` in one query; SQLite, where the generator runs in one process: after the
largest id), so children can point at their parents before anything is written. Values that are not plain (JSON,
times, custom fields) still go through the field's own `get_db_prep_save`, so the stored rows equal bulk_create's.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from django.db import connection, models

# Fields whose Python value is already what the database adapter needs (exact types: subclasses such as
# DateTimeField or encrypted text fields take the slow, field-prepared path).
PLAIN_FIELDS: tuple[type[models.Field[Any, Any]], ...] = (
    models.AutoField,
    models.BigAutoField,
    models.CharField,
    models.TextField,
    models.EmailField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.DecimalField,
    models.DateField,
    models.ForeignKey,
    models.OneToOneField,
)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`'s table."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(pk.column)}), 0) FROM {table}")  # noqa: S608
        start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


def assign_ids(objs: Sequence[models.Model]) -> None:
    """Give unsaved objects their primary keys now (children built later can then name them)."""
    if objs:
        for obj, pk in zip(objs, allocate_ids(type(objs[0]), len(objs)), strict=True):
            obj.pk = pk


def insert_objects(objs: Sequence[models.Model]) -> None:
    """Insert unsaved model instances of one model (ids given now unless already assigned)."""
    if not objs:
        return
    model = type(objs[0])
    if objs[0].pk is None:
        assign_ids(objs)
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    relations: list[Any] = [f for f in fields if f.is_relation]  # ForeignKeys (their cache helpers are untyped)
    rows = []
    for obj in objs:
        for f in relations:
            # A parent assigned before it had its id: take the id now, keeping the cached parent object.
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                parent = f.get_cached_value(obj)
                if parent is not None:
                    obj.__dict__[f.attname] = parent.pk
        rows.append([_value(f, obj) for f in fields])
        obj._state.adding = False
        obj._state.db = connection.alias
    write_rows(model._meta.db_table, [f.column for f in fields], rows)


def _value(field: models.Field[Any, Any], obj: models.Model) -> Any:
    if field.primary_key or type(field) in PLAIN_FIELDS:
        value = getattr(obj, field.attname)
        return value.value if isinstance(value, Enum) else value
    return field.get_db_prep_save(field.pre_save(obj, True), connection)


def write_rows(table: str, columns: list[str], rows: list[list[Any]]) -> None:
    """Rows of already prepared values into `table` (COPY on PostgreSQL, executemany elsewhere)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608


def update_rows(model: type[models.Model], field_names: list[str], objs: Sequence[models.Model]) -> None:
    """Write `field_names` of existing rows, one prepared UPDATE executed for all of them."""
    if not objs:
        return
    quote = connection.ops.quote_name
    fields: list[Any] = [model._meta.get_field(name) for name in field_names]
    pk = model._meta.pk
    assert pk is not None
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(pk.column)} = %s"  # noqa: S608
    rows = [[_value(f, obj) for f in fields] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
