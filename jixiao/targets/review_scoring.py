"""评分审核: the 绩效股's scored review of a target (seed 003 S18; DOMAIN.md §2.2, §4.9).

Where the region's TargetReviewSettings turn scoring on, the 复审 scores each review aspect out of its points. The
total (out of 100, rounded once to 0.01) gives the grade by the settings' bands, and a total below the pass mark
(达标分数线) is graded 差 whatever its band: 评分不达标的不得进入部门预算. The grading button pressed must be the
one the score gives, so the score and the grade on record never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jixiao.core import config_rows
from jixiao.core.errors import DomainError
from jixiao.indicators.valueparse import format_number as _text
from jixiao.targets.models import REVIEW_ASPECTS, Grade, TargetReviewSettings

CENT = Decimal("0.01")


def review_settings(region: Any, fiscal_year: int) -> TargetReviewSettings:
    """The settings that apply to the region's targets of the year (an unsaved row of the model's defaults, i.e.
    scoring off, when no row applies)."""
    rows = config_rows.applicable(TargetReviewSettings.objects.select_related("region"), region, fiscal_year)
    return config_rows.most_specific(rows, region, fiscal_year) or TargetReviewSettings()


def scoring_of(target: Any) -> TargetReviewSettings | None:
    """The settings of the target's region and year where they score reviews (the score boxes, the pass mark, the
    members' scores), else None."""
    settings = review_settings(target.region, target.fiscal_year)
    return settings if settings.scored else None


def own_rows(region: Any) -> list[TargetReviewSettings]:
    """The region's own rows (every year): what its settings form can change, hence the form's lock token."""
    return list(TargetReviewSettings.objects.filter(region=region).order_by("fiscal_year", "pk"))


def applicable_rows(region: Any) -> list[TargetReviewSettings]:
    """The rows that may apply in the region (national, its ancestors', its own), least specific first."""
    rows = config_rows.applicable(TargetReviewSettings.objects.select_related("region"), region, None, year_field="")
    return config_rows.layered(rows)


def grade_of(total: Decimal, settings: TargetReviewSettings) -> str:
    """The grade a total gives: below the pass mark 差, else the band it reaches."""
    if total < settings.pass_score:
        return Grade.POOR
    for minimum, grade in (
        (settings.grade_excellent, Grade.EXCELLENT),
        (settings.grade_good, Grade.GOOD),
        (settings.grade_fair, Grade.FAIR),
    ):
        if total >= minimum:
            return grade
    return Grade.POOR


@dataclass(frozen=True)
class ScoredReview:
    scores: dict[str, Decimal]  # aspect → score, in the order of REVIEW_ASPECTS
    total: Decimal
    grade: str
    passed: bool

    def as_json(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.scores.items()}


def score(settings: TargetReviewSettings, scores: Mapping[str, Decimal | None]) -> ScoredReview:
    """Check every aspect's score against its points and total them; a missing or out-of-range score is refused."""
    points = settings.points
    checked: dict[str, Decimal] = {}
    for name in REVIEW_ASPECTS:
        value = scores.get(name)
        if value is None:
            raise DomainError(f"请填写“{name}”得分（满分{_text(points[name])}分）")
        if not Decimal(0) <= value <= points[name]:
            raise DomainError(f"“{name}”得分应在0至{_text(points[name])}分之间")
        checked[name] = value.quantize(CENT, rounding=ROUND_HALF_UP)
    total = sum(checked.values(), Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    return ScoredReview(checked, total, grade_of(total, settings), total >= settings.pass_score)


def refuse_other_grade(review: ScoredReview, settings: TargetReviewSettings, grade: str) -> None:
    """A grading button other than the one the score gives is refused, naming the right one."""
    if grade == review.grade:
        return
    label = Grade(review.grade).label
    if not review.passed:
        raise DomainError(
            f"审核得分{_text(review.total)}分，低于达标分数线{_text(settings.pass_score)}分，"
            f"不得进入部门预算：请按“评为“差”，不予安排预算”办理"
        )
    raise DomainError(f"审核得分{_text(review.total)}分，对应等级为“{label}”，请按“评为“{label}””办理")


def _divided(total: Any, count: int) -> Decimal:
    """A mean rounded once to 0.01 (DOMAIN.md §4.9)."""
    return (Decimal(total) / count).quantize(CENT, rounding=ROUND_HALF_UP)


def mean_score(score_total: Any, scored: int) -> Decimal | None:
    """The mean of `scored` scores adding up to `score_total`; None for none (目标审核统计 of a region without
    评分审核)."""
    return _divided(score_total, scored) if scored else None


def _mean(values: list[Decimal]) -> Decimal:
    return _divided(sum(values, Decimal(0)), len(values))


@dataclass(frozen=True)
class PanelScores:
    """The 集中会审 members' scores: the panel's total is the mean of their totals, rounded once (DOMAIN.md §4.9);
    each aspect's mean fills the 复审 boxes for the 绩效股 to confirm or change."""

    count: int
    total: Decimal
    aspects: dict[str, Decimal]


def panel_scores(members: Iterable[Any]) -> PanelScores | None:
    """The submitted scores of a target's panel members (those who withdrew have none), or None without any."""
    scored = [m for m in members if m.total is not None and m.submitted_at is not None and not m.conflict_declared]
    if not scored:
        return None
    aspects = {name: _mean([Decimal(m.scores[name]) for m in scored]) for name in REVIEW_ASPECTS}
    return PanelScores(len(scored), _mean([m.total for m in scored]), aspects)
