"""Sources for the disclosure tests: one of each kind in the test county (2026), built directly as rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from conftest import World
from jixiao.disclosure import services
from jixiao.disclosure.models import Disclosure, ItemType
from jixiao.evaluation.models import SelfEvalStatus, SelfEvalTask, SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import approved_target
from jixiao.keyeval.models import EvalTemplate, KeyEvalStatus, KeyEvaluation
from jixiao.monitoring.models import MonitoringTask, TaskStatus
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets.models import PerformanceTarget

YEAR = 2026
APPROVED_AT = timezone.make_aware(dt.datetime(2026, 1, 10, 10, 0))


@dataclass
class Sources:
    target: PerformanceTarget
    dept_target: PerformanceTarget
    hospital_target: PerformanceTarget
    self_eval: SelfEvaluation
    key_eval: KeyEvaluation
    monitoring: MonitoringTask
    agri_project: Project


def make_sources(world: World) -> Sources:
    target = approved_target(world, world.school_project, approved_at=APPROVED_AT)
    dept_target = approved_target(world, world.school_project, dept_overall=True, approved_at=APPROVED_AT)
    hospital_target = approved_target(world, world.hospital_project, approved_at=APPROVED_AT)
    task = SelfEvalTask.objects.create(
        region=world.region, fiscal_year=YEAR, title="2026年度单位自评", deadline=dt.date(2027, 3, 31)
    )
    self_eval = SelfEvaluation.objects.create(
        task=task,
        fiscal_year=YEAR,
        region=world.region,
        department=world.edu,
        unit=world.school,
        project=world.school_project,
        target=target,
        goal_version=1,
        name=target.name,
        goal_expected="年内购置教学设备120台",
        goal_actual="已购置教学设备120台",
        total_claimed=Decimal("93.50"),
        total_computed=Decimal("92.00"),
        grade_claimed="优",
        grade_computed="优",
        status=SelfEvalStatus.SUBMITTED,
        submitted_at=APPROVED_AT,
        dept_opinion="内部审核意见：不公开",
    )
    key_eval = KeyEvaluation.objects.create(
        region=world.region,
        fiscal_year=YEAR,
        title="一中教学设备购置",
        object_type=KeyEvaluation.ObjectType.PROJECT,
        department=world.edu,
        template=EvalTemplate.objects.filter(region__isnull=True).order_by("id").first(),
        amount_yuan=Decimal("1200000.00"),
        basic_situation="项目用于购置教学设备。",
        suggestions="进一步加强设备管理。",
        total_score=Decimal("86.50"),
        grade="good",
        status=KeyEvalStatus.ISSUED,
        issued_at=APPROVED_AT,
    )
    key_eval.projects.add(world.school_project)
    monitoring = MonitoringTask.objects.create(
        task_no="JK2026-01",
        title="2026年1—6月绩效运行监控",
        fiscal_year=YEAR,
        region=world.region,
        period_end_month=6,
        start_date=dt.date(2026, 7, 1),
        deadline=dt.date(2026, 7, 20),
        status=TaskStatus.CLOSED,
    )
    agri_project = ProjectFactory(
        unit=world.school,
        code="P-AGRI",
        name="高标准农田建设",
        in_library=True,
        is_agri_integrated=True,
        is_rural_link=True,
        fiscal_amount_yuan=Decimal("800000.00"),
        other_amount_yuan=Decimal("200000.00"),
        end_year=2027,
        description="新建高标准农田500亩。",
    )
    return Sources(target, dept_target, hospital_target, self_eval, key_eval, monitoring, agri_project)


def generate(world: World, year: int = YEAR) -> dict[str, int]:
    return services.disclosure_generate(actor=world.users["performance"], region=world.region, fiscal_year=year)


def item_of(item_type: str, subject: Any = None) -> Disclosure:
    qs = Disclosure.objects.filter(item_type=item_type)
    if subject is not None:
        qs = qs.filter(subject_id=subject.pk)
    return qs.get()


def publish(world: World, item: Disclosure, proposer: str = "performance") -> Disclosure:
    item = services.disclosure_transition(actor=world.users[proposer], item=item, action="propose")
    return services.disclosure_transition(actor=world.users["performance"], item=item, action="publish")


def publish_all(world: World) -> None:
    for item in Disclosure.objects.filter(status=Disclosure.Status.PENDING).order_by("id"):
        publish(world, item)


TYPES = [t.value for t in ItemType]
