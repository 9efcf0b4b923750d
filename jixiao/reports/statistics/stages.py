"""Statistics codes of the lifecycle stages up to evaluation (DOMAIN.md §2.9 PA, TG, MON, EV)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.functions import Coalesce

from jixiao.alerts.models import Color, FundAdjustment, ProjectLight, Warning
from jixiao.disclosure.models import EXEMPT_STATUSES, Disclosure, ItemType
from jixiao.evaluation.models import (
    AuthenticityCheck,
    AuthenticityItem,
    ReEvaluationBatch,
    ReEvaluationSample,
    SelfEvalFund,
    SelfEvaluation,
)
from jixiao.evaluation.selectors import UNSUBMITTED
from jixiao.keyeval.models import KeyEvalGrade, KeyEvalStatus, KeyEvaluation
from jixiao.keyeval.selectors import regulations_on_results
from jixiao.monitoring import selectors as monitoring_selectors
from jixiao.monitoring.models import MonitoringRecord, TaskStatus
from jixiao.organizations.models import BudgetUnit, FiscalRegion
from jixiao.preassessment.models import SUPPORTIVE, Conclusion, PreAssessment, PreAssessmentStatus
from jixiao.projects.models import Project
from jixiao.reports.statistics.base import (
    ZERO,
    Figure,
    Scope,
    adjustment_sentence,
    adjustment_totals,
    adjustments,
    in_region,
    pct,
    sum_yuan,
    wan,
)
from jixiao.targets.models import Grade, PerformanceTarget, ReviewComment, TargetEvent, TargetStatus

GRADES = ("优", "良", "中", "差")
APPROVED_TARGET = (TargetStatus.APPROVED, TargetStatus.ADJUSTING)
# A reviewer acted on a target when it moved anywhere but back to the unit's own states (draft, submitted).
NOT_REVIEWED = (TargetStatus.DRAFT, TargetStatus.UNIT_SUBMITTED)
TOWN_KINDS = (BudgetUnit.Kind.TOWN, BudgetUnit.Kind.STREET, BudgetUnit.Kind.DEV_ZONE)


# ---- 事前绩效评估 ------------------------------------------------------------------------------------------------


def _assessments(scope: Scope) -> Any:
    return PreAssessment.objects.filter(is_deleted=False, submitted_at__year=scope.work_year, **in_region(scope))


def pa_1(scope: Scope) -> Figure:
    totals = _assessments(scope).aggregate(count=Count("id"), requested=sum_yuan("requested_amount_yuan"))
    return Figure(
        "PA-1",
        "事前绩效评估申报",
        {"count": totals["count"], "requested_yuan": totals["requested"]},
        {"model": "PreAssessment", "submitted_at__year": scope.work_year, "region": scope.path},
        f"全年共申报事前绩效评估项目{totals['count']}个，涉及金额{wan(totals['requested'])}万元",
        table=[("申报项目（个）", str(totals["count"])), ("申报金额（万元）", wan(totals["requested"]))],
    )


def pa_2(scope: Scope) -> Figure:
    concluded = _assessments(scope).filter(status=PreAssessmentStatus.CONCLUDED)
    rows = {
        r["conclusion"]: r
        for r in concluded.values("conclusion").annotate(n=Count("id"), supported=sum_yuan("supported_amount_yuan"))
    }
    by_conclusion = {
        value: {
            "label": str(label),
            "count": rows.get(value, {}).get("n", 0),
            "supported_yuan": rows.get(value, {}).get("supported", ZERO) if value in SUPPORTIVE else ZERO,
        }
        for value, label in Conclusion.choices
    }
    supported_count = sum(v["count"] for k, v in by_conclusion.items() if k in SUPPORTIVE)
    supported_yuan = sum((v["supported_yuan"] for v in by_conclusion.values()), ZERO)
    parts = [f"{v['count']}个{v['label']}" for v in by_conclusion.values() if v["count"]]
    sentence = (
        f"经财政事前绩效评估，{supported_count}个项目予以支持（含核减、调整后支持），支持金额{wan(supported_yuan)}万元"
        + (f"；其中{'、'.join(parts)}" if parts else "")
    )
    return Figure(
        "PA-2",
        "事前评估结论",
        {"by_conclusion": by_conclusion, "supported_count": supported_count, "supported_yuan": supported_yuan},
        {"model": "PreAssessment", "status": "concluded", "submitted_at__year": scope.work_year, "region": scope.path},
        sentence,
        table=[(f"{v['label']}（个）", str(v["count"])) for v in by_conclusion.values()]
        + [("支持金额（万元）", wan(supported_yuan))],
    )


def pa_3(scope: Scope) -> Figure:
    concluded = _assessments(scope).filter(status=PreAssessmentStatus.CONCLUDED)
    totals = concluded.aggregate(
        requested=sum_yuan("requested_amount_yuan"),
        supported=sum_yuan("supported_amount_yuan", conclusion__in=SUPPORTIVE),
    )
    reduction = totals["requested"] - totals["supported"]
    # (b) 追减: a 不予支持 of a project already budgeted takes back its arranged money (registered in 预算调整登记).
    retro = adjustment_totals(scope, kind=FundAdjustment.Kind.RETRO_REDUCE, source=FundAdjustment.Source.PRE_ASSESSMENT)
    values = {
        "requested_yuan": totals["requested"],
        "supported_yuan": totals["supported"],
        "reduction_yuan": reduction,
        "retro_reduce_projects": retro["projects"],
        "retro_reduce_yuan": retro["amount_yuan"],
    }
    return Figure(
        "PA-3",
        "事前评估压减",
        values,
        {
            "model": "PreAssessment",
            "formula": "Σ申报金额 − Σ支持金额（暂缓、不予支持按0计）",
            "region": scope.path,
            "retro_reduce": {"model": "FundAdjustment", "kind": "RETRO_REDUCE", "source": "PRE_ASSESSMENT"},
        },
        f"压减支出{wan(reduction)}万元"
        + (f"，对{retro['projects']}个项目追减预算{wan(retro['amount_yuan'])}万元" if retro["count"] else ""),
        table=[("压减金额（万元）", wan(reduction)), ("追减预算（万元）", wan(retro["amount_yuan"]))],
    )


# ---- 绩效目标 ----------------------------------------------------------------------------------------------------


def _targets(scope: Scope) -> Any:
    return PerformanceTarget.objects.filter(is_deleted=False, fiscal_year=scope.work_year, **in_region(scope))


def tg_1(scope: Scope) -> Figure:
    subject = PerformanceTarget.Subject
    approved = _targets(scope).filter(status__in=APPROVED_TARGET)
    totals = approved.aggregate(
        dept_units=Count("unit", distinct=True, filter=Q(subject_type=subject.DEPT_OVERALL)),
        projects=Count("id", filter=Q(subject_type=subject.PROJECT)),
        project_yuan=sum_yuan("annual_total_yuan", subject_type=subject.PROJECT),
    )
    units = BudgetUnit.objects.filter(is_deleted=False, is_active=True, **in_region(scope)).count()
    values = {
        "dept_overall_units": totals["dept_units"],
        "units": units,
        "projects": totals["projects"],
        "project_yuan": totals["project_yuan"],
    }
    return Figure(
        "TG-1",
        "绩效目标覆盖",
        values,
        {"model": "PerformanceTarget", "fiscal_year": scope.work_year, "status": list(APPROVED_TARGET)},
        f"{totals['dept_units']}个预算单位（共{units}个）部门整体绩效目标、{totals['projects']}个项目绩效目标"
        f"（涉及资金{wan(totals['project_yuan'])}万元）完成编审并批复",
        table=[
            ("批复部门整体目标的单位（个）", str(totals["dept_units"])),
            ("预算单位总数（个）", str(units)),
            ("批复项目目标（个）", str(totals["projects"])),
            ("项目目标资金（万元）", wan(totals["project_yuan"])),
        ],
    )


def tg_2(scope: Scope) -> Figure:
    comments = ReviewComment.objects.filter(
        target__is_deleted=False, target__fiscal_year=scope.work_year, **in_region(scope, "target__")
    ).aggregate(
        count=Count("id"),
        targets=Count("target", distinct=True),
        departments=Count("target__department", distinct=True),
    )
    submitted = _targets(scope).exclude(status=TargetStatus.DRAFT).count()
    values = {**comments, "submitted_targets": submitted}
    return Figure(
        "TG-2",
        "目标审核意见",
        values,
        {"model": "ReviewComment", "target__fiscal_year": scope.work_year, "region": scope.path},
        f"对{submitted}个报审绩效目标中的{comments['targets']}个提出审核意见{comments['count']}条，"
        f"涉及{comments['departments']}个部门",
        table=[
            ("审核意见（条）", str(comments["count"])),
            ("有意见的目标（个）", str(comments["targets"])),
            ("报审目标（个）", str(submitted)),
            ("涉及部门（个）", str(comments["departments"])),
        ],
    )


def tg_3(scope: Scope) -> Figure:
    events = TargetEvent.objects.filter(
        target__is_deleted=False, target__fiscal_year=scope.work_year, **in_region(scope, "target__")
    ).aggregate(
        reviewed=Count("target", distinct=True, filter=~Q(to_status__in=NOT_REVIEWED)),
        returned=Count("target", distinct=True, filter=Q(to_status=TargetStatus.RETURNED)),
    )
    rate = pct(events["returned"], events["reviewed"])
    return Figure(
        "TG-3",
        "目标退回率",
        {**events, "rate": rate},
        {
            "model": "TargetEvent",
            "target__fiscal_year": scope.work_year,
            "reviewed": "to_status not in (draft, unit_submitted)",
            "returned": "to_status=returned",
        },
        f"审核绩效目标{events['reviewed']}个，退回修改{events['returned']}个，退回率{rate}",
        table=[("审核目标（个）", str(events["reviewed"])), ("退回（个）", str(events["returned"])), ("退回率", rate)],
    )


# ---- 监控 --------------------------------------------------------------------------------------------------------


def _records(scope: Scope) -> Any:
    return MonitoringRecord.objects.filter(
        is_deleted=False,
        task__is_deleted=False,
        task__fiscal_year=scope.work_year,
        task__status__in=(TaskStatus.ISSUED, TaskStatus.CLOSED),
        **in_region(scope),
    )


def mon_1(scope: Scope) -> Figure:
    totals = _records(scope).aggregate(
        units=Count("unit", distinct=True),
        first_level=Count("unit", distinct=True, filter=Q(unit__level=BudgetUnit.Level.FIRST)),
        projects=Count("project", distinct=True),
        towns=Count("unit", distinct=True, filter=Q(unit__kind__in=TOWN_KINDS)),
    )
    return Figure(
        "MON-1",
        "监控覆盖",
        totals,
        {"model": "MonitoringRecord", "task__fiscal_year": scope.work_year, "task__status": ["issued", "closed"]},
        f"对{totals['units']}个预算单位（其中一级预算单位{totals['first_level']}个、乡镇（街道）{totals['towns']}个）"
        f"和{totals['projects']}个项目的绩效目标实现程度和预算执行进度实行“双监控”",
        table=[
            ("监控单位（个）", str(totals["units"])),
            ("其中一级预算单位（个）", str(totals["first_level"])),
            ("其中乡镇（街道）（个）", str(totals["towns"])),
            ("监控项目（个）", str(totals["projects"])),
        ],
    )


def mon_2(scope: Scope) -> Figure:
    # Project records only: a 部门整体 round counts departments, not 监控项目 (MON-5, seed 001 keeps them apart).
    rows = list(
        _records(scope)
        .filter(project__isnull=False)
        .values("task_id", "task__task_no", "task__title", "task__period_end_month", "task__region_id")
        .annotate(n=Count("id"), budget=sum_yuan("current_budget_yuan"), executed=sum_yuan("executed_to_date_yuan"))
        .order_by("task__period_end_month", "task_id")
    )
    modes = _progress_modes({r["task__region_id"] for r in rows}, scope.work_year)
    rounds = []
    sentences = []
    for r in rows:
        month = r["task__period_end_month"]
        # 序时进度 as monitoring computes it for the round: N/12 or days elapsed, by the region's settings row.
        progress = monitoring_selectors.time_progress(scope.work_year, month, modes[r["task__region_id"]])
        rate = r["executed"] / r["budget"] if r["budget"] else Decimal(0)
        relation = "高于" if rate > progress else ("低于" if rate < progress else "等于")
        rounds.append(
            {
                "task": r["task__title"],
                "month": month,
                "count": r["n"],
                "budget_yuan": r["budget"],
                "executed_yuan": r["executed"],
                "rate": pct(r["executed"], r["budget"]),
                "time_progress": pct(progress, 1),
            }
        )
        sentences.append(
            f"截至{month}月末监控项目{r['n']}个、预算{wan(r['budget'])}万元，执行率{pct(r['executed'], r['budget'])}，"
            f"{relation}序时进度{pct(progress, 1)}"
        )
    return Figure(
        "MON-2",
        "各轮监控执行进度",
        {"rounds": rounds},
        {
            "model": "MonitoringRecord",
            "group_by": "task",
            "rate": "Σ1—N月执行数 ÷ Σ全年预算数",
            "progress": "监控参数的序时进度计算方式（按月N/12或按日）",
        },
        "；".join(sentences) if sentences else "本年度尚未下达监控任务",
        table=[
            (f"{r['task']}（{r['month']}月）", f"{r['count']}个，{wan(r['budget_yuan'])}万元，{r['rate']}")
            for r in rounds
        ],
    )


def _progress_modes(region_ids: set[int], year: int) -> dict[int, str]:
    """The 序时进度 mode of each round's region for the year (its monitoring settings row, most specific wins)."""
    regions = FiscalRegion.objects.in_bulk(region_ids)
    return {pk: monitoring_selectors.settings_for(region, year).time_progress_mode for pk, region in regions.items()}


