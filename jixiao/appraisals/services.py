"""绩效考核 writes: keyword-only, capability and scope re-checked, one transaction, events and audit rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jixiao.appraisals import selectors
from jixiao.appraisals.models import (
    COUNT_MAX,
    KIND_EXAMINEE_TYPE,
    SCORE_MAX,
    WEIGHT_MAX,
    Appraisal,
    AppraisalEvent,
    AppraisalEvidence,
    AppraisalNode,
    AppraisalScore,
    AppraisalSettings,
    AppraisalStatus,
    AppraisalTask,
    AppraisalTemplate,
    ExamineeKind,
    ExamineeType,
    NodeKind,
    Outcome,
    TaskStatus,
    TemplateKind,
)
from jixiao.appraisals.ranking import (
    MAX_POINTS,
    ParsedNode,
    Thresholds,
    competition_ranks,
    external_points,
    grade_for,
    outcome_for,
    submission_errors,
    total_of,
)
from jixiao.appraisals.workflow import (
    APPRAISAL_WORKFLOW,
    FINAL_EDITABLE,
    ISSUE,
    RANK,
    SECTION_EDITABLE,
    SELF_EDITABLE,
    SUBMIT,
    TASK_ACTIONS,
)
from jixiao.core import audit, uploads
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.locking import check_lock_token
from jixiao.core.permissions import require
from jixiao.core.text import checked_text
from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion

S = AppraisalStatus
_MOVES = {(t.source, t.action) for t in APPRAISAL_WORKFLOW.transitions}
MAX_SCORE = MAX_POINTS


def _event(actor: Any, appraisal: Appraisal, action: str, label: str, source: str, comment: str = "") -> None:
    AppraisalEvent.log(
        actor,
        action=action,
        label=label,
        comment=comment,
        appraisal=appraisal,
        from_status=source,
        to_status=appraisal.status,
    )


def _own_region(actor: Any, region: FiscalRegion | None) -> FiscalRegion:
    mine = actor.active_membership.region
    if region is None or not region.path.startswith(mine.path):
        raise NotFoundError("财政区划不存在或不在您的管理范围内")
    return region


# ---- templates ------------------------------------------------------------------------------------------------------

NODE_FIELDS = ["code", "name", "description", "standard", "points", "kind", "responsible_section", "auto_metric"]


def _editable_template(actor: Any, template: AppraisalTemplate) -> AppraisalTemplate:
    require(actor, "appraisal.manage")
    if template.region_id is None:
        raise ConflictError("全国默认评分表不能直接修改，请先复制为本地评分表")
    _own_region(actor, template.region)
    if selectors.template_in_use(template):
        raise ConflictError("该评分表已用于考核任务，不能修改；如需调整请复制一份新表")
    return template


def _refuse_taken_name(region: Any, fiscal_year: int | None, name: str, verb: str = "复制") -> None:
    """A table's name is how the task form offers it, and a table cannot be deleted: a second copy or import of the
    same name and year (a double click on 复制 or 导入) is refused rather than listed twice."""
    if AppraisalTemplate.objects.filter(region=region, fiscal_year=fiscal_year, name=name).exists():
        year = f"{fiscal_year}年度" if fiscal_year else "各年度"
        raise ConflictError(f"本地已有{year}评分表“{name}”，无需重复{verb}；如需另一份，请填写不同的名称")


def template_copy(
    *, actor: Any, source: AppraisalTemplate, fiscal_year: int | None, name: str = ""
) -> AppraisalTemplate:
    """An editable copy of a visible table (national default, the province's, or an earlier year's) for the
    actor's region and a year."""
    require(actor, "appraisal.manage")
    if not selectors.templates_visible(actor).filter(pk=source.pk).exists():
        raise NotFoundError("评分表不存在")
    region = actor.active_membership.region
    copy_name = (name.strip() or f"{region.name}{fiscal_year or ''}年度{source.name}")[:150]
    with transaction.atomic():
        _refuse_taken_name(region, fiscal_year, copy_name)
        copy = AppraisalTemplate.objects.create(
            name=copy_name,
            kind=source.kind,
            examinee_type=source.examinee_type,
            dept_class=source.dept_class,
            region=region,
            fiscal_year=fiscal_year,
            total_points=source.total_points,
            source=f"复制自“{source.name}”"[:200],
        )
        mapping: dict[int, AppraisalNode] = {}
        for node in selectors.template_nodes(source):
            parent = mapping.get(node.parent_id) if node.parent_id else None
            mapping[node.pk] = AppraisalNode.objects.create(
                template=copy, parent=parent, order=node.order, **{f: getattr(node, f) for f in NODE_FIELDS}
            )
        audit.record(actor=actor, event_type="appraisal.template_copy", obj=copy, reason=f"源评分表 {source.pk}")
    return copy


def _clean_node(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: data[k] for k in NODE_FIELDS if k in data}
    for key in ("code", "name", "description", "standard", "responsible_section", "auto_metric"):
        cleaned[key] = str(cleaned.get(key) or "").strip()
    if not cleaned["code"] or not cleaned["name"]:
        raise DomainError("请填写指标代码和指标名称")
    try:
        points = Decimal(str(cleaned.get("points")))
    except (InvalidOperation, TypeError) as exc:
        raise DomainError("分值应为数字") from exc
    if not points.is_finite() or points < 0 or points > MAX_SCORE:
        raise DomainError("分值应为不小于0的数字")
    cleaned["points"] = points.quantize(Decimal("0.01"))
    if cleaned.get("kind", NodeKind.SCORE) not in NodeKind.values:
        raise DomainError("请选择指标类别")
    from jixiao.appraisals.metrics import METRICS

    if cleaned["auto_metric"] and cleaned["auto_metric"] not in METRICS:
        raise DomainError("自动指标不存在")
    return cleaned


