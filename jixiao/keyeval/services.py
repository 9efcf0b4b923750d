"""Key-evaluation writes. Every function re-checks capability and row scope, and writes events and audit rows."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jixiao.core import audit, signatures, uploads
from jixiao.core.config_rows import refuse_second_copy
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.locking import check_lock_token
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, is_year
from jixiao.core.permissions import require
from jixiao.core.text import checked_text
from jixiao.experts.models import Engagement, Expert
from jixiao.experts.services import panel_draw
from jixiao.keyeval import selectors
from jixiao.keyeval.checks import RULE_LABELS, build_tree, check_rules, check_tree, grade_for, leaves
from jixiao.keyeval.models import (
    EvalTemplate,
    EvalTemplateNode,
    KeyEvalDocument,
    KeyEvalScore,
    KeyEvalScorer,
    KeyEvalStatus,
    KeyEvaluation,
    KeyEvaluationEvent,
)
from jixiao.keyeval.workflow import (
    EDITABLE_STATES,
    KEYEVAL_WORKFLOW,
    MANAGE,
    SCORER_SETUP_STATES,
    SCORING_STATES,
)
from jixiao.projects.models import Project

EDITABLE_FIELDS = [
    "title",
    "kind",
    "object_type",
    "budget_book",
    "department",
    "organiser_section",
    "mode",
    "engagement",
    "template",
    "amount_yuan",
    "methods",
    "basic_situation",
    "work_summary",
    "analysis",
    "experience",
    "suggestions",
    "other",
]
PANEL_PURPOSE = "重点绩效评价"
OBJECT_TYPE = "keyeval"
# The document a move needs before it is allowed.
REQUIRED_DOCUMENTS: dict[str, str] = {
    "notify": KeyEvalDocument.Kind.NOTICE,
    "approve_plan": KeyEvalDocument.Kind.WORK_PLAN,
    "request_feedback": KeyEvalDocument.Kind.DRAFT_REPORT,
    "issue": KeyEvalDocument.Kind.FINAL_REPORT,
}
PROJECT_OBJECTS = {
    KeyEvaluation.ObjectType.PROJECT,
    KeyEvaluation.ObjectType.PROCUREMENT,
    KeyEvaluation.ObjectType.PURCHASED_SERVICE,
    KeyEvaluation.ObjectType.SPECIAL_BOND,
    KeyEvaluation.ObjectType.OTHER_MAJOR_PROJECT,
    KeyEvaluation.ObjectType.POLICY,
}


def _visible(actor: Any, evaluation: KeyEvaluation) -> None:
    if not KeyEvaluation.objects.visible_to(actor).filter(pk=evaluation.pk).exists():
        raise NotFoundError("重点评价不存在")


def _require_manages(actor: Any, evaluation: KeyEvaluation) -> None:
    """The actor runs this evaluation (selectors.manages): a 主管部门 its own 部门评价, the 绩效股 the others. One
    who may see it but not run it (the finance bureau on a department's own evaluation) is refused with a 403."""
    require(actor, "keyeval.organise")
    _visible(actor, evaluation)
    if not selectors.manages(actor, evaluation):
        if evaluation.organiser_department_id is not None:
            raise PermissionDeniedError("该部门评价由主管部门自行组织，财政部门只能查看")
        raise PermissionDeniedError("您没有执行此操作的权限")


def _event(actor: Any, ev: KeyEvaluation, action: str, label: str, source: str, comment: str = "") -> None:
    KeyEvaluationEvent.log(
        actor, action=action, label=label, comment=comment, evaluation=ev, from_status=source, to_status=ev.status
    )


# ---- templates ---------------------------------------------------------------------------------------------------


def template_update(
    *,
    actor: Any,
    template: EvalTemplate,
    weights: Mapping[int, Decimal],
    names: Mapping[int, str] | None = None,
    fiscal_year: int | None = None,
    lock_token: str | None = None,
    rules: Mapping[str, Decimal] | None = None,
) -> EvalTemplate:
    """Edit node weights and names, and the template's rules (`checks.RULE_LABELS`: grade bands, 产出和效益 minimum;
    those not given stay). A template of another region (or the national one) is not edited in place: the
    actor's region gets its own copy for `fiscal_year` (copy-on-write); nor is the region's own once an evaluation
    uses it (the edit is a new version, the used one retired). The tree check runs before any write.

    `lock_token` is the token of `selectors.template_lock_rows` when the page was shown; a save over a newer edit or
    copy is refused with ConflictError."""
    require(actor, "keyeval.manage")
    selectors.template_get(actor, template.pk)
    names = names or {}
    rows = list(template.nodes.all())
    known = {row.pk for row in rows}
    if set(weights) - known or set(names) - known:
        raise DomainError("评价指标不属于该模板")
    given = dict(rules or {})
    if set(given) - set(RULE_LABELS):
        raise DomainError("未知的评分规则")
    before_rules = {key: getattr(template, key) for key in RULE_LABELS}
    new_rules = {**before_rules, **given}
    check_rules(new_rules)
    check_tree(template.kind, build_tree(rows), weights, names, new_rules["output_benefit_min"])
    if fiscal_year is not None and not is_year(fiscal_year):
        raise DomainError(f"适用年度应在{FIRST_YEAR}至{LAST_YEAR}之间")
    region = actor.active_membership.region
    with transaction.atomic():
        # Locking the edited template serialises two saves of it, so the second sees the copy the first made.
        # Ordered by pk: the default ordering joins the region, which PostgreSQL cannot lock on the nullable side.
        locked = list(
            EvalTemplate.objects.select_for_update()
            .filter(Q(pk=template.pk) | Q(region=region, kind=template.kind))
            .order_by("pk")
        )
        check_lock_token(locked, lock_token)
        if template.region_id != region.pk or template.fiscal_year != fiscal_year:
            refuse_second_copy(EvalTemplate.objects.filter(kind=template.kind), region, fiscal_year, "模板")
            template, mapping = _copy(template, rows, region, fiscal_year)
        elif KeyEvaluation.objects.filter(template=template, is_deleted=False).exists():
            # Evaluations scored (or to be scored) with these nodes keep them: their 评分汇总 and issued reports must
            # not change under them. The edit is a new version of the region's template; the used one is retired.
            retired = next(t for t in locked if t.pk == template.pk)
            retired.is_active = False
            retired.save(update_fields=["is_active"])
            template, mapping = _copy(retired, rows, region, fiscal_year)
            template.name, template.version = retired.name, retired.version + 1
            template.save(update_fields=["name", "version"])
        else:
            template = next(t for t in locked if t.pk == template.pk)
            template.version += 1
            template.save(update_fields=["version"])
            mapping = {row.pk: row for row in rows}
        for old_pk, node in mapping.items():
            node.name = names.get(old_pk, node.name).strip()  # check_tree refused names over the column's length
            node.weight = weights.get(old_pk, node.weight)
            node.save(update_fields=["name", "weight"])
        for key, value in new_rules.items():
            setattr(template, key, value)
        template.save(update_fields=list(RULE_LABELS))
        changed_rules = {k: [str(before_rules[k]), str(v)] for k, v in new_rules.items() if v != before_rules[k]}
        audit.record(
            actor=actor,
            event_type="keyeval.template_update",
            obj=template,
            changes={**{str(k): str(v) for k, v in weights.items()}, **changed_rules},
            reason=f"修改评价指标体系：{template.name}"[:500],
        )
    return template


def _copy(
    template: EvalTemplate, rows: list[EvalTemplateNode], region: Any, fiscal_year: int | None
) -> tuple[EvalTemplate, dict[int, EvalTemplateNode]]:
    year = f"{fiscal_year}年度" if fiscal_year else ""
    copy = EvalTemplate.objects.create(
        name=f"{region.name}{year}{template.get_kind_display()}"[:100],
        kind=template.kind,
        region=region,
        fiscal_year=fiscal_year,
        is_active=True,
        grade_excellent=template.grade_excellent,
        grade_good=template.grade_good,
        grade_pass=template.grade_pass,
        output_benefit_min=template.output_benefit_min,
    )
    mapping: dict[int, EvalTemplateNode] = {}
    for row in sorted(rows, key=lambda r: (r.level, r.order, r.pk)):
        mapping[row.pk] = EvalTemplateNode.objects.create(
            template=copy,
            parent=mapping[row.parent_id] if row.parent_id is not None else None,
            level=row.level,
            code=row.code,
            name=row.name,
            weight=row.weight,
            formula=row.formula,
            standard=row.standard,
            order=row.order,
        )
    return copy, mapping


# ---- evaluations -------------------------------------------------------------------------------------------------


def _clean(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    if "title" in cleaned and not str(cleaned["title"]).strip():
        raise DomainError("请填写评价对象名称")
    if cleaned.get("amount_yuan") is not None and cleaned["amount_yuan"] < 0:
        raise DomainError("评价资金不能为负数")
    for key, choices in (
        ("kind", KeyEvaluation.Kind.values),
        ("object_type", KeyEvaluation.ObjectType.values),
        ("budget_book", KeyEvaluation.BudgetBook.values),
        ("mode", KeyEvaluation.Mode.values),
    ):
        if key in cleaned and cleaned[key] not in choices:
            raise DomainError("选项无效，请重新选择")
    template = cleaned.get("template")
    if template is not None:
        selectors.template_get(actor, template.pk)
        if not template.is_active:
            raise DomainError("所选指标体系已停用")
    department = cleaned.get("department")
    if department is not None and not selectors.department_choices(actor).filter(pk=department.pk).exists():
        raise NotFoundError("部门不存在或不在您的管理范围内")
    engagement = cleaned.get("engagement")
    if engagement is not None and not Engagement.objects.visible_to(actor).filter(pk=engagement.pk).exists():
        raise NotFoundError("委托不存在或不在您的管理范围内")
    return cleaned


def _check_consistency(ev: KeyEvaluation, project_count: int) -> None:
    if ev.mode == KeyEvaluation.Mode.THIRD_PARTY and ev.engagement_id is None:
        raise DomainError("委托第三方机构评价须关联一项第三方委托")
    if ev.mode != KeyEvaluation.Mode.THIRD_PARTY and ev.engagement_id is not None:
        raise DomainError("只有委托第三方机构评价才能关联第三方委托")
    if ev.object_type == KeyEvaluation.ObjectType.DEPT_OVERALL:
        if ev.department_id is None:
            raise DomainError("部门整体支出评价须选择被评价部门")
        if ev.template.is_project:
            raise DomainError("部门整体支出评价应选用部门整体指标体系")
    elif ev.object_type in PROJECT_OBJECTS and project_count == 0 and ev.department_id is None:
        raise DomainError("请选择评价项目或被评价部门")
    if ev.object_type in PROJECT_OBJECTS and not ev.template.is_project:
        # The 部门整体 frameworks score a department's overall spending, not a project's or a policy's.
        raise DomainError("项目、政策等评价应选用项目支出绩效评价指标体系")


def _set_projects(actor: Any, ev: KeyEvaluation, projects: list[Project] | None) -> list[int] | None:
    if projects is None:
        return None
    visible = set(
        Project.objects.visible_to(actor).filter(pk__in=[p.pk for p in projects]).values_list("pk", flat=True)
    )
    if len(visible) != len({p.pk for p in projects}):
        raise NotFoundError("项目不存在或不在您的管理范围内")
    ev.projects.set(sorted(visible))
    return sorted(visible)


def _department_run(actor: Any, cleaned: dict[str, Any]) -> dict[str, Any]:
    """A 主管部门's own 部门评价: of its own department, organised by it, of projects (its units' projects), not of its
    own overall spending (that is its 部门整体支出自评)."""
    department = actor.active_membership.department
    object_type = cleaned.get("object_type")
    if object_type == KeyEvaluation.ObjectType.DEPT_OVERALL:
        raise DomainError("主管部门自行组织的部门评价应以本部门所属单位的项目或政策为对象")
    return {**cleaned, "kind": KeyEvaluation.Kind.DEPT, "department": department}


def evaluation_create(*, actor: Any, data: dict[str, Any], projects: list[Project] | None = None) -> KeyEvaluation:
    """The 绩效股 organises any key evaluation; a 主管部门 its own 部门评价 (`_department_run`), which it then runs
    and the finance bureau reads."""
    require(actor, "keyeval.organise")
    department_run = selectors.runs_department_evaluations(actor)
    if not department_run:
        require(actor, "keyeval.manage")
    cleaned = _clean(actor, data)
    if department_run:
        cleaned = _department_run(actor, cleaned)
        if not projects:
            raise DomainError("请选择本部门所属单位的评价项目")
    membership = actor.active_membership
    year = data.get("fiscal_year")
    if not year or not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise DomainError("请填写评价年度")
    if cleaned.get("template") is None:
        raise DomainError("请选择指标体系")
    with transaction.atomic():
        ev = KeyEvaluation(
            region=membership.region,
            fiscal_year=int(year),
            organiser_section_id=membership.section_id,
            organiser_department_id=membership.department_id if department_run else None,
            amount_yuan=Decimal(0),
            created_by=actor,
            updated_by=actor,
        )
        for field, value in cleaned.items():
            setattr(ev, field, value)
        if ev.department_id is None and projects:
            departments = {p.department_id for p in projects}
            if len(departments) == 1:
                ev.department_id = departments.pop()
        ev.save()
        project_ids = _set_projects(actor, ev, projects) or []
        if not ev.amount_yuan and projects:
            ev.amount_yuan = sum((p.fiscal_amount_yuan for p in projects), Decimal(0))
            ev.save(update_fields=["amount_yuan"])
        _check_consistency(ev, len(project_ids))
        _event(actor, ev, "create", "确定评价对象", "")
        audit.record(
            actor=actor,
            event_type="keyeval.create",
            obj=ev,
            changes={**audit.diff({}, audit.snapshot(ev, ["fiscal_year", *EDITABLE_FIELDS])), "projects": project_ids},
        )
    return ev


def evaluation_update(
    *,
    actor: Any,
    evaluation: KeyEvaluation,
    data: dict[str, Any],
    projects: list[Project] | None = None,
    expected_version: int | None = None,
) -> KeyEvaluation:
    _require_manages(actor, evaluation)
    cleaned = _clean(actor, data)
    if evaluation.organiser_department_id is not None:
        cleaned = _department_run(actor, cleaned)
        if projects is not None and not projects:
            raise DomainError("请选择本部门所属单位的评价项目")
    with transaction.atomic():
        ev = KeyEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        if expected_version is not None and ev.version != expected_version:
            raise ConflictError("该重点评价已被他人修改，请刷新页面后重新编辑")
        if ev.status not in EDITABLE_STATES:
            raise ConflictError(f"重点评价当前状态为“{ev.get_status_display()}”，不能修改")
        if "template" in cleaned and cleaned["template"].pk != ev.template_id and ev.scorers.exists():
            raise ConflictError("已安排评分人，不能更换指标体系")
        removed = _scorers_no_longer_fitting(ev, cleaned)
        before = audit.snapshot(ev, EDITABLE_FIELDS)
        for field, value in cleaned.items():
            setattr(ev, field, value)
        ev.version += 1
        ev.updated_by = actor
        ev.save()
        project_ids = _set_projects(actor, ev, projects)
        _check_consistency(ev, ev.projects.count())
        changes = audit.diff(before, audit.snapshot(ev, EDITABLE_FIELDS))
        if project_ids is not None:
            changes["projects"] = project_ids
        if removed:
            changes["scorers_removed"] = [removed, None]
            _event(actor, ev, "scorer_remove", "移除评分人", ev.status, "、".join(removed))
        audit.record(actor=actor, event_type="keyeval.update", obj=ev, changes=changes)
    return ev


def _scorers_no_longer_fitting(ev: KeyEvaluation, cleaned: dict[str, Any]) -> list[str]:
    """Scorers arranged for what an edit changes: the agency's staff for another agency or mode, the experts drawn
    avoiding another department. Those who have not scored are removed (the names are returned for the timeline), so
    the old agency keeps no access; once one of them has submitted, the change is refused (their scores stand)."""
    current = {"engagement": ev.engagement_id, "mode": ev.mode, "department": ev.department_id}
    changed = {f for f in current if f in cleaned and getattr(cleaned[f], "pk", cleaned[f]) != current[f]}
    kinds = ({KeyEvalScorer.Kind.AGENCY} if changed & {"engagement", "mode"} else set()) | (
        {KeyEvalScorer.Kind.EXPERT} if "department" in changed else set()
    )
    affected = ev.scorers.filter(kind__in=kinds)
    if not kinds or not affected.exists():
        return []
    if affected.filter(submitted_at__isnull=False).exists():
        labels = "、".join(
            label
            for f, label in (("engagement", "委托机构"), ("mode", "评价方式"), ("department", "主管部门"))
            if f in changed
        )
        raise ConflictError(f"受托机构或抽取的专家已提交评分，不能更改{labels}")
    names = [s.user.display_name or s.user.username for s in affected.select_related("user").order_by("pk")]
    affected.delete()
    return names


def evaluation_transition(*, actor: Any, evaluation: KeyEvaluation, action: str, comment: str = "") -> KeyEvaluation:
    transition = KEYEVAL_WORKFLOW.get(evaluation.status, action)
    if transition.capability == MANAGE:
        _require_manages(actor, evaluation)
    else:
        require(actor, transition.capability)
        _visible(actor, evaluation)
    comment = checked_text(comment, "意见", 4000)
    if transition.needs_comment and not comment:
        raise DomainError("请填写意见")
    with transaction.atomic():
        ev = KeyEvaluation.objects.select_for_update(of=("self",)).select_related("template").get(pk=evaluation.pk)
        if ev.status != transition.source:
            raise ConflictError("重点评价状态已变化，请刷新后重试")
        if action == "respond" and not selectors.is_evaluated_party(actor, ev):
            raise NotFoundError("重点评价不存在")
        needed = REQUIRED_DOCUMENTS.get(action)
        if needed and not ev.documents.filter(kind=needed).exists():
            raise DomainError(f"请先上传“{KeyEvalDocument.Kind(needed).label}”")
        fields = ["status", "version", "updated_by", "updated_at"]
        if action == "draft_report" or action == "issue":
            summary = selectors.score_summary(ev)
            if summary.total is None:
                raise DomainError("还没有评分人提交评分，不能形成评价结论")
            ev.total_score, ev.grade = summary.total, grade_for(summary.total, ev.template.grade_bands)
            fields += ["total_score", "grade"]
        if action in ("respond", "no_feedback"):
            ev.feedback_opinion = comment[:4000]
            ev.feedback_at = timezone.now()
            fields += ["feedback_opinion", "feedback_at"]
        if action == "issue":
            ev.issued_at = timezone.now()
            fields.append("issued_at")
        ev.status = transition.target
        ev.version += 1
        ev.updated_by = actor
        ev.save(update_fields=fields)
        _event(actor, ev, action, transition.label, transition.source, comment)
        audit.record(
            actor=actor,
            event_type=f"keyeval.{action}",
            obj=ev,
            reason=comment[:500],
            changes={"status": [transition.source, transition.target], "score": str(ev.total_score or "")},
        )
    return ev


# ---- documents ---------------------------------------------------------------------------------------------------


def document_add(*, actor: Any, evaluation: KeyEvaluation, kind: str, upload: Any, note: str = "") -> KeyEvalDocument:
    """Upload a document. The performance section uploads any kind; the evaluated party its feedback; a scorer of the
    commissioned agency the draft and final reports. Checked before it is stored (core.uploads: type, size, content),
    kept with its SHA-256 and 说明, and removed again if the write fails."""
    _visible(actor, evaluation)
    if kind not in KeyEvalDocument.Kind.values:
        raise DomainError("请选择文件类型")
    if not selectors.manages(actor, evaluation):
        if (
            kind == KeyEvalDocument.Kind.FEEDBACK
            and actor.can("keyeval.respond")
            and not selectors.is_evaluated_party(actor, evaluation)
        ):
            raise NotFoundError("重点评价不存在")
        if kind not in selectors.uploadable_document_kinds(actor, evaluation):
            raise DomainError("您不能上传该类文件")
    [name] = uploads.check_uploads([upload], max_files=1)
    with uploads.removed_on_failure() as written, transaction.atomic():
        ev = KeyEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        if ev.status == KeyEvalStatus.ISSUED:
            raise ConflictError("评价结果已下达，不能再上传文件")
        doc = KeyEvalDocument(evaluation=ev, kind=kind, note=(note or "").strip()[:500])
        uploads.store_files(
            written,
            [(doc, upload, name)],
            actor=actor,
            event_type="keyeval.document_add",
            obj=ev,
            extra={"kind": doc.get_kind_display()},
        )
    return doc


def document_opened(*, actor: Any, document: KeyEvalDocument) -> None:
    uploads.stored_file_opened(document, actor=actor, event_type="keyeval.document_download", obj=document.evaluation)


# ---- scorers and scores ------------------------------------------------------------------------------------------


def _for_scoring_setup(actor: Any, evaluation: KeyEvaluation) -> KeyEvaluation:
    _require_manages(actor, evaluation)
    ev = KeyEvaluation.objects.select_for_update(of=("self",)).select_related("engagement").get(pk=evaluation.pk)
    if ev.status not in SCORER_SETUP_STATES:
        raise ConflictError("评价已形成报告，不能再调整评分人")
    return ev


def scorer_add_staff(*, actor: Any, evaluation: KeyEvaluation, user: Any) -> KeyEvalScorer:
    """Assign a finance staff member (绩效股, 预算股, 业务股室 of the region) as a scorer; on a department's own
    部门评价, one of the department's own logins."""
    with transaction.atomic():
        ev = _for_scoring_setup(actor, evaluation)
        if not selectors.staff_choices(actor).filter(pk=user.pk).exists():
            if ev.organiser_department_id is not None:
                raise NotFoundError("该账号不是本部门的人员")
            raise NotFoundError("该账号不是本区划的财政干部")
        scorer, created = KeyEvalScorer.objects.get_or_create(
            evaluation=ev, user=user, defaults={"kind": KeyEvalScorer.Kind.STAFF}
        )
        if not created:
            raise ConflictError("该账号已是评分人")
        _event(actor, ev, "scorer_add", "安排评分人", ev.status, user.display_name or user.username)
        audit.record(actor=actor, event_type="keyeval.scorer_add", obj=ev, changes={"user": user.pk, "kind": "staff"})
    return scorer


def scorers_draw_experts(
    *, actor: Any, evaluation: KeyEvaluation, field: str | None, size: int, seed: int | None = None
) -> list[KeyEvalScorer]:
    """Draw experts through the pool (stored seed, avoidance of the evaluated department). Experts with a login
    score online; the draw (and who could not be assigned) is on the timeline."""
    with transaction.atomic():
        ev = _for_scoring_setup(actor, evaluation)
        if ev.organiser_department_id is not None:
            raise DomainError("专家库由财政部门管理：部门评价请安排本部门人员评分或委托第三方机构")
        draw = panel_draw(
            actor=actor,
            purpose=PANEL_PURPOSE,
            object_type=OBJECT_TYPE,
            object_id=str(ev.pk),
            field=field or None,
            size=size,
            avoid_department=ev.department,
            seed=seed,
        )
        experts = Expert.objects.in_bulk(draw.drawn_ids)
        created: list[KeyEvalScorer] = []
        no_login: list[str] = []
        for pk in draw.drawn_ids:
            expert = experts[pk]
            if expert.user_id is None:
                no_login.append(expert.name)
                continue
            scorer, new = KeyEvalScorer.objects.get_or_create(
                evaluation=ev,
                user_id=expert.user_id,
                defaults={"kind": KeyEvalScorer.Kind.EXPERT, "expert": expert, "draw": draw},
            )
            if new:
                created.append(scorer)
        names = "、".join(experts[pk].name for pk in draw.drawn_ids)
        # The 流转记录 reads "抽取评审专家：孙立新、赵文博" (the note used to repeat "抽取专家：").
        note = names + (f"；未开通账号：{'、'.join(no_login)}" if no_login else "")
        _event(actor, ev, "expert_draw", "抽取评审专家", ev.status, note)
        audit.record(
            actor=actor,
            event_type="keyeval.expert_draw",
            obj=ev,
            changes={"draw": draw.pk, "experts": list(draw.drawn_ids), "no_login": no_login},
        )
    return created


def scorers_from_engagement(*, actor: Any, evaluation: KeyEvaluation) -> list[KeyEvalScorer]:
    """Assign the commissioned agency's team (or, without a named team, all its logins) as scorers."""
    with transaction.atomic():
        ev = _for_scoring_setup(actor, evaluation)
        if ev.mode != KeyEvaluation.Mode.THIRD_PARTY or ev.engagement is None:
            raise DomainError("该评价未委托第三方机构")
        users = list(ev.engagement.team_users.all()) or list(ev.engagement.agency.users.all())
        if not users:
            raise DomainError("受托机构没有登录账号，请先在第三方机构中关联账号")
        created = []
        for user in users:
            scorer, new = KeyEvalScorer.objects.get_or_create(
                evaluation=ev, user=user, defaults={"kind": KeyEvalScorer.Kind.AGENCY}
            )
            if new:
                created.append(scorer)
        _event(actor, ev, "agency_scorers", "安排受托机构评分", ev.status, ev.engagement.agency.name)
        audit.record(actor=actor, event_type="keyeval.agency_scorers", obj=ev, changes={"users": [u.pk for u in users]})
    return created


def score_submit(
    *,
    actor: Any,
    evaluation: KeyEvaluation,
    scores: Mapping[int, Decimal],
    evidence: Mapping[int, str],
    comment: str = "",
) -> KeyEvalScorer:
    """A scorer enters a score (0 … weight) and evidence for every leaf indicator; resubmission replaces them."""
    require(actor, "keyeval.score")
    scorer = selectors.assignment_get(actor, evaluation.pk)  # 404 for anyone not assigned
    with transaction.atomic():
        ev = KeyEvaluation.objects.select_for_update(of=("self",)).select_related("template").get(pk=evaluation.pk)
        if ev.status not in SCORING_STATES:
            raise ConflictError("该评价当前不在评分阶段")
        leaf_nodes = [leaf.row for leaf in leaves(selectors.template_tree(ev.template))]
        known = {n.pk for n in leaf_nodes}
        if set(scores) - known:
            raise DomainError("评分指标不属于该评价的指标体系")
        missing = [n.name for n in leaf_nodes if scores.get(n.pk) is None]
        if missing:
            raise DomainError("请为以下指标评分：" + "、".join(missing[:10]))
        texts = {n.pk: checked_text(evidence.get(n.pk), f"“{n.name}”的评分依据", 1000) for n in leaf_nodes}
        comment = checked_text(comment, "评价意见", 2000)
        for node in leaf_nodes:
            value = scores[node.pk]
            if not Decimal(0) <= value <= node.weight:
                raise DomainError(f"“{node.name}”得分应在0至{node.weight.normalize():f}分之间")
            if value != value.quantize(Decimal("0.01")):
                # Stored to 0.01 per indicator: 2.555 became 2.56 while the total kept 2.555, so they disagreed.
                raise DomainError(f"“{node.name}”得分最多保留两位小数")
        locked = KeyEvalScorer.objects.select_for_update().get(pk=scorer.pk)
        KeyEvalScore.objects.filter(scorer=locked).delete()
        KeyEvalScore.objects.bulk_create(
            [
                KeyEvalScore(scorer=locked, node=node, score=scores[node.pk], evidence=texts[node.pk])
                for node in leaf_nodes
            ]
        )
        locked.total = sum((scores[n.pk] for n in leaf_nodes), Decimal(0))
        locked.comment = comment
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["total", "comment", "submitted_at"])
        signatures.sign(
            actor=actor,
            obj=locked,
            purpose="keyeval.score_submit",
            fields=["evaluation_id", "user_id", "total", "comment", "submitted_at"],
            children={"scores": ["node_id", "score", "evidence"]},
        )
        audit.record(actor=actor, event_type="keyeval.score_submit", obj=ev, changes={"total": str(locked.total)})
    return locked


# ---- 结果应用: rules issued or revised on the results --------------------------------------------------------------


def regulations_link(*, actor: Any, evaluation: KeyEvaluation, regulation_ids: list[Any]) -> KeyEvaluation:
    """Record which of its bureau's rules were issued or revised on the evaluation's results (seed 002 S47:
    “根据评价结果修订《区中小学校舍维修改造专项资金管理实施办法》…”): the chosen set replaces the one kept, once the
    results are issued. Audited with the titles before and after; a rule the actor does not see, of another region,
    forwarded from above, or older than the evaluated year is not found."""
    require(actor, "keyeval.manage")
    _visible(actor, evaluation)
    try:
        ids = sorted({int(pk) for pk in regulation_ids})
    except (TypeError, ValueError) as exc:
        raise NotFoundError("制度办法不存在") from exc
    with transaction.atomic():
        ev = KeyEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        if ev.status != KeyEvalStatus.ISSUED:
            raise DomainError("评价结果下达后，才能关联据此出台或修订的制度办法")
        linkable = selectors.linkable_regulations(actor, ev)
        chosen = list(linkable.filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise NotFoundError("制度办法不存在")
        before = [r.title for r in selectors.linked_regulations(ev)]
        # A link the form could not offer (the rule was edited to 转发 or to an earlier date since) is kept, not
        # dropped unseen by a save that never showed it.
        kept = ev.regulations.exclude(pk__in=linkable.values("pk"))
        ev.regulations.set([*chosen, *kept])
        after = [r.title for r in selectors.linked_regulations(ev)]
        if before != after:
            audit.record(
                actor=actor, event_type="keyeval.regulations_link", obj=ev, changes={"regulations": [before, after]}
            )
            _event(actor, ev, "regulations_link", "关联据此出台或修订的制度办法", ev.status, "；".join(after))
    return ev