def mon_3(scope: Scope) -> Figure:
    projects = Project.objects.filter(is_deleted=False, **in_region(scope))
    red_ids = Warning.objects.filter(fiscal_year=scope.work_year, color=Color.RED).values("project_id")
    red = projects.filter(pk__in=red_ids).aggregate(count=Count("id"), amount=sum_yuan("total_amount_yuan"))
    monitored_ids = ProjectLight.objects.filter(fiscal_year=scope.work_year).values("project_id")
    monitored = projects.filter(pk__in=monitored_ids).aggregate(count=Count("id"), amount=sum_yuan("total_amount_yuan"))
    values = {
        "red_projects": red["count"],
        "red_yuan": red["amount"],
        "monitored_projects": monitored["count"],
        "monitored_yuan": monitored["amount"],
    }
    return Figure(
        "MON-3",
        "红色预警",
        values,
        {"model": "Warning", "fiscal_year": scope.work_year, "color": "RED", "count": "distinct project"},
        f"监测项目{monitored['count']}个、{wan(monitored['amount'])}万元，其中触发红色预警的项目{red['count']}个、"
        f"涉及资金{wan(red['amount'])}万元",
        table=[
            ("监测项目（个）", str(monitored["count"])),
            ("红色预警项目（个）", str(red["count"])),
            ("红色预警项目资金（万元）", wan(red["amount"])),
        ],
    )


