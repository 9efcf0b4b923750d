"""Scoring templates, expert panels and online scoring (DOMAIN.md §2.1, §4.9): reads and writes.

Writes re-check capability and scope like services.py. Experts reach only their own panel rows (404 otherwise).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jixiao.core import audit, signatures, uploads
from jixiao.core.config_rows import refuse_second_copy
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.locking import check_lock_token, lock_token
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, MAX_ID, is_digits, is_year
from jixiao.core.permissions import require
from jixiao.core.text import check_row_names
from jixiao.core.todos import TodoItem, countdown
from jixiao.experts.models import Agency, Expert
from jixiao.experts.services import panel_draw
from jixiao.preassessment import scoring, selectors
from jixiao.preassessment.models import (
    AssessmentPanelMember,
    Attachment,
    ExpertScore,
    PreAssessment,
    PreAssessmentEvent,
    PreAssessmentStatus,
    ScoringItem,
    ScoringTemplate,
)

PANEL_PURPOSE = "事前绩效评估"
OBJECT_TYPE = "preassessment"
TOTAL_POINTS = Decimal(100)

# ---- templates ---------------------------------------------------------------------------------------------------


def pick_template(
    templates: Iterable[ScoringTemplate], region: Any, fiscal_year: int, kind: str
) -> ScoringTemplate | None:
    """The most specific active template: nearest region (national last), then the given year before “every year”."""
    best: tuple[int, int] | None = None
    chosen: ScoringTemplate | None = None
    for template in templates:
        if not template.is_active or template.kind != kind:
            continue
        if template.fiscal_year is not None and template.fiscal_year != fiscal_year:
            continue
        if template.region_id is not None and not region.path.startswith(template.region.path):  # type: ignore[union-attr]
            continue
        rank = (len(template.region.path) if template.region_id else -1, 1 if template.fiscal_year else 0)  # type: ignore[union-attr]
        if best is None or rank > best:
            best, chosen = rank, template
    return chosen


def template_for(region: Any, fiscal_year: int, kind: str) -> ScoringTemplate | None:
    return pick_template(ScoringTemplate.objects.select_related("region"), region, fiscal_year, kind)


def templates_visible(user: Any) -> list[ScoringTemplate]:
    region = user.active_membership.region
    return [
        t
        for t in ScoringTemplate.objects.select_related("region")
        if t.region_id is None or region.path.startswith(t.region.path) or t.region.path.startswith(region.path)  # type: ignore[union-attr]
    ]


def template_get(user: Any, pk: Any) -> ScoringTemplate:
    for template in templates_visible(user):
        if str(template.pk) == str(pk):
            return template
    raise Http404


@dataclass
class Dimension:
    item: ScoringItem
    children: list[ScoringItem]


def template_tree(template: ScoringTemplate) -> list[Dimension]:
    items = list(template.items.all())
    children: dict[int, list[ScoringItem]] = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    return [Dimension(item, children.get(item.pk, [])) for item in items if item.parent_id is None]


def template_rows(tree: list[Dimension]) -> list[ScoringItem]:
    """The items in the order the template page lists them (each dimension, then its checkpoints)."""
    return [item for dim in tree for item in (dim.item, *dim.children)]


NAME_MAX = ScoringItem._meta.get_field("name").max_length or 200
# C0 and C1 control characters (NUL among them: PostgreSQL cannot store it in text).


def _check_names(tree: list[Dimension], names: Mapping[int, str]) -> None:
    """Refuse, naming the page's row, a new name too long or holding a control character."""
    check_row_names(
        ((number, names.get(item.pk)) for number, item in enumerate(template_rows(tree), start=1)), NAME_MAX
    )


