"""Writing the audit trail.

Every service calls `record` inside its transaction, so a failed audit write fails the action.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from jixiao.core import context
from jixiao.core.models import AuditEvent

REDACTED_FIELDS = {"password", "secret", "token", "otp"}


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a row, for before/after diffs."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if getattr(field, "generated", False):
            continue
        data[field.name] = jsonable(getattr(instance, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        if key in {"updated_at", "created_at", "version"}:
            continue
        if before.get(key) != after.get(key):
            redact = any(word in key for word in REDACTED_FIELDS)
            changed[key] = ["***", "***"] if redact else [before.get(key), after.get(key)]
    return changed


def record(
    *,
    actor: Any,
    event_type: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    reason: str = "",
) -> AuditEvent:
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor_id=actor.pk if is_user else None,
        actor_name=(actor.get_username() if is_user else str(actor or ""))[:150],
        role=ctx.role,
        organization=ctx.organization[:200],
        ip=ctx.ip,
        request_id=ctx.request_id,
        event_type=event_type,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=changes or {},
        outcome=outcome,
        reason=reason[:500],
    )
