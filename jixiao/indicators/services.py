"""Indicator library writes. Every function re-checks capability and row scope and writes audit events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.numbers import is_year
from jixiao.core.permissions import require
from jixiao.core.spreadsheets import CellError, ImportRejectedError
from jixiao.indicators import selectors
from jixiao.indicators.models import (
    FrameworkChoice,
    FrameworkNode,
    IndicatorFramework,
    IndicatorHistoricalValue,
    IndicatorItemEvent,
    IndicatorLibraryItem,
    ItemStatus,
    LibraryLevel,
)
from jixiao.indicators.workflow import INDICATOR_WORKFLOW, PROPOSER_EDITABLE_STATES
from jixiao.organizations.models import FiscalRegion

# What a proposing department may fill in; 共性 indicators and codes are set by the performance section.
PROPOSER_FIELDS = [
    "category",
    "lv1",
    "lv2",
    "name",
    "operator",
    "unit",
    "typical_value",
    "explanation",
    "scoring_standard",
    "value_basis",
    "data_source",
    "is_core",
]
MANAGER_FIELDS = [*PROPOSER_FIELDS, "code", "is_common", "library_level"]
AUDITED_FIELDS = [*MANAGER_FIELDS, "framework", "status"]
STALE_PAGE_MESSAGE = "该指标在您打开页面后已有变化（如退回修改后重新提交），请查看最新内容后再操作"


def _full_clean(item: IndicatorLibraryItem) -> None:
    try:
        item.full_clean(exclude=["created_by", "updated_by"], validate_unique=False)
    except ValidationError as exc:
        messages = [
            f"{getattr(IndicatorLibraryItem._meta.get_field(f), 'verbose_name', f)}：{'；'.join(m)}"
            if f != "__all__"
            else "；".join(m)
            for f, m in exc.message_dict.items()
        ]
        raise DomainError("；".join(messages)) from exc


def _placement(lv1: FrameworkNode, lv2: FrameworkNode) -> IndicatorFramework:
    """The framework of a 一级/二级 pair; the 二级 indicator must belong to the 一级 one."""
    if lv1.level != FrameworkNode.Level.FIRST or lv2.level != FrameworkNode.Level.SECOND or lv2.parent_id != lv1.pk:
        raise DomainError(f"二级指标“{lv2.name}”不属于一级指标“{lv1.name}”")
    return lv1.framework


def _level_for(region: FiscalRegion) -> str:
    return {
        FiscalRegion.Level.PROVINCE: LibraryLevel.PROVINCE,
        FiscalRegion.Level.CITY: LibraryLevel.CITY,
    }.get(region.level, LibraryLevel.COUNTY)  # type: ignore[call-overload]


def _event(item: IndicatorLibraryItem, actor: Any, action: str, source: str, comment: str = "") -> None:
    IndicatorItemEvent.objects.create(
        item=item,
        actor=actor,
        actor_role=actor.active_membership.role,
        action=action,
        from_status=source,
        to_status=item.status,
        comment=comment[:1000],
    )


def _check_duplicate(actor: Any, item: IndicatorLibraryItem) -> None:
    if selectors.duplicate_name_exists(actor, item.name, item.lv2, exclude_pk=item.pk):
        raise DomainError(f"指标库中已有“{item.lv2.name}”下的同名指标“{item.name}”，请直接选用")


def _save_new(item: IndicatorLibraryItem, actor: Any, action: str) -> IndicatorLibraryItem:
    item.created_by = item.updated_by = actor
    _full_clean(item)
    _check_duplicate(actor, item)
    try:
        with transaction.atomic():
            if selectors.code_taken(item.code):
                raise DomainError(f"指标编码“{item.code}”已被使用")
            item.save()
            _event(item, actor, action, "")
            audit.record(
                actor=actor,
                event_type=f"indicator.{action}",
                obj=item,
                changes=audit.diff({}, audit.snapshot(item, AUDITED_FIELDS)),
            )
    except IntegrityError as exc:  # two people took the same generated code at once
        raise ConflictError("指标编码冲突，请重试") from exc
    return item


def indicator_item_create(*, actor: Any, data: dict[str, Any]) -> IndicatorLibraryItem:
    """The performance section adds an indicator straight into its region's library (approved)."""
    require(actor, "indicator.manage")
    region = actor.active_membership.region
    item = IndicatorLibraryItem(**{k: v for k, v in data.items() if k in MANAGER_FIELDS})
    item.framework = _placement(item.lv1, item.lv2)
    item.code = (data.get("code") or "").strip() or selectors.next_item_code(item.category)
    item.library_level = data.get("library_level") or _level_for(region)
    item.region = region
    item.status = ItemStatus.APPROVED
    return _save_new(item, actor, "create")


