"""Auto metrics recomputed from arranged records: targets, rectifications, disclosures; “无数据” where none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from conftest import World
from jixiao.appraisals import metrics, selectors
from jixiao.appraisals.models import Appraisal, AppraisalTask
from jixiao.appraisals.tests.helpers import YEAR, dept_task
from jixiao.disclosure.models import Disclosure, DisclosureStatus, ItemType
from jixiao.projects.models import Project
from jixiao.rectification.models import Rectification, RectificationStatus, SourceType
from jixiao.targets.models import Grade, PerformanceTarget, TargetEvent, TargetStatus


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _target(project: Project, status: str, grade: str = "") -> PerformanceTarget:
    from jixiao.indicators.selectors import framework_for

    return PerformanceTarget.objects.create(
        fiscal_year=project.fiscal_year,
        region=project.region,
        project=project,
        department=project.department,
        unit=project.unit,
        framework=framework_for(project.region, project.fiscal_year),
        name=project.name,
        annual_total_yuan=Decimal("480000.00"),
        annual_fiscal_yuan=Decimal("480000.00"),
        status=status,
        review_grade=grade,
    )


def _event(target: PerformanceTarget, action: str, to_status: str, day: dt.date) -> None:
    event = TargetEvent.objects.create(target=target, action=action, to_status=to_status)
    TargetEvent.objects.filter(pk=event.pk).update(occurred_at=_at(day))


def _rect(world: World, dept: str, deadline: dt.date, closed: dt.date | None) -> None:
    department = getattr(world, dept)
    Rectification.objects.create(
        fiscal_year=YEAR,
        region=world.region,
        department=department,
        source_type=SourceType.AUDIT,
        title="整改事项",
        deadline=deadline,
        status=RectificationStatus.CLOSED if closed else RectificationStatus.ISSUED,
        closed_at=_at(closed) if closed else None,
    )


def _arrange(world: World) -> None:
    school = _target(world.school_project, TargetStatus.APPROVED, Grade.EXCELLENT)
    branch = _target(world.branch_project, TargetStatus.APPROVED, Grade.GOOD)
    _target(world.hospital_project, TargetStatus.DRAFT)
    _target(world.far_project, TargetStatus.APPROVED, Grade.POOR)  # another county: never counted
    _event(school, "submit", TargetStatus.UNIT_SUBMITTED, dt.date(YEAR, 3, 20))
    _event(school, "perf_return", TargetStatus.RETURNED, dt.date(YEAR, 3, 25))
    _event(school, "submit", TargetStatus.UNIT_SUBMITTED, dt.date(YEAR, 4, 20))
    _event(branch, "submit", TargetStatus.UNIT_SUBMITTED, dt.date(YEAR, 4, 10))
    _rect(world, "edu", dt.date(YEAR, 9, 30), dt.date(YEAR, 9, 30))
    _rect(world, "edu", dt.date(YEAR, 9, 30), dt.date(YEAR, 10, 8))
    _rect(world, "edu", dt.date(YEAR, 12, 31), None)
    Disclosure.objects.create(
        item_type=ItemType.TARGET_TABLE,
        fiscal_year=YEAR,
        region=world.region,
        department=world.health,
        title="医院信息化建设绩效目标表",
        subject_type=ContentType.objects.get_for_model(Project),
        subject_id=world.hospital_project.pk,
        status=DisclosureStatus.PUBLISHED,
        due_date=dt.date(YEAR, 3, 1),
        published_at=_at(dt.date(YEAR, 2, 28)),
    )
    Disclosure.objects.create(
        item_type=ItemType.TARGET_TABLE,
        fiscal_year=YEAR,
        region=world.region,
        department=world.health,
        title="涉密项目",
        subject_type=ContentType.objects.get_for_model(Project),
        subject_id=world.school_project.pk,
        status=DisclosureStatus.EXEMPT_SECRET,
        due_date=dt.date(YEAR, 3, 1),
    )


def _results(world: World, examinee: int | None) -> dict[str, metrics.MetricResult | None]:
    # One task per year: the second call (another examinee) reads the same task.
    task = AppraisalTask.objects.filter(fiscal_year=YEAR).first() or dept_task(
        world, target_deadline=dt.date(YEAR, 3, 31)
    )
    ctx = metrics.Context(world.region, YEAR, task)
    computed = metrics.compute(ctx, set(metrics.METRICS))
    points = {
        "target_on_time": Decimal(6),
        "target_return_rate": Decimal(6),
        "target_grade": Decimal(8),
        "rectification_on_time": Decimal(15),
        "disclosure_on_time": Decimal(10),
        "monitoring_coverage": Decimal(7),
    }
    return {key: metrics.result_for(key, p, computed, ctx, examinee) for key, p in points.items()}


def test_metrics_of_a_department_come_from_its_records(world: World) -> None:
    _arrange(world)
    edu = _results(world, world.edu.pk)
    on_time = edu["target_on_time"]
    assert on_time is not None and on_time.share == Decimal("0.5") and on_time.suggested == Decimal("3.00")
    assert on_time.text == "绩效目标2个，按时申报1个（50.00%）"
    assert on_time.url.startswith(reverse("targets:list")) and f"department={world.edu.pk}" in on_time.url
    returned = edu["target_return_rate"]
    assert returned is not None and returned.suggested == Decimal("3.00")
    assert "被退回修改1个" in returned.text
    grade = edu["target_grade"]  # 优 1 + 良 0.8 over 2 graded = 0.9 × 8
    assert grade is not None and grade.suggested == Decimal("7.20")
    rect = edu["rectification_on_time"]  # 1 of 3 issued closed by its deadline
    assert rect is not None and rect.suggested == Decimal("5.00") and "按期完成1项" in rect.text
    assert edu["disclosure_on_time"] is not None and edu["disclosure_on_time"].text == "无数据"
    assert edu["monitoring_coverage"] is not None and edu["monitoring_coverage"].suggested is None


def test_metrics_of_another_department_and_of_the_whole_county(world: World) -> None:
    _arrange(world)
    health = _results(world, world.health.pk)
    assert health["target_on_time"] is not None and health["target_on_time"].suggested == Decimal("0.00")
    assert health["target_return_rate"] is not None and health["target_return_rate"].text == "无数据"
    disclosure = health["disclosure_on_time"]  # the 涉密 item is exempt, not late
    assert disclosure is not None and disclosure.suggested == Decimal("10.00")
    county = _results(world, None)
    on_time = county["target_on_time"]
    assert on_time is not None and on_time.text == "绩效目标3个，按时申报1个（33.33%）"
    assert on_time.suggested == Decimal("2.00")


def test_no_target_deadline_means_no_data_and_the_sheet_shows_the_numbers(world: World) -> None:
    _arrange(world)
    task = dept_task(world)
    edu = Appraisal.objects.get(task=task, department=world.edu)
    sheet = {r.node.code: r for r in selectors.score_sheet(world.users["performance"], edu)}
    b1 = sheet["B1"].metric
    assert b1 is not None and b1.text.startswith("无数据") and b1.suggested is None
    b2 = sheet["B2"].metric
    assert b2 is not None and b2.suggested == Decimal("7.20")
    page = world.login("performance").get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    assert "已评级2个，其中优良2个" in page and "建议 <strong>7.20</strong> 分" in page