def node_save(
    *,
    actor: Any,
    template: AppraisalTemplate,
    data: dict[str, Any],
    node: AppraisalNode | None = None,
    parent: AppraisalNode | None = None,
    lock_token: str | None = None,
) -> AppraisalNode:
    """Add a node (under `parent`) or change one. The tree may be unbalanced while edited; tasks need it balanced.
    `lock_token` is the template's as the editor page showed it (every node change bumps the template's version)."""
    cleaned = _clean_node(data)
    with transaction.atomic():
        locked = AppraisalTemplate.objects.select_for_update().get(pk=template.pk)
        _editable_template(actor, locked)
        check_lock_token(locked, lock_token)
        if parent is not None and parent.template_id != locked.pk:
            raise NotFoundError("上级指标不存在")
        clash = locked.nodes.filter(code=cleaned["code"])
        if node is not None:
            clash = clash.exclude(pk=node.pk)
        if clash.exists():
            raise DomainError(f"指标代码“{cleaned['code']}”已存在")
        if node is None:
            last = locked.nodes.order_by("-order").values_list("order", flat=True).first() or 0
            node = AppraisalNode(template=locked, parent=parent, order=last + 1)
            before: dict[str, Any] = {}
        else:
            if node.template_id != locked.pk:
                raise NotFoundError("指标不存在")
            before = audit.snapshot(node, NODE_FIELDS)
        for field, value in cleaned.items():
            setattr(node, field, value)
        node.save()
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        audit.record(
            actor=actor,
            event_type="appraisal.node_save",
            obj=locked,
            reason=f"{node.code} {node.name}"[:500],
            changes=audit.diff(before, audit.snapshot(node, NODE_FIELDS)),
        )
    return node


def node_delete(*, actor: Any, node: AppraisalNode, lock_token: str | None = None) -> None:
    with transaction.atomic():
        locked = AppraisalTemplate.objects.select_for_update().get(pk=node.template_id)
        _editable_template(actor, locked)
        check_lock_token(locked, lock_token)
        label = f"{node.code} {node.name}"
        node.delete()
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        audit.record(actor=actor, event_type="appraisal.node_delete", obj=locked, reason=label[:500])


def template_import(
    *, actor: Any, name: str, kind: str, fiscal_year: int | None, nodes: list[ParsedNode], source: str = ""
) -> AppraisalTemplate:
    """Persist a parsed provincial score sheet as the region's table. All or nothing; the sums must agree."""
    require(actor, "appraisal.manage")
    if kind not in TemplateKind.values:
        raise DomainError("请选择考核类型")
    if not nodes:
        raise DomainError("评分表中没有指标")
    region = actor.active_membership.region
    template_name = name.strip()[:150] or "导入的评分表"
    with transaction.atomic():
        _refuse_taken_name(region, fiscal_year, template_name, verb="导入")
        template = AppraisalTemplate.objects.create(
            name=template_name,
            kind=kind,
            examinee_type=KIND_EXAMINEE_TYPE[TemplateKind(kind)],
            region=region,
            fiscal_year=fiscal_year,
            source=(source or "导入")[:200],
        )
        by_code: dict[str, AppraisalNode] = {}
        for order, parsed in enumerate(nodes, start=1):
            by_code[parsed.code] = AppraisalNode.objects.create(
                template=template,
                parent=by_code.get(parsed.parent_code) if parsed.parent_code else None,
                code=parsed.code,
                name=parsed.name,
                description=parsed.description,
                standard=parsed.standard,
                points=parsed.points,
                kind=parsed.kind,
                responsible_section=parsed.section,
                auto_metric=parsed.metric,
                order=order,
            )
        errors = selectors.template_errors(template)
        if errors:
            # Raising rolls the whole import back: nothing half-written.
            raise DomainError("评分表分值不平衡：" + "；".join(errors))
        audit.record(
            actor=actor,
            event_type="appraisal.template_import",
            obj=template,
            reason=f"导入{len(nodes)}个指标",
        )
    return template


# ---- settings -------------------------------------------------------------------------------------------------------

SETTING_FIELDS = [
    "weight_town",
    "weight_street",
    "weight_dev_zone",
    "weight_department",
    "commend_top_k",
    "commend_min_score",
    "interview_bottom_k",
    "interview_max_score",
    "grade_bands",
]


