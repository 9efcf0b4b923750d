"""季度检查 writes: keyword-only, capability and scope re-checked, one transaction, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from jixiao.core import audit, registers
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.permissions import require
from jixiao.inspections.models import DEFAULT_SUBJECT, Inspection
from jixiao.inspections.selectors import departments_to_record, kept_by
from jixiao.organizations.models import FinanceSection

FIELDS = ["fiscal_year", "quarter", "department", "inspected_on", "inspectors", "subject", "findings", "opinions"]
REQUIRED = {
    "fiscal_year": "年度",
    "quarter": "季度",
    "department": "被检查部门",
    "inspected_on": "检查日期",
    "inspectors": "检查人员",
}


def _clean(actor: Any, data: dict[str, Any], keep: int | None = None) -> dict[str, Any]:
    cleaned = {k: data[k] for k in FIELDS if k in data}
    for key in ("inspectors", "subject", "findings", "opinions"):
        cleaned[key] = (cleaned.get(key) or "").strip()
    cleaned["subject"] = cleaned["subject"] or DEFAULT_SUBJECT
    missing = [label for key, label in REQUIRED.items() if not cleaned.get(key)]
    if missing:
        raise DomainError("请填写：" + "、".join(missing))
    year, quarter, day = cleaned["fiscal_year"], cleaned["quarter"], cleaned["inspected_on"]
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(f"年度应在{FIRST_YEAR}年至{LAST_YEAR}年之间")
    if quarter not in (1, 2, 3, 4):
        raise DomainError("请选择季度（第一至第四季度）")
    if not isinstance(day, dt.date):
        raise DomainError("检查日期格式不正确")
    if day > timezone.localdate():
        raise DomainError("检查日期不能晚于今天")
    # The check of a quarter happens in that quarter or after it (a fourth-quarter check may run into January).
    if (day.year, (day.month - 1) // 3 + 1) < (year, quarter):
        raise DomainError(f"检查日期{day:%Y-%m-%d}早于{year}年第{quarter}季度，请核对年度、季度和检查日期")
    department_id = getattr(cleaned["department"], "pk", None)
    if department_id is None or not departments_to_record(actor, keep).filter(pk=department_id).exists():
        raise NotFoundError("主管部门不存在")
    return cleaned


def _section_of(actor: Any, department: Any) -> FinanceSection | None:
    """The checking 股室: the actor's own section, else the department's 对口 section."""
    membership = actor.active_membership
    if membership.section_id:
        return membership.section  # type: ignore[no-any-return]
    return department.finance_section  # type: ignore[no-any-return]


def _own(actor: Any, inspection: Inspection) -> None:
    if not Inspection.objects.visible_to(actor).filter(pk=inspection.pk).exists():
        raise NotFoundError("检查记录不存在")
    if not kept_by(actor, inspection):
        raise PermissionDeniedError("这是其他财政区划的检查记录，只能查看，不能修改")


def inspection_create(*, actor: Any, data: dict[str, Any]) -> Inspection:
    require(actor, "inspection.record")
    cleaned = _clean(actor, data)
    department = cleaned["department"]
    return registers.create_row(
        Inspection(region_id=department.region_id, section=_section_of(actor, department)),
        actor=actor,
        cleaned=cleaned,
        audited=FIELDS,
        event_type="inspection.create",
    )


def inspection_update(
    *, actor: Any, inspection: Inspection, data: dict[str, Any], version: int | None = None
) -> Inspection:
    require(actor, "inspection.record")
    _own(actor, inspection)
    cleaned = _clean(actor, data, keep=inspection.department_id)

    def derive(row: Inspection) -> None:
        row.region_id = cleaned["department"].region_id

    return registers.update_row(
        Inspection,
        inspection.pk,
        actor=actor,
        cleaned=cleaned,
        audited=FIELDS,
        event_type="inspection.update",
        version=version,
        conflict="检查记录已被他人修改，请刷新后重试",
        missing="检查记录不存在",
        derive=derive,
    )


def inspection_delete(*, actor: Any, inspection: Inspection) -> None:
    require(actor, "inspection.record")
    _own(actor, inspection)
    registers.soft_delete(
        Inspection, inspection.pk, actor=actor, event_type="inspection.delete", missing="检查记录不存在"
    )


OBJECT_TYPE = "inspections.inspection"


def coverage_exported(*, actor: Any, fiscal_year: int) -> None:
    """检查覆盖情况表 exported: every department to inspect in the actor's scope, for one year (the only condition the
    file applies: it lists all quarters and every department)."""
    audit.record(
        actor=actor, event_type="inspection.coverage_export", object_type=OBJECT_TYPE, reason=f"年度={fiscal_year}"
    )
