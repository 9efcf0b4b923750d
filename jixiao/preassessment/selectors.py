"""Reads for 事前绩效评估: the rule in force, whether a project needs an assessment, the gate, lists, statistics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse

from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.core.money import format_wan, wan_from_yuan
from jixiao.core.numbers import MAX_ID, is_digits
from jixiao.core.todos import TodoItem
from jixiao.organizations.selectors import in_region
from jixiao.preassessment.models import (
    SECTION_FIELDS,
    SUPPORTIVE,
    Attachment,
    Conclusion,
    PreAssessment,
    PreAssessmentEvent,
    PreAssessmentRuleSet,
    PreAssessmentStatus,
)
from jixiao.preassessment.workflow import PREASSESSMENT_WORKFLOW, RETURN_ACTIONS
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_visible
from jixiao.targets.models import PerformanceTarget, TargetIndicator
from jixiao.targets.selectors import target_indicators

# Project workflow actions that put a project into (or towards) the library.
GATED_ACTIONS = {"submit", "section_approve"}
IN_REVIEW = (PreAssessmentStatus.SUBMITTED, PreAssessmentStatus.DEPT_APPROVED, PreAssessmentStatus.FIN_REVIEW)
ZERO_YUAN = Value(0, output_field=DecimalField(max_digits=18, decimal_places=2))


# ---- rules -------------------------------------------------------------------------------------------------------


def rules_all() -> list[PreAssessmentRuleSet]:
    return list(PreAssessmentRuleSet.objects.select_related("region"))


def rules_for(regions: Iterable[Any], fiscal_years: Iterable[int]) -> list[PreAssessmentRuleSet]:
    """The rows `pick_rule` can choose for these regions and years: national or an ancestor region (or the region
    itself), every year or one of these years. A page of projects needs these, not every county's rows."""
    ancestors: set[str] = set()
    for region in regions:
        parts = region.path.split("/")[:-1]  # "510000000/511700000/511725000/" → its three ancestor paths
        ancestors.update("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    return list(
        PreAssessmentRuleSet.objects.filter(
            Q(region__isnull=True) | Q(region__path__in=sorted(ancestors)),
            Q(fiscal_year__isnull=True) | Q(fiscal_year__in=sorted(set(fiscal_years))),
        )
        .select_related("region")
        .order_by()  # pick_rule ranks them; no ORDER BY to compile or run
    )


def pick_rule(rules: Iterable[PreAssessmentRuleSet], region: Any, fiscal_year: int) -> PreAssessmentRuleSet:
    """The most specific row: nearest region (national last), then the given year before “every year”.

    Without any row (a fresh database) the DOMAIN.md §2.1 defaults apply."""
    best: tuple[int, int] | None = None
    chosen: PreAssessmentRuleSet | None = None
    for rule in rules:
        if rule.fiscal_year is not None and rule.fiscal_year != fiscal_year:
            continue
        if rule.region_id is not None and not region.path.startswith(rule.region.path):  # type: ignore[union-attr]
            continue
        rank = (len(rule.region.path) if rule.region_id else -1, 1 if rule.fiscal_year else 0)  # type: ignore[union-attr]
        if best is None or rank > best:
            best, chosen = rank, rule
    return chosen or PreAssessmentRuleSet()


def rule_for(region: Any, fiscal_year: int) -> PreAssessmentRuleSet:
    return pick_rule(rules_all(), region, fiscal_year)