def _check_bands(bands: Any) -> list[dict[str, str]]:
    if not isinstance(bands, list) or not bands:
        raise DomainError("请设置等级划分")
    cleaned: list[dict[str, str]] = []
    for band in bands:
        try:
            label = str(band["label"]).strip()
            minimum = Decimal(str(band["min"]))
        except (KeyError, TypeError, InvalidOperation) as exc:
            raise DomainError("等级划分格式应为“等级名称:最低分”") from exc
        if not label or not minimum.is_finite() or minimum < 0:
            raise DomainError("等级划分格式应为“等级名称:最低分”")
        if minimum > SCORE_MAX or _places(minimum) > 2:
            raise DomainError(f"等级“{label}”的最低分应为0至{SCORE_MAX}之间、最多两位小数的分数")
        same_label = next((b for b in cleaned if b["label"] == label[:20]), None)
        if same_label is not None:
            raise DomainError(f"等级“{label}”重复，每个等级只能设置一次")
        same_min = next((b for b in cleaned if Decimal(b["min"]) == minimum), None)
        if same_min is not None:  # the lower of the two would never be given
            raise DomainError(f"等级“{label}”的最低分与“{same_min['label']}”相同，请设置不同的最低分")
        cleaned.append({"label": label[:20], "min": format(minimum, "f")})
    return sorted(cleaned, key=lambda b: Decimal(b["min"]), reverse=True)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _check_setting_numbers(cleaned: dict[str, Any]) -> None:
    """The ranges of the `AppraisalSettings` columns: a value outside them would be stored unreadable (SQLite) or
    fail the write (PostgreSQL), so it is refused here whoever calls (the form checks the same)."""
    for key in ("weight_town", "weight_street", "weight_dev_zone", "weight_department"):
        weight = cleaned[key]
        if (
            not isinstance(weight, Decimal)
            or not weight.is_finite()
            or not 0 <= weight <= WEIGHT_MAX
            or _places(weight) > 3
        ):
            raise DomainError(f"折算权重应为0至{WEIGHT_MAX}之间、最多三位小数的数字")
    for key in ("commend_min_score", "interview_max_score"):
        score = cleaned[key]
        if score is not None and (
            not isinstance(score, Decimal) or not score.is_finite() or not 0 <= score <= SCORE_MAX or _places(score) > 2
        ):
            raise DomainError(f"表扬最低得分、约谈最高得分应为0至{SCORE_MAX}之间、最多两位小数的分数")
    for key in ("commend_top_k", "interview_bottom_k"):
        count = cleaned[key]
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= COUNT_MAX):
            raise DomainError(f"表扬、约谈名次应为0至{COUNT_MAX}之间的整数")


def settings_save(
    *, actor: Any, fiscal_year: int | None, data: dict[str, Any], lock_token: str | None = None
) -> AppraisalSettings:
    """Create or update the actor's region's row for a year. `lock_token` is that of the region's rows the page
    showed: a row saved or added since is a conflict."""
    require(actor, "appraisal.manage")
    region = actor.active_membership.region
    cleaned = {k: data.get(k) for k in SETTING_FIELDS}
    cleaned["grade_bands"] = _check_bands(cleaned["grade_bands"])
    _check_setting_numbers(cleaned)
    with transaction.atomic():
        check_lock_token(AppraisalSettings.objects.select_for_update().filter(region=region), lock_token)
        row, created = AppraisalSettings.objects.select_for_update().get_or_create(
            region=region, fiscal_year=fiscal_year
        )
        before = {} if created else audit.snapshot(row, SETTING_FIELDS)
        for key, value in cleaned.items():
            setattr(row, key, value)
        row.save()
        audit.record(
            actor=actor,
            event_type="appraisal.settings_save",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, SETTING_FIELDS)),
        )
    return row


# ---- tasks ----------------------------------------------------------------------------------------------------------


def _town_kind(name: str) -> str:
    if name.endswith("街道") or "街道" in name[-4:]:
        return ExamineeKind.STREET
    if any(word in name for word in ("高新区", "开发区", "园区")):
        return ExamineeKind.DEV_ZONE
    return ExamineeKind.TOWN


def _examinees(template: AppraisalTemplate, region: FiscalRegion, chosen: list[Any] | None) -> list[dict[str, Any]]:
    kind = template.kind
    if kind == TemplateKind.COUNTY_SELF:
        return [
            {"examinee_region": region, "examinee_kind": ExamineeKind.COUNTY, "examinee_name": f"{region.name}财政局"}
        ]
    if kind == TemplateKind.TOWN:
        towns = list(selectors.examinee_towns(region))
        if chosen is not None:
            allowed = {t.pk for t in towns}
            towns = [t for t in chosen if isinstance(t, FiscalRegion) and t.pk in allowed]
        return [{"examinee_region": t, "examinee_kind": _town_kind(t.name), "examinee_name": t.name} for t in towns]
    if kind == TemplateKind.ASSET_MANAGEMENT:
        units = list(selectors.examinee_units(region))
        if chosen is not None:
            allowed = {u.pk for u in units}
            units = [u for u in chosen if isinstance(u, BudgetUnit) and u.pk in allowed]
        return [
            {"unit": u, "department_id": u.department_id, "examinee_kind": ExamineeKind.UNIT, "examinee_name": u.name}
            for u in units
        ]
    departments = list(selectors.examinee_departments(region))
    if chosen is not None:
        allowed = {d.pk for d in departments}
        departments = [d for d in chosen if isinstance(d, Department) and d.pk in allowed]
    return [{"department": d, "examinee_kind": ExamineeKind.DEPARTMENT, "examinee_name": d.name} for d in departments]


