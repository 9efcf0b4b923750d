"""Reads for 预警: the setting and rules in force, warnings and lights, tiers, cases, 待办, the dashboard card."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from jixiao.alerts.models import (
    ANSWERABLE_STATES,
    LETTER_ACTIONS,
    OPEN_STATES,
    SEVERITY,
    TAKEN_KINDS,
    CaseStatus,
    Color,
    FinanceOpinion,
    FundAdjustment,
    Profile,
    ProjectLight,
    ProjectMonitoringTier,
    ProjectYearFlag,
    RegionLightCount,
    ReminderLetter,
    TierRule,
    Warning,
    WarningCase,
    WarningRule,
    WarningSetting,
)
from jixiao.core.scoping import ScopeLevel
from jixiao.core.todos import TodoItem, countdown
from jixiao.documents.models import DocumentStatus, OfficialDocument
from jixiao.organizations.models import CalendarDay
from jixiao.organizations.selectors import spans_counties
from jixiao.projects.models import Project, ProjectStatus

ZERO_YUAN = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=2))


def _rank(row: Any, region: Any) -> tuple[int, int] | None:
    """How specific a region/year row is for `region` (None when it does not apply)."""
    if row.region_id is not None:
        if region is None or not region.path.startswith(row.region.path):
            return None
        depth = len(row.region.path)
    else:
        depth = -1
    return depth, 1 if row.fiscal_year else 0


def pick_setting(settings_rows: Iterable[WarningSetting], region: Any, fiscal_year: int) -> WarningSetting:
    """The most specific setting row (nearest region, then the given year); national_default/MONTH without any."""
    best: tuple[int, int] | None = None
    chosen: WarningSetting | None = None
    for row in settings_rows:
        if row.fiscal_year is not None and row.fiscal_year != fiscal_year:
            continue
        rank = _rank(row, region)
        if rank is not None and (best is None or rank > best):
            best, chosen = rank, row
    return chosen or WarningSetting()


def setting_for(region: Any, fiscal_year: int) -> WarningSetting:
    return pick_setting(WarningSetting.objects.select_related("region"), region, fiscal_year)


def pick_rules(rules: Iterable[WarningRule], region: Any, fiscal_year: int, profile: str) -> list[WarningRule]:
    """The rules in force: national_default rows plus the active profile's rows; per code the active profile beats
    national, then the nearest region and the given year win. Disabled winners switch the code off."""
    chosen: dict[str, tuple[tuple[int, int, int], WarningRule]] = {}
    for rule in rules:
        if rule.profile not in (Profile.NATIONAL, profile):
            continue
        if rule.fiscal_year is not None and rule.fiscal_year != fiscal_year:
            continue
        rank = _rank(rule, region)
        if rank is None:
            continue
        key = (1 if rule.profile == profile and profile != Profile.NATIONAL else 0, *rank)
        current = chosen.get(rule.code)
        if current is None or key > current[0]:
            chosen[rule.code] = (key, rule)
    # A profile row that is switched off falls back to the national one.
    result = []
    for code, (_key, rule) in chosen.items():
        if not rule.enabled and rule.profile != Profile.NATIONAL:
            fallback = [
                r
                for r in rules
                if r.code == code and r.profile == Profile.NATIONAL and r.enabled and _rank(r, region) is not None
                if r.fiscal_year in (None, fiscal_year)
            ]
            if fallback:
                result.append(max(fallback, key=lambda r: _rank(r, region) or (-2, 0)))
            continue
        if rule.enabled:
            result.append(rule)
    return sorted(result, key=lambda r: (r.sort, r.code))


def rules_in_force(region: Any, fiscal_year: int) -> tuple[WarningSetting, list[WarningRule]]:
    setting = setting_for(region, fiscal_year)
    rules = list(WarningRule.objects.select_related("region"))
    return setting, pick_rules(rules, region, fiscal_year, setting.profile)


def rules_visible(user: Any) -> QuerySet[WarningRule]:
    region = user.active_membership.region
    ancestors = [part for part in region.path.split("/") if part]
    return WarningRule.objects.filter(Q(region__isnull=True) | Q(region__mof_div_code__in=ancestors)).select_related(
        "region"
    )


def settings_visible(user: Any) -> QuerySet[WarningSetting]:
    region = user.active_membership.region
    ancestors = [part for part in region.path.split("/") if part]
    return WarningSetting.objects.filter(Q(region__isnull=True) | Q(region__mof_div_code__in=ancestors)).select_related(
        "region"
    )


def rule_get(user: Any, pk: Any) -> WarningRule:
    from django.http import Http404

    found = rules_visible(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise Http404
    return found


def pick_tier_rules(rules: Iterable[TierRule], region: Any, fiscal_year: int) -> list[TierRule]:
    chosen: dict[str, tuple[tuple[int, int], TierRule]] = {}
    for rule in rules:
        if rule.fiscal_year is not None and rule.fiscal_year != fiscal_year:
            continue
        rank = _rank(rule, region)
        if rank is None:
            continue
        current = chosen.get(rule.tier)
        if current is None or rank > current[0]:
            chosen[rule.tier] = (rank, rule)
    return [rule for _rank_, rule in chosen.values() if rule.enabled]


def tier_rules_in_force(region: Any, fiscal_year: int) -> list[TierRule]:
    return pick_tier_rules(TierRule.objects.select_related("region"), region, fiscal_year)


def own_tier_rule_rows(region: Any, tier: str, fiscal_year: int | None) -> QuerySet[TierRule]:
    """The region's own rows of a tier for the year and for every year: what its 筛选规则设置 form starts from and
    what a save from it must find unchanged (`services.tier_rule_lock_rows`)."""
    return TierRule.objects.filter(region=region, tier=tier).filter(
        Q(fiscal_year=fiscal_year) | Q(fiscal_year__isnull=True)
    )


def own_tier_rules(region: Any, fiscal_year: int) -> dict[str, TierRule]:
    """The region's own row per tier for the year, else for every year, switched off or not (what its 筛选规则设置
    form edits)."""
    rows = TierRule.objects.filter(region=region).filter(Q(fiscal_year=fiscal_year) | Q(fiscal_year__isnull=True))
    chosen: dict[str, TierRule] = {}
    for row in rows:  # the year's row wins over the every-year row, whichever comes first
        current = chosen.get(row.tier)
        if current is None or (current.fiscal_year is None and row.fiscal_year is not None):
            chosen[row.tier] = row
    return chosen


# ---- warnings and lights -----------------------------------------------------------------------------------------


def warnings_visible(user: Any) -> QuerySet[Warning]:
    return Warning.objects.visible_to(user).select_related(  # type: ignore[attr-defined, no-any-return]
        "project", "project__department", "project__unit", "rule"
    )


# 预警列表's order: red, yellow, green; then by project code (the project's id between projects of one code in
# different counties), then the rules in their order. The first four keys are the warning rows' own columns, in the
# order of the indexes `alerts_warning_year_order` and `alerts_warning_region_order`: a page is read from an index
# walk (then sorted by rule within the last project), not from a sort of the year's warnings.
LIST_ORDER = ("severity", "project_code", "project_id", "rule__sort", "rule_id")


def warnings_filtered(user: Any, params: dict[str, Any]) -> QuerySet[Warning]:
    qs = warnings_visible(user)
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    if params.get("color"):
        # The colour's severity: the same rows, and the index's second column.
        qs = qs.filter(severity=SEVERITY.get(params["color"], -1))
    if params.get("rule"):
        qs = qs.filter(rule__code=params["rule"])
    if params.get("region") is not None:  # one of the user's own (the form's choices)
        qs = qs.filter(region_id__in=params["region"].subtree_ids)
    if params.get("department"):
        qs = qs.filter(project__department=params["department"])
    if params.get("q"):
        qs = qs.filter(Q(project__name__icontains=params["q"]) | Q(project__code__icontains=params["q"]))
    return qs.order_by(*LIST_ORDER)


@dataclass(frozen=True)
class Light:
    color: str
    reasons: tuple[str, ...]
    suspended: bool = False
    tier: str = ""

    @property
    def label(self) -> str:
        return {"RED": "红灯", "YELLOW": "黄灯", "GREEN": "绿灯"}.get(self.color, "未监测")


def lights_for(projects: Iterable[Any]) -> dict[int, Light]:
    """Lights with their reasons for a set of projects in one query, whatever their number (none when no project
    is in the library: only library projects are monitored, so drafts need no look-up)."""
    projects = [p for p in projects if p.status == ProjectStatus.IN_LIBRARY]
    if not projects:
        return {}
    years = {p.pk: p.fiscal_year for p in projects}
    suspended = ProjectYearFlag.objects.filter(
        project_id=OuterRef("project_id"), fiscal_year=OuterRef("fiscal_year"), payment_suspended=True
    )
    rows = ProjectLight.objects.filter(project_id__in=list(years)).annotate(suspended=Exists(suspended))
    return {
        light.project_id: Light(light.color, tuple(light.reasons or ()), light.suspended)  # type: ignore[attr-defined]
        for light in rows
        if years.get(light.project_id) == light.fiscal_year
    }


def _whole_region_path(user: Any) -> str | None:
    """The region path of a user who sees whole regions (the read models' scope), else None."""
    membership = getattr(user, "active_membership", None)
    if membership is None or membership.scope_level != ScopeLevel.REGION:
        return None
    return str(membership.region.path)


def region_light_count(user: Any, fiscal_year: int, color: str) -> int | None:
    """How many visible projects have a light of `color` in the year, from the per-region counts the sweep keeps
    (`RegionLightCount`), for users who see whole regions; None for narrower scopes (count their lights instead).
    Equal to `ProjectLight.objects.visible_to(user).filter(fiscal_year=…, color=…).count()`."""
    path = _whole_region_path(user)
    if path is None:
        return None
    found = RegionLightCount.objects.filter(region__path__startswith=path, fiscal_year=fiscal_year, color=color)
    return int(found.aggregate(n=Coalesce(Sum("projects"), 0))["n"])


def dashboard(user: Any, fiscal_year: int, region: Any = None, department: Any = None) -> list[dict[str, Any]]:
    """Counts and budget amounts of visible projects by light colour (the dashboard card). Region-level users see
    whole regions: their card sums the per-region counts the sweep keeps (`RegionLightCount`, a few rows per
    county), of the region the warning list is filtered by if any (one of their own: the filter's choices);
    narrower scopes, and a list filtered by a 主管部门, count the lights themselves (the department's only)."""
    whole_region = _whole_region_path(user)
    rows: Any
    if whole_region is not None and department is None:
        path = region.path if region is not None else whole_region
        rows = (
            RegionLightCount.objects.filter(region__path__startswith=path, fiscal_year=fiscal_year)
            .values("color")
            .annotate(n=Sum("projects"), amount=Coalesce(Sum("amount_yuan"), ZERO_YUAN))
            .order_by()
        )
    else:
        lights = ProjectLight.objects.visible_to(user).filter(fiscal_year=fiscal_year)  # type: ignore[attr-defined]
        if department is not None:
            lights = lights.filter(project__department=department)
        rows = lights.values("color").annotate(
            n=Count("id"), amount=Coalesce(Sum("project__total_amount_yuan"), ZERO_YUAN)
        )
    by_color = {r["color"]: r for r in rows}
    return [
        {
            "color": c.value,
            "label": c.label,
            "count": by_color.get(c.value, {}).get("n", 0),
            "amount": by_color.get(c.value, {}).get("amount", Decimal(0)),
        }
        for c in (Color.RED, Color.YELLOW, Color.GREEN)
    ]


# ---- tiers, opinions, flags, adjustments -------------------------------------------------------------------------


def tiers_visible(user: Any, fiscal_year: int) -> QuerySet[ProjectMonitoringTier]:
    return (
        ProjectMonitoringTier.objects.visible_to(user)  # type: ignore[attr-defined, no-any-return]
        .filter(fiscal_year=fiscal_year)
        .select_related("project", "project__department", "project__unit", "rule", "selected_by")
        .order_by("-tier", "project__code")
    )


def opinions_by_project(project_ids: Iterable[int], fiscal_year: int) -> dict[int, FinanceOpinion]:
    rows = FinanceOpinion.objects.filter(project_id__in=list(project_ids), fiscal_year=fiscal_year)
    return {o.project_id: o for o in rows}


def project_alerts(project: Any) -> dict[str, Any]:
    """What the project page shows: light, tier, flag, opinion, cases and budget adjustments of its year."""
    year = project.fiscal_year
    return {
        "light": lights_for([project]).get(project.pk),
        "tier": ProjectMonitoringTier.objects.filter(project=project, fiscal_year=year).first(),
        "flag": ProjectYearFlag.objects.filter(project=project, fiscal_year=year).first(),
        "opinion": FinanceOpinion.objects.filter(project=project, fiscal_year=year).first(),
        "cases": list(WarningCase.objects.filter(project=project, fiscal_year=year).select_related("rule")),
        "adjustments": list(FundAdjustment.objects.filter(project=project, fiscal_year=year)),
    }


def adjustments_total(project_ids: Iterable[int] | None, fiscal_year: int, region: Any) -> Decimal:
    qs = FundAdjustment.objects.filter(
        fiscal_year=fiscal_year,
        kind__in=[FundAdjustment.Kind.ADJUST_DOWN, FundAdjustment.Kind.RECOVER],
        project__region__path__startswith=region.path,
    )
    if project_ids is not None:
        qs = qs.filter(project_id__in=list(project_ids))
    return qs.aggregate(total=Coalesce(Sum("amount_yuan"), ZERO_YUAN))["total"]  # type: ignore[no-any-return]


# ---- cases -------------------------------------------------------------------------------------------------------


def cases_visible(user: Any) -> QuerySet[WarningCase]:
    return WarningCase.objects.visible_to(user).select_related(  # type: ignore[attr-defined, no-any-return]
        "project", "project__department", "project__unit", "rule"
    )


def cases_filtered(user: Any, params: dict[str, Any]) -> QuerySet[WarningCase]:
    qs = cases_visible(user)
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    if params.get("status") == "ANSWERABLE":  # forms.ANSWERABLE: 待说明 and 已逾期, as the unit's 待办 counts them
        # The nearest deadline first: the overdue cases lead, not follow every 待单位说明 one (OPEN < OVERDUE).
        return qs.filter(status__in=ANSWERABLE_STATES).order_by("due_date", "id")
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    return qs.order_by("status", "due_date", "id")


def adjustments_filtered(user: Any, params: dict[str, Any]) -> QuerySet[FundAdjustment]:
    """预算调整登记: the adjustments of the projects the user sees, newest first, with what the list shows joined."""
    qs = FundAdjustment.objects.visible_to(user).filter(project__is_deleted=False)  # type: ignore[attr-defined]
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    if params.get("source"):
        qs = qs.filter(source=params["source"])
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    if params.get("department"):
        qs = qs.filter(project__department=params["department"])
    if params.get("q"):
        qs = qs.filter(Q(project__name__icontains=params["q"]) | Q(project__code__icontains=params["q"]))
    return qs.select_related("project__department", "project__unit", "created_by", "source_case").order_by(
        "-created_at", "-id"
    )


def adjustment_totals(adjustments: QuerySet[FundAdjustment]) -> dict[str, Any]:
    """The filtered list's count and amount (the list's 合计 line)."""
    return adjustments.order_by().aggregate(count=Count("id"), amount_yuan=Sum("amount_yuan"))


def adjustable_project(user: Any, pk: int) -> Project | None:
    """The project a 登记预算调整 link names, when the user sees it (else the form starts empty)."""
    return Project.objects.visible_to(user).filter(pk=pk, is_deleted=False).first()  # type: ignore[attr-defined, no-any-return]


def adjustment_get(user: Any, pk: Any) -> FundAdjustment:
    return FundAdjustment.objects.get_visible_or_404(user, pk=pk)  # type: ignore[attr-defined, no-any-return]


def case_get(user: Any, pk: Any) -> WarningCase:
    related = ("project__department", "project__unit", "rule", "proposed_by", "decided_by")
    return WarningCase.objects.select_related(*related).get_visible_or_404(user, pk=pk)  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class ProjectFunds:
    """A project-year's budget against what is spent (the figure of the latest sweep, dated `as_of`) and the 调剂 /
    调减 / 收回 already decided on it (`models.TAKEN_KINDS`, named in `cut_kinds`): `available_yuan` is the most a
    further 调剂 / 调减 / 收回 may take (a project red on two rules has two cases; together they cannot take more than
    it has left). The services check the amounts against it and the case page shows it."""

    budget_yuan: Decimal
    executed_yuan: Decimal
    cut_yuan: Decimal
    as_of: date | None
    cut_kinds: tuple[str, ...] = ()

    @property
    def available_yuan(self) -> Decimal:
        return max(self.budget_yuan - max(self.executed_yuan, Decimal(0)) - self.cut_yuan, Decimal(0))

    @property
    def cut_label(self) -> str:
        """“调减、收回”: the kinds already taken, as the case page and a refusal name them."""
        return "、".join(self.cut_kinds) or "调剂、调减、收回"

    @property
    def rate(self) -> Decimal | None:
        if not self.budget_yuan:
            return None
        return (self.executed_yuan * 100 / self.budget_yuan).quantize(Decimal("0.01"))


def project_funds(project: Project, fiscal_year: int) -> ProjectFunds:
    light = ProjectLight.objects.filter(project=project, fiscal_year=fiscal_year).values("executed_yuan", "as_of")
    found = light.first()
    taken = dict(
        FundAdjustment.objects.filter(project=project, fiscal_year=fiscal_year, kind__in=TAKEN_KINDS)
        .order_by()
        .values("kind")
        .annotate(total=Sum("amount_yuan"))
        .values_list("kind", "total")
    )
    return ProjectFunds(
        budget_yuan=project.total_amount_yuan,
        executed_yuan=found["executed_yuan"] if found else Decimal(0),
        cut_yuan=sum(taken.values(), Decimal(0)),
        as_of=found["as_of"] if found else None,
        cut_kinds=tuple(str(kind.label) for kind in TAKEN_KINDS if kind in taken),
    )


def payment_suspension(project: Any, fiscal_year: int) -> ProjectYearFlag | None:
    """The project-year's 暂停拨付 while it is on (when and why), else None."""
    return ProjectYearFlag.objects.filter(project=project, fiscal_year=fiscal_year, payment_suspended=True).first()


@dataclass(frozen=True)
class LetterRow:
    """A case's 提醒敦促函 as the case page shows it. `status` is the document's (待印发 until the 绩效股 issues it);
    `url` is the document's page, empty for a placeholder escalated before letters became documents. `waiting`: no
    letter yet, the case escalated by a list page and its letter left to the background job or the nightly command
    (`services.escalate_on_page`)."""

    title: str
    status: str
    doc_no: str
    feedback_deadline: date | None
    url: str
    is_draft: bool
    awaits_feedback: bool = False
    cases: int = 1  # the cases the letter covers (one letter per unit: `alerts.letters.draft_missing`)
    waiting: bool = False


def case_letters(user: Any, case: WarningCase) -> list[LetterRow]:
    """The case's letters the viewer may see: a drafted letter only while its document is visible to the viewer
    (the 绩效股 sees the draft; the addressed unit sees the letter once issued, as in 我收到的文书). An escalated case
    whose letter is not drafted yet shows it as 待生成 to those who will see the draft, rather than nothing."""
    letters = list(case.letters.all())  # type: ignore[attr-defined]
    if not letters:
        waiting = case.status == CaseStatus.OVERDUE and case.rule.on_timeout in LETTER_ACTIONS
        if not (waiting and user.can("documents.issue")):
            return []
        title = f"关于{case.project.name}预警处置逾期的提醒敦促函"[:200]
        return [LetterRow(title, "待生成", "", None, "", False, waiting=True)]
    ids = [letter.document_id for letter in letters if letter.document_id is not None]
    documents = {d.pk: d for d in OfficialDocument.objects.visible_to(user).filter(pk__in=ids)} if ids else {}
    covered = dict(
        ReminderLetter.objects.filter(document_id__in=list(documents))
        .values("document_id")
        .annotate(n=Count("id"))
        .values_list("document_id", "n")
    )
    rows = []
    for letter in letters:
        if letter.document_id is None:
            rows.append(LetterRow(letter.title, letter.get_status_display(), "", None, "", False))
            continue
        document = documents.get(letter.document_id)
        if document is None:
            continue
        is_draft = document.status == DocumentStatus.DRAFT
        status = "待印发" if is_draft else document.get_status_display()
        url = reverse("documents:detail", args=[document.pk])
        awaits = document.status in (DocumentStatus.ISSUED, DocumentStatus.READ)
        rows.append(
            LetterRow(
                document.title,
                status,
                document.doc_no,
                document.feedback_deadline,
                url,
                is_draft,
                awaits,
                covered.get(document.pk, 1),
            )
        )
    return rows


def overdue_cases(today: date, region: Any | None = None) -> QuerySet[WarningCase]:
    qs = WarningCase.objects.filter(status=CaseStatus.OPEN, due_date__lt=today)
    if region is not None:
        qs = qs.filter(project__region__path__startswith=region.path)
    return qs


def alert_todos(user: Any) -> list[TodoItem]:
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return []
    items: list[TodoItem] = []
    if membership.can("alerts.respond"):
        stats = (
            WarningCase.objects.visible_to(user)  # type: ignore[attr-defined]
            .filter(status__in=ANSWERABLE_STATES)
            .aggregate(n=Count("id"), first=Min("due_date"))
        )
        first = stats["first"]
        hint = f"最近期限 {first:%Y-%m-%d}，{countdown(first)[1]}" if first else ""
        url = reverse("alerts:cases") + "?status=ANSWERABLE"  # the overdue cases too, as counted
        items.append(TodoItem("预警处置", "红灯预警待说明", stats["n"], url, hint))
    if membership.can("alerts.decide"):
        to_decide = cases_visible(user).filter(status=CaseStatus.PROPOSED).count()
        items.append(TodoItem("预警处置", "预警处置待决定", to_decide, reverse("alerts:cases") + "?status=PROPOSED"))
    return items


def open_case_keys(project_ids: Iterable[int], fiscal_year: int) -> set[tuple[int, str]]:
    rows = WarningCase.objects.filter(
        project_id__in=list(project_ids), fiscal_year=fiscal_year, status__in=OPEN_STATES
    ).values_list("project_id", "rule_code")
    return set(rows)


def project_get(user: Any, pk: Any) -> Any:
    return Project.objects.get_visible_or_404(user, pk=pk)


def calendar_days(region: Any, year: int) -> QuerySet[CalendarDay]:
    return (
        CalendarDay.objects.filter(date__year=year)
        .filter(Q(region__isnull=True) | Q(region=region))
        .select_related("region")
        .order_by("date")
    )


def rounds_for_bulletin(user: Any, fiscal_year: int, region: Any = None) -> QuerySet[Any]:
    """Issued project monitoring rounds the user sees (one 通报 each). Each county issues its own rounds: a city
    or province user is offered the rounds of their own bureau, or of the region the list is filtered by, not
    those of every county under them (a province: 200 rounds of the same title)."""
    from jixiao.monitoring.models import MonitoringTask

    rounds = (
        MonitoringTask.objects.visible_to(user)
        .filter(fiscal_year=fiscal_year, kind=MonitoringTask.Kind.PROJECT)
        .exclude(status=MonitoringTask.Status.DRAFT)
        .select_related("region")
        .order_by("region__path", "period_end_month", "id")
    )
    if region is not None:
        return rounds.filter(region__path__startswith=region.path)
    if spans_counties(user):
        return rounds.filter(region=user.active_membership.region)
    return rounds


def round_get(user: Any, pk: Any) -> Any:
    from django.http import Http404

    from jixiao.monitoring.models import MonitoringTask

    found = MonitoringTask.objects.visible_to(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None or found.status == MonitoringTask.Status.DRAFT or found.kind != MonitoringTask.Kind.PROJECT:
        raise Http404
    return MonitoringTask.objects.select_related("region").get(pk=found.pk)