def assessment_required(project: Any, rule: PreAssessmentRuleSet | None = None) -> tuple[bool, str]:
    """Whether the project needs a 事前绩效评估 under the rule in force, and why (Chinese, for the page)."""
    rule = rule or rule_for(project.region, project.fiscal_year)
    threshold = f"{rule.min_amount_wan.normalize():f}万元"
    if project.budget_book in (rule.budget_books or []):
        return True, f"{project.get_budget_book_display()}项目须开展事前绩效评估"
    if project.is_special_bond and rule.applies_to_special_bonds:
        return True, "专项债券项目须开展事前绩效评估"
    if project.fiscal_amount_yuan < rule.min_amount_yuan:
        return False, f"财政拨款低于{threshold}"
    if project.is_policy and rule.applies_to_policy:
        return True, f"政策类项目（新出台政策），财政拨款达到{threshold}"
    if project.is_revised and rule.applies_to_revised:
        return True, f"修订的政策或项目，财政拨款达到{threshold}"
    if project.is_new:
        if rule.applies_to_new:
            return True, f"新增项目，财政拨款达到{threshold}"
        return False, "本年度规则不要求新增项目开展事前评估"
    if project.start_year == project.fiscal_year:
        if rule.applies_to_expiring_continuation:
            return True, f"到期延续项目，财政拨款达到{threshold}"
        return False, "本年度规则不要求到期延续项目开展事前评估"
    return False, "实施期内的延续项目无需事前评估"


def suggested_conclusion(score: Decimal | None, rule: PreAssessmentRuleSet) -> str:
    """Score → default conclusion (DOMAIN.md §2.1): thresholds come from the rule row, not constants."""
    if score is None:
        return ""
    if score >= rule.support_min_score:
        return Conclusion.SUPPORT.value
    if score >= rule.adjust_min_score:
        return Conclusion.SUPPORT_AFTER_ADJUSTMENT.value
    return Conclusion.REJECT.value


def conclude_initial(assessment: PreAssessment) -> dict[str, Any]:
    """What the conclusion form starts from: the confirmed panel score or else the agency's score, the conclusion
    the rule maps that score to, and the requested amount as the supported amount."""
    pa = assessment
    score = pa.score if pa.score is not None else pa.agency_score
    initial: dict[str, Any] = {"supported_amount_yuan": pa.requested_amount_yuan}
    if score is not None:
        suggested = pa.suggested_conclusion if pa.score is not None and pa.suggested_conclusion else ""
        suggested = suggested or suggested_conclusion(score, rule_for(pa.region, pa.fiscal_year))
        initial.update({"score": score, "conclusion": suggested})
        if pa.agency_opinion and pa.score is None:
            initial["opinion"] = pa.agency_opinion[:2000]
    return initial


# ---- assessments -------------------------------------------------------------------------------------------------


def assessments_visible(user: Any) -> QuerySet[PreAssessment]:
    return PreAssessment.objects.visible_to(user).select_related("project", "department", "unit")


def assessment_get(user: Any, pk: Any) -> PreAssessment:
    return PreAssessment.objects.select_related("project", "project__region", "department", "unit", "region").get(
        pk=_visible_pk(user, pk)
    )


def _visible_pk(user: Any, pk: Any) -> int:
    return PreAssessment.objects.get_visible_or_404(user, pk=pk).pk


def latest_assessment(project: Any) -> PreAssessment | None:
    return PreAssessment.objects.filter(project_id=project.pk, is_deleted=False).order_by("-id").first()


def assessment_events(assessment: PreAssessment) -> QuerySet[PreAssessmentEvent]:
    return assessment.events.select_related("actor")


def _last_action() -> Subquery:
    return Subquery(PreAssessmentEvent.objects.filter(assessment=OuterRef("pk")).order_by("-id").values("action")[:1])


def pending_return(assessment: PreAssessment) -> PreAssessmentEvent | None:
    """The return a draft filing is waiting to answer (its latest step sent it back), shown with its opinion on the
    page; None for a filing never submitted, resubmitted since, or not a draft."""
    if assessment.status != PreAssessmentStatus.DRAFT:
        return None
    last = assessment.events.select_related("actor").order_by("-id").first()
    return last if last is not None and last.action in RETURN_ACTIONS else None


def assessment_attachments(assessment: PreAssessment) -> QuerySet[Attachment]:
    return assessment.attachments.select_related("uploaded_by")


def attachment_get(user: Any, assessment_pk: Any, pk: Any) -> Attachment:
    """An attachment of a visible assessment, or 404 (another unit's file does not exist for this user)."""
    assessment = PreAssessment.objects.get_visible_or_404(user, pk=assessment_pk)
    found = assessment.attachments.filter(pk=pk).first() if is_digits(str(pk)) and int(pk) <= MAX_ID else None
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class DraftTarget:
    """The project's 绩效目标 as it stands (the current version of its target) for the filing and the reviewers."""

    target: PerformanceTarget | None
    indicators: list[TargetIndicator]