def mon_4(scope: Scope) -> Figure:
    by_kind = adjustments(scope, source=FundAdjustment.Source.MONITORING)
    return Figure(
        "MON-4",
        "监控预算调整",
        {"by_kind": by_kind},
        {"model": "FundAdjustment", "fiscal_year": scope.work_year, "source": "MONITORING（预警处置决定及登记）"},
        "根据监控预警处置，" + adjustment_sentence(by_kind),
        table=[(f"{v['label']}（万元）", wan(v["amount_yuan"])) for v in by_kind.values() if v["count"]],
    )


def mon_5(scope: Scope) -> Figure:
    overall = _records(scope).filter(project__isnull=True)
    totals = overall.aggregate(
        departments=Count("department", distinct=True),
        reviewed=Count("department", distinct=True, filter=Q(status=MonitoringRecord.Status.APPROVED)),
        budget=sum_yuan("current_budget_yuan"),
    )
    values = {"departments": totals["departments"], "reviewed": totals["reviewed"], "budget_yuan": totals["budget"]}
    return Figure(
        "MON-5",
        "部门整体监控审核",
        values,
        {"model": "MonitoringRecord", "project": None, "reviewed": "status=approved", "count": "distinct department"},
        f"完成{totals['reviewed']}个部门整体绩效监控审核工作（下达部门整体监控{totals['departments']}个）"
        if totals["departments"]
        else "本年度未开展部门整体绩效监控",
        table=[
            ("部门整体监控（个）", str(totals["departments"])),
            ("其中审核通过（个）", str(totals["reviewed"])),
            ("部门整体监控预算（万元）", wan(totals["budget"])),
        ],
    )


