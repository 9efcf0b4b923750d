"""Department-overall targets (部门整体支出绩效目标, DOMAIN.md §3.2): creation per department and year, and the
edit that saves the overall goal, the budget block, the 年度主要任务 and the indicator grid together."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction

from jixiao.core import audit
from jixiao.core.errors import DomainError, NotFoundError
from jixiao.core.money import CENT, MoneyError, to_decimal, wan_from_yuan
from jixiao.core.permissions import require
from jixiao.indicators.selectors import framework_for
from jixiao.organizations.models import BudgetUnit, Department
from jixiao.targets import selectors, services
from jixiao.targets.models import AnnualTask, PerformanceTarget
from jixiao.targets.selectors_dept import departments_for_dept_target

DEPT_OVERALL = PerformanceTarget.Subject.DEPT_OVERALL
BUDGET_FIELDS = ["annual_total_yuan", "annual_fiscal_yuan", "basic_yuan", "project_spending_yuan"]
BUDGET_LABELS = {
    "annual_total_yuan": "资金总额",
    "annual_fiscal_yuan": "财政拨款",
    "other_yuan": "其他资金",
    "basic_yuan": "基本支出",
    "project_spending_yuan": "项目支出",
}
MAX_TASKS = 100


def _wan_text(yuan: Decimal) -> str:
    return format(wan_from_yuan(yuan).normalize(), "f")


def _first_level_unit(department: Department) -> BudgetUnit:
    """The department's own unit (本级): the first-level unit with the lowest code."""
    unit = (
        BudgetUnit.objects.filter(department=department, level=BudgetUnit.Level.FIRST, is_active=True)
        .order_by("agency_code", "id")
        .first()
    )
    if unit is None:
        raise DomainError(f"主管部门“{department.name}”下没有一级预算单位（本级），不能填报部门整体绩效目标")
    return unit


def target_create_dept_overall(*, actor: Any, department: Department, fiscal_year: int) -> PerformanceTarget:
    """Start (or return the existing) department-overall target of `department` for `fiscal_year`."""
    require(actor, "target.edit")
    if not departments_for_dept_target(actor).filter(pk=department.pk).exists():
        raise NotFoundError("主管部门不存在")
    if not selectors.year_open(fiscal_year):
        raise DomainError(f"{fiscal_year}年度未设置或已关闭填报")
    existing = PerformanceTarget.objects.filter(
        department=department, fiscal_year=fiscal_year, subject_type=DEPT_OVERALL
    ).first()
    if existing is not None:
        return existing
    unit = _first_level_unit(department)
    try:
        with transaction.atomic():
            target = PerformanceTarget.objects.create(
                fiscal_year=fiscal_year,
                region=department.region,
                subject_type=DEPT_OVERALL,
                department=department,
                unit=unit,
                framework=framework_for(department.region, fiscal_year),
                name=f"{department.name}部门整体支出",
                created_by=actor,
                updated_by=actor,
            )
            services._event(actor, target, "create", "")
            audit.record(actor=actor, event_type="target.create", obj=target)
    except IntegrityError:
        # Two people started the same department's target at once: the first one wins.
        return PerformanceTarget.objects.get(department=department, fiscal_year=fiscal_year, subject_type=DEPT_OVERALL)
    return target


def check_budget_block(amounts: dict[str, Decimal], other_yuan: Decimal | None = None) -> list[str]:
    """The §3.2 checks: 资金总额 = 财政拨款 + 其他资金 = 基本支出 + 项目支出, every amount ≥ 0."""
    errors = [f"{BUDGET_LABELS[k]}不能为负数" for k in BUDGET_FIELDS if amounts[k] < 0]
    if other_yuan is not None and other_yuan < 0:
        errors.append("其他资金不能为负数")
    if errors:
        return errors
    total, fiscal = amounts["annual_total_yuan"], amounts["annual_fiscal_yuan"]
    if fiscal > total:
        errors.append("财政拨款不能大于资金总额（其他资金不能为负数）")
    elif other_yuan is not None and total != fiscal + other_yuan:
        errors.append(
            f"资金总额（{_wan_text(total)}万元）应等于财政拨款（{_wan_text(fiscal)}万元）"
            f"与其他资金（{_wan_text(other_yuan)}万元）之和"
        )
    parts = amounts["basic_yuan"] + amounts["project_spending_yuan"]
    if total != parts:
        errors.append(f"资金总额（{_wan_text(total)}万元）应等于基本支出与项目支出之和（{_wan_text(parts)}万元）")
    return errors


