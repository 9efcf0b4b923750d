"""Expert pool reads. Every user-facing query starts from `visible_to(user)`; a miss is a 404 for the caller."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.core.config_rows import applicable, layered, most_specific
from jixiao.core.errors import NotFoundError
from jixiao.core.scoping import ScopeLevel
from jixiao.core.todos import TodoItem, countdown
from jixiao.experts.drawing import Candidate
from jixiao.experts.models import (
    Agency,
    AgencyQualityReview,
    Engagement,
    EngagementDeliverable,
    Expert,
    PanelDraw,
    QualityReviewSetting,
)
from jixiao.organizations.models import Department, FiscalRegion


def actor_region(user: Any) -> FiscalRegion | None:
    membership = getattr(user, "active_membership", None)
    return membership.region if membership is not None else None


def experts_visible(user: Any) -> QuerySet[Expert]:
    return Expert.objects.visible_to(user).select_related("region", "department")


def expert_get(user: Any, pk: Any) -> Expert:
    return Expert.objects.select_related("region", "department", "user").get_visible_or_404(user, pk=pk)


def expert_conflicts(expert: Expert) -> QuerySet[Department]:
    return expert.conflict_departments.order_by("dept_code")


def expert_fields(user: Any) -> list[str]:
    """The distinct fields of the visible pool, for filters and the draw form."""
    return list(Expert.objects.visible_to(user).order_by("field").values_list("field", flat=True).distinct())


def department_choices(user: Any) -> QuerySet[Department]:
    return Department.objects.visible_to(user).order_by("region__path", "dept_code")


def departments_by_region(user: Any, region_ids: list[int]) -> dict[int, dict[str, Department]]:
    """The visible departments of the regions, per region by code (one query), for the import."""
    found: dict[int, dict[str, Department]] = {pk: {} for pk in region_ids}
    for department in Department.objects.visible_to(user).filter(region_id__in=region_ids):
        found[department.region_id][department.dept_code] = department
    return found


def experts_by_id(user: Any) -> dict[int, Expert]:
    return {e.pk: e for e in Expert.objects.visible_to(user).select_related("region")}


def candidates(user: Any) -> list[Candidate]:
    """The visible pool as draw candidates (inactive experts included: the draw reports why they are out)."""
    rows = Expert.objects.visible_to(user).prefetch_related("conflict_departments").order_by("pk")
    return [
        Candidate(
            id=e.pk,
            field=e.field,
            department_id=e.department_id,
            conflict_department_ids=frozenset(d.pk for d in e.conflict_departments.all()),
            is_active=e.is_active,
        )
        for e in rows
    ]


def draws_visible(user: Any) -> QuerySet[PanelDraw]:
    return PanelDraw.objects.visible_to(user).select_related("avoid_department", "drawn_by")


def draw_get(user: Any, pk: Any) -> PanelDraw:
    return PanelDraw.objects.select_related("avoid_department", "drawn_by").get_visible_or_404(user, pk=pk)


def draw_experts(draw: PanelDraw) -> list[Expert]:
    """The drawn experts in draw order (still shown after they leave the pool)."""
    by_id = Expert.objects.select_related("department").in_bulk(draw.drawn_ids)
    return [by_id[i] for i in draw.drawn_ids if i in by_id]


def draw_pool(draw: PanelDraw) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """The draw's candidates as (id, name) and its exclusions as (id, name, reason), named from the expert pool
    (an expert deleted since keeps the bare id)."""
    ids = [*draw.eligible_ids, *(item[0] for item in draw.excluded)]
    names = dict(Expert.objects.filter(pk__in=ids).values_list("pk", "name"))
    eligible = [(i, names.get(i, "")) for i in draw.eligible_ids]
    excluded = [(item[0], names.get(item[0], ""), item[1]) for item in draw.excluded]
    return eligible, excluded


# ---------------------------------------------------------------- third-party agencies


def agencies_visible(user: Any) -> QuerySet[Agency]:
    return Agency.objects.visible_to(user).select_related("region").prefetch_related("users")


def agency_get(user: Any, pk: Any) -> Agency:
    return Agency.objects.select_related("region").get_visible_or_404(user, pk=pk)


def active_agencies(user: Any) -> QuerySet[Agency]:
    return Agency.objects.visible_to(user).filter(is_active=True).order_by("name")


def commission_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies the user may commission: the pool they see (finance), or for a 主管部门 the pool of its own
    region, which it may not browse but picks from when it commissions an agency itself."""
    membership = getattr(user, "active_membership", None)
    if membership is not None and membership.scope_level == ScopeLevel.DEPARTMENT and membership.department_id:
        return Agency.objects.filter(region_id=membership.region_id, is_deleted=False).order_by("name")
    return Agency.objects.visible_to(user).order_by("name")