def task_create(
    *,
    actor: Any,
    template: AppraisalTemplate,
    name: str,
    fiscal_year: int,
    self_score_deadline: dt.date,
    section_score_deadline: dt.date | None = None,
    target_deadline: dt.date | None = None,
    examinees: list[Any] | None = None,
) -> AppraisalTask:
    """Issue a task: one appraisal per examinee (the region's departments, towns, units or the bureau itself)."""
    require(actor, "appraisal.manage")
    if not selectors.templates_visible(actor).filter(pk=template.pk).exists():
        raise NotFoundError("评分表不存在")
    if not name.strip():
        raise DomainError("请填写任务名称")
    nodes = selectors.template_nodes(template)
    if not nodes:
        raise DomainError("评分表中没有指标，不能下达考核任务")
    if template.fiscal_year is not None and template.fiscal_year != fiscal_year:
        # A table made for one year (适用年度) does not appraise another; copy it again for that year.
        raise DomainError(
            f"评分表“{template.name}”适用于{template.fiscal_year}年度，不能用于{fiscal_year}年度的考核任务；"
            "请选择该年度的评分表，或将其复制为该年度的本地评分表"
        )
    errors = selectors.template_errors(template)
    if errors:
        raise DomainError("评分表分值不平衡：" + "；".join(errors))
    if section_score_deadline is not None and section_score_deadline < self_score_deadline:
        raise DomainError("股室评分截止日期不能早于自评截止日期")
    region = actor.active_membership.region
    _refuse_second_task(region, fiscal_year, template.kind)
    people = _examinees(template, region, examinees)
    if not people:
        raise DomainError("没有可考核的对象")
    try:
        task = _task_insert(
            actor=actor,
            region=region,
            template=template,
            name=name,
            fiscal_year=fiscal_year,
            self_score_deadline=self_score_deadline,
            section_score_deadline=section_score_deadline,
            target_deadline=target_deadline,
            people=people,
            nodes=nodes,
        )
    except IntegrityError:
        # The same task issued twice at once (a double submit): the first one wins, nothing of the second is kept.
        _refuse_second_task(region, fiscal_year, template.kind)
        raise
    return task


def _refuse_second_task(region: FiscalRegion, fiscal_year: int, kind: str) -> None:
    existing = AppraisalTask.objects.filter(region=region, fiscal_year=fiscal_year, kind=kind, is_deleted=False).first()
    if existing is not None:
        raise ConflictError(
            f"{fiscal_year}年度的{TemplateKind(kind).label}任务已存在（“{existing.name}”），请勿重复下达"
        )


def _task_insert(
    *,
    actor: Any,
    region: FiscalRegion,
    template: AppraisalTemplate,
    name: str,
    fiscal_year: int,
    self_score_deadline: dt.date,
    section_score_deadline: dt.date | None,
    target_deadline: dt.date | None,
    people: list[dict[str, Any]],
    nodes: list[AppraisalNode],
) -> AppraisalTask:
    with transaction.atomic():
        task = AppraisalTask.objects.create(
            region=region,
            fiscal_year=fiscal_year,
            name=name.strip()[:200],
            template=template,
            kind=template.kind,
            self_score_deadline=self_score_deadline,
            section_score_deadline=section_score_deadline,
            target_deadline=target_deadline,
            created_by=actor,
            updated_by=actor,
        )
        appraisals = Appraisal.objects.bulk_create(
            [Appraisal(task=task, region=region, examinee_type=template.examinee_type, **p) for p in people]
        )
        AppraisalScore.objects.bulk_create([AppraisalScore(appraisal=a, node=n) for a in appraisals for n in nodes])
        AppraisalEvent.objects.bulk_create(
            [
                AppraisalEvent(
                    appraisal=a, actor=actor, action="issue", action_label="下达考核任务", to_status=S.TASK_ISSUED
                )
                for a in appraisals
            ]
        )
        audit.record(
            actor=actor,
            event_type="appraisal.task_create",
            obj=task,
            reason=f"考核对象{len(appraisals)}个",
        )
    return task


# ---- scoring --------------------------------------------------------------------------------------------------------


def _lock(actor: Any, appraisal: Appraisal) -> Appraisal:
    if not Appraisal.objects.visible_to(actor).filter(pk=appraisal.pk).exists():
        raise NotFoundError("考核不存在")
    return Appraisal.objects.select_for_update(of=("self",)).select_related("task__template").get(pk=appraisal.pk)


def _may_self_score(actor: Any, appraisal: Appraisal) -> None:
    """Departments score themselves; finance enters the self scores of towns and of the bureau (no users there)."""
    require(actor, "appraisal.self_score")
    is_finance = actor.can("appraisal.final")
    if appraisal.examinee_type == ExamineeType.DEPARTMENT and appraisal.department_id is not None:
        if is_finance:
            raise PermissionDeniedError("部门自评由部门填报")
        if actor.active_membership.department_id != appraisal.department_id:
            raise NotFoundError("考核不存在")
    elif not is_finance:
        raise PermissionDeniedError("您没有执行此操作的权限")


