"""制度办法 reads. Every query starts from `Regulation.objects.visible_to(user)`."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from jixiao.regulations.models import Regulation, RegulationAction, RegulationFile


def regulations_filtered(user: Any, params: dict[str, Any]) -> QuerySet[Regulation]:
    qs = Regulation.objects.visible_to(user)
    if params.get("year"):
        qs = qs.filter(year=params["year"])
    for key in ("category", "action"):
        if params.get(key):
            qs = qs.filter(**{key: params[key]})
    if params.get("current") == "current":
        qs = qs.filter(is_current=True)
    elif params.get("current") == "repealed":
        qs = qs.filter(is_current=False)
    if params.get("q"):
        qs = qs.filter(Q(title__icontains=params["q"]) | Q(doc_no__icontains=params["q"]))
    return qs.select_related("region").order_by("-issued_on", "-id")


def regulation_get(user: Any, pk: int) -> Regulation:
    return Regulation.objects.get_visible_or_404(user, pk=pk)


def kept_by(user: Any, regulation: Regulation) -> bool:
    """The user's own region issued the row: theirs to change. The rules of the regions above and below are read
    only."""
    membership = getattr(user, "active_membership", None)
    return membership is not None and regulation.region_id == membership.region_id


def regulation_files(regulation: Regulation) -> QuerySet[RegulationFile]:
    return regulation.files.select_related("uploaded_by").order_by("id")


def file_get(user: Any, regulation_pk: int, file_pk: int) -> RegulationFile:
    regulation = regulation_get(user, regulation_pk)
    try:
        return RegulationFile.objects.select_related("regulation").get(regulation=regulation, pk=file_pk)
    except RegulationFile.DoesNotExist as exc:
        raise Http404 from exc


def regulation_totals(user: Any, year: int) -> dict[str, Any]:
    """The year's rules of the user's own region (contract for jixiao.reports): {"year", "records",
    "by_action": {action: {"label", "records"}}} with every action present, zeros included. Rows of the regions
    above or below are not the bureau's own work and are not counted."""
    membership = getattr(user, "active_membership", None)
    qs = Regulation.objects.visible_to(user).filter(year=year)
    qs = qs.filter(region=membership.region) if membership is not None else qs.none()
    counts = dict(qs.values_list("action").annotate(n=Count("id")).order_by())
    by_action = {
        action: {"label": str(label), "records": int(counts.get(action, 0))}
        for action, label in RegulationAction.choices
    }
    return {"year": year, "records": sum(v["records"] for v in by_action.values()), "by_action": by_action}
