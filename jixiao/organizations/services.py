"""Organisation writes: regions, sections, departments, units and fiscal years, with tree paths kept consistent.

Every function re-checks the actor's capability and row scope (views are not the only door), runs in one
transaction, saves only what changed and writes an audit event. An update that changes nothing writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet

from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError, ServiceError
from jixiao.core.locking import duplicate_is_conflict, save_versioned
from jixiao.core.models import AuditEvent
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, is_year
from jixiao.core.permissions import require
from jixiao.core.spreadsheets import CellError, ImportRejectedError
from jixiao.organizations import selectors
from jixiao.organizations.columns import UnitImportRow
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion, FiscalYear

M = TypeVar("M", bound=models.Model)

MOF_DIV_CODE = re.compile(r"^[0-9]{6,9}$")  # models.mof_div_validator
REGION_LEVEL_ORDER = {
    FiscalRegion.Level.PROVINCE: 1,
    FiscalRegion.Level.CITY: 2,
    FiscalRegion.Level.COUNTY: 3,
    FiscalRegion.Level.TOWN: 4,
}


class InvalidDataError(DomainError):
    """Validation failed; `field_errors` lets a form show each message next to its field."""

    def __init__(self, field_errors: dict[str, list[str]]) -> None:
        self.field_errors = field_errors
        super().__init__("；".join(m for messages in field_errors.values() for m in messages))


# ---------------------------------------------------------------- shared helpers


def _clean(instance: models.Model) -> None:
    try:
        instance.full_clean(exclude=["created_by", "updated_by"])
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for name, messages in exc.message_dict.items():
            if name == NON_FIELD_ERRORS:
                errors.setdefault(NON_FIELD_ERRORS, []).extend(messages)
            else:
                label = getattr(instance._meta.get_field(name), "verbose_name", name)
                errors[name] = [f"{label}：{m}" for m in messages]
        raise InvalidDataError(errors) from exc


def _field_error(name: str, message: str) -> InvalidDataError:
    return InvalidDataError({name: [message]})


def _require_visible(queryset: Any, obj: M | None, label: str) -> M:
    if obj is None or obj.pk is None or not queryset.filter(pk=obj.pk).exists():
        raise NotFoundError(f"{label}不存在或不在您的管理范围内")
    return obj


def _actor_region(actor: Any) -> FiscalRegion:
    region = selectors.actor_region(actor)
    if region is None:
        raise NotFoundError("您当前没有所属财政区划")
    return region


def _apply(actor: Any, instance: M, data: dict[str, Any], *, event: str, expected_version: int | None) -> M:
    """Create or update one row inside the caller's transaction; returns the saved (or unchanged) row."""
    row: Any = instance  # a TimeStampedModel, some with a tree path
    creating = row.pk is None
    if not creating:
        row = type(row)._default_manager.select_for_update().get(pk=row.pk)
        if expected_version is not None and row.version != expected_version:
            raise ConflictError("该记录已被他人修改，请刷新后重试")
    tracked = [*data, "path"] if hasattr(row, "path") else list(data)
    before = {} if creating else audit.snapshot(row, tracked)
    for key, value in data.items():
        setattr(row, key, value)
    if hasattr(row, "build_path"):
        row.path = row.build_path()
    changes = audit.diff(before, audit.snapshot(row, tracked))
    if not creating and not changes:
        return row  # type: ignore[no-any-return]
    row.updated_by = actor
    if creating:
        row.created_by = actor
    _clean(row)
    save_versioned(
        row,
        creating=creating,
        fields=changes,
        duplicate_message="编码已存在：可能刚被他人以同一编码新增或修改，请刷新后重试",
    )
    audit.record(actor=actor, event_type=event, obj=row, changes=changes)
    return row  # type: ignore[no-any-return]