def _check_tree(tree: list[Dimension], names: Mapping[int, str], points: Mapping[int, Decimal]) -> None:
    _check_names(tree, names)
    if any(value < 0 for value in points.values()):
        raise DomainError("分值不能为负数")
    if any(value != value.quantize(Decimal("0.01")) for value in points.values()):
        raise DomainError("分值最多保留两位小数")  # stored with 2: 33.335 × 2 + 33.33 would pass as 100, then not
    if any(not name.strip() for name in names.values()):
        raise DomainError("指标名称不能为空")
    total = Decimal(0)
    for dim in tree:
        dim_points = points.get(dim.item.pk, dim.item.points)
        total += dim_points
        subs = sum((points.get(c.pk, c.points) for c in dim.children), Decimal(0))
        if dim.children and subs != dim_points:
            name = names.get(dim.item.pk) or dim.item.name
            raise DomainError(f"“{name}”的分项合计为{subs.normalize():f}分，应等于该维度的{dim_points.normalize():f}分")
    if total != TOTAL_POINTS:
        raise DomainError(f"各维度分值合计为{total.normalize():f}分，应为100分")


def template_lock_rows(user: Any, template: ScoringTemplate) -> list[ScoringTemplate]:
    """What a save from the template page depends on (I05): the template and the region's own templates of its
    kind, since saving a template of another level adds a copy for the region."""
    region_id = user.active_membership.region.pk
    return [
        t for t in templates_visible(user) if t.pk == template.pk or (t.region_id, t.kind) == (region_id, template.kind)
    ]


def template_update(
    *,
    actor: Any,
    template: ScoringTemplate,
    names: Mapping[int, str],
    points: Mapping[int, Decimal],
    fiscal_year: int | None = None,
    lock_token: str | None = None,
) -> ScoringTemplate:
    """Edit names and points. A national template is not edited in place: the region gets its own copy; nor is the
    region's own once a panel scored with it (the new version is a copy, the used one retired; returned).

    `lock_token` is the token of `template_lock_rows` when the page was shown; a save over a newer edit or copy is
    refused with ConflictError."""
    require(actor, "preassessment.configure")
    template_get(actor, template.pk)
    tree = template_tree(template)
    known = {d.item.pk for d in tree} | {c.pk for d in tree for c in d.children}
    if set(names) - known or set(points) - known:
        raise DomainError("评分指标不属于该模板")
    _check_tree(tree, names, points)
    if fiscal_year is not None and not is_year(fiscal_year):
        raise DomainError(f"年度应在{FIRST_YEAR}至{LAST_YEAR}之间")
    region = actor.active_membership.region
    with transaction.atomic():
        # Ordered by pk: the default ordering joins the region, which PostgreSQL cannot lock on the nullable side.
        locked = list(
            ScoringTemplate.objects.select_for_update()
            .filter(Q(pk=template.pk) | Q(region=region, kind=template.kind))
            .order_by("pk")
        )
        check_lock_token(locked, lock_token)
        if template.region_id is None or template.region_id != region.pk:
            refuse_second_copy(ScoringTemplate.objects.filter(kind=template.kind), region, fiscal_year, "评分模板")
            template = _copy(template, region, fiscal_year)
            mapping = {old.pk: new for old, new in _pairs(tree, template)}
        else:
            template = next(t for t in locked if t.pk == template.pk)
            in_review = AssessmentPanelMember.objects.filter(
                template=template, assessment__status=PreAssessmentStatus.FIN_REVIEW, closed_at__isnull=True
            )
            if in_review.exists():
                # Experts of an open panel score against these items: changing them mid-review would mix maxima.
                raise ConflictError("该评分模板正用于专家评审中的事前评估，请在这些评估形成结论后再修改")
            if AssessmentPanelMember.objects.filter(template=template).exists():
                # Concluded panels scored against these items: their sheets keep them. The edit goes to a new
                # template of the region and year, which new panels use; this one is retired (停用), not changed.
                template.is_active = False
                template.save(update_fields=["is_active"])
                retired = template
                template = _copy(retired, region, retired.fiscal_year)
                template.name, template.version = retired.name, retired.version + 1
                template.save(update_fields=["name", "version"])
                mapping = {old.pk: new for old, new in _pairs(tree, template)}
            else:
                template.version += 1
                template.save(update_fields=["version"])
                mapping = {i.pk: i for i in template.items.all()}
        for old_pk, item in mapping.items():
            item.name = names.get(old_pk, item.name).strip()  # _check_names refused names over the length
            item.points = points.get(old_pk, item.points)
            item.save(update_fields=["name", "points"])
        audit.record(
            actor=actor,
            event_type="preassessment.template_update",
            obj=template,
            changes={str(k): str(v) for k, v in points.items()},
            reason=f"修改评分模板：{template.name}"[:500],
        )
    return template


