"""Department-overall target pages (部门整体支出绩效目标): start one for a department and year, and edit the
overall goal, the budget block, the 年度主要任务 and the indicator grid on one page."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jixiao.core import once
from jixiao.core.errors import DomainError
from jixiao.core.views_helpers import capability_required
from jixiao.targets import selectors, selectors_dept, services_dept
from jixiao.targets.forms import indicator_grid
from jixiao.targets.forms_dept import DeptGoalsForm, DeptStartForm, TaskFormSet, task_initial
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.views import _findings, _year
from jixiao.targets.workflow import EDITABLE_STATES


@capability_required("target.edit")
def dept_target_start(request: HttpRequest) -> HttpResponse:
    """填报部门整体绩效目标: the departments in the user's scope with their target of the year; POST starts one."""
    year = _year(request)
    status = 200
    if request.method == "POST":
        # A refusal shows the year's departments again with the reason and its status, not a redirect.
        form = DeptStartForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请选择主管部门和年度")
            status = 400
        else:
            department = selectors_dept.department_get(request.user, form.cleaned_data["department"])
            year = form.cleaned_data["fiscal_year"]

            def start() -> HttpResponse:
                target = services_dept.target_create_dept_overall(
                    actor=request.user, department=department, fiscal_year=year
                )
                return redirect("targets:dept_edit", pk=target.pk)

            try:
                return once.run_once(request, start)  # a double click opens the target the first click started
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status_code
    existing = selectors_dept.dept_targets_of_year(request.user, year)
    rows = [
        {"department": d, "target": existing.get(d.pk)}
        for d in selectors_dept.departments_for_dept_target(request.user)
    ]
    return render(request, "targets/dept_start.html", {"rows": rows, "year": year}, status=status)


def _forms(request: HttpRequest, target: PerformanceTarget) -> tuple[DeptGoalsForm, Any, Any]:
    nodes = list(selectors.framework_nodes(target))
    data = request.POST if request.method == "POST" else None
    goals = DeptGoalsForm(data, target=target)
    tasks_initial = None if data else task_initial(list(selectors_dept.target_tasks(target)))
    tasks = TaskFormSet(data, initial=tasks_initial, prefix="task")
    stored = partial(selectors.target_indicators_in_order, target)
    grid = indicator_grid(data, target=target, nodes=nodes, user=request.user, stored=stored)
    return goals, tasks, grid


def _save(
    request: HttpRequest, target: PerformanceTarget, goals: DeptGoalsForm, tasks: Any, grid: Any
) -> DomainError | None:
    """Everything in one transaction; returns the service's refusal, if any."""
    try:
        services_dept.target_save_dept(
            actor=request.user,
            target=target,
            goals=goals.cleaned_data,
            tasks=tasks.rows(),
            rows=grid.rows(),
            expected_version=goals.cleaned_data.get("version"),
        )
    except DomainError as exc:
        return exc
    return None


@capability_required("target.edit")
def dept_target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    if target.subject_type != PerformanceTarget.Subject.DEPT_OVERALL:
        return redirect("targets:edit", pk=pk)
    if target.status not in EDITABLE_STATES:
        messages.error(request, f"绩效目标当前状态为“{target.get_status_display()}”，不能修改")
        return redirect("targets:detail", pk=pk)
    goals, tasks, grid = _forms(request, target)
    status, error = 200, ""
    if request.method == "POST":
        status, error = 400, "填写有误，请按提示修改后再保存"
        if goals.is_valid() and tasks.is_valid() and grid.is_valid():
            refused = _save(request, target, goals, tasks, grid)
            if refused is None:
                messages.success(request, "部门整体绩效目标已保存，请查看右侧智能审核结果")
                return redirect("targets:dept_edit", pk=pk)
            status, error = refused.status_code, refused.message
    context = {
        "target": target,
        "goals": goals,
        "tasks": tasks,
        "grid": grid,
        "error": error,
        "findings": _findings(target),
        "opinions": list(selectors.target_comments(target, request.user)),
        "framework_code": target.framework.code,
    }
    return render(request, "targets/dept_edit.html", context, status=status)