def indicator_item_propose(*, actor: Any, data: dict[str, Any]) -> IndicatorLibraryItem:
    """A department or unit drafts a new 个性 indicator for the performance section to confirm."""
    require(actor, "indicator.propose")
    department_id = selectors.proposing_department_id(actor)
    if department_id is None:
        raise PermissionDeniedError("只有主管部门或预算单位用户可以申报指标")
    item = IndicatorLibraryItem(**{k: v for k, v in data.items() if k in PROPOSER_FIELDS})
    item.framework = _placement(item.lv1, item.lv2)
    item.code = selectors.next_item_code(item.category)
    item.is_common = False
    item.library_level = LibraryLevel.DEPT
    item.region = actor.active_membership.region
    item.department_id = department_id
    item.status = ItemStatus.DRAFT
    # 保存 pressed twice, or the same indicator proposed again: the department works on the proposal it has.
    pending = selectors.pending_proposal(department_id, item.name, item.lv2) if item.name and item.lv2_id else None
    if pending is not None:
        raise DomainError(f"本部门已申报过同名指标“{pending.name}”（{pending.code}），请在“我的指标申报”中修改或提交")
    return _save_new(item, actor, "propose")


def editable_fields(actor: Any, item: IndicatorLibraryItem) -> list[str]:
    """The fields this actor may change on this item now (empty: may not edit)."""
    if selectors.manages_item(actor, item):
        return MANAGER_FIELDS
    own = item.department_id is not None and item.department_id == selectors.proposing_department_id(actor)
    if actor.can("indicator.propose") and own and item.status in PROPOSER_EDITABLE_STATES:
        return PROPOSER_FIELDS
    return []


def _check_can_edit(actor: Any, item: IndicatorLibraryItem) -> list[str]:
    if not (actor.can("indicator.manage") or actor.can("indicator.propose")):
        require(actor, "indicator.manage")
    if not selectors.item_is_visible(actor, item):
        raise NotFoundError("指标不存在")
    fields = editable_fields(actor, item)
    if not fields:
        if item.department_id is not None and item.department_id == selectors.proposing_department_id(actor):
            raise ConflictError(f"指标当前状态为“{item.get_status_display()}”，不能修改")
        raise PermissionDeniedError("您没有修改此指标的权限")
    return fields


def indicator_item_update(
    *, actor: Any, item: IndicatorLibraryItem, data: dict[str, Any], expected_version: int | None = None
) -> IndicatorLibraryItem:
    fields = _check_can_edit(actor, item)
    with transaction.atomic():
        locked = IndicatorLibraryItem.objects.select_for_update().get(pk=item.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("该指标已被他人修改，请刷新后重试")
        before = audit.snapshot(locked, AUDITED_FIELDS)
        changed = [f for f in fields if f in data and getattr(locked, f) != data[f]]
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, data[field])
        locked.framework = _placement(locked.lv1, locked.lv2)
        if {"name", "lv2"} & set(changed):
            _check_duplicate(actor, locked)
        if "code" in changed:
            locked.code = (locked.code or "").strip()
            if not locked.code or selectors.code_taken(locked.code, exclude_pk=locked.pk):
                raise DomainError(f"指标编码“{locked.code}”为空或已被使用")
        locked.version += 1
        locked.updated_by = actor
        _full_clean(locked)
        locked.save(update_fields=[*changed, "framework", "version", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            event_type="indicator.update",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, AUDITED_FIELDS)),
        )
    return locked


def _check_transition_scope(actor: Any, item: IndicatorLibraryItem, capability: str) -> None:
    if not selectors.item_is_visible(actor, item):
        raise NotFoundError("指标不存在")
    if capability == "indicator.propose" and item.department_id != selectors.proposing_department_id(actor):
        raise NotFoundError("指标不存在")
    if capability == "indicator.manage" and not selectors.manages_item(actor, item):
        raise PermissionDeniedError("该指标由上级财政部门管理，您不能停用或启用")


def _check_complete(item: IndicatorLibraryItem) -> None:
    """A proposal goes to review only with what the national target table requires."""
    labels = {"explanation": "指标解释", "scoring_standard": "评（扣）分标准"}
    missing = [label for name, label in labels.items() if not getattr(item, name).strip()]
    if item.operator != "qual" and not item.typical_value.strip():
        missing.append("参考指标值（定量指标）")
    if missing:
        raise DomainError("请先补充：" + "、".join(missing))