# ---- 评价 --------------------------------------------------------------------------------------------------------


def ev_1(scope: Scope) -> Figure:
    # Submitted as on the 自评统计 page and the dashboard: not 填报中 or 被退回 (a record withdrawn or returned to its
    # unit keeps the time of its earlier submission but is being filled in again).
    records = SelfEvaluation.objects.filter(
        is_deleted=False, fiscal_year=scope.fiscal_year, **in_region(scope)
    ).exclude(status__in=UNSUBMITTED)
    subject = SelfEvaluation.Subject
    counts = records.aggregate(
        projects=Count("id", filter=Q(subject=subject.PROJECT)),
        overall=Count("id", filter=Q(subject=subject.DEPT_OVERALL)),
        departments=Count("department", distinct=True),
    )
    amount = SelfEvalFund.objects.filter(
        self_eval__in=records.filter(subject=subject.PROJECT).values("pk"), fund_source=SelfEvalFund.Source.TOTAL
    ).aggregate(total=sum_yuan("annual_yuan"))["total"]
    values = {**counts, "project_yuan": amount}
    return Figure(
        "EV-1",
        "单位自评",
        values,
        {"model": "SelfEvaluation", "fiscal_year": scope.fiscal_year, "status__not_in": list(UNSUBMITTED)},
        f"{counts['departments']}个部门对{counts['projects']}个项目（涉及资金{wan(amount)}万元）开展绩效自评，"
        f"部门整体支出自评{counts['overall']}个",
        table=[
            ("开展自评的部门（个）", str(counts["departments"])),
            ("项目自评（个）", str(counts["projects"])),
            ("项目资金（万元）", wan(amount)),
            ("部门整体自评（个）", str(counts["overall"])),
        ],
    )