def _others(queryset: QuerySet[Any], obj: models.Model | None) -> QuerySet[Any]:
    """Rows other than `obj` (all rows when creating), for uniqueness checks."""
    return queryset.exclude(pk=obj.pk) if obj is not None else queryset


# ---------------------------------------------------------------- regions


def region_save(
    *, actor: Any, region: FiscalRegion | None, data: dict[str, Any], expected_version: int | None = None
) -> FiscalRegion:
    require(actor, "org.manage")
    visible = FiscalRegion.objects.visible_to(actor)
    root = _actor_region(actor)
    data = dict(data)
    if region is not None:
        _require_visible(visible, region, "财政区划")
    if region is not None and region.pk == root.pk:
        # The actor's own region hangs off a tree they cannot see: its parent is not theirs to change.
        if "parent" in data and data["parent"] != region.parent:
            raise _field_error("parent", "不能修改本级财政区划的上级区划")
        data["parent"] = region.parent
    else:
        parent = data.get("parent")
        if parent is None:
            raise _field_error("parent", "请选择上级区划")
        _require_visible(visible, parent, "上级区划")
        if region is not None and parent.path.startswith(region.path):
            raise _field_error("parent", "上级区划不能是本区划或其下级区划")
        if REGION_LEVEL_ORDER.get(data.get("level", ""), 0) <= REGION_LEVEL_ORDER.get(parent.level, 0):
            raise _field_error("level", "级次应低于上级区划的级次")
    code = data.get("mof_div_code")
    if code and _others(FiscalRegion.objects.filter(mof_div_code=code), region).exists():
        raise _field_error("mof_div_code", f"财政区划编码“{code}”已存在")
    with transaction.atomic():
        event = "region.update" if region else "region.create"
        saved = _apply(actor, region or FiscalRegion(), data, event=event, expected_version=expected_version)
        _rebuild_region_paths(saved)
    return saved


def _rebuild_region_paths(region: FiscalRegion) -> None:
    for child in region.children.all():
        path = child.build_path()
        if child.path != path:
            child.path = path
            child.save(update_fields=["path"])
            _rebuild_region_paths(child)


# ---------------------------------------------------------------- sections


def section_save(
    *, actor: Any, section: FinanceSection | None, data: dict[str, Any], expected_version: int | None = None
) -> FinanceSection:
    require(actor, "org.manage")
    if section is not None:
        _require_visible(selectors.sections_visible(actor), section, "股室")
    region = data.get("region") or (section.region if section else _actor_region(actor))
    _require_visible(FiscalRegion.objects.visible_to(actor), region, "财政区划")
    data = {**data, "region": region}
    code = data.get("code")
    if code and _others(FinanceSection.objects.filter(region=region, code=code), section).exists():
        raise _field_error("code", f"股室编码“{code}”已存在")
    if section is not None and data.get("kind", section.kind) != FinanceSection.Kind.BUSINESS:
        linked = section.departments.count()
        if linked:
            raise _field_error(
                "kind", f"该股室是{linked}个主管部门的对口股室，不能改为非业务股室；请先调整这些部门的对口股室"
            )
    if section is not None and region.pk != section.region_id and section.departments.exists():
        raise _field_error("region", "该股室已有对口主管部门，不能改到其他财政区划")
    with transaction.atomic():
        event = "section.update" if section else "section.create"
        return _apply(actor, section or FinanceSection(), data, event=event, expected_version=expected_version)


# ---------------------------------------------------------------- departments


