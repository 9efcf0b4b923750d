"""A primary-key-free picture of the generated province, to compare two runs row for row.

Every foreign key to a generated row is replaced by that row's natural key (codes, usernames, ...), so two databases
built with different worker counts (different id interleaving) compare equal when they hold the same rows. Times
stamped by the clock (DateTimeFields), the shared password hash (salted per run) and paths that embed ids are left out.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.apps import apps
from django.db import models

# model label → the fields naming one row (foreign keys resolved recursively).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "organizations.fiscalregion": ("mof_div_code",),
    "organizations.financesection": ("region", "code"),
    "organizations.department": ("region", "dept_code"),
    "organizations.budgetunit": ("region", "agency_code"),
    "accounts.user": ("username",),
    "projects.project": ("region", "code"),
    "targets.performancetarget": ("project", "department", "subject_type"),
    "targets.targetindicator": ("target", "seq"),
    "monitoring.monitoringtask": ("region", "task_no"),
    "monitoring.monitoringrecord": ("task", "project", "department"),
    "evaluation.selfevaltask": ("region", "fiscal_year"),
    "evaluation.selfevaluation": ("task", "target"),
    "preassessment.preassessment": ("project",),
}
ROWS_ONLY = (
    "accounts.membership",
    "projects.projectevent",
    "monitoring.monitoringindicatorrow",
    "monitoring.monitoringevent",
    "evaluation.selfevalfund",
    "evaluation.selfevalindicator",
    "evaluation.selfevalevent",
    "preassessment.preassessmentevent",
    "preassessment.attachment",
)
# `file`: the stored name of a document (a random suffix per run).
SKIPPED_FIELDS = {"path", "password", "last_login", "date_joined", "file"}


class _Resolver:
    def __init__(self) -> None:
        self.rows: dict[str, dict[int, dict[str, Any]]] = {}
        self.keys: dict[tuple[str, int], Any] = {}

    def fields(self, model: type[models.Model]) -> list[models.Field[Any, Any]]:
        return [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name not in SKIPPED_FIELDS and not isinstance(f, models.DateTimeField)
        ]

    def load(self, label: str) -> dict[int, dict[str, Any]]:
        if label not in self.rows:
            model = apps.get_model(label)
            names = [f.attname for f in self.fields(model)]
            self.rows[label] = {row.pop("pk"): row for row in model._default_manager.values("pk", *names)}
        return self.rows[label]

    def value(self, field: models.Field[Any, Any], raw: Any) -> Any:
        if raw is None:
            return None
        if field.is_relation and field.related_model is not None:
            label = field.related_model._meta.label_lower
            return self.key(label, raw) if label in NATURAL_KEYS else raw  # shared rows keep their ids
        if isinstance(raw, dict | list):
            return json.dumps(raw, sort_keys=True, ensure_ascii=False)
        return str(raw)

    def key(self, label: str, pk: int) -> Any:
        if (label, pk) not in self.keys:
            model = apps.get_model(label)
            row = self.load(label)[pk]
            by_name = {f.name: f for f in self.fields(model)}
            self.keys[(label, pk)] = tuple(
                self.value(by_name[name], row[by_name[name].attname]) for name in NATURAL_KEYS[label]
            )
        return self.keys[(label, pk)]

    def table(self, label: str) -> list[tuple[Any, ...]]:
        fields = self.fields(apps.get_model(label))
        return sorted(
            (tuple(repr(self.value(f, row[f.attname])) for f in fields) for row in self.load(label).values()),
        )


def fingerprint() -> dict[str, list[tuple[Any, ...]]]:
    """Every generated table as a sorted list of id-free rows."""
    resolver = _Resolver()
    return {label: resolver.table(label) for label in (*NATURAL_KEYS, *ROWS_ONLY)}


def digest(tables: dict[str, list[tuple[Any, ...]]]) -> dict[str, str]:
    """model label → row count and a hash of its rows (short enough to print and compare)."""
    return {
        label: f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()[:16]}" for label, rows in tables.items()
    }