def _parse_score(value: Any, node: AppraisalNode, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise DomainError(f"“{node.code} {node.name}”的{label}应为数字") from exc
    if not score.is_finite():
        raise DomainError(f"“{node.code} {node.name}”的{label}应为数字")
    if score < 0:
        raise DomainError(f"“{node.code} {node.name}”的{label}不能为负数")
    if score > node.points:
        raise DomainError(f"“{node.code} {node.name}”的{label}{score}超过分值{node.points}")
    if score != score.quantize(Decimal("0.01")):
        raise DomainError(f"“{node.code} {node.name}”的{label}最多保留两位小数")
    return score


def _check_reason(node: AppraisalNode, score: Decimal | None, note: str) -> None:
    """A 加分 or 扣分 is given with its reason (the tables say 须说明理由): a points figure alone cannot be checked
    by the sections, the ranking or an appeal."""
    if score and node.kind in (NodeKind.BONUS, NodeKind.PENALTY) and not note:
        what = "加分" if node.kind == NodeKind.BONUS else "扣分"
        raise DomainError(f"“{node.code} {node.name}”{what}须说明理由，请在说明栏填写")


def _node_rows(appraisal: Appraisal) -> list[Any]:
    return selectors.node_rows(selectors.template_nodes(appraisal.task.template))


def appraisal_save_self(
    *, actor: Any, appraisal: Appraisal, scores: dict[int, tuple[Any, str]], lock_token: str | None = None
) -> Appraisal:
    """Save self scores {node id: (score, note)} of leaves. Saving the first time starts self-scoring.
    `lock_token` covers the appraisal's score rows as the grid showed them."""
    with transaction.atomic():
        locked = _lock(actor, appraisal)
        _may_self_score(actor, locked)
        if locked.status not in SELF_EDITABLE:
            raise ConflictError(f"考核当前状态为“{locked.get_status_display()}”，不能修改自评")
        rows = {s.node_id: s for s in locked.scores.select_related("node").select_for_update(of=("self",))}
        check_lock_token(rows.values(), lock_token)
        changed: dict[str, Any] = {}
        for node_id, (value, note) in scores.items():
            row = rows.get(int(node_id))
            if row is None:
                raise NotFoundError("考核指标不存在")
            score = _parse_score(value, row.node, "自评得分")
            note = checked_text(note, f"“{row.node.code} {row.node.name}”的自评说明", 2000)
            _check_reason(row.node, score, note)
            if row.ind_score != score or row.ind_note != note:
                changed[row.node.code] = [audit.jsonable(row.ind_score), audit.jsonable(score)]
                row.ind_score, row.ind_note = score, note
                row.version += 1
                row.save(update_fields=["ind_score", "ind_note", "version"])
        source = locked.status
        locked.self_total = total_of({k: v.ind_score for k, v in rows.items()}, _node_rows(locked))
        if locked.status == S.TASK_ISSUED:
            locked.status = S.SELF_SCORING
        locked.version += 1
        locked.save(update_fields=["self_total", "status", "version", "updated_at"])
        if source != locked.status:
            _event(actor, locked, "start", "开始自评", source)
        audit.record(actor=actor, event_type="appraisal.self_score", obj=locked, changes=changed)
    return locked


# The finance texts of the score sheet (read straight from the grid's POST, no form field checks them).
TEXT_LABELS = {"exist_problems": "存在问题", "rectify_step": "整改建议", "mof_aud_opinion": "财政审核意见"}


def appraisal_save_eval(
    *,
    actor: Any,
    appraisal: Appraisal,
    scores: dict[int, tuple[Any, str]],
    texts: dict[str, str] | None = None,
    lock_token: str | None = None,
) -> Appraisal:
    """Finance scores: a business section its own items while sections score; the performance section any item
    (and the problems, suggestion and opinion) until ranking. `lock_token` covers what the scorer's grid showed
    (selectors.eval_lock_rows)."""
    require(actor, "appraisal.section_score")
    is_final = actor.can("appraisal.final")
    with transaction.atomic():
        locked = _lock(actor, appraisal)
        editable = FINAL_EDITABLE if is_final else SECTION_EDITABLE
        if locked.status not in editable:
            raise ConflictError(f"考核当前状态为“{locked.get_status_display()}”，不能评分")
        rows = {s.node_id: s for s in locked.scores.select_related("node").select_for_update(of=("self",))}
        check_lock_token(selectors.eval_lock_rows(actor, locked, ((s.node, s) for s in rows.values())), lock_token)
        changed: dict[str, Any] = {}
        now = timezone.now()
        for node_id, (value, note) in scores.items():
            row = rows.get(int(node_id))
            if row is None:
                raise NotFoundError("考核指标不存在")
            if not selectors.can_section_score(actor, row.node):
                raise PermissionDeniedError(f"“{row.node.code} {row.node.name}”不由您所在股室评分")
            score = _parse_score(value, row.node, "评定得分")
            note = checked_text(note, f"“{row.node.code} {row.node.name}”的评分说明", 2000)
            _check_reason(row.node, score, note)
            if row.eval_score != score or row.eval_note != note:
                changed[row.node.code] = [audit.jsonable(row.eval_score), audit.jsonable(score)]
                row.eval_score, row.eval_note, row.scored_by, row.scored_at = score, note, actor, now
                row.version += 1
                row.save(update_fields=["eval_score", "eval_note", "scored_by", "scored_at", "version"])
        fields = ["total", "version", "updated_at"]
        if texts and is_final:
            for key in ("exist_problems", "rectify_step", "mof_aud_opinion"):
                if key in texts:
                    value = checked_text(texts[key], TEXT_LABELS[key], 4000)
                    if getattr(locked, key) != value:
                        changed[key] = [getattr(locked, key), value]
                        setattr(locked, key, value)
                        fields.append(key)
        locked.total = total_of({k: v.eval_score for k, v in rows.items()}, _node_rows(locked))
        locked.version += 1
        locked.save(update_fields=fields)
        audit.record(actor=actor, event_type="appraisal.eval_score", obj=locked, changes=changed)
    return locked


def appraisal_transition(*, actor: Any, appraisal: Appraisal, action: str, comment: str = "") -> Appraisal:
    if action in TASK_ACTIONS:
        raise DomainError("排名和通报在考核任务页面统一操作")
    transition = APPRAISAL_WORKFLOW.get(appraisal.status, action)
    require(actor, transition.capability)
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise DomainError("请填写意见")
    with transaction.atomic():
        locked = _lock(actor, appraisal)
        if locked.status != transition.source:
            # A page a moment old may name the previous state; the same move from the current one is still meant.
            current = APPRAISAL_WORKFLOW.get(locked.status, action) if (locked.status, action) in _MOVES else None
            if current is None or current.target != transition.target:
                raise ConflictError("考核状态已变化，请刷新后重试")
            transition = current
        fields = ["status", "version", "updated_at"]
        if transition.capability == "appraisal.self_score":
            _may_self_score(actor, locked)
        if action == SUBMIT:
            scores = {s.node_id: s.ind_score for s in locked.scores.all()}
            errors = submission_errors(scores, _node_rows(locked), label="自评得分")
            if errors:
                raise DomainError("送审校验未通过：" + "；".join(errors))
            locked.submitted_at = timezone.now()
            locked.self_total = total_of(scores, _node_rows(locked))
            fields += ["submitted_at", "self_total"]
        locked.status = transition.target
        locked.version += 1
        locked.save(update_fields=fields)
        _event(actor, locked, action, transition.label, transition.source, comment)
        audit.record(
            actor=actor,
            event_type=f"appraisal.{action}",
            obj=locked,
            reason=comment[:500],
            changes={"status": [transition.source, transition.target]},
        )
    return locked


# ---- ranking and outcomes -------------------------------------------------------------------------------------------


DEADLINES = ("self_score_deadline", "section_score_deadline", "target_deadline")


def task_deadlines_update(
    *, actor: Any, task: AppraisalTask, deadlines: dict[str, dt.date | None], lock_token: str | None = None
) -> AppraisalTask:
    """修改截止日期 of a task still 考核中: a 延期 of the self or section scoring, or the 绩效目标申报截止日期 the
    on-time metric needs. Audited with the dates before and after; a ranked task is refused (撤销排名 first)."""
    require(actor, "appraisal.manage")
    if not AppraisalTask.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise NotFoundError("考核任务不存在")
    with transaction.atomic():
        locked = AppraisalTask.objects.select_for_update().get(pk=task.pk)
        check_lock_token(locked, lock_token)
        if locked.status != TaskStatus.OPEN:
            raise ConflictError(f"考核任务当前状态为“{locked.get_status_display()}”，不能修改截止日期")
        values = {name: deadlines.get(name, getattr(locked, name)) for name in DEADLINES}
        if values["self_score_deadline"] is None:
            raise DomainError("请填写自评截止日期")
        section = values["section_score_deadline"]
        if section is not None and section < values["self_score_deadline"]:
            raise DomainError("股室评分截止日期不能早于自评截止日期")
        changes = {
            name: [audit.jsonable(getattr(locked, name)), audit.jsonable(value)]
            for name, value in values.items()
            if getattr(locked, name) != value
        }
        if not changes:
            return locked
        for name, value in values.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=[*DEADLINES, "version", "updated_by", "updated_at"])
        audit.record(actor=actor, event_type="appraisal.task_deadlines", obj=locked, changes=changes)
    return locked


