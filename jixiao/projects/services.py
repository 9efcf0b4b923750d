"""Project library writes. Every function re-checks capability and row scope and writes audit events."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from jixiao.core import audit, bulk
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.locking import check_lock_token, duplicate_is_conflict, save_versioned
from jixiao.core.permissions import require
from jixiao.core.spreadsheets import CellError, ImportRejectedError
from jixiao.organizations.models import BudgetUnit, Department, FiscalYear
from jixiao.projects import gates, joint_review
from jixiao.projects.models import (
    THEME_FLAGS,
    FundTheme,
    JointReviewOpinion,
    JointReviewRule,
    Project,
    ProjectEvent,
    ProjectStatus,
)
from jixiao.projects.workflow import BULK_ACTIONS, EDITABLE_STATES, PROJECT_WORKFLOW

EDITABLE_FIELDS = [
    "fiscal_year",
    "code",
    "name",
    "unit",
    "category",
    "is_new",
    "budget_book",
    "function_code",
    "fiscal_amount_yuan",
    "carryover_amount_yuan",
    "other_amount_yuan",
    "start_year",
    "end_year",
    "tier",
    "is_key",
    "is_policy",
    "is_revised",
    "is_special_bond",
    "is_rural_link",
    "is_agri_integrated",
    "description",
]


def project_classes(value: str | None) -> str:
    """A set of 重要性分类 as a rule stores it (项目分级分类: "A", "AC"…, in A/B/C order, each once); anything but A, B
    and C is refused. Used by the stages' settings that name classes (monitoring tiers, the target review)."""
    value = value or ""
    if set(value) - set(Project.Tier.values):
        raise DomainError("重要性分类只能是A、B、C")
    return "".join(c for c in Project.Tier.values if c in value)


def _full_clean(project: Project) -> None:
    try:
        project.full_clean(exclude=["created_by", "updated_by"], validate_unique=False)
    except ValidationError as exc:
        messages = [
            f"{getattr(Project._meta.get_field(f), 'verbose_name', f)}：{'；'.join(m)}"
            if f != "__all__"
            else "；".join(m)
            for f, m in exc.message_dict.items()
        ]
        raise DomainError("；".join(messages)) from exc


def next_code(unit: BudgetUnit, fiscal_year: int) -> str:
    """The next free code of the unit's department in the year, 年度-部门编码-序号 (2026-104-0003), as the demo and
    the province generator number projects: a unit leaving 项目编码 empty gets one. The (region, year, code)
    constraint settles two creations at once: the second is refused and can simply be saved again."""
    prefix = f"{fiscal_year}-{unit.department.dept_code}-"
    taken = Project.objects.filter(region_id=unit.region_id, fiscal_year=fiscal_year, code__startswith=prefix)
    serials = [int(tail) for tail in (c[len(prefix) :] for c in taken.values_list("code", flat=True)) if tail.isdigit()]
    return f"{prefix}{max(serials, default=0) + 1:04d}"


def _check_unit(actor: Any, unit: BudgetUnit) -> BudgetUnit:
    if not BudgetUnit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise NotFoundError("实施单位不存在或不在您的管理范围内")
    return unit


INACTIVE_UNIT = "实施单位已停用，不能新增项目或将项目调入该单位"


def _check_unit_active(unit: BudgetUnit, project: Project | None = None) -> None:
    """A 停用 unit (merged or closed) takes no new project, as the form offers only active units; a project it
    already holds stays editable."""
    if not unit.is_active and (project is None or project.unit_id != unit.pk):
        raise DomainError(INACTIVE_UNIT)


def _check_year(fiscal_year: int) -> None:
    year = FiscalYear.objects.filter(pk=fiscal_year).first()
    if year is None:
        raise DomainError(f"{fiscal_year}年度尚未设置，请联系预算股或系统管理员")
    if not year.is_open:
        raise DomainError(f"{fiscal_year}年度已关闭填报")