def department_save(
    *, actor: Any, department: Department | None, data: dict[str, Any], expected_version: int | None = None
) -> Department:
    require(actor, "org.manage")
    if department is not None:
        _require_visible(Department.objects.visible_to(actor), department, "主管部门")
    region = data.get("region") or (department.region if department else _actor_region(actor))
    _require_visible(FiscalRegion.objects.visible_to(actor), region, "财政区划")
    if department is not None and region.pk != department.region_id and department.units.exists():
        raise _field_error("region", "该部门已有预算单位，不能改到其他财政区划")
    data = {**data, "region": region}
    section = data.get("finance_section")
    if section is not None and (section.region_id != region.pk or section.kind != FinanceSection.Kind.BUSINESS):
        raise _field_error("finance_section", "对口业务股室必须是本财政区划的业务股室")
    code = data.get("dept_code")
    if code and _others(Department.objects.filter(region=region, dept_code=code), department).exists():
        raise _field_error("dept_code", f"部门编码“{code}”已存在")
    with transaction.atomic():
        event = "department.update" if department else "department.create"
        return _apply(actor, department or Department(), data, event=event, expected_version=expected_version)


# ---------------------------------------------------------------- units


def _check_unit_data(actor: Any, unit: BudgetUnit | None, data: dict[str, Any]) -> dict[str, Any]:
    department = data["department"]
    _require_visible(Department.objects.visible_to(actor), department, "主管部门")
    if data.get("region") is not None and data["region"].pk != department.region_id:
        raise _field_error("department", "主管部门必须属于同一财政区划")
    parent = data.get("parent")
    if parent is not None:
        _require_visible(BudgetUnit.objects.visible_to(actor), parent, "上级单位")
        if parent.department_id != department.pk:
            raise _field_error("parent", "上级单位必须属于同一主管部门")
        if unit is not None and unit.pk and (parent.pk == unit.pk or parent.path.startswith(unit.path)):
            raise _field_error("parent", "上级单位不能是本单位或其下级单位")
    code = data.get("agency_code")
    if code and _others(BudgetUnit.objects.filter(region_id=department.region_id, agency_code=code), unit).exists():
        raise _field_error("agency_code", f"单位编码“{code}”已存在")
    return {**data, "region": department.region}


def _unit_write(actor: Any, unit: BudgetUnit | None, data: dict[str, Any], expected_version: int | None) -> BudgetUnit:
    """Save a unit whose references were checked; children follow its path, department and level."""
    parent = data.get("parent")
    if parent is not None and parent.level >= BudgetUnit.Level.THIRD:
        raise _field_error("parent", "预算单位最多三级：三级单位不能再有下级单位")
    data = {**data, "level": parent.level + 1 if parent is not None else BudgetUnit.Level.FIRST}
    event = "unit.update" if unit else "unit.create"
    saved = _apply(actor, unit or BudgetUnit(), data, event=event, expected_version=expected_version)
    moved = unit is not None and (unit.path, unit.department_id, unit.region_id, unit.level) != (
        saved.path,
        saved.department_id,
        saved.region_id,
        saved.level,
    )
    if moved:
        _rebuild_unit_paths(saved)
    return saved


def unit_save(
    *, actor: Any, unit: BudgetUnit | None, data: dict[str, Any], expected_version: int | None = None
) -> BudgetUnit:
    require(actor, "org.manage")
    if unit is not None:
        _require_visible(BudgetUnit.objects.visible_to(actor), unit, "预算单位")
    data = _check_unit_data(actor, unit, data)
    with transaction.atomic():
        if unit is not None and data["department"].pk != unit.department_id:
            # The unit and its lower units are locked first (FOR UPDATE also holds off the FOR KEY SHARE of a
            # project or record inserted for them meanwhile), so the count below cannot miss one made at this instant.
            list(BudgetUnit.objects.select_for_update().filter(path__startswith=unit.path).order_by("pk").values("pk"))
            message = _department_change_refusal(unit)
            if message:
                raise ConflictError(message)
        return _unit_write(actor, unit, data, expected_version)


def _department_change_refusal(unit: BudgetUnit) -> str:
    """Why the unit may not move to another 主管部门 (empty when it may): its business rows (and its lower units')
    copy the department they were made under, and every scope reads a row's own department, so after a move the
    new department would not see them and the old one would keep them."""
    rows = selectors.unit_business_rows(unit)
    if not rows:
        return ""
    listed = "、".join(f"{label}{count}条" for label, count in rows)
    return (
        f"“{unit.name}”（含下级单位）已有业务数据：{listed}，这些数据属于原主管部门“{unit.department.name}”，"
        "不能更改主管部门；单位确已划转的，请在新主管部门下新增单位"
    )