def _lock_task(actor: Any, task: AppraisalTask, lock_token: str | None = None) -> AppraisalTask:
    """The task row locked; `lock_token` is the task's as the task page showed it (rank, reopen and issue each bump
    its version, so an action from a page the task has moved on from is refused)."""
    require(actor, "appraisal.final")
    if not AppraisalTask.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise NotFoundError("考核任务不存在")
    locked = AppraisalTask.objects.select_for_update(of=("self",)).select_related("template", "region").get(pk=task.pk)
    check_lock_token(locked, lock_token)
    return locked


def task_rank(*, actor: Any, task: AppraisalTask, lock_token: str | None = None) -> AppraisalTask:
    """Check every finance score, then total, rank within examinee type, grade, outcome and external points."""
    with transaction.atomic():
        locked = _lock_task(actor, task, lock_token)
        if locked.status == TaskStatus.OUTCOMES_ISSUED:
            raise ConflictError("考核结果已通报，不能重新排名")
        appraisals = list(Appraisal.objects.select_for_update().filter(task=locked).order_by("id"))
        pending = [a.examinee_name for a in appraisals if a.status not in (S.PERF_FINAL, S.RANKED)]
        if pending:
            more = f"等{len(pending)}个" if len(pending) > 20 else ""
            raise DomainError(f"以下{len(pending)}个考核对象尚未进入绩效股审定环节：" + "、".join(pending[:20]) + more)
        nodes = selectors.node_rows(selectors.template_nodes(locked.template))
        scores: dict[int, dict[int, Decimal | None]] = {a.pk: {} for a in appraisals}
        for row in AppraisalScore.objects.filter(appraisal__task=locked).values(
            "appraisal_id", "node_id", "eval_score"
        ):
            scores[row["appraisal_id"]][row["node_id"]] = row["eval_score"]
        errors: list[str] = []
        for a in appraisals:
            errors += [f"{a.examinee_name}：{e}" for e in submission_errors(scores[a.pk], nodes, label="评定得分")]
        if errors:
            raise DomainError(
                "评分未完成：" + "；".join(errors[:30]) + (f"等{len(errors)}项" if len(errors) > 30 else "")
            )
        config = selectors.settings_for(locked.region, locked.fiscal_year)
        rules = Thresholds(
            config.commend_top_k, config.commend_min_score, config.interview_bottom_k, config.interview_max_score
        )
        totals = {a.pk: total_of(scores[a.pk], nodes) for a in appraisals}
        for examinee_type in {a.examinee_type for a in appraisals}:
            group = {a.pk: totals[a.pk] for a in appraisals if a.examinee_type == examinee_type}
            ranks = competition_ranks(group)
            for a in (a for a in appraisals if a.pk in group):
                source = a.status
                a.total = totals[a.pk]
                a.rank = ranks[a.pk]
                a.grade = grade_for(a.total, config.grade_bands)
                if not a.outcome_is_manual:
                    a.outcome = outcome_for(a.total, a.rank, list(group.values()), rules)
                a.external_weight = config.weight_for(a.examinee_kind)
                a.external_points = external_points(a.total, a.external_weight)
                a.status = S.RANKED
                a.version += 1
                a.save(
                    update_fields=[
                        "total", "rank", "grade", "outcome", "external_weight", "external_points", "status",
                        "version", "updated_at",
                    ]
                )  # fmt: skip
                if source != S.RANKED:
                    _event(actor, a, RANK, "审定并排名", source)
        locked.status = TaskStatus.RANKED
        locked.ranked_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "ranked_at", "version", "updated_at"])
        audit.record(
            actor=actor,
            event_type="appraisal.rank",
            obj=locked,
            changes={a.examinee_name: [str(a.total), a.rank, a.outcome] for a in appraisals},
        )
    return locked