def draft_target(assessment: PreAssessment) -> DraftTarget:
    """Read through the assessment: whoever may see the assessment (experts, agencies) sees its draft targets."""
    target = (
        PerformanceTarget.objects.filter(project_id=assessment.project_id, fiscal_year=assessment.fiscal_year)
        .order_by("-id")
        .first()
    )
    return DraftTarget(target, list(target_indicators(target)) if target is not None else [])


def assessment_audit_trail(assessment: PreAssessment) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="preassessment.preassessment", object_id=str(assessment.pk))


def projects_to_assess(user: Any, projects: QuerySet[Any]) -> list[Any]:
    """Visible projects without an open or supported assessment (what a unit may start filing for)."""
    busy = PreAssessment.objects.filter(is_deleted=False).exclude(
        status=PreAssessmentStatus.CONCLUDED, conclusion__in=[Conclusion.DEFER, Conclusion.REJECT]
    )
    return list(projects.exclude(pk__in=busy.values("project_id")).select_related("unit")[:500])


# ---- the project library's view: required? state? result? -----------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    required: bool
    reason: str
    assessment: PreAssessment | None

    @property
    def label(self) -> str:
        pa = self.assessment
        if pa is None:
            return "须评估·未申报" if self.required else "无需评估"
        if pa.status == PreAssessmentStatus.CONCLUDED:
            text = pa.get_conclusion_display()
            if pa.awaits_revision:
                text += "（待确认调整方案）"
            return text
        return f"评估中·{pa.get_status_display()}"

    @property
    def css(self) -> str:
        pa = self.assessment
        if pa is None:
            return "danger" if self.required else "light text-muted border"
        if pa.is_supported:
            return "success"
        if pa.status == PreAssessmentStatus.CONCLUDED:
            return "danger" if pa.conclusion == Conclusion.REJECT else "warning"
        return "info"


def assessment_overview(project: Any, rules: list[PreAssessmentRuleSet] | None = None) -> Overview:
    rule = pick_rule(rules if rules is not None else rules_all(), project.region, project.fiscal_year)
    required, reason = assessment_required(project, rule)
    return Overview(required, reason, latest_assessment(project))


NARRATIVE_FIELDS = (*SECTION_FIELDS, "override_reason", "conclusion_opinion", "agency_opinion")


def assessment_overviews(projects: Iterable[Any]) -> dict[int, Overview]:
    """Overviews for a page of projects in two queries (rules, latest assessments), whatever the page size.

    The projects should come with `region` selected (projects.selectors.projects_visible does)."""
    projects = list(projects)
    if not projects:
        return {}
    rules = rules_for({p.region for p in projects}, {p.fiscal_year for p in projects})
    latest: dict[int, PreAssessment] = {}
    # The badge reads the status and conclusion: the filing's narrative (seven texts of up to 8,000 characters each)
    # and the opinions stay in the database, not on every list page.
    rows = (
        PreAssessment.objects.filter(project_id__in=[p.pk for p in projects], is_deleted=False)
        .defer(*NARRATIVE_FIELDS)
        .order_by()
    )
    for pa in rows:  # the newest (highest id) per project, chosen here rather than by an ORDER BY
        if pa.project_id not in latest or pa.pk > latest[pa.project_id].pk:
            latest[pa.project_id] = pa
    result: dict[int, Overview] = {}
    for project in projects:
        required, reason = assessment_required(project, pick_rule(rules, project.region, project.fiscal_year))
        result[project.pk] = Overview(required, reason, latest.get(project.pk))
    return result


