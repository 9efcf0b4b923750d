"""Arrange the earlier stages' rows a proposal reads (each the smallest valid row of that stage)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from conftest import World
from jixiao.alerts.models import CaseStatus, ProjectLight, WarningCase, WarningRule
from jixiao.alerts.sweep_writes import light_counts_refresh
from jixiao.evaluation.models import (
    AuthenticityCheck,
    AuthenticityItem,
    ReEvaluationBatch,
    ReEvaluationSample,
    SelfEvalStatus,
    SelfEvalTask,
    SelfEvaluation,
)
from jixiao.execution.models import Payment
from jixiao.execution.tests.factories import payment_create
from jixiao.keyeval.models import EvalTemplate, KeyEvalStatus, KeyEvaluation
from jixiao.projects.models import Project
from jixiao.rectification.models import Rectification, RectificationStatus
from jixiao.results import services
from jixiao.results.models import ResultApplication
from jixiao.targets.models import PerformanceTarget

YEAR = 2026
KEY_GRADES = {"优": "excellent", "良": "good", "中": "fair", "差": "poor"}


def arranged(project: Project, amount: str = "200000.00") -> Project:
    """An in-library project with a budget of `amount` yuan (no carry-over or other funds)."""
    Project.objects.filter(pk=project.pk).update(
        status=Project.Status.IN_LIBRARY,
        fiscal_amount_yuan=Decimal(amount),
        carryover_amount_yuan=0,
        other_amount_yuan=0,
    )
    project.refresh_from_db()
    return project


def target(project: Project, **fields: Any) -> PerformanceTarget:
    from jixiao.indicators.selectors import framework_for

    existing = PerformanceTarget.objects.filter(project=project).first()
    if existing is not None:
        PerformanceTarget.objects.filter(pk=existing.pk).update(**fields)
        existing.refresh_from_db()
        return existing
    return PerformanceTarget.objects.create(
        fiscal_year=project.fiscal_year,
        region=project.region,
        project=project,
        department=project.department,
        unit=project.unit,
        framework=framework_for(project.region, project.fiscal_year),
        name=project.name,
        status=PerformanceTarget.Status.APPROVED,
        **fields,
    )


def self_eval(project: Project, grade: str) -> SelfEvaluation:
    task, _ = SelfEvalTask.objects.get_or_create(
        region=project.region,
        fiscal_year=project.fiscal_year,
        defaults={"title": "自评", "deadline": date(2027, 3, 31)},
    )
    return SelfEvaluation.objects.create(
        task=task,
        fiscal_year=project.fiscal_year,
        region=project.region,
        department=project.department,
        unit=project.unit,
        project=project,
        target=target(project),
        goal_version=1,
        name=project.name,
        grade_computed=grade,
        status=SelfEvalStatus.FIN_REVIEWED,
        is_final=True,
    )


def re_eval(project: Project, self_grade: str, re_grade: str) -> ReEvaluationSample:
    record = self_eval(project, self_grade)
    batch = ReEvaluationBatch.objects.create(region=project.region, fiscal_year=project.fiscal_year, title="再评价")
    return ReEvaluationSample.objects.create(
        batch=batch, self_eval=record, code=project.code, selected_by="RANDOM", re_grade=re_grade, self_grade=self_grade
    )


def key_eval(project: Project, grade: str, kind: str = KeyEvaluation.Kind.FINANCE) -> KeyEvaluation:
    template = EvalTemplate.objects.filter(kind=EvalTemplate.Kind.PROJECT_10, region__isnull=True).first()
    assert template is not None
    ev = KeyEvaluation.objects.create(
        region=project.region,
        fiscal_year=project.fiscal_year,
        title=f"{project.name}重点评价",
        kind=kind,
        object_type=KeyEvaluation.ObjectType.PROJECT,
        template=template,
        status=KeyEvalStatus.ISSUED,
        grade=KEY_GRADES[grade],
        amount_yuan=project.total_amount_yuan,
    )
    ev.projects.add(project)
    return ev


def light(project: Project, color: str) -> ProjectLight:
    created = ProjectLight.objects.create(
        project=project, fiscal_year=project.fiscal_year, color=color, as_of=date(2026, 9, 30)
    )
    light_counts_refresh([project.region_id], [project.fiscal_year])  # as the sweep keeps them
    return created


def disposition(project: Project, option: str) -> WarningCase:
    rule = WarningRule.objects.first()
    assert rule is not None
    return WarningCase.objects.create(
        project=project,
        fiscal_year=project.fiscal_year,
        rule=rule,
        rule_code=rule.code,
        opened_on=date(2026, 9, 1),
        due_date=date(2026, 9, 15),
        status=CaseStatus.DECIDED,
        decided_option=option,
    )


_voucher = {"n": 0}


def pay(project: Project, amount: str, on: date = date(2026, 6, 30)) -> Payment:
    _voucher["n"] += 1
    return payment_create(project, amount, on, voucher_no=f"RS{_voucher['n']:06d}")


def falsified(project: Project) -> AuthenticityItem:
    record = self_eval(project, "良")
    check = AuthenticityCheck.objects.create(region=project.region, fiscal_year=project.fiscal_year, title="核查")
    return AuthenticityItem.objects.create(
        check_batch=check, self_eval=record, code=project.code, indicator_name="数量", finding="FALSIFIED"
    )


def open_rectification(project: Project, status: str = RectificationStatus.ISSUED) -> Rectification:
    return Rectification.objects.create(
        fiscal_year=project.fiscal_year,
        region=project.region,
        department=project.department,
        unit=project.unit,
        project=project,
        source_type="SELF_EVAL",
        title="整改",
        status=status,
        issued_at=timezone.now(),
    )


def generate(world: World, year: int = YEAR) -> dict[str, int]:
    return services.applications_generate(actor=world.users["performance"], region=world.region, fiscal_year=year)


def proposal(project: Project) -> ResultApplication:
    return ResultApplication.objects.get(project=project)


def set_rule(world: World, code: str, **data: Any) -> Any:
    return services.rule_save(actor=world.users["performance"], code=code, fiscal_year=None, data=data)