def _check_period(data: dict[str, Any]) -> None:
    if data["end_year"] < data["start_year"]:
        raise DomainError("项目结束年度不能早于开始年度")
    if not data["start_year"] <= data["fiscal_year"] <= data["end_year"]:
        raise DomainError("项目年度应在项目实施期内")


def project_create(*, actor: Any, data: dict[str, Any]) -> Project:
    require(actor, "project.create")
    unit = _check_unit(actor, data["unit"])
    _check_unit_active(unit)
    _check_year(data["fiscal_year"])
    _check_period(data)
    with transaction.atomic():
        if not (data.get("code") or "").strip():
            data = {**data, "code": next_code(unit, data["fiscal_year"])}
        if Project.objects.filter(region=unit.region, fiscal_year=data["fiscal_year"], code=data["code"]).exists():
            raise DomainError(f"{data['fiscal_year']}年度已存在项目编码“{data['code']}”")
        project = Project(**{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
        project.region = unit.region
        project.department_id = unit.department_id
        project.created_by = project.updated_by = actor
        _full_clean(project)
        # The same code may have been saved by someone else a moment ago.
        with duplicate_is_conflict(f"{data['fiscal_year']}年度已存在项目编码“{data['code']}”，请重新保存"):
            project.save()
        ProjectEvent.objects.create(
            project=project,
            actor=actor,
            actor_role=actor.active_membership.role,
            action="create",
            to_status=project.status,
        )
        audit.record(
            actor=actor,
            event_type="project.create",
            obj=project,
            changes=audit.diff({}, audit.snapshot(project, EDITABLE_FIELDS)),
        )
    return project


def _can_edit(actor: Any, project: Project) -> bool:
    if actor.can("project.edit_any"):
        return True
    return actor.can("project.edit") and project.status in EDITABLE_STATES


def project_update(
    *, actor: Any, project: Project, data: dict[str, Any], expected_version: int | None = None
) -> Project:
    if not (actor.can("project.edit") or actor.can("project.edit_any")):
        require(actor, "project.edit")
    if not Project.objects.visible_to(actor).filter(pk=project.pk).exists():
        raise NotFoundError("项目不存在")
    if not _can_edit(actor, project):
        raise ConflictError(f"项目当前状态为“{project.get_status_display()}”，不能修改")
    unit = _check_unit(actor, data.get("unit", project.unit))
    _check_unit_active(unit, project)
    merged = {f: data.get(f, getattr(project, f)) for f in ("fiscal_year", "start_year", "end_year")}
    _check_period(merged)
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("该项目已被他人修改，请刷新后重试")
        if not _can_edit(actor, locked):
            raise ConflictError(f"项目当前状态为“{locked.get_status_display()}”，不能修改")
        before = audit.snapshot(locked, EDITABLE_FIELDS)
        changed = [f for f in EDITABLE_FIELDS if f in data and getattr(locked, f) != data[f]]
        for field in changed:
            setattr(locked, field, data[field])
        if not changed:
            return locked
        if "fiscal_year" in changed:
            _check_year(locked.fiscal_year)
        # A project belongs to its unit's department and region, whichever unit it moves to.
        moved = bool({"code", "fiscal_year"} & set(changed)) or locked.region_id != unit.region_id
        locked.department_id = unit.department_id
        locked.region_id = unit.region_id
        # The code is unique per region and year: a new code, or the same code moved to another year or region
        # (a unit of another county), may meet a project holding it there.
        duplicate = f"{locked.fiscal_year}年度已存在项目编码“{locked.code}”"
        if (
            moved
            and Project.objects.filter(region_id=locked.region_id, fiscal_year=locked.fiscal_year, code=locked.code)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise DomainError(duplicate)
        if "fiscal_amount_yuan" in changed:
            gates.check(locked, "edit")  # e.g. an in-library project's 财政拨款 above what its 事前评估 supported
        locked.updated_by = actor
        _full_clean(locked)
        # Saved by someone else between the check and the write: a 409 with nothing written, not a 500.
        save_versioned(
            locked,
            creating=False,
            fields=[*changed, "department", "region"],
            duplicate_message=f"{duplicate}，请刷新后重试",
        )
        audit.record(
            actor=actor,
            event_type="project.update",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, EDITABLE_FIELDS)),
        )
    return locked


def project_transition(*, actor: Any, project: Project, action: str, comment: str = "") -> Project:
    transition = PROJECT_WORKFLOW.get(project.status, action)
    require(actor, transition.capability)
    if not Project.objects.visible_to(actor).filter(pk=project.pk).exists():
        raise NotFoundError("项目不存在")
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise DomainError("请填写意见")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status != transition.source:
            raise ConflictError("项目状态已变化，请刷新后重试")
        gates.check(locked, action)
        locked.status = transition.target
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
        ProjectEvent.objects.create(
            project=locked,
            actor=actor,
            actor_role=actor.active_membership.role,
            action=action,
            from_status=transition.source,
            to_status=transition.target,
            comment=comment[:1000],
        )
        audit.record(
            actor=actor,
            event_type=f"project.{action}",
            obj=locked,
            reason=comment[:500],
            changes={"status": [transition.source, transition.target]},
        )
    return locked


def project_bulk_transition(*, actor: Any, ids: list[Any], action: str, comment: str = "") -> int:
    """批量审核 of the ticked projects: each goes through `project_transition` (the 事前评估 gate, event, audit record),
    all in one transaction; a project out of scope or no longer in the button's state fails the whole batch."""
    return bulk.run(
        actor=actor,
        workflow=PROJECT_WORKFLOW,
        offered=BULK_ACTIONS,
        action=action,
        ids=ids,
        comment=comment,
        visible=Project.objects.visible_to(actor),
        noun="项目",
        event_prefix="project",
        apply=lambda project, text: project_transition(actor=actor, project=project, action=action, comment=text),
    )


def project_set_supported_amount(*, actor: Any, project: Project, amount_yuan: Decimal, reason: str) -> Project:
    """Set the fiscal amount to what a higher stage supported (e.g. 事前绩效评估 核减后支持), with the reason."""
    require(actor, "project.edit_any")
    if not Project.objects.visible_to(actor).filter(pk=project.pk).exists():
        raise NotFoundError("项目不存在")
    if amount_yuan < 0:
        raise DomainError("金额不能为负数")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        before = audit.snapshot(locked, ["fiscal_amount_yuan"])
        if locked.fiscal_amount_yuan == amount_yuan:
            return locked
        locked.fiscal_amount_yuan = amount_yuan
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["fiscal_amount_yuan", "version", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            event_type="project.set_supported_amount",
            obj=locked,
            reason=reason[:500],
            changes=audit.diff(before, audit.snapshot(locked, ["fiscal_amount_yuan"])),
        )
    locked.refresh_from_db(fields=["total_amount_yuan"])
    return locked


def _unchanged(project: Project, values: dict[str, Any], unit: BudgetUnit | None) -> bool:
    """The row says what the project already holds (an exported row imported back untouched)."""
    if unit is None or project.unit_id != unit.pk:
        return False
    return all(getattr(project, key) == value for key, value in values.items() if key != "unit_code")


@dataclass
class _ImportPlan:
    """What an import would do: the importer's units and the year's projects by code, the rows left alone as
    unchanged, and the rows' errors."""

    units: dict[str, BudgetUnit]
    existing: dict[str, Project]
    unchanged: set[int]
    errors: list[CellError]


def _import_plan(actor: Any, fiscal_year: int, rows: list[Any]) -> _ImportPlan:
    """Check parsed rows against the database without writing. A row may lack values its parser refused."""
    require(actor, "project.import")
    _check_year(fiscal_year)
    # Unit and project codes are unique per region only, so an import works in the importer's own region.
    region = actor.active_membership.region
    units = {u.agency_code: u for u in BudgetUnit.objects.visible_to(actor).filter(region=region)}
    existing = {p.code: p for p in Project.objects.visible_to(actor).filter(fiscal_year=fiscal_year, region=region)}
    taken = set(Project.objects.filter(fiscal_year=fiscal_year, region=region).values_list("code", flat=True))
    errors: list[CellError] = []
    unchanged: set[int] = set()
    for item in rows:
        values = item.values
        row_year = getattr(item, "fiscal_year", None)
        if row_year is not None and row_year != fiscal_year:
            # An export of several years imported as one: the row would become a new project of the chosen year.
            message = (
                f"该行为{row_year}年度的项目，与所选导入年度（{fiscal_year}年度）不一致，请按年度分别导入；"
                f"确要导入为{fiscal_year}年度项目的，请将“年度”改为{fiscal_year}或删除该列"
            )
            errors.append(CellError(item.row, "年度", str(row_year), message))
            continue
        unit = units.get(values.get("unit_code", ""))
        current = existing.get(values.get("code", ""))
        if current is not None and _unchanged(current, values, unit):
            unchanged.add(item.row)
            continue
        if values.get("unit_code") and unit is None:
            errors.append(CellError(item.row, "实施单位编码", values["unit_code"], "单位不存在或不在您的管理范围内"))
        elif unit is not None and not unit.is_active and (current is None or current.unit_id != unit.pk):
            errors.append(CellError(item.row, "实施单位编码", values["unit_code"], INACTIVE_UNIT))
        if "start_year" in values and "end_year" in values:
            try:
                _check_period({**values, "fiscal_year": fiscal_year})
            except DomainError as exc:
                errors.append(CellError(item.row, "结束年度", str(values["end_year"]), exc.message))
        if current is not None and not _can_edit(actor, current):
            errors.append(
                CellError(
                    item.row,
                    "项目编码",
                    current.code,
                    f"项目当前状态为“{current.get_status_display()}”，不能通过导入修改（未修改的行会被跳过）",
                )
            )
        elif current is None and values.get("code") in taken:
            errors.append(CellError(item.row, "项目编码", values["code"], "该编码已被其他单位的项目使用"))
    return _ImportPlan(units=units, existing=existing, unchanged=unchanged, errors=errors)


def projects_import_errors(*, actor: Any, fiscal_year: int, rows: list[Any]) -> list[CellError]:
    """The rows' errors that need the database (a unit not there, a code taken, a locked project), without
    writing: reported together with the parser's errors, so a file is not corrected in two rounds."""
    return _import_plan(actor, fiscal_year, rows).errors


def projects_import(*, actor: Any, fiscal_year: int, rows: list[Any]) -> dict[str, int]:
    """Persist parsed rows all-or-nothing. Raises ImportRejectedError with per-cell errors; upserts by project code.

    A row equal to its project is left alone, whatever the project's state: a re-imported export whose other rows
    were edited does not fail on the 已入库 projects it merely lists. Only a change to a locked project is refused."""
    plan = _import_plan(actor, fiscal_year, rows)
    units, existing, unchanged, errors = plan.units, plan.existing, plan.unchanged, plan.errors
    if errors:
        raise ImportRejectedError(errors)
    created = updated = 0
    with transaction.atomic():
        for item in rows:
            if item.row in unchanged:
                continue
            data = {k: v for k, v in item.values.items() if k != "unit_code"}
            data["unit"] = units[item.values["unit_code"]]
            data["fiscal_year"] = fiscal_year
            current = existing.get(data["code"])
            if current is None:
                project_create(actor=actor, data=data)
                created += 1
            else:
                project_update(actor=actor, project=current, data=data)
                updated += 1
        audit.record(
            actor=actor,
            event_type="project.import",
            object_type="projects.project",
            reason=f"{fiscal_year}年度导入：新增{created}个，更新{updated}个，未变更{len(unchanged)}个",
        )
    return {"created": created, "updated": updated, "unchanged": len(unchanged)}


JOINT_RULE_FIELDS = ["department", "is_active"]


def joint_rule_save(
    *, actor: Any, theme: str, department_id: int | None, is_active: bool, lock_token: str | None = None
) -> JointReviewRule:
    """The actor's region's 联合审核设置 for one fund theme: which department reviews its projects jointly, and
    whether the review is required (switched off, 入库 no longer waits for it); audited. `lock_token`: of the theme's
    rule as the page showed it (none yet included); a save from a page shown before another save is refused (409)."""
    require(actor, "project.configure")
    if theme not in FundTheme.values:
        raise DomainError("资金类别无效")
    region = actor.active_membership.region
    department = Department.objects.filter(pk=department_id or 0, region=region, is_active=True).first()
    if department is None:
        raise DomainError("请选择本级的联合审核部门")
    with transaction.atomic():
        row = JointReviewRule.objects.select_for_update().filter(region=region, theme=theme).first()
        check_lock_token(row, lock_token)
        before = audit.snapshot(row, JOINT_RULE_FIELDS) if row else {}
        creating = row is None
        if row is None:
            row = JointReviewRule(region=region, theme=theme, created_by=actor)
        elif (row.department_id, row.is_active) == (department.pk, is_active):
            return row  # nothing changed: no new version, no audit record
        row.department, row.is_active, row.updated_by = department, is_active, actor
        # The first rule of a theme saved by two users at once: the second meets the unique key, a 409.
        save_versioned(
            row,
            creating=creating,
            fields=JOINT_RULE_FIELDS,
            duplicate_message="该资金类别的联合审核设置已被他人保存，请刷新后重试",
        )
        audit.record(
            actor=actor,
            event_type="project.joint_rule_save",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, JOINT_RULE_FIELDS)),
        )
    return row