def indicator_item_transition(
    *, actor: Any, item: IndicatorLibraryItem, action: str, comment: str = "", expected_version: int | None = None
) -> IndicatorLibraryItem:
    """One workflow step. `expected_version` is the version the page showed: a step taken from a page older than the
    item (returned, edited and resubmitted meanwhile) is refused (409), so nobody approves content they have not
    seen. None (a caller without a page) skips that check."""
    transition = INDICATOR_WORKFLOW.get(item.status, action)
    require(actor, transition.capability)
    _check_transition_scope(actor, item, transition.capability)
    if action == "submit":
        _check_complete(item)
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise DomainError("请填写意见")
    with transaction.atomic():
        locked = IndicatorLibraryItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != transition.source:
            raise ConflictError("指标状态已变化，请刷新后重试")
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(STALE_PAGE_MESSAGE)
        locked.status = transition.target
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
        _event(locked, actor, action, transition.source, comment)
        audit.record(
            actor=actor,
            event_type=f"indicator.{action}",
            obj=locked,
            reason=comment[:500],
            changes={"status": [transition.source, transition.target]},
        )
    return locked


def historical_value_record(
    *, actor: Any, item: IndicatorLibraryItem, fiscal_year: int, value: str, note: str = ""
) -> IndicatorHistoricalValue:
    """Record (or correct) the value the actor's region achieved in a year."""
    require(actor, "indicator.manage")
    if not selectors.item_is_visible(actor, item):
        raise NotFoundError("指标不存在")
    value = value.strip()
    if not value:
        raise DomainError("请填写实际完成值")
    if not is_year(fiscal_year):
        raise DomainError("年度应为4位数字，如 2025")
    region = actor.active_membership.region
    with transaction.atomic():
        row, created = IndicatorHistoricalValue.objects.select_for_update().get_or_create(
            item=item,
            fiscal_year=fiscal_year,
            region=region,
            defaults={"value": value[:200], "note": note[:500], "created_by": actor, "updated_by": actor},
        )
        # Recorded on the row (not the item), so the trail names its fields: 实际完成值, 说明 (not "value", "note").
        fields = ["fiscal_year", "value", "note"] if created else ["value", "note", "is_deleted"]
        before = {} if created else audit.snapshot(row, fields)
        if not created:
            row.value, row.note, row.is_deleted = value[:200], note[:500], False
            row.version += 1
            row.updated_by = actor
            row.save(update_fields=["value", "note", "is_deleted", "version", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            event_type="indicator.history_record",
            obj=row,
            reason=f"{fiscal_year}年度 {region.name}",
            changes=audit.diff(before, audit.snapshot(row, fields)),
        )
    return row


def framework_choice_set(*, actor: Any, framework: IndicatorFramework, effective_from_year: int) -> FrameworkChoice:
    """The actor's region uses `framework` from `effective_from_year` on."""
    require(actor, "indicator.manage")
    if not framework.is_active:
        raise DomainError("该指标体系已停用")
    if not is_year(effective_from_year):
        raise DomainError("年度应为4位数字，如 2026")
    region = actor.active_membership.region
    with transaction.atomic():
        choice, created = FrameworkChoice.objects.select_for_update().get_or_create(
            region=region, effective_from_year=effective_from_year, defaults={"framework": framework}
        )
        previous = "" if created else choice.framework.code
        if not created and choice.framework_id != framework.pk:
            choice.framework = framework
            choice.save(update_fields=["framework"])
        audit.record(
            actor=actor,
            event_type="indicator.framework_choice",
            obj=choice,
            changes={"framework": [previous, framework.code]},
        )
    return choice


@dataclass
class _Lookups:
    categories: dict[str, Any]
    nodes: dict[str, dict[tuple[int, str], FrameworkNode]]
    default_framework: str
    existing: dict[str, IndicatorLibraryItem]


def _lookups(actor: Any, rows: list[Any]) -> _Lookups:
    region = actor.active_membership.region
    return _Lookups(
        categories=selectors.categories_by_code(),
        nodes={f.code: selectors.nodes_of(f) for f in selectors.frameworks()},
        default_framework=selectors.framework_for(region, timezone.localdate().year).code,
        existing=selectors.items_by_code({r.values["code"] for r in rows if r.values.get("code")}),
    )


# Texts the national target table requires and the indicator form asks for (DOMAIN.md §2.2, indicator fields).
REQUIRED_TEXTS = {"explanation": "指标解释", "scoring_standard": "评（扣）分标准"}


def _missing_texts(row: int, values: dict[str, Any], current: IndicatorLibraryItem | None) -> list[CellError]:
    """A new indicator needs its 指标解释 and 评（扣）分标准, as on the form. An existing one may come back without
    them only if it has none stored (an older item exported and imported back), so an import never blanks them."""
    errors: list[CellError] = []
    for key, title in REQUIRED_TEXTS.items():
        if str(values.get(key) or "").strip():
            continue
        if current is None:
            errors.append(CellError(row, title, "", "新增指标必填（与新增指标表单一致）"))
        elif getattr(current, key).strip():
            errors.append(CellError(row, title, "", "不能清空已有内容"))
    return errors


def _resolve(actor: Any, row: Any, lookups: _Lookups) -> tuple[dict[str, Any], list[CellError]]:
    """Turn a parsed row's codes and names into model objects, or per-cell errors."""
    values = dict(row.values)
    errors: list[CellError] = []
    code = values.get("code", "")
    current = lookups.existing.get(code) if code else None
    foreign = current is not None and not selectors.manages_item(actor, current)
    errors.extend(_missing_texts(row.row, values, current))
    values["category"] = lookups.categories.get(values.pop("category_code", ""))
    if values["category"] is None:
        errors.append(CellError(row.row, "行业领域编码", row.values.get("category_code", ""), "分类编码不存在"))
    framework_code = values.pop("framework_code", "") or lookups.default_framework
    nodes = lookups.nodes.get(framework_code)
    lv1_name, lv2_name = values.pop("lv1_name", ""), values.pop("lv2_name", "")
    if nodes is None:
        errors.append(CellError(row.row, "指标体系", framework_code, "指标体系不存在或已停用"))
        return values, errors
    values["lv1"] = nodes.get((1, lv1_name))
    values["lv2"] = nodes.get((2, lv2_name))
    if values["lv1"] is None:
        errors.append(CellError(row.row, "一级指标", lv1_name, "不是该指标体系的一级指标"))
    elif values["lv2"] is None or values["lv2"].parent_id != values["lv1"].pk:
        errors.append(CellError(row.row, "二级指标", lv2_name, f"不是一级指标“{lv1_name}”下的二级指标"))
    elif selectors.duplicate_name_exists(
        actor, values.get("name", ""), values["lv2"], exclude_pk=current.pk if current else None
    ):
        errors.append(CellError(row.row, "三级指标名称", values.get("name", ""), "指标库中已有同名指标"))
    if foreign and current is not None and not _unchanged(current, values):
        # Another region's or the upper level's indicator: an exported row that comes back as it is, is skipped.
        errors.insert(0, CellError(row.row, "指标编码", code, "该编码已被其他区划或上级指标库使用"))
    return values, errors


def _unchanged(current: IndicatorLibraryItem, values: dict[str, Any]) -> bool:
    """The resolved row says what the stored indicator says (an exported row imported back as it is)."""
    for key, value in values.items():
        if key == "code":
            continue
        stored = getattr(current, key, None)
        if isinstance(stored, models.Model) or isinstance(value, models.Model):
            if getattr(stored, "pk", None) != getattr(value, "pk", None):
                return False
        elif isinstance(stored, bool) or isinstance(value, bool):
            if bool(stored) != bool(value):
                return False
        elif str(stored or "").strip() != str(value or "").strip():
            return False
    return True


def _resolve_all(actor: Any, rows: list[Any]) -> tuple[_Lookups, list[dict[str, Any]], list[CellError]]:
    require(actor, "indicator.import")
    require(actor, "indicator.manage")
    lookups = _lookups(actor, rows)
    resolved: list[dict[str, Any]] = []
    errors: list[CellError] = []
    for row in rows:
        values, row_errors = _resolve(actor, row, lookups)
        resolved.append(values)
        errors.extend(row_errors)
    return lookups, resolved, errors


def indicator_items_import_errors(*, actor: Any, rows: list[Any]) -> list[CellError]:
    """The rows' errors that need the database (a category or 二级指标 not there, a name or code taken), without
    writing: reported together with the parser's errors, so a file is not corrected in two rounds."""
    return _resolve_all(actor, rows)[2]


def indicator_items_import(*, actor: Any, rows: list[Any]) -> dict[str, int]:
    """Persist parsed rows all-or-nothing (upsert by code; a row equal to its stored indicator is left alone and
    counted unchanged). Raises ImportRejectedError with per-cell errors."""
    lookups, resolved, errors = _resolve_all(actor, rows)
    if errors:
        raise ImportRejectedError(errors)
    created = updated = unchanged = 0
    with transaction.atomic():
        for data in resolved:
            current = lookups.existing.get(data.get("code") or "")
            if current is None:
                indicator_item_create(actor=actor, data=data)
                created += 1
            elif _unchanged(current, data):
                unchanged += 1  # as exported (an upper-level one among them, which this section may not change)
            else:
                indicator_item_update(actor=actor, item=current, data=data)
                updated += 1
        audit.record(
            actor=actor,
            event_type="indicator.import",
            object_type="indicators.indicatorlibraryitem",
            reason=f"导入指标：新增{created}条，更新{updated}条，{unchanged}条未变更",
        )
    return {"created": created, "updated": updated, "unchanged": unchanged}
