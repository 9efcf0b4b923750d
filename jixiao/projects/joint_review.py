"""联合审核 of fund-theme projects (seed 003 平利: 巩固衔接资金项目联合审核机制): reads and the 入库 gate.

A region's `JointReviewRule` names, for a fund theme (衔接资金项目, 涉农整合资金项目), the lead department that
reviews those projects jointly with the finance bureau: after the project's own 主管部门 has passed it (status
待业务股室审核) and before the 业务股室 puts it in the library. The lead department's 主管部门 users give a
联合审核意见; the 入库 gate (`gate`, registered in `ProjectsConfig.ready`) requires each rule's current opinion
to be 同意.

An opinion is current when it was given after the project last came to 待业务股室审核: a project returned and
passed again by its 主管部门 needs a new opinion. The joint reviewers see the theme's projects of their region
through `joint_projects` only (the joint-review pages): their ordinary project scope is unchanged, so they cannot
edit, submit or pass another department's project.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from jixiao.core.errors import DomainError
from jixiao.projects.models import (
    THEME_FLAGS,
    JointReviewOpinion,
    JointReviewRule,
    Project,
    ProjectEvent,
    ProjectStatus,
)

# Before every project event: the start of a round for a project that reached 待业务股室审核 with no event (data
# loaded in that status).
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# The annotation `joint_projects` gives each project: its reviewer's current verdict ('' for none).
VERDICT = "joint_verdict"


def region_rules(region_id: int) -> list[JointReviewRule]:
    """The region's rules, switched off ones included (the settings page), by theme."""
    return list(JointReviewRule.objects.filter(region_id=region_id).select_related("department").order_by("theme"))


def project_rules(project: Project) -> list[JointReviewRule]:
    """The active rules the project falls under: its region's, for each fund theme it is flagged with."""
    themes = [theme for theme, flag in THEME_FLAGS.items() if getattr(project, flag)]
    if not themes:
        return []
    rules = JointReviewRule.objects.filter(region_id=project.region_id, theme__in=themes, is_active=True)
    return list(rules.select_related("department").order_by("theme"))


def reviewer_rules(user: Any) -> list[JointReviewRule]:
    """The active rules naming the user's department: what the user reviews (none without the capability)."""
    membership = getattr(user, "active_membership", None)
    if membership is None or not membership.can("project.joint_review") or not membership.department_id:
        return []
    rules = JointReviewRule.objects.filter(department_id=membership.department_id, is_active=True)
    return list(rules.select_related("department").order_by("theme"))


def _theme_q(rules: list[JointReviewRule]) -> Q:
    q = Q(pk__in=[])
    for rule in rules:
        q |= Q(region_id=rule.region_id, **{THEME_FLAGS[rule.theme]: True})
    return q


def _arrivals(project: Any) -> QuerySet[ProjectEvent]:
    """The events that brought the project to 待业务股室审核 (not the joint opinions recorded while there)."""
    return ProjectEvent.objects.filter(project=project, to_status=ProjectStatus.DEPT_APPROVED).exclude(
        from_status=ProjectStatus.DEPT_APPROVED
    )


def round_start(project: Project) -> datetime:
    """When the project last came to 待业务股室审核 (EPOCH when no event records it)."""
    last = _arrivals(project).order_by("-occurred_at", "-id").values_list("occurred_at", flat=True).first()
    return last or EPOCH


def joint_projects(user: Any, rules: list[JointReviewRule] | None = None) -> QuerySet[Project]:
    """The projects the user reviews jointly, each annotated with `joint_verdict`: the user's department's current
    opinion on the project's themes ('' for none). Those its 主管部门 has passed (at the joint step or in the
    library) and those the department gave an opinion on (a project returned after a 不同意): not another
    department's drafts. `rules`: the user's `reviewer_rules`, when the caller has read them already."""
    rules = reviewer_rules(user) if rules is None else rules
    department_id = rules[0].department_id if rules else 0
    themes = [rule.theme for rule in rules]
    started = _arrivals(OuterRef("pk")).order_by("-occurred_at", "-id").values("occurred_at")[:1]
    opinions = JointReviewOpinion.objects.filter(project=OuterRef("pk"), department_id=department_id)
    verdict = (
        opinions.filter(theme__in=themes, created_at__gte=OuterRef("joint_round"))
        .order_by("-created_at", "-id")
        .values("verdict")[:1]
    )
    passed = Q(status__in=[ProjectStatus.DEPT_APPROVED, ProjectStatus.IN_LIBRARY]) | Q(Exists(opinions))
    # No rule, no project (`_theme_q` of none matches nothing), with the annotation for the callers' filters.
    return (
        Project.objects.filter(_theme_q(rules), passed, is_deleted=False)
        .annotate(joint_round=Coalesce(Subquery(started), Value(EPOCH, output_field=DateTimeField())))
        .annotate(**{VERDICT: Coalesce(Subquery(verdict), Value(""))})
        .select_related("department", "unit", "region")
    )


def waiting(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """Of `joint_projects`: those at the joint step with no current opinion of the reviewer's department."""
    return queryset.filter(status=ProjectStatus.DEPT_APPROVED, **{VERDICT: ""})


def current_opinions(project: Project, rules: list[JointReviewRule]) -> dict[str, JointReviewOpinion]:
    """Theme → the latest opinion of the rule's department given in the project's current round."""
    since = round_start(project)
    found: dict[str, JointReviewOpinion] = {}
    opinions = JointReviewOpinion.objects.filter(project=project, created_at__gte=since).order_by("-created_at", "-id")
    wanted = {(rule.theme, rule.department_id) for rule in rules}
    for opinion in opinions.select_related("department", "reviewer"):
        if (opinion.theme, opinion.department_id) in wanted:
            found.setdefault(opinion.theme, opinion)
    return found


def opinion_history(project: Project) -> list[JointReviewOpinion]:
    return list(project.joint_opinions.select_related("department", "reviewer").order_by("-created_at", "-id")[:50])


def card(project: Project) -> dict[str, Any]:
    """The 联合审核 card of the project page: each rule with its current opinion, then the other opinions given
    (earlier rounds, rules since switched off)."""
    rules = project_rules(project)
    history = opinion_history(project)
    if not rules and not history:
        return {}
    current = current_opinions(project, rules) if rules else {}
    shown = {opinion.pk for opinion in current.values()}
    return {
        "rows": [(rule, current.get(rule.theme)) for rule in rules],
        "history": [opinion for opinion in history if opinion.pk not in shown],  # the earlier rounds
        "at_step": project.status == ProjectStatus.DEPT_APPROVED,
    }


def gate(project: Project, action: str) -> None:
    """入库 (the 业务股室's 审核通过并入库) of a project under a joint-review rule needs that rule's department's
    current opinion, and it must be 同意."""
    if action != "section_approve":
        return
    rules = project_rules(project)
    if not rules:
        return
    current = current_opinions(project, rules)
    for rule in rules:
        opinion = current.get(rule.theme)
        theme, department = rule.get_theme_display(), rule.department.name
        if opinion is None:
            raise DomainError(f"项目“{project.code}”为{theme}，须经{department}联合审核同意后方可入库")
        if opinion.verdict != JointReviewOpinion.Verdict.AGREE:
            reason = f"：{opinion.comment}" if opinion.comment else ""
            raise DomainError(
                f"项目“{project.code}”的联合审核意见为不同意（{department}{reason}），不能入库；可退回单位修改"
            )
