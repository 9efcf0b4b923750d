"""Reads of the reports stage: dashboard panels and the annual summaries.

Every panel is a handful of aggregate queries over `visible_to(user)` rows (GROUP BY in the database, never a
loop per project), so a department sees its own figures and the bureau its region. Every number carries the URL
of the list behind it with the filter applied (drill-down); docs/reports.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, FilteredRelation, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse

from jixiao.alerts.models import Color, FundAdjustment, ProjectLight, RegionLightCount
from jixiao.alerts.selectors import dashboard as light_card
from jixiao.documents.models import ISSUED_ANY
from jixiao.evaluation.models import SelfEvalFund, SelfEvaluation
from jixiao.evaluation.selectors import UNSUBMITTED
from jixiao.execution import selectors as execution_selectors
from jixiao.keyeval.models import KeyEvalGrade, KeyEvalStatus, KeyEvaluation
from jixiao.monitoring.models import MonitoringRecord, TaskStatus
from jixiao.organizations.selectors import spans_counties
from jixiao.preassessment.models import SUPPORTIVE, PreAssessment, PreAssessmentStatus
from jixiao.projects.models import ProjectStatus
from jixiao.rectification.models import sees_drafts
from jixiao.reports import sources
from jixiao.reports.models import AnnualReport
from jixiao.targets.models import Grade, PerformanceTarget, TargetStatus

ZERO = Decimal("0.00")
SELF_GRADES = ("优", "良", "中", "差")
APPROVED_TARGET = (TargetStatus.APPROVED, TargetStatus.ADJUSTING)
# Rows of the department tables on the dashboard (a province has thousands of departments; the lists behind the
# links have them all).
DEPARTMENTS_SHOWN = 20


def link(url_name: str, **params: Any) -> str:
    """A list URL with its filter; "" when the list page does not exist (a stage not built yet)."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return ""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{url}?{query}" if query else url


@dataclass
class Cell:
    label: str
    count: int | None = None
    amount: Decimal | None = None
    url: str = ""
    note: str = ""
    key: str = ""


@dataclass
class Panel:
    key: str
    title: str
    cells: list[Cell] = field(default_factory=list)
    available: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _money(name: str, **filters: Any) -> Any:
    return Coalesce(Sum(name, filter=Q(**filters) if filters else None), ZERO)


# ---- 各阶段项目与资金 ------------------------------------------------------------------------------------------------


@dataclass
class Shared:
    """Figures more than one panel shows, read once per dashboard: the execution analysis (its in-library project
    count and budget are also the stage panel's 项目库 cell), and the results and rectification summaries."""

    month: int
    execution: dict[str, Any]
    results: Any
    rectification: Any


def shared_figures(user: Any, year: int, today: date) -> Shared:
    month = today.month if year == today.year else 12
    return Shared(
        month=month,
        execution=execution_selectors.execution_analysis(user, year, month),
        results=sources.call("result_application_summary", user, year),
        rectification=sources.call("rectification_summary", user, year),
    )


