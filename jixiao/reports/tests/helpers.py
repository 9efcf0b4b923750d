"""An arranged county for the reports tests: figures at every stage, in 渠县 and in the other region."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from conftest import World
from jixiao.alerts.models import Color, FundAdjustment, ProjectLight, Warning, WarningRule
from jixiao.alerts.sweep_writes import light_counts_refresh
from jixiao.preassessment.models import Conclusion
from jixiao.preassessment.tests.factories import concluded
from jixiao.projects.models import Project
from jixiao.targets.models import Grade, PerformanceTarget, ReviewComment, TargetEvent, TargetStatus

YEAR = 2026


def _target(project: Project, grade: str, status: str = TargetStatus.APPROVED) -> PerformanceTarget:
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


def arrange(world: World) -> dict[str, Any]:
    """School (县教育局): supported 40万 of 50万, target 优 returned once, RED warning, 调减 10万.
    Hospital (县卫健局): rejected, target 良, YELLOW warning.
    Far project (宣汉县): everything, never counted in 渠县."""
    Project.objects.filter(
        pk__in=[world.school_project.pk, world.branch_project.pk, world.hospital_project.pk, world.far_project.pk]
    ).update(status=Project.Status.IN_LIBRARY)
    submitted = timezone.make_aware(datetime(YEAR, 6, 1, 10, 0))
    school_pa = concluded(world.school_project, Conclusion.SUPPORT_REDUCED, "400000.00", "500000.00")
    hospital_pa = concluded(world.hospital_project, Conclusion.REJECT, None, "300000.00")
    far_pa = concluded(world.far_project, Conclusion.SUPPORT, "500000.00", "500000.00")
    for pa in (school_pa, hospital_pa, far_pa):
        type(pa).objects.filter(pk=pa.pk).update(submitted_at=submitted)
    school_target = _target(world.school_project, Grade.EXCELLENT)
    _target(world.hospital_project, Grade.GOOD)
    _target(world.far_project, Grade.POOR)
    TargetEvent.objects.create(
        target=school_target, action="return", from_status=TargetStatus.PERF_REVIEW, to_status=TargetStatus.RETURNED
    )
    TargetEvent.objects.create(
        target=school_target, action="approve", from_status=TargetStatus.PERF_REVIEW, to_status=TargetStatus.APPROVED
    )
    ReviewComment.objects.create(target=school_target, stage="perf", text="指标未细化量化")
    rule = WarningRule.objects.filter(profile="national_default").order_by("sort", "code").first()
    assert rule is not None
    as_of = date(YEAR, 9, 30)
    for project, color in (
        (world.school_project, Color.RED),
        (world.hospital_project, Color.YELLOW),
        (world.far_project, Color.RED),
    ):
        Warning.objects.create(project=project, fiscal_year=YEAR, rule=rule, color=color, as_of=as_of)
        ProjectLight.objects.create(project=project, fiscal_year=YEAR, color=color, as_of=as_of)
    # The regions' light counts, as the sweep leaves them (a region's users read their card from them).
    light_counts_refresh([world.school_project.region_id, world.far_project.region_id], [YEAR])
    FundAdjustment.objects.create(
        project=world.school_project,
        fiscal_year=YEAR,
        source=FundAdjustment.Source.MONITORING,
        kind=FundAdjustment.Kind.ADJUST_DOWN,
        amount_yuan=Decimal("100000.00"),
    )
    # 登记 at other stages: a goal-review 核减 (TG-4) and a pre-assessment 追减 (PA-3(b)).
    FundAdjustment.objects.create(
        project=world.school_project,
        fiscal_year=YEAR,
        source=FundAdjustment.Source.TARGET_REVIEW,
        kind=FundAdjustment.Kind.REDUCE_ON_REVIEW,
        amount_yuan=Decimal("50000.00"),
    )
    FundAdjustment.objects.create(
        project=world.school_project,
        fiscal_year=YEAR,
        source=FundAdjustment.Source.PRE_ASSESSMENT,
        kind=FundAdjustment.Kind.RETRO_REDUCE,
        amount_yuan=Decimal("30000.00"),
    )
    FundAdjustment.objects.create(
        project=world.far_project, fiscal_year=YEAR, kind=FundAdjustment.Kind.RECOVER, amount_yuan=Decimal("70000.00")
    )
    return {"school_target": school_target}