def _rebuild_unit_paths(unit: BudgetUnit) -> None:
    for child in unit.children.all():
        level = unit.level + 1
        if level > BudgetUnit.Level.THIRD:
            raise DomainError(f"调整后下级单位“{child.name}”将超过三级，预算单位最多三级")
        path = child.build_path()
        if (child.path, child.department_id, child.region_id, child.level) == (
            path,
            unit.department_id,
            unit.region_id,
            level,
        ):
            continue
        child.path, child.department_id, child.region_id, child.level = path, unit.department_id, unit.region_id, level
        child.save(update_fields=["path", "department", "region", "level"])
        _rebuild_unit_paths(child)


# ---------------------------------------------------------------- unit import


def _import_levels(rows: list[UnitImportRow], existing: dict[str, BudgetUnit]) -> dict[str, int | None]:
    """Each row's level from the parents in the file or the database; None marks a cycle."""
    by_code = {r.agency_code: r for r in rows}
    levels: dict[str, int | None] = {}

    def level(code: str, seen: frozenset[str]) -> int | None:
        if code in levels:
            return levels[code]
        if code in seen:
            return None
        row = by_code[code]
        if not row.parent_code:
            result: int | None = 1
        elif row.parent_code in by_code:
            above = level(row.parent_code, seen | {code})
            result = None if above is None else above + 1
        elif row.parent_code in existing:
            result = existing[row.parent_code].level + 1
        else:
            result = 1  # the missing parent is reported separately
        levels[code] = result
        return result

    for row in rows:
        level(row.agency_code, frozenset())
    return levels


def import_row_regions(
    actor: Any, region: FiscalRegion, codes: dict[int, str], noun: str
) -> tuple[dict[int, FiscalRegion], list[CellError]]:
    """Each row's region by its 财政区划编码 (row number → code; empty: the importer's own `region`), looked up in
    one query: the importer's region or one under it, so a city or province imports its counties' rows in one file.
    Codes are unique per region only and every import resolves them in the row's region. A code outside the
    importer's subtree, or unknown, is refused on that cell (`noun`: 单位, 专家)."""
    _require_visible(FiscalRegion.objects.visible_to(actor), region, "财政区划")
    # Only what can be a code is looked up (a text with a NUL would reach PostgreSQL, which refuses it: a 500).
    wanted = {code for code in codes.values() if MOF_DIV_CODE.match(code) and code != region.mof_div_code}
    found = {region.mof_div_code: region, **(selectors.regions_under_by_code(region, wanted) if wanted else {})}
    own = f"本区划（{region.name}，{region.mof_div_code}）"
    regions: dict[int, FiscalRegion] = {}
    refused: list[tuple[int, str]] = []
    for number, code in codes.items():
        target = found.get(code or region.mof_div_code)
        if target is None:
            refused.append((number, code))
        else:
            regions[number] = target
    if not refused:
        return regions, []
    has_subregions = FiscalRegion.objects.filter(parent=region).exists()
    errors = []
    for number, code in refused:
        if has_subregions:
            message = f"财政区划编码“{code}”不是{own}或其下级区划的编码：只能导入{own}及其下级区划的{noun}"
        else:  # a county: the message it had when every import took the importer's own region only
            message = (
                f"财政区划编码不是{own}的编码：只能导入{own}的{noun}；下级区划的{noun}请由该区划的用户导入，"
                "或导出时选择“仅本区划”"
            )
        errors.append(CellError(number, "财政区划编码", code, message))
    return regions, errors