def project_gate(project: Any, action: str) -> None:
    """Registered with projects.gates: a project that needs an assessment enters the library only when supported;
    a project whose assessment is in review is not cancelled under it (the review would go on for nothing); an
    in-library project's 财政拨款 is not edited above the amount its assessment supported (核减后支持)."""
    if action == "edit":
        pa = latest_assessment(project) if project.status == Project.Status.IN_LIBRARY else None
        cap = pa.supported_amount_yuan if pa is not None and pa.is_supported else None
        if cap is not None and project.fiscal_amount_yuan > cap:
            raise DomainError(
                f"该项目事前绩效评估的支持金额为{format_wan(cap)}万元，已入库项目的财政拨款不能超过该金额"
                f"（填写为{format_wan(project.fiscal_amount_yuan)}万元）；如需增加，请重新开展事前绩效评估"
            )
        return
    if action == "cancel":
        pa = latest_assessment(project)
        if pa is not None and pa.status in IN_REVIEW:
            raise DomainError(
                f"该项目的事前绩效评估“{pa.get_status_display()}”，不能撤销项目；请先撤回评估申报或待审核人退回后再撤销"
            )
        return
    if action not in GATED_ACTIONS:
        return
    rule = rule_for(project.region, project.fiscal_year)
    if not rule.blocks_budget_if_missing:
        return
    required, reason = assessment_required(project, rule)
    if not required:
        return
    pa = latest_assessment(project)
    if pa is None:
        raise DomainError(f"该项目须开展事前绩效评估（{reason}），评估结论为予以支持、核减后支持或调整后支持后方可入库")
    if not pa.is_supported:
        overview = Overview(required, reason, pa)
        raise DomainError(f"该项目的事前绩效评估为“{overview.label}”，尚不能入库")
    if pa.supported_amount_yuan is not None and project.fiscal_amount_yuan > pa.supported_amount_yuan:
        raise DomainError(
            f"项目财政拨款{format_wan(project.fiscal_amount_yuan)}万元超过事前评估支持金额"
            f"{format_wan(pa.supported_amount_yuan)}万元"
        )


# ---- statistics (DOMAIN.md §2.9 PA-1…PA-3) -------------------------------------------------------------------------

STAT_FIELDS = ("filed", "requested", "supported", "supported_amount", "reduced", "adjusted", "deferred", "rejected")


def _stat_aggregates() -> dict[str, Any]:
    supportive = Q(conclusion__in=SUPPORTIVE, status=PreAssessmentStatus.CONCLUDED)
    return {
        "filed": Count("id"),
        "requested": Coalesce(Sum("requested_amount_yuan"), ZERO_YUAN),
        "concluded": Count("id", filter=Q(status=PreAssessmentStatus.CONCLUDED)),
        "supported": Count("id", filter=supportive),
        "supported_amount": Coalesce(Sum("supported_amount_yuan", filter=supportive), ZERO_YUAN),
        "reduced": Count("id", filter=Q(conclusion=Conclusion.SUPPORT_REDUCED)),
        "adjusted": Count("id", filter=Q(conclusion=Conclusion.SUPPORT_AFTER_ADJUSTMENT)),
        "deferred": Count("id", filter=Q(conclusion=Conclusion.DEFER)),
        "rejected": Count("id", filter=Q(conclusion=Conclusion.REJECT)),
        "cut": Coalesce(Sum("reduction_amount_yuan"), ZERO_YUAN),
    }


def preassessment_statistics(user: Any, fiscal_year: int) -> dict[str, Any]:
    """Per department and in total: filed (ever submitted), requested, supported (count, amount), reduced, adjusted,
    deferred, rejected and the 压减 amount (requested − supported over concluded assessments), all in the database."""
    filed = PreAssessment.objects.visible_to(user).filter(fiscal_year=fiscal_year, submitted_at__isnull=False)
    rows = list(
        filed.values("department_id")
        .annotate(
            dept_code=Coalesce("department__dept_code", Value("")),
            department=Coalesce("department__name", Value("")),
            **_stat_aggregates(),
        )
        .order_by("dept_code", "department_id")
    )
    totals = filed.aggregate(**_stat_aggregates())
    return {"rows": rows, "totals": totals, "sentence": statistics_sentence(totals)}


