"""Auto metrics (DOMAIN.md §2.7 table): computed from the system's own records, one set-based query per metric.

Each metric counts, per department of the task's region and year, a numerator and a denominator; the region-wide
sum serves the bureau's own self-appraisal (本级财政). The share × the node's points is the suggested score; the
finance scorer decides. A metric whose source has no records for the examinee reports “无数据”.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse

from jixiao.disclosure.models import Disclosure, DisclosureStatus
from jixiao.evaluation.models import ReEvaluationSample, SelfEvaluation
from jixiao.monitoring.models import MonitoringRecord
from jixiao.preassessment.models import PreAssessmentStatus
from jixiao.preassessment.selectors import assessment_overviews
from jixiao.projects.models import Project
from jixiao.rectification.models import Rectification, RectificationStatus
from jixiao.targets.models import Grade, PerformanceTarget, TargetEvent, TargetStatus

LOCAL = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
Key = int | None  # a department id; None = the whole region


@dataclass
class Count2:
    numerator: int = 0
    denominator: int = 0
    # Weighted numerator for metrics whose share is not a plain count (grade distribution).
    weighted: Decimal | None = None

    def add(self, other: Count2) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator
        if other.weighted is not None:
            self.weighted = (self.weighted or Decimal(0)) + other.weighted

    @property
    def share(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        top = self.weighted if self.weighted is not None else Decimal(self.numerator)
        return top / Decimal(self.denominator)


@dataclass(frozen=True)
class Context:
    region: Any
    fiscal_year: int
    task: Any


@dataclass(frozen=True)
class MetricResult:
    key: str
    label: str
    share: Decimal | None
    text: str
    suggested: Decimal | None
    url: str

    @property
    def has_data(self) -> bool:
        return self.share is not None


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)


def _grouped(qs: QuerySet[Any], numerator: Q, *, inverse: bool = False) -> dict[Key, Count2]:
    rows = qs.values("department_id").annotate(den=Count("id"), num=Count("id", filter=numerator)).order_by()
    result: dict[Key, Count2] = {}
    for row in rows:
        num = row["den"] - row["num"] if inverse else row["num"]
        result[row["department_id"]] = Count2(num, row["den"])
    return result


def _targets(ctx: Context) -> QuerySet[PerformanceTarget]:
    return PerformanceTarget.objects.filter(
        region__path__startswith=ctx.region.path, fiscal_year=ctx.fiscal_year, is_deleted=False
    )


def _first_submit() -> Subquery:
    events = TargetEvent.objects.filter(target=OuterRef("pk"), action="submit").order_by("occurred_at")
    return Subquery(events.values("occurred_at")[:1])


def target_on_time(ctx: Context) -> dict[Key, Count2] | str:
    if ctx.task.target_deadline is None:
        return "未设置绩效目标申报截止日期"
    qs = _targets(ctx).annotate(first_submit=_first_submit())
    return _grouped(qs, Q(first_submit__lt=_end_of(ctx.task.target_deadline)))


def target_return_rate(ctx: Context) -> dict[Key, Count2] | str:
    returned = TargetEvent.objects.filter(target=OuterRef("pk"), to_status=TargetStatus.RETURNED)
    qs = _targets(ctx).exclude(status=TargetStatus.DRAFT, returned_from="").annotate(was_returned=Exists(returned))
    return _grouped(qs, Q(was_returned=True), inverse=True)


GRADE_WEIGHTS: dict[str, Decimal] = {
    Grade.EXCELLENT: Decimal(1),
    Grade.GOOD: Decimal("0.8"),
    Grade.FAIR: Decimal("0.6"),
}


def target_grade(ctx: Context) -> dict[Key, Count2] | str:
    counts = {grade: Count("id", filter=Q(review_grade=grade)) for grade in Grade.values}
    rows = _targets(ctx).exclude(review_grade="").values("department_id").annotate(den=Count("id"), **counts)
    result: dict[Key, Count2] = {}
    for row in rows.order_by():
        weighted = sum((GRADE_WEIGHTS.get(g, Decimal(0)) * row[g] for g in Grade.values), Decimal(0))
        result[row["department_id"]] = Count2(row[Grade.EXCELLENT] + row[Grade.GOOD], row["den"], weighted)
    return result


def _monitoring(ctx: Context) -> QuerySet[MonitoringRecord]:
    return MonitoringRecord.objects.filter(
        region__path__startswith=ctx.region.path,
        fiscal_year=ctx.fiscal_year,
        is_deleted=False,
        task__status__in=("issued", "closed"),
    )


def monitoring_coverage(ctx: Context) -> dict[Key, Count2] | str:
    return _grouped(_monitoring(ctx), Q(submitted_at__isnull=False))


def monitoring_on_time(ctx: Context) -> dict[Key, Count2] | str:
    qs = _monitoring(ctx).annotate(submitted_on=TruncDate("submitted_at", tzinfo=LOCAL))
    return _grouped(qs, Q(submitted_on__lte=F("task__deadline")))


def selfeval_coverage(ctx: Context) -> dict[Key, Count2] | str:
    qs = SelfEvaluation.objects.filter(
        region__path__startswith=ctx.region.path, fiscal_year=ctx.fiscal_year, is_deleted=False
    )
    return _grouped(qs, Q(submitted_at__isnull=False))


def reeval_gap(ctx: Context) -> dict[Key, Count2] | str:
    qs = ReEvaluationSample.objects.filter(
        self_eval__region__path__startswith=ctx.region.path,
        self_eval__fiscal_year=ctx.fiscal_year,
        re_score__isnull=False,
    )
    rows = qs.values("self_eval__department_id").annotate(den=Count("id"), num=Count("id", filter=Q(flagged=False)))
    return {r["self_eval__department_id"]: Count2(r["num"], r["den"]) for r in rows.order_by()}


def preassessment_coverage(ctx: Context) -> dict[Key, Count2] | str:
    projects = Project.objects.filter(
        region__path__startswith=ctx.region.path, fiscal_year=ctx.fiscal_year, is_deleted=False
    ).select_related("region")
    result: dict[Key, Count2] = {}
    overviews = assessment_overviews(projects)
    for project in projects:
        overview = overviews[project.pk]
        if not overview.required:
            continue
        entry = result.setdefault(project.department_id, Count2())
        entry.denominator += 1
        if overview.assessment is not None and overview.assessment.status == PreAssessmentStatus.CONCLUDED:
            entry.numerator += 1
    return result


def rectification_on_time(ctx: Context) -> dict[Key, Count2] | str:
    qs = (
        Rectification.objects.filter(
            region__path__startswith=ctx.region.path, fiscal_year=ctx.fiscal_year, is_deleted=False
        )
        .exclude(status=RectificationStatus.DRAFT)
        .annotate(closed_on=TruncDate("closed_at", tzinfo=LOCAL))
    )
    on_time = Q(status=RectificationStatus.CLOSED) & (Q(deadline__isnull=True) | Q(closed_on__lte=F("deadline")))
    return _grouped(qs, on_time)


EXEMPT = (
    DisclosureStatus.EXEMPT_SECRET,
    DisclosureStatus.EXEMPT_SENSITIVE,
    DisclosureStatus.EXEMPT_OTHER,
    DisclosureStatus.WITHDRAWN,
)


def disclosure_on_time(ctx: Context) -> dict[Key, Count2] | str:
    qs = (
        Disclosure.objects.filter(
            region__path__startswith=ctx.region.path,
            fiscal_year=ctx.fiscal_year,
            is_deleted=False,
            due_date__isnull=False,
        )
        .exclude(status__in=EXEMPT)
        .annotate(published_on=TruncDate("published_at", tzinfo=LOCAL))
    )
    return _grouped(qs, Q(published_on__lte=F("due_date")))


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    compute: Callable[[Context], dict[Key, Count2] | str]
    describe: Callable[[Count2], str]
    url_name: str
    year_param: str = "fiscal_year"  # the drill-down list's year filter


def _pct(c: Count2) -> str:
    share = c.share
    return f"{(share * 100).quantize(CENT, rounding=ROUND_HALF_UP)}%" if share is not None else "—"


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "preassessment_coverage",
            "事前评估覆盖率",
            preassessment_coverage,
            lambda c: f"应评估项目{c.denominator}个，已出结论{c.numerator}个（{_pct(c)}）",
            # The department's projects with their 事前评估 column: the assessment list has no department filter.
            "projects:list",
        ),
        Metric(
            "target_on_time",
            "绩效目标按时申报率",
            target_on_time,
            lambda c: f"绩效目标{c.denominator}个，按时申报{c.numerator}个（{_pct(c)}）",
            "targets:list",
        ),
        Metric(
            "target_return_rate",
            "绩效目标未被退回比例",
            target_return_rate,
            lambda c: f"已申报{c.denominator}个，被退回修改{c.denominator - c.numerator}个（未退回{_pct(c)}）",
            "targets:list",
        ),
        Metric(
            "target_grade",
            "绩效目标审核等级",
            target_grade,
            lambda c: f"已评级{c.denominator}个，其中优良{c.numerator}个（加权得分率{_pct(c)}）",
            "targets:list",
        ),
        Metric(
            "monitoring_coverage",
            "监控覆盖率",
            monitoring_coverage,
            lambda c: f"应监控{c.denominator}个，已报送{c.numerator}个（{_pct(c)}）",
            "monitoring:record_list",
        ),
        Metric(
            "monitoring_on_time",
            "监控按时报送率",
            monitoring_on_time,
            lambda c: f"应监控{c.denominator}个，按时报送{c.numerator}个（{_pct(c)}）",
            "monitoring:record_list",
        ),
        Metric(
            "selfeval_coverage",
            "自评覆盖率",
            selfeval_coverage,
            lambda c: f"应自评{c.denominator}个，已提交{c.numerator}个（{_pct(c)}）",
            "evaluation:selfeval_list",
        ),
        Metric(
            "reeval_gap",
            "再评价分差未超限比例",
            reeval_gap,
            lambda c: f"抽评{c.denominator}个，分差超限{c.denominator - c.numerator}个（未超限{_pct(c)}）",
            "evaluation:selfeval_list",
        ),
        Metric(
            "rectification_on_time",
            "整改按期完成率",
            rectification_on_time,
            lambda c: f"已下达整改{c.denominator}项，按期完成{c.numerator}项（{_pct(c)}）",
            "rectification:list",
            year_param="year",
        ),
        Metric(
            "disclosure_on_time",
            "信息按时公开率",
            disclosure_on_time,
            lambda c: f"应公开{c.denominator}项，按时公开{c.numerator}项（{_pct(c)}）",
            "disclosure:list",
        ),
    )
}
METRIC_CHOICES = [("", "（手工评分）"), *((k, m.label) for k, m in METRICS.items())]
METRIC_LABELS: dict[str, str] = {k: m.label for k, m in METRICS.items()}


def metric_label(key: str) -> str:
    """The Chinese name of an auto metric for pages ("" for none; an unknown key, e.g. an imported one, as is)."""
    return METRIC_LABELS.get(key, key)


def _url(metric: Metric, ctx: Context, department_id: Key) -> str:
    try:
        base = reverse(metric.url_name)
    except NoReverseMatch:
        return ""
    params: dict[str, Any] = {metric.year_param: ctx.fiscal_year}
    if department_id is not None:
        params["department"] = department_id
    return f"{base}?{urlencode(params)}"


def compute(ctx: Context, keys: set[str]) -> dict[str, dict[Key, Count2] | str]:
    """Run each needed metric once for the whole region (one query or two each)."""
    return {key: METRICS[key].compute(ctx) for key in keys if key in METRICS}


def result_for(
    metric_key: str, points: Decimal, computed: dict[str, dict[Key, Count2] | str], ctx: Context, examinee: Key
) -> MetricResult | None:
    """The metric of one examinee (a department id, or None for the region as a whole)."""
    metric = METRICS.get(metric_key)
    if metric is None or metric_key not in computed:
        return None
    data = computed[metric_key]
    if isinstance(data, str):
        return MetricResult(metric.key, metric.label, None, f"无数据（{data}）", None, "")
    if examinee is None:
        counts = Count2()
        for value in data.values():
            counts.add(value)
    else:
        counts = data.get(examinee, Count2())
    share = counts.share
    if share is None:
        return MetricResult(metric.key, metric.label, None, "无数据", None, _url(metric, ctx, examinee))
    suggested = (points * share).quantize(CENT, rounding=ROUND_HALF_UP)
    return MetricResult(
        metric.key, metric.label, share, metric.describe(counts), suggested, _url(metric, ctx, examinee)
    )