def _copy(template: ScoringTemplate, region: Any, fiscal_year: int | None) -> ScoringTemplate:
    year = f"{fiscal_year}年度" if fiscal_year else ""
    copy = ScoringTemplate.objects.create(
        name=f"{region.name}{year}{template.get_kind_display()}评分表",
        kind=template.kind,
        region=region,
        fiscal_year=fiscal_year,
        is_active=True,
    )
    for dim in template_tree(template):
        parent = ScoringItem.objects.create(
            template=copy, code=dim.item.code, name=dim.item.name, points=dim.item.points, order=dim.item.order
        )
        for child in dim.children:
            ScoringItem.objects.create(
                template=copy, parent=parent, code=child.code, name=child.name, points=child.points, order=child.order
            )
    return copy


def _pairs(tree: list[Dimension], copy: ScoringTemplate) -> list[tuple[ScoringItem, ScoringItem]]:
    new = {i.code: i for i in copy.items.all()}
    pairs = []
    for dim in tree:
        pairs.append((dim.item, new[dim.item.code]))
        pairs.extend((c, new[c.code]) for c in dim.children)
    return pairs


# ---- panels ------------------------------------------------------------------------------------------------------


def _members(assessment: PreAssessment) -> QuerySet[AssessmentPanelMember]:
    return (
        AssessmentPanelMember.objects.filter(assessment=assessment)
        .select_related("expert", "draw", "template")
        .prefetch_related("scores")
    )


def panel_members(assessment: PreAssessment) -> list[AssessmentPanelMember]:
    """The open panel: the experts scoring the filing as it is now submitted."""
    return list(_members(assessment).filter(closed_at__isnull=True))


# What `close_round` clears on the filing (the caller saves them).
ROUND_FIELDS = ["score", "suggested_conclusion", "agency_score", "agency_opinion", "agency_reviewed_at"]