def _plain_wan(yuan: Decimal) -> str:
    return f"{wan_from_yuan(yuan).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def statistics_sentence(totals: dict[str, Any]) -> str:
    """The seeds' account, e.g. “申报项目68个、涉及金额26916.17万元，63个予以支持、支持金额24655.51万元，
    压减支出2260.66万元” (seed 000)."""
    return (
        f"申报项目{totals['filed']}个、涉及金额{_plain_wan(totals['requested'])}万元，"
        f"{totals['supported']}个予以支持、支持金额{_plain_wan(totals['supported_amount'])}万元，"
        f"压减支出{_plain_wan(totals['cut'])}万元"
    )


# ---- 待办 ----------------------------------------------------------------------------------------------------------


# What the reviewers' 待办 lines ask.
REVIEW_HINTS = {
    "preassessment.review_dept": "审核后通过，或填写意见退回",
    "preassessment.review_section": "审核后通过，或填写意见退回",
    "preassessment.conclude": "组织评审后作出评估结论",
}


def preassessment_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("preassessment.view"):
        return []
    counts = dict(PreAssessment.objects.visible_to(user).values_list("status").annotate(n=Count("id")).order_by())
    url = reverse("preassessment:list")
    items: list[TodoItem] = []
    if membership.can("preassessment.file"):
        drafts = PreAssessment.objects.visible_to(user).filter(status=PreAssessmentStatus.DRAFT)
        returned = drafts.annotate(last_action=_last_action()).filter(last_action__in=RETURN_ACTIONS).count()
        items.append(
            TodoItem("事前绩效评估", "评估申报被退回", returned, f"{url}?status=draft", "请按退回意见修改后重新提交")
        )
        items.append(
            TodoItem(
                "事前绩效评估",
                "评估申报未提交",
                counts.get("draft", 0) - returned,
                f"{url}?status=draft",
                "请完善后提交",
            )
        )
    for capability in ("preassessment.review_dept", "preassessment.review_section", "preassessment.conclude"):
        if membership.can(capability):
            for status in PREASSESSMENT_WORKFLOW.states_awaiting(capability):
                label = PreAssessmentStatus(status).label
                hint = (
                    "组织评审后作出评估结论" if capability == "preassessment.conclude" else "审核后通过，或填写意见退回"
                )
                items.append(
                    TodoItem("事前绩效评估", f"评估{label}", counts.get(status, 0), f"{url}?status={status}", hint)
                )
    return items


def assessments_filtered(user: Any, params: dict[str, Any]) -> QuerySet[PreAssessment]:
    qs = assessments_visible(user)
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    qs = in_region(qs, params.get("region"))
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("conclusion"):
        qs = qs.filter(conclusion=params["conclusion"])
    if params.get("q"):
        qs = qs.filter(Q(project__name__icontains=params["q"]) | Q(project__code__icontains=params["q"]))
    return qs


# The project statuses a unit files an assessment from (before 入库): the page's list and the API alike.
FILABLE_STATUSES = ("draft", "returned")


def project_for_filing(user: Any, pk: Any) -> Any:
    """A visible project to file an assessment for, or None (another unit's project does not exist)."""
    return projects_visible(user).filter(pk=pk).first() if is_digits(str(pk)) and int(pk) <= MAX_ID else None


def assessable_projects(user: Any) -> list[Any]:
    """Visible draft or returned projects a unit may start an assessment for (no open or supported one yet)."""
    projects = projects_visible(user).filter(status__in=FILABLE_STATUSES)
    return projects_to_assess(user, projects)


def rules_shown(user: Any) -> QuerySet[PreAssessmentRuleSet]:
    """The rule rows of the rules page: the national rows and those of the user's region and below."""
    region_path = user.active_membership.region.path
    return PreAssessmentRuleSet.objects.filter(Q(region__isnull=True) | Q(region__path__startswith=region_path))


def rules_visible(user: Any) -> list[PreAssessmentRuleSet]:
    return list(rules_shown(user).select_related("region"))


def rule_in_force(user: Any, fiscal_year: int) -> PreAssessmentRuleSet:
    """The row the user's region follows in the year (its own, an ancestor's or the national one): the rules page
    starts its form from it."""
    region = user.active_membership.region
    return pick_rule(rules_for([region], [fiscal_year]), region, fiscal_year)