def commissioning_department(user: Any) -> Department | None:
    """The 主管部门 a new engagement is commissioned by: the actor's own department, or None for the finance bureau."""
    membership = getattr(user, "active_membership", None)
    if membership is not None and membership.scope_level == ScopeLevel.DEPARTMENT and membership.department_id:
        return membership.department  # type: ignore[no-any-return]
    return None


def agency_user_choices(user: Any) -> QuerySet[User]:
    """Logins with the role 第三方机构 in the actor's region subtree: the accounts an agency may be linked to."""
    region = actor_region(user)
    if region is None:
        return User.objects.none()
    return (
        User.objects.filter(memberships__role="agency", memberships__region__path__startswith=region.path)
        .distinct()
        .order_by("username")
    )


def expert_user_choices(user: Any, expert: Any = None) -> QuerySet[User]:
    """Logins with an active 评审专家 membership of the expert's region (a new expert's: the actor's, which it is
    given) that no other expert uses: the accounts an expert may be linked to (the expert then scores online under
    我的评审任务). The expert's own login stays a choice, whatever became of its roles."""
    region = expert.region if expert is not None and expert.pk else actor_region(user)
    if region is None:
        return User.objects.none()
    taken = Expert.objects.filter(user__isnull=False)
    current = Q(pk__in=[])
    if expert is not None and expert.pk:
        taken = taken.exclude(pk=expert.pk)
        current = Q(pk=expert.user_id)
    offered = Q(is_active=True, memberships__role="expert", memberships__is_active=True, memberships__region=region)
    free = User.objects.filter(offered | current).exclude(pk__in=taken.values("user_id"))
    return free.distinct().order_by("username")


# ---- engagements and quality reviews ------------------------------------------------------------------------------


def engagements_visible(user: Any) -> QuerySet[Engagement]:
    return Engagement.objects.visible_to(user).select_related("agency", "department").order_by("-fiscal_year", "-id")


def engagement_get(user: Any, pk: Any) -> Engagement:
    return Engagement.objects.select_related("agency", "region", "department").get_visible_or_404(user, pk=pk)


def overdue_q(today: Any = None) -> Q:
    """The engagements still 履约中 (no deliverable submitted, not accepted or terminated) past their 成果提交期限."""
    return Q(status=Engagement.Status.ACTIVE, deadline__lt=today or timezone.localdate())


def overdue(engagements: QuerySet[Engagement], today: Any = None) -> QuerySet[Engagement]:
    return engagements.filter(overdue_q(today))


def engagements_filtered(user: Any, params: dict[str, Any]) -> QuerySet[Engagement]:
    """The visible engagements by the list filters: `status`, and `overdue` (past the deadline, nothing submitted)."""
    qs = engagements_visible(user)
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("overdue"):
        qs = overdue(qs)
    return qs


def engagement_deliverables(engagement: Engagement) -> QuerySet[EngagementDeliverable]:
    return engagement.deliverables.select_related("uploaded_by")