def stage_panel(user: Any, year: int, shared: Shared) -> Panel:
    library = shared.execution  # the year's in-library projects the user sees
    assessments = (
        PreAssessment.objects.visible_to(user)
        .filter(fiscal_year=year)
        .aggregate(
            n=Count("id", filter=Q(status=PreAssessmentStatus.CONCLUDED)),
            amount=_money("requested_amount_yuan", status=PreAssessmentStatus.CONCLUDED),
        )
    )
    targets = (
        PerformanceTarget.objects.visible_to(user)
        .filter(fiscal_year=year, subject_type=PerformanceTarget.Subject.PROJECT)
        .aggregate(
            n=Count("id", filter=Q(status__in=APPROVED_TARGET)),
            amount=_money("annual_total_yuan", status__in=APPROVED_TARGET),
        )
    )
    records = _monitoring_records(user, year).aggregate(n=Count("id"), amount=_money("current_budget_yuan"))
    # One row per self-evaluation: its 资金总额 fund row, if any (one per source: uniq_selfeval_fund).
    self_evals = (
        SelfEvaluation.objects.visible_to(user)
        .filter(fiscal_year=year)
        .annotate(total_fund=FilteredRelation("funds", condition=Q(funds__fund_source=SelfEvalFund.Source.TOTAL)))
        .aggregate(n=Count("id"), amount=_money("total_fund__annual_yuan"))
    )
    key = (
        KeyEvaluation.objects.visible_to(user)
        .filter(fiscal_year=year)
        .aggregate(n=Count("id"), amount=_money("amount_yuan"))
    )
    cells = [
        Cell(
            "项目库（已入库）",
            library["project_count"],
            library["budget"],
            link("projects:list", fiscal_year=year, status=ProjectStatus.IN_LIBRARY),
            key="projects",
        ),
        Cell(
            "事前评估（已出结论）",
            assessments["n"],
            assessments["amount"],
            link("preassessment:list", fiscal_year=year, status=PreAssessmentStatus.CONCLUDED),
            key="preassessment",
        ),
        Cell(
            "目标批复（项目）",
            targets["n"],
            targets["amount"],
            link(
                "targets:list",
                fiscal_year=year,
                status=TargetStatus.APPROVED,
                subject_type=PerformanceTarget.Subject.PROJECT,
            ),
            key="targets",
        ),
        Cell(
            "运行监控（填报记录）",
            records["n"],
            records["amount"],
            link("monitoring:record_list", fiscal_year=year),
            key="monitoring",
        ),
        Cell(
            "单位自评",
            self_evals["n"],
            self_evals["amount"],
            link("evaluation:selfeval_list", fiscal_year=year),
            key="selfeval",
        ),
        Cell("重点评价", key["n"], key["amount"], link("keyeval:list", fiscal_year=year), key="keyeval"),
    ]
    cells.append(_results_cell(shared.results, year))
    rect = shared.rectification
    cells.append(
        Cell(
            "整改（全部）", int(rect.get("total", 0)), None, link("rectification:list", year=year), key="rectification"
        )
        if isinstance(rect, dict)
        else Cell("整改", None, None, "", "暂无数据", key="rectification")
    )
    return Panel("stages", "各环节项目与资金", cells)


def _results_cell(results: Any, year: int) -> Cell:
    if not isinstance(results, dict):
        return Cell("结果应用", None, None, "", "暂无数据", key="results")
    return Cell(
        "结果应用（建议）", int(results.get("total") or 0), None, link("results:list", fiscal_year=year), key="results"
    )


def _monitoring_records(user: Any, year: int) -> QuerySet[MonitoringRecord]:
    return MonitoringRecord.objects.visible_to(user).filter(
        fiscal_year=year, task__status__in=(TaskStatus.ISSUED, TaskStatus.CLOSED)
    )


# ---- 执行与序时进度 --------------------------------------------------------------------------------------------------


def execution_panel(year: int, shared: Shared) -> Panel:
    """From the project × month rollup (execution.selectors.execution_analysis), never from raw payments."""
    month, data = shared.month, shared.execution
    cells = [
        Cell(
            "预算（已入库项目）",
            data["project_count"],
            data["budget"],
            link("execution:analysis", year=year, month=month),
            key="budget",
        ),
        Cell(
            f"1—{month}月支付", None, data["executed"], link("execution:payment_list", fiscal_year=year), key="executed"
        ),
    ]
    departments = data["departments"]  # largest budget first
    shown = departments[:DEPARTMENTS_SHOWN]
    # The chart: the departments furthest behind, lowest execution rate first.
    lagging = execution_selectors.lagging_departments(departments)[: execution_selectors.CHART_DEPARTMENTS]
    for row in (*shown, *lagging):  # links for the rows drawn only: a province has ~20,000 departments
        row["url"] = link("execution:payment_list", fiscal_year=year, department=row["department_id"])
    extra = {
        **data,
        "month": month,
        "departments": shown,
        "department_count": len(departments),
        "lagging": lagging,
        "more_url": link("execution:analysis", year=year, month=month),
    }
    return Panel("execution", "预算执行与序时进度", cells, extra=extra)


# ---- 预警 --------------------------------------------------------------------------------------------------------


def warning_panel(user: Any, year: int) -> Panel:
    """Projects by their light (a project's worst colour, as on the warning list's card: alerts.selectors.dashboard),
    and the departments (a county's users) or the counties (city and province users) with the most red lights."""
    cells = [
        Cell(
            f"{row['label']}项目",
            row["count"],
            row["amount"],
            link("alerts:list", fiscal_year=year, color=row["color"]),
            key=row["color"],
        )
        for row in light_card(user, year)
    ]
    if spans_counties(user):
        rows, group = _red_light_regions(user, year), "财政区划"
    else:
        rows, group = _red_light_departments(user, year), "主管部门"
    return Panel(
        "warnings",
        "预警（项目红黄绿灯）",
        cells,
        extra={"rows": rows, "group": group, "more_url": link("alerts:list", fiscal_year=year)},
    )