def close_round(assessment: PreAssessment) -> dict[str, Any]:
    """A filing the 绩效股 returns (退回修改) is revised before it is reviewed again: its open panel, the score
    confirmed from it and the agency's review were of the returned version. The panel is closed (kept as history,
    its experts' unsubmitted tasks end), and the confirmed score and the agency's score and opinion are cleared (the
    流转记录 keeps them), so the resubmitted filing gets a new panel and review. The caller holds the filing's row
    lock and saves ROUND_FIELDS; what was closed and cleared is returned for its audit record."""
    closed = AssessmentPanelMember.objects.filter(assessment=assessment, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    cleared = {
        "panel_closed": closed,
        "score": None if assessment.score is None else str(assessment.score),
        "agency_score": None if assessment.agency_score is None else str(assessment.agency_score),
    }
    assessment.score, assessment.suggested_conclusion = None, ""
    assessment.agency_score, assessment.agency_opinion, assessment.agency_reviewed_at = None, "", None
    return cleared


def _event(actor: Any, pa: PreAssessment, action: str, label: str, comment: str = "") -> None:
    PreAssessmentEvent.log(
        actor, action=action, label=label, comment=comment, assessment=pa, from_status=pa.status, to_status=pa.status
    )


def _in_review(actor: Any, assessment: PreAssessment) -> PreAssessment:
    require(actor, "preassessment.conclude")
    if not PreAssessment.objects.visible_to(actor).filter(pk=assessment.pk).exists():
        raise NotFoundError("评估申报不存在")
    locked = (
        PreAssessment.objects.select_for_update(of=("self",)).select_related("project__region").get(pk=assessment.pk)
    )
    if locked.status != PreAssessmentStatus.FIN_REVIEW:
        raise ConflictError("只有待绩效股评审的评估申报才能组织专家评审")
    return locked


def panel_create(
    *,
    actor: Any,
    assessment: PreAssessment,
    field: str | None,
    size: int,
    deadline: datetime.date,
    seed: int | None = None,
) -> list[AssessmentPanelMember]:
    """Draw a panel through the expert pool (stored seed, avoidance) and assign the drawn experts."""
    if deadline < timezone.localdate():
        raise DomainError("评分截止日期不能早于今天")
    with transaction.atomic():
        locked = _in_review(actor, assessment)
        if AssessmentPanelMember.objects.filter(assessment=locked, closed_at__isnull=True).exists():
            raise ConflictError("该评估已抽取评审专家")
        template = template_for(locked.project.region, locked.fiscal_year, locked.kind)
        if template is None:
            raise DomainError("没有适用的评分模板，请先设置评分模板")
        draw = panel_draw(
            actor=actor,
            purpose=PANEL_PURPOSE,
            object_type=OBJECT_TYPE,
            object_id=str(locked.pk),
            field=field or None,
            size=size,
            avoid_department=locked.department,
            seed=seed,
        )
        experts = Expert.objects.in_bulk(draw.drawn_ids)
        members = [
            AssessmentPanelMember.objects.create(
                assessment=locked, expert=experts[pk], draw=draw, template=template, deadline=deadline
            )
            for pk in draw.drawn_ids
        ]
        # The timeline is read by the applying unit too: the count, not who reviews it (the panel page names them).
        _event(actor, locked, "panel_draw", "抽取评审专家", f"抽取{len(members)}名专家；截止{deadline:%Y-%m-%d}")
        audit.record(
            actor=actor,
            event_type="preassessment.panel_create",
            obj=locked,
            changes={"draw": draw.pk, "experts": list(draw.drawn_ids), "deadline": deadline.isoformat()},
        )
    return members


def agency_assign(*, actor: Any, assessment: PreAssessment, agency: Agency | None) -> PreAssessment:
    """Commission an agency of the pool: its staff then see the assessment and enter their review."""
    require(actor, "preassessment.conclude")
    if agency is None:
        raise DomainError("请选择第三方机构")
    if not Agency.objects.visible_to(actor).filter(pk=agency.pk, is_active=True).exists():
        raise NotFoundError("第三方机构不存在或不在您的管理范围内")
    with transaction.atomic():
        locked = _in_review(actor, assessment)
        before = {"agency": locked.agency_id, "agency_name": locked.agency_name}
        if locked.agency_id != agency.pk:
            # Another agency's review does not carry over.
            locked.agency_score, locked.agency_opinion, locked.agency_reviewed_at = None, "", None
        locked.agency = agency
        locked.agency_name = agency.name[:150]
        locked.updated_by = actor
        locked.save(
            update_fields=[
                "agency",
                "agency_name",
                "agency_score",
                "agency_opinion",
                "agency_reviewed_at",
                "updated_by",
                "updated_at",
            ]
        )
        _event(actor, locked, "agency_assign", "委托第三方机构", locked.agency_name)
        audit.record(
            actor=actor,
            event_type="preassessment.agency_assign",
            obj=locked,
            changes={"before": before, "agency": agency.pk, "agency_name": locked.agency_name},
        )
    return locked


def agency_choices(user: Any) -> QuerySet[Agency]:
    return Agency.objects.visible_to(user).filter(is_active=True).order_by("name")


def is_agency_reviewer(user: Any, assessment: PreAssessment) -> bool:
    """The user works for the agency commissioned for this assessment and may enter its review now."""
    return (
        bool(user.can("preassessment.agency_review"))
        and assessment.agency_id is not None
        and assessment.status == PreAssessmentStatus.FIN_REVIEW
        and Agency.objects.filter(pk=assessment.agency_id, users=user.pk, is_deleted=False).exists()
    )


def _as_agency(actor: Any, assessment: PreAssessment) -> PreAssessment:
    require(actor, "preassessment.agency_review")
    if not PreAssessment.objects.visible_to(actor).filter(pk=assessment.pk).exists():
        raise NotFoundError("评估申报不存在")
    locked = PreAssessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.agency_id is None or not Agency.objects.filter(pk=locked.agency_id, users=actor.pk).exists():
        raise NotFoundError("评估申报不存在")
    if locked.status != PreAssessmentStatus.FIN_REVIEW:
        raise ConflictError("该评估已不在评审阶段")
    return locked


def agency_review_submit(
    *, actor: Any, assessment: PreAssessment, score: Decimal | None, opinion: str, report: Any = None
) -> PreAssessment:
    """机构评审意见: the agency's score, opinion and (optionally) its report as an attachment. It can be revised
    while the assessment is in review; the performance section confirms it in the conclusion."""
    opinion = (opinion or "").strip()
    if score is None or not Decimal(0) <= score <= Decimal(100):
        raise DomainError("机构评审得分应在0到100之间")
    if not opinion:
        raise DomainError("请填写机构评审意见")
    names = uploads.check_uploads([report], max_files=1) if report is not None else []
    with uploads.removed_on_failure() as written, transaction.atomic():
        locked = _as_agency(actor, assessment)
        before = {"agency_score": str(locked.agency_score), "agency_opinion": locked.agency_opinion}
        locked.agency_score = score
        locked.agency_opinion = opinion[:4000]
        locked.agency_reviewed_at = timezone.now()
        locked.save(update_fields=["agency_score", "agency_opinion", "agency_reviewed_at", "updated_at"])
        if names:
            attachment = Attachment(assessment=locked, kind=Attachment.Kind.AGENCY_REPORT)
            uploads.store_files(
                written,
                [(attachment, report, names[0])],
                actor=actor,
                event_type="preassessment.attachment_add",
                obj=locked,
                extra={"kind": attachment.get_kind_display()},
            )
        _event(actor, locked, "agency_review", "第三方机构提交评审意见", f"得分{score}；{opinion}")
        audit.record(
            actor=actor,
            event_type="preassessment.agency_review",
            obj=locked,
            reason=names[0][:500] if names else "",
            changes={"before": before, "agency_score": str(score)},
        )
    return locked


@dataclass
class MemberRow:
    member: AssessmentPanelMember
    total: Decimal | None
    flagged: bool


@dataclass
class PanelView:
    rows: list[MemberRow]
    average: Decimal | None
    dimensions: list[tuple[ScoringItem, Decimal | None]]
    threshold: Decimal
    submitted: int

    @property
    def lock_token(self) -> str:
        """The submitted scores the page shows (an expert submits once): 确认 posts it back (panel_confirm)."""
        return lock_token([row.member for row in self.rows if row.member.submitted_at is not None])


def panel_summary(assessment: PreAssessment) -> PanelView:
    return _summary(assessment, panel_members(assessment))


@dataclass
class PastRound:
    closed_at: datetime.datetime
    view: PanelView


def past_rounds(assessment: PreAssessment) -> list[PastRound]:
    """The panels of earlier submissions, closed when the filing was returned, newest first (history only)."""
    rounds: dict[datetime.datetime, list[AssessmentPanelMember]] = {}
    for member in _members(assessment).filter(closed_at__isnull=False).order_by("-closed_at", "id"):
        rounds.setdefault(member.closed_at, []).append(member)  # type: ignore[arg-type]
    return [PastRound(closed_at, _summary(assessment, members)) for closed_at, members in rounds.items()]


def _summary(assessment: PreAssessment, members: list[AssessmentPanelMember]) -> PanelView:
    rule = selectors.rule_for(assessment.project.region, assessment.fiscal_year)
    threshold = rule.outlier_points
    submitted = [m for m in members if m.submitted_at is not None]
    tree = template_tree(members[0].template) if members else []
    dimension_of = {c.pk: d.item.pk for d in tree for c in d.children}
    scores = {m.pk: {s.item_id: s.points for s in m.scores.all() if s.item_id in dimension_of} for m in submitted}
    summary = scoring.summarize(scores, dimension_of, threshold)
    rows = [MemberRow(m, summary.totals.get(m.pk), m.pk in summary.flagged) for m in members]
    dims = [(d.item, summary.dimension_averages.get(d.item.pk)) for d in tree]
    return PanelView(rows, summary.average, dims, threshold, len(submitted))


def panel_confirm(*, actor: Any, assessment: PreAssessment, lock_token: str | None = None) -> PreAssessment:
    """Copy the panel average into the assessment's score; the rule's mapping suggests the conclusion.

    `lock_token` is the panel page's (`PanelView.lock_token`): an expert who submitted since the page was shown
    changes the average its 确认 button names, so the confirmation is refused (409) with the new figures."""
    with transaction.atomic():
        locked = _in_review(actor, assessment)
        # A score submitted meanwhile waits on the members' rows (score_submit locks its own).
        list(
            AssessmentPanelMember.objects.select_for_update()
            .filter(assessment=locked, closed_at__isnull=True)
            .values_list("pk", flat=True)
        )
        view = panel_summary(locked)
        if view.average is None:
            raise DomainError("尚无专家提交评分，不能确认")
        if lock_token and lock_token != view.lock_token:
            raise ConflictError(
                f"页面打开后又有专家提交了评分（现{view.submitted}/{len(view.rows)}已提交，平均分{view.average}分），"
                "请核对后再确认"
            )
        rule = selectors.rule_for(locked.project.region, locked.fiscal_year)
        before = {"score": str(locked.score), "suggested_conclusion": locked.suggested_conclusion}
        locked.score = view.average
        locked.suggested_conclusion = selectors.suggested_conclusion(view.average, rule)
        locked.updated_by = actor
        locked.save(update_fields=["score", "suggested_conclusion", "updated_by", "updated_at"])
        _event(actor, locked, "panel_confirm", "确认专家评分", f"{view.submitted}名专家平均分{view.average}")
        audit.record(
            actor=actor,
            event_type="preassessment.panel_confirm",
            obj=locked,
            changes={"before": before, "score": str(view.average), "suggested": locked.suggested_conclusion},
        )
    return locked


# ---- expert side -------------------------------------------------------------------------------------------------


def my_assignments(user: Any) -> QuerySet[AssessmentPanelMember]:
    return (
        AssessmentPanelMember.objects.filter(expert__user_id=user.pk, expert__is_deleted=False)
        .select_related("assessment__project", "assessment__department", "template")
        .order_by("submitted_at", "deadline", "-id")
    )


def assignment_get(user: Any, pk: Any) -> AssessmentPanelMember:
    member = my_assignments(user).filter(pk=pk).first() if is_digits(str(pk)) and int(pk) <= MAX_ID else None
    if member is None:
        raise Http404
    return member


RETURNED = "该评估已退回修改，本轮评审已结束"


def closed_reason(member: AssessmentPanelMember) -> str:
    """Why an unsubmitted task can no longer be scored ("" while it is open): what `score_submit` would refuse."""
    if member.submitted_at is not None:
        return ""
    if member.closed_at is not None:
        return RETURNED
    if timezone.localdate() > member.deadline:
        return f"评分已于{member.deadline:%Y年%m月%d日}截止，不能再提交"
    if member.assessment.status != PreAssessmentStatus.FIN_REVIEW:
        return "该评估已不在专家评审阶段"
    return ""


def task_state(member: AssessmentPanelMember) -> str:
    """The 状态 of a task in 我的评审任务."""
    if member.submitted_at is not None:
        return "已提交"
    if member.closed_at is not None:
        return "评审已结束"
    if timezone.localdate() > member.deadline:
        return "已截止"
    return "评审已结束" if member.assessment.status != PreAssessmentStatus.FIN_REVIEW else "待评分"


def sheet_items(member: AssessmentPanelMember) -> list[Dimension]:
    return template_tree(member.template)


def member_scores(member: AssessmentPanelMember) -> dict[int, ExpertScore]:
    return {s.item_id: s for s in member.scores.all()}


def score_submit(
    *,
    actor: Any,
    member: AssessmentPanelMember,
    points: Mapping[int, Decimal | None],
    comment: str = "",
) -> AssessmentPanelMember:
    """An expert's scores for every checkpoint of the template, before the deadline (server date)."""
    require(actor, "preassessment.score")
    comment = comment.strip()
    if len(comment) > 2000:
        raise DomainError(f"评审意见最多2000字，当前{len(comment)}字")
    if "\x00" in comment:
        raise DomainError("评审意见含有无效字符，请删除后重新提交")
    with transaction.atomic():
        locked = (
            AssessmentPanelMember.objects.select_for_update()
            .select_related("assessment", "template", "expert")
            .filter(pk=member.pk, expert__user_id=actor.pk)
            .first()
        )
        if locked is None:
            raise NotFoundError("评审任务不存在")
        if locked.submitted_at is not None:
            raise ConflictError("评分已提交，不能重复提交")
        if locked.closed_at is not None:
            raise ConflictError(RETURNED)
        if timezone.localdate() > locked.deadline:
            raise ConflictError(f"评分已于{locked.deadline:%Y年%m月%d日}截止，不能再提交")
        if locked.assessment.status != PreAssessmentStatus.FIN_REVIEW:
            raise ConflictError("该评估已不在专家评审阶段")
        items = [c for d in template_tree(locked.template) for c in d.children]
        rows = []
        for item in items:
            value = points.get(item.pk)
            if value is None:
                raise DomainError(f"请为“{item.name}”打分")
            if value < 0 or value > item.points:
                raise DomainError(f"“{item.name}”的得分应在0到{item.points.normalize():f}分之间")
            if value != value.quantize(Decimal("0.01")):  # stored with 2 decimals: 9.999 would become 10.00
                raise DomainError(f"“{item.name}”的得分最多保留两位小数")
            rows.append(ExpertScore(member=locked, item=item, points=value))
        ExpertScore.objects.filter(member=locked).delete()
        ExpertScore.objects.bulk_create(rows)
        locked.comment = comment
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["comment", "submitted_at"])
        signatures.sign(
            actor=actor,
            obj=locked,
            purpose="preassessment.expert_score",
            fields=["assessment_id", "expert_id", "comment", "submitted_at"],
            children={"scores": ["item_id", "points", "comment"]},
        )
        total = sum((r.points for r in rows), Decimal(0))
        audit.record(
            actor=actor,
            event_type="preassessment.expert_score",
            obj=locked.assessment,
            changes={"member": locked.pk, "total": str(total)},
        )
    return locked