def deliverable_get(user: Any, engagement_pk: Any, pk: Any) -> EngagementDeliverable:
    """A deliverable of an engagement the user may see; anything else is a 404."""
    engagement = engagement_get(user, engagement_pk)
    try:
        return engagement.deliverables.select_related("engagement").get(pk=pk)
    except (EngagementDeliverable.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFoundError("委托成果不存在") from exc


def engagement_todos(user: Any) -> list[TodoItem]:
    """待办 of 第三方委托: the commissioner (the performance section, or a 主管部门 of its own) is told of the
    engagements past their 成果提交期限 with nothing submitted and of those whose deliverables await its 验收; an
    agency's login of its own engagements still awaiting their deliverables, with the nearest deadline counted down.
    Counted over what the user may see."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return []
    items: list[TodoItem] = []
    url = reverse("experts:engagement_list")
    if membership.can("engagement.commission"):
        # One query: 履约中 past the deadline (`overdue_q`), and 已提交成果 awaiting the section's 验收 or 终止.
        late_q = overdue_q()
        counts = Engagement.objects.visible_to(user).aggregate(
            late=Count("id", filter=late_q),
            first=Min("deadline", filter=late_q),
            delivered=Count("id", filter=Q(status=Engagement.Status.DELIVERED)),
        )
        first = counts["first"]
        hint = f"最早期限 {first:%Y-%m-%d}，{countdown(first)[1]}" if first else ""
        items.append(TodoItem("第三方委托", "第三方委托成果逾期未提交", counts["late"], f"{url}?overdue=1", hint))
        delivered = f"{url}?status={Engagement.Status.DELIVERED}"
        items.append(
            TodoItem("第三方委托", "委托成果待验收", counts["delivered"], delivered, "核对委托成果后验收，或终止委托")
        )
    if membership.can("engagement.deliver"):
        waiting = (
            Engagement.objects.visible_to(user)
            .filter(status=Engagement.Status.ACTIVE)
            .aggregate(n=Count("id"), first=Min("deadline"))
        )
        first = waiting["first"]
        hint = f"最近期限 {first:%Y-%m-%d}，{countdown(first)[1]}" if first else "请按合同约定提交委托成果"
        status = Engagement.Status.ACTIVE
        items.append(TodoItem("第三方委托", "委托成果待提交", waiting["n"], f"{url}?status={status}", hint))
    return items


def engagement_choices(user: Any, scope: str | None = None, keep: int | None = None) -> QuerySet[Engagement]:
    """The engagements in force (履约中) the user may link a piece of work to; `keep`: the one already linked, which
    stays a choice after its agency has delivered (已提交成果) or it was accepted or ended, so the work can still be
    saved without losing the link."""
    in_force = Q(status=Engagement.Status.ACTIVE) | (Q(pk=keep) if keep else Q(pk__in=[]))
    qs = Engagement.objects.visible_to(user).filter(in_force).select_related("agency")
    return qs.filter(scope=scope) if scope else qs


def is_engagement_member(user: Any, engagement: Engagement) -> bool:
    """The user is a login of the engagement's agency (may upload its deliverables)."""
    return Agency.objects.filter(pk=engagement.agency_id, users=user.pk, is_deleted=False).exists()


def reviews_visible(user: Any) -> QuerySet[AgencyQualityReview]:
    return AgencyQualityReview.objects.visible_to(user).select_related("agency", "reviewer")


def review_get(user: Any, pk: Any) -> AgencyQualityReview:
    return AgencyQualityReview.objects.select_related("agency").get_visible_or_404(user, pk=pk)


def agency_reviews(agency: Agency) -> QuerySet[AgencyQualityReview]:
    return AgencyQualityReview.objects.filter(agency=agency).select_related("reviewer").order_by("-fiscal_year")


def agency_engagements(agency: Agency) -> QuerySet[Engagement]:
    return Engagement.objects.filter(agency=agency, is_deleted=False).order_by("-fiscal_year", "-id")


def quality_setting(region: FiscalRegion, fiscal_year: int) -> QualityReviewSetting:
    """The most specific quality-review setting (weights and bands); the built-in defaults if none is stored."""
    rows = QualityReviewSetting.objects.select_related("region")
    row = most_specific(rows, region, fiscal_year)
    return row if row is not None else QualityReviewSetting()


def quality_setting_rows(region: FiscalRegion, fiscal_year: int | None) -> list[QualityReviewSetting]:
    """The stored settings that may apply in the region (national, its ancestors', its own), least specific first:
    for one year (the last of them applies), or for every year when `fiscal_year` is None. The settings page shows
    them, and its lock token covers those of the year it edits."""
    rows = QualityReviewSetting.objects.select_related("region")
    if fiscal_year is None:
        return layered(applicable(rows, region, None, year_field=""))
    return layered(applicable(rows, region, fiscal_year))