def _red_light_departments(user: Any, year: int) -> list[dict[str, Any]]:
    """The departments with the most red-light projects (then yellow), counted over the visible lights."""
    lights = ProjectLight.objects.visible_to(user).filter(fiscal_year=year)  # type: ignore[attr-defined]
    rows = (
        lights.order_by()
        .values("project__department_id", "project__department__name")
        .annotate(
            red=Count("id", filter=Q(color=Color.RED)),
            yellow=Count("id", filter=Q(color=Color.YELLOW)),
            total=Count("id"),
        )
        .order_by("-red", "-yellow", "project__department__name")[:DEPARTMENTS_SHOWN]
    )
    return [_light_row(r["project__department__name"], r, year, department=r["project__department_id"]) for r in rows]


def _red_light_regions(user: Any, year: int) -> list[dict[str, Any]]:
    """For a city or province user, the counties with the most red-light projects (then yellow): every county has
    its 县教育局, so departments are no way to read a province. From the per-county counts the sweep keeps
    (`RegionLightCount`, a few rows per county), as the light card."""
    counts = (
        RegionLightCount.objects.filter(region__path__startswith=user.active_membership.region.path, fiscal_year=year)
        .values("region_id", "region__name")
        .annotate(
            red=Coalesce(Sum("projects", filter=Q(color=Color.RED)), 0),
            yellow=Coalesce(Sum("projects", filter=Q(color=Color.YELLOW)), 0),
            total=Coalesce(Sum("projects"), 0),
        )
        .order_by("-red", "-yellow", "region__name")[:DEPARTMENTS_SHOWN]
    )
    return [_light_row(r["region__name"], r, year, region=r["region_id"]) for r in counts]


def _light_row(name: str, counts: dict[str, Any], year: int, **list_filter: Any) -> dict[str, Any]:
    """A row of the red-light table: its counts and the warning list of its department or county."""
    return {
        "name": name,
        "red": counts["red"],
        "yellow": counts["yellow"],
        "total": counts["total"],
        "red_url": link("alerts:list", fiscal_year=year, color=Color.RED, **list_filter),
        "url": link("alerts:list", fiscal_year=year, **list_filter),
    }


# ---- 等级分布 ----------------------------------------------------------------------------------------------------


def grade_panel(user: Any, year: int) -> Panel:
    targets = PerformanceTarget.objects.visible_to(user).filter(fiscal_year=year).exclude(review_grade="")
    target_counts = dict(
        targets.order_by().values("review_grade").annotate(n=Count("id")).values_list("review_grade", "n")
    )
    # A record still being filled in (or returned to its unit) has a provisional grade (an empty form scores 差):
    # only submitted records are counted, as on the 自评统计 page and in the list the count opens.
    self_counts = dict(
        SelfEvaluation.objects.visible_to(user)
        .filter(fiscal_year=year)
        .exclude(grade_computed="")
        .exclude(status__in=UNSUBMITTED)
        .order_by()
        .values("grade_computed")
        .annotate(n=Count("id"))
        .values_list("grade_computed", "n")
    )
    key_counts = dict(
        KeyEvaluation.objects.visible_to(user)
        .filter(fiscal_year=year, status=KeyEvalStatus.ISSUED)
        .order_by()
        .values("grade")
        .annotate(n=Count("id"))
        .values_list("grade", "n")
    )
    series = {
        "target": [
            {
                "label": str(label),
                "count": target_counts.get(value, 0),
                "url": link("targets:list", fiscal_year=year, review_grade=value),
            }
            for value, label in Grade.choices
        ],
        "selfeval": [
            {
                "label": g,
                "count": self_counts.get(g, 0),
                "url": link("evaluation:selfeval_list", fiscal_year=year, grade=g),
            }
            for g in SELF_GRADES
        ],
        # Each count opens the year's issued evaluations of that grade; the row's title opens all of them.
        "keyeval": [
            {
                "label": str(label),
                "count": key_counts.get(value, 0),
                "url": link("keyeval:list", fiscal_year=year, status=KeyEvalStatus.ISSUED, grade=value),
                "list_url": link("keyeval:list", fiscal_year=year, status=KeyEvalStatus.ISSUED),
            }
            for value, label in KeyEvalGrade.choices
        ],
    }
    return Panel("grades", "等级分布", [], extra=series)


