"""The writes every register row shares (制度办法, 培训, 季度检查, 指标案例 …): the audited creation, a change
applied under a row lock with the optimistic version checked and the audit diff recorded, and the soft delete. The
caller checks capability and scope first; each runs in one transaction; a change or delete refuses a row deleted
meanwhile (not found)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from jixiao.core import audit
from jixiao.core.errors import ConflictError, NotFoundError

M = TypeVar("M", bound=models.Model)


def _locked(model: type[M], pk: Any, missing: str) -> M:
    # Ordered by the key alone: a model's default ordering may join another table, which FOR UPDATE would lock too.
    row = model._default_manager.select_for_update().filter(pk=pk, is_deleted=False).order_by("pk").first()
    if row is None:
        raise NotFoundError(missing)
    return row


def create_row(
    row: M,
    *,
    actor: Any,
    cleaned: Mapping[str, Any],
    audited: list[str],
    event_type: str,
    derive: Callable[[M], None] | None = None,
    after: Callable[[M], None] | None = None,
) -> M:
    """Save a new row (the caller builds it with its own keys: region, links) with `cleaned` set on it, `derive`d
    columns filled, created/updated by `actor`; run `after` (related rows) and audit the creation of `audited`."""
    with transaction.atomic():
        new: Any = row
        for key, value in cleaned.items():
            setattr(new, key, value)
        if derive is not None:
            derive(row)
        new.created_by = new.updated_by = actor
        new.save()
        if after is not None:
            after(row)
        audit.record(actor=actor, event_type=event_type, obj=new, changes=audit.diff({}, audit.snapshot(new, audited)))
    return row


def update_row(
    model: type[M],
    pk: Any,
    *,
    actor: Any,
    cleaned: Mapping[str, Any],
    audited: list[str],
    event_type: str,
    version: int | None,
    conflict: str,
    missing: str,
    derive: Callable[[M], None] | None = None,
    after: Callable[[M], None] | None = None,
) -> M:
    """Set `cleaned` on the locked row (`derive` then fills the columns that follow from it, e.g. the year of a
    date), raise its version, save, run `after` (related rows), and audit the change of `audited`. A stale `version`
    is `conflict` (409); a row gone is `missing` (404)."""
    with transaction.atomic():
        row: Any = _locked(model, pk, missing)
        if version is not None and row.version != version:
            raise ConflictError(conflict)
        before = audit.snapshot(row, audited)
        for key, value in cleaned.items():
            setattr(row, key, value)
        if derive is not None:
            derive(row)
        row.version += 1
        row.updated_by = actor
        row.save()
        if after is not None:
            after(row)
        audit.record(
            actor=actor, event_type=event_type, obj=row, changes=audit.diff(before, audit.snapshot(row, audited))
        )
    return row  # type: ignore[no-any-return]


def soft_delete(model: type[M], pk: Any, *, actor: Any, event_type: str, missing: str) -> M:
    """Mark the locked row deleted (version + 1, who) and audit it; a row gone already is `missing` (404)."""
    with transaction.atomic():
        row: Any = _locked(model, pk, missing)
        row.is_deleted = True
        row.version += 1
        row.updated_by = actor
        row.save(update_fields=["is_deleted", "version", "updated_by", "updated_at"])
        audit.record(actor=actor, event_type=event_type, obj=row)
    return row  # type: ignore[no-any-return]