def ev_2(scope: Scope) -> Figure:
    batches = ReEvaluationBatch.objects.filter(
        is_deleted=False, fiscal_year=scope.fiscal_year, **in_region(scope)
    ).exclude(status=ReEvaluationBatch.Status.DRAFT)
    population = batches.aggregate(n=Coalesce(Sum("population_size"), 0))["n"]
    samples = ReEvaluationSample.objects.filter(batch__in=batches.values("pk"))
    totals = samples.aggregate(n=Count("id"), amount=sum_yuan("amount_yuan"))
    grades = dict(samples.exclude(re_grade="").values("re_grade").annotate(c=Count("id")).values_list("re_grade", "c"))
    by_grade = {g: grades.get(g, 0) for g in GRADES}
    rate = pct(totals["n"], population)
    grade_text = "、".join(f"{g}{n}个" for g, n in by_grade.items())
    return Figure(
        "EV-2",
        "财政再评价（抽评）",
        {
            "sample": totals["n"],
            "population": population,
            "rate": rate,
            "amount_yuan": totals["amount"],
            "by_grade": by_grade,
        },
        {"model": "ReEvaluationSample", "batch__fiscal_year": scope.fiscal_year, "batch__status": "not draft"},
        f"从{population}个自评项目中抽取{totals['n']}个开展财政再评价（抽评比例{rate}），涉及资金{wan(totals['amount'])}万元，"
        f"再评价结果{grade_text}",
        table=[("抽评（个）", str(totals["n"])), ("自评总数（个）", str(population)), ("抽评比例", rate)]
        + [(f"再评价{g}（个）", str(n)) for g, n in by_grade.items()],
    )