# ---- 各环节压减资金 ------------------------------------------------------------------------------------------------


def cut_panel(user: Any, year: int, shared: Shared) -> Panel:
    concluded = PreAssessment.objects.visible_to(user).filter(fiscal_year=year, status=PreAssessmentStatus.CONCLUDED)
    pa = concluded.aggregate(
        n=Count("id"),
        requested=_money("requested_amount_yuan"),
        supported=_money("supported_amount_yuan", conclusion__in=SUPPORTIVE),
    )
    cells = [
        Cell(
            "事前评估压减",
            pa["n"],
            pa["requested"] - pa["supported"],
            link("preassessment:list", fiscal_year=year, status=PreAssessmentStatus.CONCLUDED),
            key="preassessment",
        )
    ]
    cells.extend(_monitoring_cuts(user, year))
    results = shared.results
    if isinstance(results, dict):
        decided = results.get("decided_cut_yuan") or results.get("decided_cut") or ZERO
        proposed = results.get("proposed_cut_yuan") or results.get("proposed_cut") or ZERO
        cells.append(
            Cell(
                "结果应用建议核减",
                int(results.get("total") or 0),
                Decimal(str(proposed)),
                link("results:list", fiscal_year=year),
                key="results_proposed",
            )
        )
        cells.append(
            Cell(
                "结果应用决定核减",
                int(results.get("decided") or 0),
                Decimal(str(decided)),
                link("results:list", fiscal_year=year, status="decided"),
                key="results_decided",
            )
        )
    else:
        cells.append(Cell("结果应用压减", None, None, "", "暂无数据", key="results"))
    return Panel("cuts", "各环节压减（核减）资金", cells)


def _monitoring_cuts(user: Any, year: int) -> list[Cell]:
    """The monitoring stage's cuts per kind, as MON-4 of the annual report counts them (the warning decisions'
    调减/收回 and the registered ones, e.g. a Q3 核减): other stages' adjustments have cells of their own, and an
    激励/追加 is no cut."""
    monitoring = FundAdjustment.Source.MONITORING
    adjustments = {
        r["kind"]: r
        for r in FundAdjustment.objects.visible_to(user)  # type: ignore[attr-defined]
        .filter(fiscal_year=year, source=monitoring, project__is_deleted=False)
        .exclude(kind=FundAdjustment.Kind.INCREASE)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"), amount=_money("amount_yuan"))
    }
    return [
        Cell(
            f"运行监控{label}",
            adjustments[kind]["n"],
            adjustments[kind]["amount"],
            link("alerts:adjustments", fiscal_year=year, source=monitoring, kind=kind),
            key=kind,
        )
        for kind, label in FundAdjustment.Kind.choices
        if kind in adjustments
    ]


# ---- 整改、考核 -------------------------------------------------------------------------------------------------


RECTIFICATION_CELLS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("total", "全部", {}),
    ("draft", "待下达", {"status": "draft"}),
    ("issued", "已下达待反馈", {"status": "issued"}),
    ("feedback_submitted", "已反馈待审核", {"status": "feedback_submitted"}),
    ("returned", "被退回", {"status": "returned"}),
    ("closed", "已办结", {"status": "closed"}),
    ("overdue", "逾期未办结", {"overdue": 1}),
    ("closed_on_time", "其中按期办结", {"status": "closed", "on_time": 1}),
)


def rectification_panel(user: Any, year: int, shared: Shared) -> Panel:
    summary = shared.rectification
    if not isinstance(summary, dict):
        return Panel("rectification", "整改情况", [], available=False)
    # 待下达 cases are the finance side's work in progress: a department, unit or oversight never sees one, and its
    # list offers no such filter (the link would open every case), so the cell is not shown to them.
    membership = getattr(user, "active_membership", None)
    cells = [
        Cell(label, int(summary.get(key, 0) or 0), None, link("rectification:list", year=year, **params), key=key)
        for key, label, params in RECTIFICATION_CELLS
        if key != "draft" or (membership is not None and sees_drafts(membership))
    ]
    return Panel("rectification", "整改情况", cells)


def appraisal_panel(user: Any, year: int) -> Panel:
    ranking = sources.call("appraisal_ranking", user, year)
    if ranking is None:
        return Panel("appraisal", "考核排名", [], available=False)
    rows = list(ranking)[:20]
    return Panel("appraisal", "考核排名", [], extra={"rows": rows, "url": link("appraisals:list", fiscal_year=year)})