def _duplicate_errors(rows: list[UnitImportRow]) -> list[CellError]:
    """A code twice in one region (the parser compares the written 财政区划编码: an empty one and the importer's own
    code name the same region)."""
    seen: dict[str, int] = {}
    errors = []
    for row in rows:
        if row.agency_code in seen:
            errors.append(CellError(row.row, "单位编码", row.agency_code, f"与第{seen[row.agency_code]}行重复"))
        elif row.agency_code:
            seen[row.agency_code] = row.row
    return errors


def _import_errors(
    rows: list[UnitImportRow],
    departments: dict[str, Department],
    existing: dict[str, BudgetUnit],
    visible_ids: set[int],
) -> list[CellError]:
    by_code = {r.agency_code: r for r in rows}
    levels = _import_levels(rows, existing)
    errors: list[CellError] = []
    for row in rows:
        if row.dept_code not in departments:
            errors.append(CellError(row.row, "主管部门编码", row.dept_code, "主管部门不存在，请先在“主管部门”中新增"))
        current = existing.get(row.agency_code)
        if current is not None and current.pk not in visible_ids:
            errors.append(CellError(row.row, "单位编码", row.agency_code, "该编码已被其他单位使用"))
        elif current is not None and row.dept_code in departments and current.department.dept_code != row.dept_code:
            refusal = _department_change_refusal(current)
            if refusal:
                errors.append(CellError(row.row, "主管部门编码", row.dept_code, refusal))
        if not row.parent_code:
            continue
        if row.parent_code == row.agency_code:
            errors.append(CellError(row.row, "上级单位编码", row.parent_code, "上级单位不能是本单位"))
            continue
        if row.parent_code in by_code:
            parent_dept = by_code[row.parent_code].dept_code
        elif row.parent_code in existing and existing[row.parent_code].pk in visible_ids:
            parent_dept = existing[row.parent_code].department.dept_code
        else:
            errors.append(CellError(row.row, "上级单位编码", row.parent_code, "上级单位不存在（文件和系统中均未找到）"))
            continue
        if parent_dept != row.dept_code:
            errors.append(
                CellError(
                    row.row, "上级单位编码", row.parent_code, f"上级单位属于主管部门“{parent_dept}”，须与本单位相同"
                )
            )
        level = levels.get(row.agency_code)
        if level is None:
            errors.append(CellError(row.row, "上级单位编码", row.parent_code, "上级单位关系形成循环"))
        elif level > BudgetUnit.Level.THIRD:
            errors.append(CellError(row.row, "上级单位编码", row.parent_code, "预算单位最多三级"))
    return errors


def _record_import_failure(actor: Any, errors: list[CellError]) -> None:
    audit.record(
        actor=actor,
        event_type="unit.import",
        object_type="organizations.budgetunit",
        outcome=AuditEvent.Outcome.FAILURE,
        reason=f"导入预算单位未完成：发现{len(errors)}处错误，所有数据均未导入",
    )


ImportLookups = tuple[dict[str, Department], dict[str, BudgetUnit], set[int]]


@dataclass
class _ImportPlan:
    """The rows grouped by their region with that region's lookups, and every error found."""

    groups: list[tuple[FiscalRegion, list[UnitImportRow], ImportLookups]]
    errors: list[CellError]


def _import_plan(actor: Any, region: FiscalRegion, rows: list[UnitImportRow]) -> _ImportPlan:
    require(actor, "org.import")
    row_regions, errors = import_row_regions(actor, region, {r.row: r.region_code for r in rows}, "单位")
    regions: dict[int, FiscalRegion] = {}
    grouped: dict[int, list[UnitImportRow]] = {}
    for row in rows:
        target = row_regions.get(row.row)
        if target is not None:  # a refused row is reported once, by its 财政区划编码, and left out of the other checks
            regions[target.pk] = target
            grouped.setdefault(target.pk, []).append(row)
    ids = sorted(grouped)
    departments = selectors.departments_by_region(actor, ids)
    units = selectors.units_by_region(ids)
    visible_ids = selectors.visible_unit_ids(actor, ids)
    groups = []
    for pk in sorted(ids, key=lambda pk: regions[pk].path):
        lookups = (departments[pk], units[pk], visible_ids)
        errors += _duplicate_errors(grouped[pk]) + _import_errors(grouped[pk], *lookups)
        groups.append((regions[pk], grouped[pk], lookups))
    return _ImportPlan(groups, sorted(errors, key=lambda e: e.row))


