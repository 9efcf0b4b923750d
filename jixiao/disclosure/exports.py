"""Open data: published snapshots as CSV (UTF-8 with BOM, so Excel opens it) and JSON (with a link to the schema).

Rows come only from `Disclosure.snapshot` of PUBLISHED items (selectors.public_items), in the columns of
columns.DATASETS. Cells that look like formulas are prefixed with an apostrophe in CSV (CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jixiao.disclosure.columns import DATASETS, SCHEMA_VERSION, Dataset
from jixiao.disclosure.models import Disclosure

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _base(item: Disclosure) -> dict[str, Any]:
    snap = item.snapshot or {}
    return {
        "item_id": str(item.public_id),
        "item_type": item.item_type,
        "fiscal_year": item.fiscal_year,
        "region_code": snap.get("region_code", ""),
        "department_code": snap.get("department_code", ""),
        "department_name": snap.get("department_name", ""),
        "unit_code": snap.get("unit_code", ""),
        "unit_name": snap.get("unit_name", ""),
        "name": snap.get("name", item.title),
        "published_at": item.published_at.isoformat() if item.published_at else "",
    }


def _indicator_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "year_flag": row.get("year_flag", ""),
        "lv1": row.get("lv1", ""),
        "lv2": row.get("lv2", ""),
        "indicator": row.get("name", ""),
        "operator": row.get("operator", ""),
        "target_value": row.get("target_value", ""),
        "unit": row.get("unit", ""),
    }


def _project_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "project_code": row.get("project_code", ""),
        "project_name": row.get("name", ""),
        "department_name": row.get("department_name", ""),
        "unit_name": row.get("unit_name", ""),
        "period": row.get("period", ""),
        "total_yuan": row.get("total_yuan", ""),
        "fiscal_yuan": row.get("fiscal_yuan", ""),
        "is_rural_link": "是" if row.get("is_rural_link") else "否",
        "annual_goal": row.get("annual_goal", ""),
    }


DETAIL_ROWS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "indicators": _indicator_row,
    "projects": _project_row,
}


def dataset_rows(
    dataset: Dataset, items: Iterable[Disclosure], file_url: Callable[[Disclosure], str]
) -> Iterator[dict[str, Any]]:
    for item in items:
        snap = item.snapshot or {}
        base = _base(item)
        if dataset.detail:
            detail_row = DETAIL_ROWS[dataset.detail]
            for row in snap.get(dataset.detail, []):
                yield {**base, **detail_row(row)}
            continue
        extra = {
            "project_code": snap.get("project_code", ""),
            "annual_goal": snap.get("annual_goal", ""),
            "annual_total_yuan": snap.get("annual_total_yuan", ""),
            "annual_fiscal_yuan": snap.get("annual_fiscal_yuan", ""),
            "task_count": len(snap.get("tasks", [])),
            "indicator_count": len(snap.get("indicators", [])),
            "subject": snap.get("subject", ""),
            "score": snap.get("score", ""),
            "grade": snap.get("grade", ""),
            "object_type": snap.get("object_type", ""),
            "amount_yuan": snap.get("amount_yuan", ""),
            "file_url": file_url(item) if item.snapshot_file else "",
        }
        yield {**base, **extra}


def _project(dataset: Dataset, row: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name, "") for name in dataset.field_names}


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(dataset: Dataset, rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(dataset.field_names)
    for row in rows:
        projected = _project(dataset, row)
        writer.writerow([_csv_cell(projected[name]) for name in dataset.field_names])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_json(
    dataset: Dataset, rows: Iterable[dict[str, Any]], *, region_code: str, fiscal_year: int, schema_url: str
) -> bytes:
    data = [_project(dataset, row) for row in rows]
    payload = {
        "dataset": dataset.name,
        "title": dataset.title,
        "schema": schema_url,
        "schema_version": SCHEMA_VERSION,
        "region_code": region_code,
        "fiscal_year": fiscal_year,
        "fields": [{"name": c.name, "type": c.type, "title": c.title} for c in dataset.columns],
        "count": len(data),
        "rows": data,
    }
    return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")


def dataset_or_none(name: str) -> Dataset | None:
    return DATASETS.get(name)