def activity_panel(user: Any, year: int) -> Panel:
    """文书、信息公开、培训 of the year (the later stages' contracts), each linking to its list."""
    documents = sources.call("document_counts", user, year)
    disclosure = sources.call("disclosure_summary", user, year)
    # Not a 培训 0/0 for a section or a department: they see no training records, so the cell is left out.
    training = sources.call("training_totals", user, year) if sources.viewer_sees("training_totals", user) else None
    cells: list[Cell] = []
    if isinstance(documents, dict):
        labels = sources.doc_type_labels()
        for doc_type, counts in documents.items():
            if counts.get("issued"):
                cells.append(
                    Cell(
                        labels.get(doc_type) or str(doc_type),
                        int(counts["issued"]),
                        None,
                        link("documents:list", fiscal_year=year, doc_type=doc_type, status=ISSUED_ANY),
                        f"已反馈{counts.get('feedback_done', 0)}",
                        key=f"doc-{doc_type}",
                    )
                )
    if isinstance(disclosure, dict):
        cells.append(
            Cell(
                "已公开事项",
                int(disclosure.get("published_total") or 0),
                None,
                link("disclosure:list", fiscal_year=year, status="published"),
                key="published",
            )
        )
        cells.append(
            Cell(
                "涉密/敏感不予公开",
                int(disclosure.get("withheld_total") or 0),
                None,
                link("disclosure:list", fiscal_year=year, status="withheld"),
                key="exempt",
            )
        )
    if isinstance(training, dict):
        cells.append(
            Cell(
                "培训（期）",
                int(training.get("sessions") or 0),
                None,
                link("training:list", year=year),
                f"{training.get('attendance', 0)}人次",
                key="training",
            )
        )
    return Panel("activity", "文书、信息公开与培训", cells, available=bool(cells))


def dashboard(user: Any, year: int, today: date) -> list[Panel]:
    shared = shared_figures(user, year, today)
    return [
        stage_panel(user, year, shared),
        execution_panel(year, shared),
        warning_panel(user, year),
        grade_panel(user, year),
        cut_panel(user, year, shared),
        rectification_panel(user, year, shared),
        appraisal_panel(user, year),
        activity_panel(user, year),
    ]


def chart_data(panels: list[Panel]) -> dict[str, Any]:
    """What the ECharts script draws (json_script): strings for money, plain ints for counts."""
    by_key = {p.key: p for p in panels}
    execution = by_key["execution"].extra
    grades = by_key["grades"].extra
    warnings = by_key["warnings"]
    return {
        "stages": [
            {"label": c.label, "count": c.count or 0, "amount": str(c.amount or ZERO), "url": c.url}
            for c in by_key["stages"].cells
        ],
        "months": execution["months"],
        "cumulative": [str(v) for v in execution["cumulative"]],
        "budget": str(execution["budget"]),
        "departments": [r["department"] for r in execution["lagging"]],
        "rates": [str((r["rate"] * 100).quantize(Decimal("0.01"))) for r in execution["lagging"]],
        "department_urls": [r["url"] for r in execution["lagging"]],
        "time_progress": str((execution["time_progress"] * 100).quantize(Decimal("0.01"))),
        "warnings": [{"label": c.label, "key": c.key, "count": c.count, "url": c.url} for c in warnings.cells],
        "grades": dict(grades),
    }


# ---- 年度工作总结 ------------------------------------------------------------------------------------------------


def annual_reports_visible(user: Any) -> QuerySet[AnnualReport]:
    return AnnualReport.objects.visible_to(user).select_related("region", "generated_by")  # type: ignore[return-value]


def annual_report_get(user: Any, pk: Any) -> AnnualReport:
    return AnnualReport.objects.select_related("region").get_visible_or_404(user, pk=pk)  # type: ignore[attr-defined, no-any-return]


def kept_by(user: Any, report: AnnualReport) -> bool:
    """The user's own region's summary: theirs to edit and finalise. A city bureau reads its counties' summaries but
    does not change them (the regions below write their own)."""
    membership = getattr(user, "active_membership", None)
    return membership is not None and report.region_id == membership.region_id


def year_choices(today: date, chosen: int | None = None) -> list[int]:
    """The selector's years: next year and the five before it, plus the year shown (a bookmarked ?year=2019 stays
    chosen, so 查询 does not jump to another year)."""
    years = set(range(today.year + 1, today.year - 5, -1))
    if chosen is not None:
        years.add(chosen)
    return sorted(years, reverse=True)