def ev_3(scope: Scope) -> Figure:
    evaluations = KeyEvaluation.objects.filter(is_deleted=False, fiscal_year=scope.fiscal_year, **in_region(scope))
    totals = evaluations.aggregate(
        n=Count("id"),
        amount=sum_yuan("amount_yuan"),
        third_party=Count("id", filter=Q(mode=KeyEvaluation.Mode.THIRD_PARTY)),
        departments=Count("department", distinct=True),
    )
    types = dict(evaluations.values("object_type").annotate(c=Count("id")).values_list("object_type", "c"))
    by_type = {str(label): types.get(value, 0) for value, label in KeyEvaluation.ObjectType.choices}
    grades = dict(
        evaluations.filter(status=KeyEvalStatus.ISSUED)
        .values("grade")
        .annotate(c=Count("id"))
        .values_list("grade", "c")
    )
    by_grade = {str(label): grades.get(value, 0) for value, label in KeyEvalGrade.choices}
    # The issued reports one by one, as seed 001 lists them (序号 / 评价报告) under its counts; the public list leaves
    # out a report whose disclosure was withheld (涉密, 敏感, 其他): a public document must not name it.
    issued = evaluations.filter(status=KeyEvalStatus.ISSUED).order_by("title", "pk")
    reports = list(issued.values_list("title", flat=True))
    # So is a report of a 主管部门 flagged 涉密, before or after its item was published (the public site then hides
    # the item and counts it as withheld, disclosure `hidden_as_secret`): `is_secret` suppresses public export.
    withheld = Disclosure.objects.filter(
        item_type=ItemType.KEY_EVAL_REPORT,
        status__in=EXEMPT_STATUSES,
        subject_type=ContentType.objects.get_for_model(KeyEvaluation),
        is_deleted=False,
    )
    public_reports = list(
        issued.exclude(pk__in=withheld.values("subject_id"))
        .exclude(department__is_secret=True)
        .values_list("title", flat=True)
    )
    # The public statement's “N个项目报告…不予公开” is about these reports, not every withheld item of DIS-1.
    withheld_other = issued.filter(
        pk__in=withheld.filter(status=Disclosure.Status.EXEMPT_OTHER).values("subject_id")
    ).count()
    type_text = "、".join(f"{k}{v}个" for k, v in by_type.items() if v)
    grade_text = "、".join(f"{k}{v}个" for k, v in by_grade.items() if v)
    # 结果应用 (seed 002 S47: “根据评价结果修订《…专项资金管理实施办法》…”): the rules linked to these evaluations.
    revised = regulations_on_results(scope.region, scope.fiscal_year)
    return Figure(
        "EV-3",
        "重点绩效评价",
        {
            **totals,
            "by_object_type": by_type,
            "by_grade": by_grade,
            "reports": reports,
            "public_reports": public_reports,
            "withheld_reports": len(reports) - len(public_reports),
            "withheld_reports_other": withheld_other,
            "regulations_on_results": revised,
        },
        {"model": "KeyEvaluation", "fiscal_year": scope.fiscal_year, "grade": "status=issued"},
        f"开展财政重点绩效评价{totals['n']}个（{type_text or '无'}），涉及资金{wan(totals['amount'])}万元，"
        f"其中委托第三方机构{totals['third_party']}个；已下达结果的评价等级为{grade_text or '暂无'}"
        + (f"；根据评价结果出台或修订制度办法{revised}项" if revised else ""),
        table=[
            ("重点评价（个）", str(totals["n"])),
            ("评价资金（万元）", wan(totals["amount"])),
            ("委托第三方（个）", str(totals["third_party"])),
            ("据评价结果出台或修订制度办法（项）", str(revised)),
        ]
        + [(f"对象：{k}（个）", str(v)) for k, v in by_type.items()]
        + [(f"等级：{k}（个）", str(v)) for k, v in by_grade.items()]
        + [(f"评价报告{i}", title) for i, title in enumerate(reports, 1)],
    )


def ev_4(scope: Scope) -> Figure:
    checks = AuthenticityCheck.objects.filter(is_deleted=False, fiscal_year=scope.fiscal_year, **in_region(scope))
    items = AuthenticityItem.objects.filter(check_batch__in=checks.values("pk"))
    totals = items.aggregate(projects=Count("self_eval", distinct=True), indicators=Count("id", filter=~Q(finding="")))
    findings = dict(items.exclude(finding="").values("finding").annotate(c=Count("id")).values_list("finding", "c"))
    by_finding = {str(label): findings.get(value, 0) for value, label in AuthenticityItem.Finding.choices}
    upper = checks.filter(upper_level_request=True).count()
    text = "、".join(f"{k}{v}项" for k, v in by_finding.items() if v)
    return Figure(
        "EV-4",
        "真实性核查",
        {**totals, "by_finding": by_finding, "upper_level_checks": upper},
        {"model": "AuthenticityItem", "check_batch__fiscal_year": scope.fiscal_year},
        f"抽取{totals['projects']}个项目开展预算绩效真实性核查，核查指标{totals['indicators']}项"
        + (f"（{text}）" if text else "")
        + (f"，配合上级核查{upper}次" if upper else ""),
        table=[("核查项目（个）", str(totals["projects"])), ("核查指标（项）", str(totals["indicators"]))]
        + [(f"{k}（项）", str(v)) for k, v in by_finding.items()],
    )