def units_import_errors(*, actor: Any, region: FiscalRegion, rows: list[UnitImportRow]) -> list[CellError]:
    """The rows' errors that need the database (a row of a region outside the importer's, a department not there, a
    code taken, a parent missing), without writing: reported together with the parser's errors, so a file is not
    corrected in two rounds."""
    return _import_plan(actor, region, rows).errors


def units_import(*, actor: Any, region: FiscalRegion, rows: list[UnitImportRow]) -> dict[str, int]:
    """Upsert units by code, all-or-nothing, each row in its region (an exported file's 财政区划编码, empty: the
    actor's own region): the actor's region or one under it. Raises ImportRejectedError with per-cell errors."""
    plan = _import_plan(actor, region, rows)
    if plan.errors:
        _record_import_failure(actor, plan.errors)
        raise ImportRejectedError(plan.errors)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_region: dict[str, dict[str, Any]] = {}
    try:
        with transaction.atomic():
            for target, group, (departments, existing, _visible_ids) in plan.groups:
                tally = by_region[target.mof_div_code] = {"name": target.name, **dict.fromkeys(counts, 0)}
                for key in _import_region(actor, target, group, departments, existing):
                    counts[key] += 1
                    tally[key] += 1
            names = "、".join(f"{target.name}（{target.mof_div_code}）" for target, _g, _l in plan.groups)
            audit.record(
                actor=actor,
                event_type="unit.import",
                object_type="organizations.budgetunit",
                changes={"regions": by_region},
                reason=f"导入预算单位：新增{counts['created']}个，更新{counts['updated']}个，未变化{counts['unchanged']}个；"
                f"财政区划：{names}",
            )
    except ImportRejectedError as exc:
        _record_import_failure(actor, exc.errors)
        raise
    return counts


def _import_region(
    actor: Any,
    region: FiscalRegion,
    rows: list[UnitImportRow],
    departments: dict[str, Department],
    existing: dict[str, BudgetUnit],
) -> Iterator[str]:
    """Save one region's rows (checked), yielding created / updated / unchanged for each."""
    levels = _import_levels(rows, existing)
    saved_codes: set[str] = set()
    # Parents first, so a parent in the same file is saved before its children.
    for row in sorted(rows, key=lambda r: (levels[r.agency_code] or 0, r.row)):
        current = existing.get(row.agency_code)
        parent = existing[row.parent_code] if row.parent_code else None
        if parent is not None and row.parent_code not in saved_codes:
            # An earlier row may have moved this parent's own ancestors: read its current path.
            parent.refresh_from_db(fields=["path", "level", "department", "region"])
        data: dict[str, Any] = {
            "agency_code": row.agency_code,
            "name": row.name,
            "department": departments[row.dept_code],
            "parent": parent,
            "kind": row.kind,
        }
        if row.is_active is not None:
            data["is_active"] = row.is_active
        try:
            saved = _unit_write(actor, current, {**data, "region": region}, None)
        except ServiceError as exc:
            raise ImportRejectedError([CellError(row.row, "", row.agency_code, exc.message)]) from exc
        version_before = current.version if current is not None else None
        yield "created" if current is None else ("unchanged" if saved.version == version_before else "updated")
        existing[row.agency_code] = saved
        saved_codes.add(row.agency_code)


# ---------------------------------------------------------------- fiscal years


