"""Organisation writes: regions, sections, departments and units, with their tree paths kept consistent."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.permissions import require
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion, FiscalYear


def _clean(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        parts = []
        for field, errors in exc.message_dict.items():
            label = "" if field == "__all__" else f"{instance._meta.get_field(field).verbose_name}："
            parts.append(label + "；".join(errors))
        raise DomainError("；".join(parts)) from exc


def _save(actor: Any, instance: Any, data: dict[str, Any], event: str) -> Any:
    fields = list(data)
    before = audit.snapshot(instance, fields) if instance.pk else {}
    for key, value in data.items():
        setattr(instance, key, value)
    if hasattr(instance, "build_path"):
        instance.path = instance.build_path()
    if hasattr(instance, "updated_by_id"):
        instance.updated_by = actor
        if not instance.pk:
            instance.created_by = actor
    _clean(instance)
    instance.save()
    audit.record(actor=actor, event_type=event, obj=instance, changes=audit.diff(before, audit.snapshot(instance, fields)))
    return instance


def region_save(*, actor: Any, region: FiscalRegion | None, data: dict[str, Any]) -> FiscalRegion:
    require(actor, "org.manage")
    with transaction.atomic():
        created = region is None
        region = _save(actor, region or FiscalRegion(), data, "region.create" if created else "region.update")
        _rebuild_region_paths(region)
    return region


def _rebuild_region_paths(region: FiscalRegion) -> None:
    for child in region.children.all():
        child.path = child.build_path()
        child.save(update_fields=["path"])
        _rebuild_region_paths(child)


def section_save(*, actor: Any, section: FinanceSection | None, data: dict[str, Any]) -> FinanceSection:
    require(actor, "org.manage")
    with transaction.atomic():
        created = section is None
        return _save(actor, section or FinanceSection(), data, "section.create" if created else "section.update")


def department_save(*, actor: Any, department: Department | None, data: dict[str, Any]) -> Department:
    require(actor, "org.manage")
    section = data.get("finance_section")
    if section is not None and section.region_id != data["region"].pk:
        raise DomainError("对口业务股室必须属于同一财政区划")
    with transaction.atomic():
        created = department is None
        return _save(actor, department or Department(), data,
                     "department.create" if created else "department.update")


def unit_save(*, actor: Any, unit: BudgetUnit | None, data: dict[str, Any]) -> BudgetUnit:
    require(actor, "org.manage")
    parent = data.get("parent")
    department = data["department"]
    if department.region_id != data["region"].pk:
        raise DomainError("主管部门必须属于同一财政区划")
    if parent is not None:
        if parent.department_id != department.pk:
            raise DomainError("上级单位必须属于同一主管部门")
        if unit is not None and (parent.pk == unit.pk or parent.path.startswith(unit.path)):
            raise DomainError("上级单位不能是本单位或其下级单位")
        data["level"] = min(parent.level + 1, BudgetUnit.Level.THIRD)
    else:
        data["level"] = BudgetUnit.Level.FIRST
    with transaction.atomic():
        created = unit is None
        unit = _save(actor, unit or BudgetUnit(), data, "unit.create" if created else "unit.update")
        _rebuild_unit_paths(unit)
    return unit


def _rebuild_unit_paths(unit: BudgetUnit) -> None:
    for child in unit.children.all():
        child.path = child.build_path()
        child.department_id = unit.department_id
        child.save(update_fields=["path", "department"])
        _rebuild_unit_paths(child)


def fiscal_year_save(*, actor: Any, year: int, is_current: bool, is_open: bool) -> FiscalYear:
    require(actor, "fiscal_year.manage")
    if not 2000 <= year <= 2100:
        raise DomainError("年度应在2000至2100之间")
    with transaction.atomic():
        if is_current:
            FiscalYear.objects.filter(is_current=True).exclude(pk=year).update(is_current=False)
        fiscal_year, created = FiscalYear.objects.update_or_create(
            year=year, defaults={"is_current": is_current, "is_open": is_open})
        audit.record(actor=actor, event_type="fiscal_year.create" if created else "fiscal_year.update",
                     obj=fiscal_year, changes={"is_current": [None, is_current], "is_open": [None, is_open]})
    return fiscal_year


def units_import(*, actor: Any, region: FiscalRegion, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Upsert units by code, all-or-nothing; rows were parsed and resolved by imports.resolve_unit_rows."""
    require(actor, "org.import")
    created = updated = 0
    with transaction.atomic():
        existing = {u.agency_code: u for u in BudgetUnit.objects.filter(region=region)}
        # Parents first: rows are sorted by level so a parent is saved before its children.
        for row in sorted(rows, key=lambda r: r["level"]):
            parent_code = row.pop("parent_code")
            row["parent"] = existing.get(parent_code) if parent_code else None
            row["region"] = region
            current = existing.get(row["agency_code"])
            unit = unit_save(actor=actor, unit=current, data={k: v for k, v in row.items() if k != "level"})
            existing[unit.agency_code] = unit
            if current is None:
                created += 1
            else:
                updated += 1
        audit.record(actor=actor, event_type="unit.import", object_type="organizations.budgetunit",
                     reason=f"导入预算单位：新增{created}个，更新{updated}个")
    return {"created": created, "updated": updated}
