"""培训管理 reads. Every query starts from `TrainingSession.objects.visible_to(user)`."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from jixiao.organizations.models import BudgetUnit
from jixiao.training.models import TrainingKind, TrainingMaterial, TrainingSession


def sessions_filtered(user: Any, params: dict[str, Any]) -> QuerySet[TrainingSession]:
    qs = TrainingSession.objects.visible_to(user)
    if params.get("year"):
        qs = qs.filter(year=params["year"])
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    if params.get("q"):
        qs = qs.filter(topic__icontains=params["q"])
    return qs.select_related("region").order_by("-held_on", "-id")


def session_get(user: Any, pk: int) -> TrainingSession:
    return TrainingSession.objects.get_visible_or_404(user, pk=pk)


def kept_by(user: Any, session: TrainingSession) -> bool:
    """The user's own region held the session: theirs to change. A city bureau reads its counties' records (and
    counts them) but does not change, finalise or delete them."""
    membership = getattr(user, "active_membership", None)
    return membership is not None and session.region_id == membership.region_id


def session_materials(session: TrainingSession) -> QuerySet[TrainingMaterial]:
    return session.materials.select_related("uploaded_by").order_by("id")


def material_get(user: Any, session_pk: int, material_pk: int) -> TrainingMaterial:
    session = session_get(user, session_pk)
    try:
        return TrainingMaterial.objects.select_related("session").get(session=session, pk=material_pk)
    except TrainingMaterial.DoesNotExist as exc:
        raise Http404 from exc


def sees_training(user: Any) -> bool:
    """The user reads training records at all (contract for jixiao.reports): the capability, and a scope that is not
    empty (training is the bureau's own work: a section's or a department's scope holds none)."""
    return bool(user.can("training.view")) and not TrainingSession.objects.visible_to(user).query.is_empty()


def training_totals(user: Any, year: int) -> dict[str, Any]:
    """The year's training work for dashboards and the annual report (contract for jixiao.reports).

    {"records": rows, "sessions": Σ 期数, "attendance": Σ 人次,
     "by_kind": {kind: {"label", "records", "sessions", "attendance"}}} — every kind present, zeros included.
    """
    qs = TrainingSession.objects.visible_to(user).filter(year=year)
    rows = qs.values("kind").annotate(
        records=Count("id"),
        sessions=Coalesce(Sum("session_count"), 0),
        attendance=Coalesce(Sum("attendance"), 0),
    )
    by_kind: dict[str, dict[str, Any]] = {
        kind: {"label": str(label), "records": 0, "sessions": 0, "attendance": 0}
        for kind, label in TrainingKind.choices
    }
    for row in rows:
        entry = by_kind.setdefault(row["kind"], {"label": row["kind"], "records": 0, "sessions": 0, "attendance": 0})
        entry.update(records=row["records"], sessions=row["sessions"], attendance=row["attendance"])
    return {
        "year": year,
        "records": sum(v["records"] for v in by_kind.values()),
        "sessions": sum(v["sessions"] for v in by_kind.values()),
        "attendance": sum(v["attendance"] for v in by_kind.values()),
        "by_kind": by_kind,
    }


def participant_unit_choices(user: Any) -> QuerySet[BudgetUnit]:
    return BudgetUnit.objects.visible_to(user).filter(is_active=True, is_deleted=False).order_by("agency_code")