def expert_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("preassessment.score"):
        return []
    waiting = (
        my_assignments(user)
        .filter(
            submitted_at__isnull=True,
            closed_at__isnull=True,
            deadline__gte=timezone.localdate(),
            assessment__status=PreAssessmentStatus.FIN_REVIEW,
        )
        .aggregate(n=Count("*"), first=Min("deadline"))
    )
    first = waiting["first"]
    hint = f"最近截止{first:%Y-%m-%d}，{countdown(first)[1]}" if first else "请在截止日期前提交"
    return [TodoItem("事前绩效评估", "专家评分待提交", waiting["n"], reverse("preassessment:my_reviews"), hint)]


def agency_todos(user: Any) -> list[TodoItem]:
    """A third-party agency's staff: the assessments commissioned to their agency, in review, without its 机构评审意见
    yet (the list shows every one in review; a review can be revised until the conclusion)."""
    membership = user.active_membership
    if membership is None or not membership.can("preassessment.agency_review"):
        return []
    waiting = (
        PreAssessment.objects.visible_to(user)
        .filter(
            status=PreAssessmentStatus.FIN_REVIEW,
            agency__users=user.pk,
            agency__is_deleted=False,
            agency_reviewed_at__isnull=True,
        )
        .count()
    )
    url = f"{reverse('preassessment:list')}?status={PreAssessmentStatus.FIN_REVIEW}"
    return [TodoItem("事前绩效评估", "机构评审意见待提交", waiting, url, "上传评估报告，提交机构评审得分和意见")]
