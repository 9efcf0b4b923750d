"""Demo 绩效考核: the county's departments appraised on the default table for the year.

The performance section (jxg) issues the task through the service; self scores and finance scores are then written
in bulk (a hundred departments through the per-item services would take too long for the demo), the finance score
of an item with an auto metric is the metric's suggestion where the records give one, and the ranking, grades and
outcomes come from the ranking service under the county's settings row (表扬 top 5 with ≥ 90, 约谈 bottom 3 with
≤ 75). A second task for the towns is issued and left open: finance enters the towns' self scores (towns have
no logins), so the performance section has something to do."""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.appraisals import metrics, selectors, services
from jixiao.appraisals.models import (
    Appraisal,
    AppraisalScore,
    AppraisalSettings,
    AppraisalStatus,
    AppraisalTemplate,
)
from jixiao.appraisals.ranking import total_of

HALF = Decimal("0.5")


# The reason the demo gives with a 加分 or 扣分 (the tables say 须说明理由).
REASONS = {"BONUS": "绩效管理工作经验被市财政局推广", "PENALTY": "绩效自评材料报送不及时，被县财政局通报"}


def _score(points: Decimal, fraction: float) -> Decimal:
    """A score on the half-point grid, within [0, points]."""
    raw = (points * Decimal(str(fraction)) / HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HALF
    return min(points, max(Decimal(0), raw))


def _fill(rng: random.Random, task: Any) -> None:
    nodes = selectors.template_nodes(task.template)
    rows = selectors.node_rows(nodes)
    leaf_ids = {r.id for r in rows} - {r.parent_id for r in rows if r.parent_id}
    by_id = {n.pk: n for n in nodes}
    ctx = metrics.Context(task.region, task.fiscal_year, task)
    computed = metrics.compute(ctx, {n.auto_metric for n in nodes if n.auto_metric})
    appraisals = list(task.appraisals.order_by("id"))
    scores = list(AppraisalScore.objects.filter(appraisal__task=task, node_id__in=leaf_ids))
    quality = {a.pk: rng.uniform(0.55, 0.72) if rng.random() < 0.06 else rng.uniform(0.78, 0.99) for a in appraisals}
    # The demo shows a 表扬 whatever the other stages drew: the best department's items are scored near full by the
    # sections, who may depart from a metric's suggested score (it is advice, DOMAIN.md §2.7).
    star = max(appraisals, key=lambda a: quality[a.pk]).pk if appraisals else None
    if star is not None:
        quality[star] = 0.99
    dept_of = {a.pk: a.department_id for a in appraisals}
    now = timezone.now()
    for row in scores:
        node = by_id[row.node_id]
        level = quality[row.appraisal_id]
        if node.kind == "SCORE":
            row.ind_score = _score(node.points, min(1.0, level + rng.uniform(0.02, 0.1)))
            suggestion = metrics.result_for(node.auto_metric, node.points, computed, ctx, dept_of[row.appraisal_id])
            row.eval_score = (
                suggestion.suggested
                if suggestion is not None and suggestion.suggested is not None and row.appraisal_id != star
                else _score(node.points, level)
            )
        else:
            row.ind_score = row.eval_score = Decimal(1) if rng.random() < 0.1 else Decimal(0)
            if row.ind_score:  # a 加分/扣分 is given with its reason (services._check_reason)
                row.ind_note = row.eval_note = REASONS[node.kind]
        row.scored_at = now
    fields = ["ind_score", "eval_score", "ind_note", "eval_note", "scored_at"]
    AppraisalScore.objects.bulk_update(scores, fields, batch_size=500)
    values: dict[int, dict[int, Decimal | None]] = {}
    for row in scores:
        values.setdefault(row.appraisal_id, {})[row.node_id] = row.ind_score
    for a in appraisals:
        a.self_total = total_of(values.get(a.pk, {}), rows)
        a.status = AppraisalStatus.PERF_FINAL
        a.submitted_at = now
        if quality[a.pk] < 0.75:
            a.exist_problems = "绩效目标申报不及时，部分指标未细化量化；监控报送滞后。"
            a.rectify_step = "建立绩效管理工作台账，明确专人负责，按时报送各环节资料。"
    Appraisal.objects.bulk_update(
        appraisals, ["self_total", "status", "submitted_at", "exist_problems", "rectify_step"], batch_size=500
    )


def seed_appraisals(rng: random.Random, county: Any, year: int) -> None:
    perf = User.objects.filter(username="jxg").first()
    if perf is None:
        return
    AppraisalSettings.objects.update_or_create(
        region=county,
        fiscal_year=year,
        defaults={
            "commend_top_k": 5,
            "commend_min_score": Decimal(90),
            "interview_bottom_k": 3,
            "interview_max_score": Decimal(75),
        },
    )
    template = AppraisalTemplate.objects.get(region=None, kind="DEPT")
    with transaction.atomic():
        task = services.task_create(
            actor=perf,
            template=template,
            name=f"{year}年度部门预算绩效管理工作考核",
            fiscal_year=year,
            self_score_deadline=date(year, 12, 20),
            section_score_deadline=date(year, 12, 31),
        )
        _fill(rng, task)
        services.task_rank(actor=perf, task=task)
        services.task_create(
            actor=perf,
            template=AppraisalTemplate.objects.get(region=None, kind="TOWN"),
            name=f"{year}年度乡镇（街道）预算绩效管理工作考核",
            fiscal_year=year,
            self_score_deadline=date(year + 1, 1, 31),
        )
