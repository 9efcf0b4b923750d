"""指标案例库 reads. Every query starts from `TargetCase.objects.visible_to(user)`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Q, QuerySet

from jixiao.indicators.models import IndicatorCategory
from jixiao.indicators.selectors import categories_by_code
from jixiao.targets.models import PerformanceTarget, TargetCase


def cases_filtered(user: Any, params: dict[str, Any]) -> QuerySet[TargetCase]:
    qs = TargetCase.objects.visible_to(user)
    category = params.get("category")
    if category is not None:
        qs = qs.filter(category__code__startswith=category.code)  # a 大类 takes its sub-fields
    if params.get("subject_type"):
        qs = qs.filter(subject_type=params["subject_type"])
    if params.get("q"):
        qs = qs.filter(Q(title__icontains=params["q"]) | Q(note__icontains=params["q"]))
    return qs.select_related("category", "region").order_by("category__code", "-fiscal_year", "title", "id")


def case_get(user: Any, pk: int) -> TargetCase:
    return TargetCase.objects.select_related("category", "region").get_visible_or_404(user, pk=pk)


def kept_by(user: Any, case: TargetCase) -> bool:
    """The user's own bureau filed the case and the user manages cases: theirs to change."""
    membership = getattr(user, "active_membership", None)
    return membership is not None and case.region_id == membership.region_id and bool(user.can("target.case_manage"))


def case_of(target: PerformanceTarget) -> TargetCase | None:
    return TargetCase.objects.filter(source_target=target, is_deleted=False).first()


def suggested_category(target: PerformanceTarget) -> IndicatorCategory | None:
    """The 大类 most of the target's library indicators belong to (None when it used none)."""
    by_code = categories_by_code()
    root = min((len(code) for code in by_code), default=2)  # codes grow by two digits a level (category_tree)
    codes = Counter(
        code[:root]
        for code in target.indicators.filter(library_item__isnull=False).values_list(
            "library_item__category__code", flat=True
        )
        if code
    )
    if not codes:
        return None
    return by_code.get(codes.most_common(1)[0][0])