def _require_year_manager(actor: Any) -> None:
    """A year holds for every region of the system: only the top finance bureau's users set years."""
    require(actor, "fiscal_year.manage")
    if not selectors.manages_fiscal_years(actor):
        manager = selectors.fiscal_year_manager_region()
        who = f"{manager.name}财政部门" if manager is not None else "最上级财政部门"
        raise PermissionDeniedError(
            f"财政年度对全系统所有财政区划生效，只能由{who}的预算股或系统管理员新增、开关或切换"
        )


def _year_in_range(year: int) -> None:
    if not is_year(year):
        raise _field_error("year", f"年度应在{FIRST_YEAR}至{LAST_YEAR}之间")


def fiscal_year_create(*, actor: Any, year: int, is_current: bool = False, is_open: bool = True) -> FiscalYear:
    _require_year_manager(actor)
    _year_in_range(year)
    with transaction.atomic():
        if FiscalYear.objects.select_for_update().filter(pk=year).exists():
            raise _field_error("year", f"{year}年度已存在")
        with duplicate_is_conflict(f"{year}年度刚被他人新增或另一年度刚被设为当前年度，请刷新后重试"):
            if is_current:
                FiscalYear.objects.filter(is_current=True).update(is_current=False)
            fiscal_year = FiscalYear.objects.create(year=year, is_current=is_current, is_open=is_open)
        audit.record(
            actor=actor,
            event_type="fiscal_year.create",
            obj=fiscal_year,
            changes={"is_current": [None, is_current], "is_open": [None, is_open]},
        )
    return fiscal_year


def fiscal_year_set_current(*, actor: Any, fiscal_year: FiscalYear) -> FiscalYear:
    _require_year_manager(actor)
    with transaction.atomic():
        locked = FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)
        if locked.is_current:
            return locked
        previous = list(FiscalYear.objects.filter(is_current=True).values_list("year", flat=True))
        # One current year (uniq_current_fiscal_year), also under two clicks at once.
        with duplicate_is_conflict("另一年度刚被他人设为当前年度，请刷新后重试"):
            FiscalYear.objects.filter(is_current=True).update(is_current=False)
            locked.is_current = True
            locked.save(update_fields=["is_current"])
        audit.record(
            actor=actor,
            event_type="fiscal_year.set_current",
            obj=locked,
            changes={"current_year": [previous[0] if previous else None, locked.year]},
        )
    return locked


def fiscal_year_set_open(*, actor: Any, fiscal_year: FiscalYear, is_open: bool) -> FiscalYear:
    _require_year_manager(actor)
    with transaction.atomic():
        locked = FiscalYear.objects.select_for_update().get(pk=fiscal_year.pk)
        if locked.is_open == is_open:
            return locked
        locked.is_open = is_open
        locked.save(update_fields=["is_open"])
        audit.record(
            actor=actor,
            event_type="fiscal_year.open" if is_open else "fiscal_year.close",
            obj=locked,
            changes={"is_open": [not is_open, is_open]},
        )
    return locked


def fiscal_year_save(*, actor: Any, year: int, is_current: bool, is_open: bool) -> FiscalYear:
    """Create or update a year in one call (seeding and scripts); pages use the finer functions above."""
    _require_year_manager(actor)
    _year_in_range(year)
    with transaction.atomic():
        existing = FiscalYear.objects.select_for_update().filter(pk=year).first()
        if existing is None:
            return fiscal_year_create(actor=actor, year=year, is_current=is_current, is_open=is_open)
        fiscal_year_set_open(actor=actor, fiscal_year=existing, is_open=is_open)
        if is_current:
            fiscal_year_set_current(actor=actor, fiscal_year=existing)
        elif existing.is_current:
            FiscalYear.objects.filter(pk=year).update(is_current=False)
            audit.record(
                actor=actor, event_type="fiscal_year.update", obj=existing, changes={"is_current": [True, False]}
            )
        return FiscalYear.objects.get(pk=year)