def _clean_tasks(tasks: list[dict[str, Any]], project_spending_yuan: Decimal) -> list[dict[str, Any]]:
    if len(tasks) > MAX_TASKS:
        raise DomainError(f"年度主要任务最多{MAX_TASKS}项")
    cleaned: list[dict[str, Any]] = []
    total = Decimal("0.00")
    for seq, task in enumerate(tasks, start=1):
        name = str(task.get("name") or "").strip()
        content = str(task.get("content") or "").strip()
        try:
            amount = to_decimal(task.get("amount_yuan") or 0)
        except MoneyError as exc:
            raise DomainError(f"年度主要任务第{seq}行：预算金额应为数字") from exc
        if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
            raise DomainError(f"年度主要任务第{seq}行：预算金额最多精确到分")
        if not name:
            raise DomainError(f"年度主要任务第{seq}行：任务名称不能为空")
        if len(name) > 200 or len(content) > 2000:
            raise DomainError(f"年度主要任务第{seq}行：任务名称不超过200字，主要内容不超过2000字")
        if amount < 0:
            raise DomainError(f"年度主要任务第{seq}行：预算金额不能为负数")
        cleaned.append({"seq": seq, "name": name, "content": content, "amount_yuan": amount})
        total += amount
    if total > project_spending_yuan:
        raise DomainError(
            f"年度主要任务预算金额合计（{_wan_text(total)}万元）不能超过项目支出（{_wan_text(project_spending_yuan)}万元）"
        )
    return cleaned


def _replace_tasks(actor: Any, target: PerformanceTarget, tasks: list[dict[str, Any]]) -> None:
    before = list(target.tasks.values_list("name", "content", "amount_yuan"))
    after = [(t["name"], t["content"], t["amount_yuan"]) for t in tasks]
    if before == after:
        return
    target.tasks.all().delete()
    AnnualTask.objects.bulk_create([AnnualTask(target=target, **t) for t in tasks])
    audit.record(actor=actor, event_type="target.tasks", obj=target, changes={"tasks": [len(before), len(after)]})


def target_save_dept(
    *,
    actor: Any,
    target: PerformanceTarget,
    goals: dict[str, Any],
    tasks: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    expected_version: int | None = None,
) -> PerformanceTarget:
    """Overall goal, budget block, 年度主要任务 and indicator grid in one transaction: any error saves nothing.

    `goals` holds GOAL_FIELDS (missing budget amounts keep their stored value) and, optionally, `other_yuan`
    (其他资金) which must then close 资金总额 = 财政拨款 + 其他资金."""
    require(actor, "target.edit")
    if target.subject_type != DEPT_OVERALL:
        raise DomainError("该绩效目标不是部门整体支出绩效目标")
    amounts = {k: Decimal(goals.get(k, getattr(target, k)) or 0) for k in BUDGET_FIELDS}
    other = goals.get("other_yuan")
    errors = check_budget_block(amounts, Decimal(other) if other is not None else None)
    if errors:
        raise DomainError("；".join(errors))
    cleaned = _clean_tasks(tasks, amounts["project_spending_yuan"])
    data = {k: v for k, v in goals.items() if k in services.GOAL_FIELDS}
    with transaction.atomic():
        target = services.target_update(actor=actor, target=target, data=data, expected_version=expected_version)
        _replace_tasks(actor, target, cleaned)
        return services.target_save_indicators(actor=actor, target=target, rows=rows)