def appraisal_set_outcome(
    *, actor: Any, appraisal: Appraisal, outcome: str, reason: str, lock_token: str | None = None
) -> Appraisal:
    """Decide an outcome by hand (thresholds left null, or an override with a reason)."""
    require(actor, "appraisal.final")
    if outcome not in Outcome.values:
        raise DomainError("请选择考核结果运用")
    reason = reason.strip()
    if not reason:
        raise DomainError("请填写确定结果的理由")
    with transaction.atomic():
        locked = _lock(actor, appraisal)
        check_lock_token(locked, lock_token)
        if locked.status != S.RANKED:
            raise ConflictError("只能在排名后、通报前确定考核结果运用")
        if locked.interview_document_id and outcome != locked.outcome:
            raise ConflictError(
                f"已下达约谈通知书（{locked.interview_document_no or '已编号'}），不能再改变考核结果运用"
            )
        before = locked.outcome
        locked.outcome = outcome
        locked.outcome_is_manual = True
        locked.outcome_reason = reason[:1000]
        locked.version += 1
        locked.save(update_fields=["outcome", "outcome_is_manual", "outcome_reason", "version", "updated_at"])
        _event(actor, locked, "set_outcome", f"确定结果运用：{locked.get_outcome_display()}", S.RANKED, reason)
        audit.record(
            actor=actor,
            event_type="appraisal.set_outcome",
            obj=locked,
            reason=reason[:500],
            changes={"outcome": [before, outcome]},
        )
    return locked


def task_reopen(*, actor: Any, task: AppraisalTask, comment: str, lock_token: str | None = None) -> AppraisalTask:
    comment = checked_text(comment, "撤销排名意见", 1000)
    if not comment:
        raise DomainError("请填写意见")
    with transaction.atomic():
        locked = _lock_task(actor, task, lock_token)
        if locked.status != TaskStatus.RANKED:
            raise ConflictError("只有已排名、未通报的任务可以撤销排名")
        summoned = Appraisal.objects.filter(task=locked, interview_document_id__isnull=False).order_by("rank")
        names = "、".join(summoned.values_list("examinee_name", flat=True)[:5])
        if names:
            # A re-ranking could change their outcome under a numbered 约谈通知书 already sent.
            raise ConflictError(f"已向{names}下达约谈通知书，不能撤销排名")
        for a in Appraisal.objects.select_for_update().filter(task=locked, status=S.RANKED):
            a.status = S.PERF_FINAL
            a.version += 1
            a.save(update_fields=["status", "version", "updated_at"])
            _event(actor, a, "reopen", "撤销排名，重新审定", S.RANKED, comment)
        locked.status = TaskStatus.OPEN
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        audit.record(actor=actor, event_type="appraisal.reopen", obj=locked, reason=comment[:500])
    return locked


def task_issue_outcomes(*, actor: Any, task: AppraisalTask, lock_token: str | None = None) -> AppraisalTask:
    with transaction.atomic():
        locked = _lock_task(actor, task, lock_token)
        if locked.status != TaskStatus.RANKED:
            raise ConflictError("请先审定并排名")
        for a in Appraisal.objects.select_for_update().filter(task=locked, status=S.RANKED):
            a.status = S.OUTCOMES_ISSUED
            a.version += 1
            a.save(update_fields=["status", "version", "updated_at"])
            _event(actor, a, ISSUE, "通报考核结果", S.RANKED)
        locked.status = TaskStatus.OUTCOMES_ISSUED
        locked.issued_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=["status", "issued_at", "version", "updated_at"])
        audit.record(actor=actor, event_type="appraisal.issue_outcomes", obj=locked)
    return locked