# ---- 结果应用、文书、公开、考核、培训、第三方 ------------------------------------------------------------------


def tg_4(scope: Scope) -> Figure:
    """The budget effect of goal review (seeds 002, 004: 核销18个、核减71个项目，压减1.02亿元): the adjustments
    registered with the stage 绩效目标审核, per kind, with the distinct projects."""
    by_kind = adjustments(scope, source=FundAdjustment.Source.TARGET_REVIEW)
    totals = adjustment_totals(scope, source=FundAdjustment.Source.TARGET_REVIEW)
    parts = "、".join(
        f"{v['label']}{v['projects']}个项目{wan(v['amount_yuan'])}万元" for v in by_kind.values() if v["count"]
    )
    sentence = (
        f"通过目标审核调整{totals['projects']}个项目预算{wan(totals['amount_yuan'])}万元（{parts}）"
        if totals["count"]
        else "目标审核未发生预算调整"
    )
    table = [("调整项目（个）", str(totals["projects"])), ("调整金额（万元）", wan(totals["amount_yuan"]))]
    table += [
        (f"{v['label']}（个/万元）", f"{v['projects']}/{wan(v['amount_yuan'])}") for v in by_kind.values() if v["count"]
    ]
    return Figure(
        "TG-4",
        "目标审核预算效果",
        {"projects": totals["projects"], "amount_yuan": totals["amount_yuan"], "by_kind": by_kind},
        {"model": "FundAdjustment", "fiscal_year": scope.work_year, "source": "TARGET_REVIEW"},
        sentence,
        table=table,
    )


def tg_5(scope: Scope) -> Figure:
    """评分审核 (seed 003 S18: 评分不达标项目不得进入项目预算): the targets the 绩效股 scored in the year, their mean
    score, and those graded 差 on the score (below the pass mark or the 中 band), with the funds they asked for.
    Not printed where the region grades without scores (no target scored)."""
    scored = Q(review_score__isnull=False)
    poor = scored & Q(review_grade=Grade.POOR)
    totals = _targets(scope).aggregate(
        scored=Count("id", filter=scored),
        score_sum=Coalesce(
            Sum("review_score", filter=scored, output_field=DecimalField(max_digits=18, decimal_places=2)), ZERO
        ),
        poor=Count("id", filter=poor),
        poor_yuan=sum_yuan("annual_total_yuan", review_score__isnull=False, review_grade=Grade.POOR),
    )
    params = {"model": "PerformanceTarget", "fiscal_year": scope.work_year, "review_score": "not null"}
    if not totals["scored"]:
        return Figure(
            "TG-5", "评分审核", {}, params, "未实行评分审核", available=False, table=[("—", "未实行评分审核")]
        )
    mean = (totals["score_sum"] / totals["scored"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    values = {"scored": totals["scored"], "mean": mean, "poor": totals["poor"], "poor_yuan": totals["poor_yuan"]}
    return Figure(
        "TG-5",
        "评分审核",
        values,
        params,
        f"实行绩效目标评分审核，对{totals['scored']}个绩效目标逐项评审打分，平均得分{mean}分，"
        f"{totals['poor']}个目标评分不达标（评为“差”），涉及资金{wan(totals['poor_yuan'])}万元，不予安排预算",
        table=[
            ("评分目标（个）", str(totals["scored"])),
            ("平均得分（分）", str(mean)),
            ("评为“差”（个）", str(totals["poor"])),
            ("评为“差”涉及资金（万元）", wan(totals["poor_yuan"])),
        ],
    )
