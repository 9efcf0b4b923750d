"""Numbers for reports: per year and department, the outcome of target review (DOMAIN.md §2.2, §2.9).

Everything is counted in the database. Events and opinions are counted through correlated subqueries rather than
joins, so one target with many events is not counted many times and the rejected amount is not multiplied.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from jixiao.targets.models import Grade, PerformanceTarget, ReviewComment, TargetEvent, TargetStatus
from jixiao.targets.review_scoring import mean_score

ZERO_YUAN = Value(0, output_field=DecimalField(max_digits=18, decimal_places=2))
ZERO_SCORE = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))


def _ever(**event_filter: Any) -> Exists:
    return Exists(TargetEvent.objects.filter(target=OuterRef("pk"), **event_filter))


def _opinion_count() -> Subquery:
    counted = (
        ReviewComment.objects.filter(target=OuterRef("pk"))
        .order_by()
        .values("target")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Subquery(counted, output_field=IntegerField())


def target_statistics(user: Any, fiscal_year: int, region: Any = None) -> list[dict[str, Any]]:
    """One row per department the user may see (of one region if given): targets in total, submitted, ever
    returned, graded 优/良/中/差, modification opinions, rejected (评为“差”) targets and the annual funds they
    carried, in yuan; under 评分审核 (seed 003 S18) the targets scored, their scores' sum and mean."""
    rejected = Q(status=TargetStatus.REJECTED)
    # Submitted: past the draft now, or ever submitted (a withdrawn target). Targets that arrive already under
    # review or approved (seeded, migrated) carry no 提交 event and still count.
    submitted = ~Q(status=TargetStatus.DRAFT) | Q(_ever(action="submit"))
    targets = PerformanceTarget.objects.visible_to(user).filter(fiscal_year=fiscal_year)
    if region is not None:
        targets = targets.filter(region=region)
    rows = (
        targets.annotate(n_opinions=Coalesce(_opinion_count(), 0))
        .values("department_id")
        .annotate(
            dept_code=Coalesce("department__dept_code", Value("")),
            department=Coalesce("department__name", Value("")),
            total=Count("id"),
            submitted=Count("id", filter=submitted),
            returned=Count("id", filter=_ever(to_status=TargetStatus.RETURNED)),
            excellent=Count("id", filter=Q(review_grade=Grade.EXCELLENT)),
            good=Count("id", filter=Q(review_grade=Grade.GOOD)),
            fair=Count("id", filter=Q(review_grade=Grade.FAIR)),
            poor=Count("id", filter=Q(review_grade=Grade.POOR)),
            opinions=Coalesce(Sum("n_opinions"), 0),
            rejected=Count("id", filter=rejected),
            rejected_amount_yuan=Coalesce(Sum("annual_total_yuan", filter=rejected), ZERO_YUAN),
            scored=Count("id", filter=Q(review_score__isnull=False)),
            score_total=Coalesce(Sum("review_score"), ZERO_SCORE),
        )
        .order_by("dept_code", "department_id")
    )
    return [{**row, "mean_score": mean_score(row["score_total"], row["scored"])} for row in rows]