def joint_review_opinion(
    *, actor: Any, project_id: int, verdict: str, comment: str, expected_version: int | None = None
) -> list[JointReviewOpinion]:
    """The lead department's 联合审核意见 on a project at the joint step (待业务股室审核): one opinion for each rule of
    the department the project falls under; 不同意 needs a reason. A page showing an older version of the project
    (returned and passed again, or edited, since) is refused with 409. Recorded in the 流转记录 and audited."""
    require(actor, "project.joint_review")
    if verdict not in JointReviewOpinion.Verdict.values:
        raise DomainError("请选择审核结论")
    comment = comment.strip()
    if verdict == JointReviewOpinion.Verdict.DISAGREE and not comment:
        raise DomainError("不同意时必须填写审核意见")
    if not joint_review.joint_projects(actor).filter(pk=project_id).exists():
        raise NotFoundError("项目不存在")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project_id)
        rules = [
            rule
            for rule in joint_review.reviewer_rules(actor)
            if rule.region_id == locked.region_id and getattr(locked, THEME_FLAGS[rule.theme])
        ]
        if not rules:  # the rule was switched off or reassigned, or the theme unticked, since the check above
            raise NotFoundError("项目不存在")
        if locked.status != ProjectStatus.DEPT_APPROVED:
            raise ConflictError(f"项目当前状态为“{locked.get_status_display()}”，不在联合审核环节")
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("项目在您打开页面后已有变化（退回后重新报送或被修改），请刷新后重新审核")
        opinions = JointReviewOpinion.objects.bulk_create(
            JointReviewOpinion(
                project=locked,
                theme=rule.theme,
                department=rule.department,
                reviewer=actor,
                verdict=verdict,
                comment=comment[:1000],
            )
            for rule in rules
        )
        label = JointReviewOpinion.Verdict(verdict).label
        department = rules[0].department.name
        ProjectEvent.objects.create(
            project=locked,
            actor=actor,
            actor_role=actor.active_membership.role,
            action="joint_review",
            from_status=locked.status,
            to_status=locked.status,
            comment=f"{department}：{label}{'。' + comment if comment else ''}"[:1000],
        )
        audit.record(
            actor=actor,
            event_type="project.joint_review",
            obj=locked,
            reason=comment[:500],
            changes={"联合审核意见": ["", f"{department} {label}"]},  # no field of the project: named as read
        )
    return opinions