# Who the summons names as contact when the form leaves it blank (as the rectification letters do).
DEFAULT_CONTACT = "财政局预算绩效管理股室"


def appraisal_issue_interview(
    *,
    actor: Any,
    appraisal: Appraisal,
    time: str,
    place: str,
    contact: str = "",
    deadline: dt.date | None = None,
) -> Any:
    """Issue a 约谈通知书 (documents app) to a department whose outcome is 约谈; remembers its number. `deadline` is the
    date for the written explanation the summons asks for (also the document's feedback deadline); every value the
    template uses is given, so no 【待填写】 marker goes out in a numbered document."""
    from jixiao.core.word import official_date
    from jixiao.documents.models import DocType
    from jixiao.documents.services import document_issue

    require(actor, "appraisal.final")
    if not time.strip() or not place.strip():
        raise DomainError("请填写约谈时间和地点")
    today = timezone.localdate()
    if deadline is not None and deadline < today:
        raise DomainError("书面说明报送期限不能早于今天")
    deadline = deadline or today + dt.timedelta(days=10)
    with transaction.atomic():
        locked = _lock(actor, appraisal)
        if locked.outcome != Outcome.INTERVIEW or locked.status not in (S.RANKED, S.OUTCOMES_ISSUED):
            raise ConflictError("只有考核结果为“约谈”的对象才能签发约谈通知书")
        if locked.interview_document_id:
            raise ConflictError("已签发约谈通知书")
        recipient = locked.department or locked.unit or locked.examinee_region
        if recipient is None:
            raise DomainError("考核对象没有可送达的单位")
        task = locked.task
        ranked = Appraisal.objects.filter(task=task, examinee_type=locked.examinee_type, rank__isnull=False).count()
        summary = (
            f"在{task.fiscal_year}年度预算绩效管理工作考核中，你单位考核得分{locked.total}分，"
            f"在{ranked}个{locked.get_examinee_type_display()}考核对象中排名第{locked.rank}位，"
            f"考核等级为“{locked.grade}”。"
        )
        document = document_issue(
            actor=actor,
            doc_type=DocType.INTERVIEW_SUMMONS,
            region=task.region,
            recipients=[recipient],
            context={
                "recipient": locked.examinee_name,
                "year": str(task.fiscal_year),
                "subject": f"{task.fiscal_year}年度预算绩效管理工作考核",
                "summary": summary,
                "problems": locked.exist_problems or "详见考核评分表",
                "requirements": locked.rectify_step or "请按考核意见限期整改",
                "time": time.strip(),
                "place": place.strip(),
                "contact": contact.strip() or DEFAULT_CONTACT,
                "deadline": official_date(deadline),
            },
            title=f"关于约谈{locked.examinee_name}的通知",
            related=locked,
            feedback_deadline=deadline,
            fiscal_year=task.fiscal_year,
        )
        locked.interview_document_id = document.pk
        locked.interview_document_no = document.doc_no[:100]
        locked.version += 1
        locked.save(update_fields=["interview_document_id", "interview_document_no", "version", "updated_at"])
        _event(actor, locked, "interview", "签发约谈通知书", locked.status, locked.interview_document_no)
        audit.record(
            actor=actor, event_type="appraisal.interview_issue", obj=locked, reason=locked.interview_document_no
        )
    return document


# ---- evidence -------------------------------------------------------------------------------------------------------


def evidence_add(
    *, actor: Any, appraisal: Appraisal, upload: Any, node: AppraisalNode | None = None, note: str = ""
) -> AppraisalEvidence:
    """A 佐证材料 of the self-scoring, checked before it is stored (core.uploads: type, size, content), kept with its
    SHA-256 and 说明, and removed again if the write fails."""
    [name] = uploads.check_uploads([upload], max_files=1)
    with uploads.removed_on_failure() as written, transaction.atomic():
        locked = _lock(actor, appraisal)
        _may_self_score(actor, locked)
        if locked.status not in SELF_EDITABLE:
            raise ConflictError("自评已提交，不能再上传佐证材料")
        if node is not None and node.template_id != locked.task.template_id:
            raise NotFoundError("考核指标不存在")
        evidence = AppraisalEvidence(appraisal=locked, node=node, note=(note or "").strip()[:500])
        uploads.store_files(
            written,
            [(evidence, upload, name)],
            actor=actor,
            event_type="appraisal.evidence_add",
            obj=locked,
            extra={"node": node.code if node is not None else ""},
        )
    return evidence


def evidence_delete(*, actor: Any, evidence: AppraisalEvidence) -> None:
    with transaction.atomic():
        locked = _lock(actor, evidence.appraisal)
        _may_self_score(actor, locked)
        if locked.status not in SELF_EDITABLE:
            raise ConflictError("自评已提交，不能删除佐证材料")
        current = AppraisalEvidence.objects.select_related("node").filter(pk=evidence.pk, appraisal=locked).first()
        if current is None:
            raise NotFoundError("佐证材料不存在")
        uploads.stored_file_delete(
            current,
            actor=actor,
            event_type="appraisal.evidence_delete",
            obj=locked,
            extra={"node": current.node.code if current.node is not None else ""},
        )


def evidence_opened(*, actor: Any, evidence: AppraisalEvidence) -> None:
    uploads.stored_file_opened(evidence, actor=actor, event_type="appraisal.evidence_download", obj=evidence.appraisal)
