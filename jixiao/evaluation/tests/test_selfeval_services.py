"""单位自评 services: generation (set-based), fill → computed scores and flags, submit rules, overrides, workflow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from jixiao.core.errors import ConflictError, DomainError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services
from jixiao.evaluation.models import SelfEvalEvent, SelfEvalFund, SelfEvalIndicator, SelfEvalStatus, SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import (
    YEAR,
    approved_target,
    fill_clean,
    pay,
    row_ids,
    school_record,
    set_amounts,
    start,
)
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets.models import PerformanceTarget

pytestmark = pytest.mark.django_db


def _world_with_targets(world: World) -> None:
    set_amounts(world.school_project, fiscal="80000", carryover="20000")
    approved_target(world)
    approved_target(world, world.hospital_project)
    pay(world.school_project, "60000", date(YEAR, 5, 1))
    pay(world.school_project, "40000", date(YEAR, 12, 31))
    pay(world.school_project, "5000", date(YEAR + 1, 1, 5))  # after 31 Dec: not counted


def test_generation_creates_one_prefilled_record_per_approved_target(world: World) -> None:
    _world_with_targets(world)
    approved_target(world, world.branch_project, status=PerformanceTarget.Status.DRAFT)  # not approved: skipped
    task = start(world)
    assert task.records.count() == 2
    record = school_record(world)
    assert record.subject == SelfEvaluation.Subject.PROJECT
    assert record.goal_version == 1 and record.status == SelfEvalStatus.FILLING
    assert record.goal_expected.startswith("年内购置教学设备120台")
    funds = {f.fund_source: f for f in SelfEvalFund.objects.filter(self_eval=record)}
    assert funds["TOTAL"].annual_yuan == Decimal("100000.00")
    assert funds["TOTAL"].executed_yuan == Decimal("100000.00")  # payments to 31 Dec only
    assert funds["FISCAL"].executed_yuan + funds["CARRYOVER"].executed_yuan == Decimal("100000.00")
    names = list(record.indicators.values_list("name", flat=True))
    assert names == ["购置教学设备数量", "教学条件改善情况", "师生满意度"]  # the midterm row is not evaluated
    row = record.indicators.get(name="购置教学设备数量")
    assert row.target_text == "≥120台" and row.weight == Decimal(50) and row.indicator_id is not None
    assert record.indicators.get(name="教学条件改善情况").is_qualitative
    assert SelfEvalEvent.objects.filter(self_eval=record, action="start").exists()
    assert AuditEvent.objects.filter(event_type="evaluation.selfeval_start").count() == 1


def test_generation_is_set_based(world: World) -> None:
    """Ten targets take no more queries than one: the count is compared with a one-target generation in the other
    county just before, so it does not depend on what this worker's caches hold."""
    from jixiao.accounts.models import Membership
    from jixiao.accounts.tests.factories import UserFactory

    far_perf = UserFactory(username="far_perf")
    Membership.objects.create(user=far_perf, role="performance", region=world.other_region)
    approved_target(world, world.far_project)
    with CaptureQueriesContext(connection) as one:
        far_task = services.task_start(actor=far_perf, fiscal_year=YEAR, deadline=date(YEAR + 1, 3, 31))
    assert far_task.records.count() == 1
    _world_with_targets(world)
    for index in range(8):
        project = ProjectFactory(unit=world.school, code=f"P-EXTRA-{index}", name=f"项目{index}")
        approved_target(world, project)
    with CaptureQueriesContext(connection) as ten:
        task = start(world)
    assert task.records.count() == 10
    # A fixed number of queries, not one (or more) per target.
    assert len(ten.captured_queries) <= len(one.captured_queries), "\n".join(
        q["sql"][:150] for q in ten.captured_queries
    )


def test_generation_twice_or_without_targets_is_refused(world: World) -> None:
    with pytest.raises(DomainError, match="没有已批复的绩效目标"):
        start(world)
    _world_with_targets(world)
    start(world)
    with pytest.raises(ConflictError, match="已经发起"):
        start(world)
    with pytest.raises(PermissionDeniedError):
        services.task_start(actor=world.users["unit_user"], fiscal_year=YEAR, deadline=date(YEAR + 1, 3, 1))


def test_department_overall_record(world: World) -> None:
    """A 部门整体 record's budget is its department's in-library projects (as its monitoring record sums them): a
    draft or returned project of the department has no budget yet and is not counted."""
    set_amounts(world.school_project, fiscal="100000")
    set_amounts(world.branch_project, fiscal="50000")
    pay(world.branch_project, "30000", date(YEAR, 6, 1))
    Project.objects.filter(pk__in=[world.school_project.pk, world.branch_project.pk]).update(
        status=Project.Status.IN_LIBRARY
    )
    draft = ProjectFactory(unit=world.school, code="P-DRAFT", name="未入库项目", fiscal_amount_yuan=Decimal("20000000"))
    assert draft.status != Project.Status.IN_LIBRARY
    approved_target(world, world.school_project, dept_overall=True, name="县教育局部门整体")
    start(world)
    record = SelfEvaluation.objects.get(subject=SelfEvaluation.Subject.DEPT_OVERALL)
    total = record.funds.get(fund_source="TOTAL")
    assert total.annual_yuan == Decimal("150000.00") and total.executed_yuan == Decimal("30000.00")


def test_fill_stores_computed_scores_and_flags(world: World) -> None:
    _world_with_targets(world)
    start(world)
    record = fill_clean(world, school_record(world))
    assert record.exec_score_computed == Decimal("10.00")
    assert record.total_computed == Decimal("100.00") and record.grade_computed == "优"
    assert record.error_count == 0 and record.warn_count == 0, record.flags
    row = record.indicators.get(name="购置教学设备数量")
    assert row.auto_score == Decimal("50.00") and "得满分" in row.formula

    # Overclaim: 90 of 120 devices but full marks claimed.
    ids = row_ids(record)
    record = services.selfeval_save(
        actor=world.users["unit_user"],
        record=record,
        data={},
        rows={ids["购置教学设备数量"]: {"actual_text": "90台", "claimed_score": "50"}},
    )
    row = record.indicators.get(name="购置教学设备数量")
    assert row.auto_score == Decimal("37.50")
    codes = {f["code"] for f in row.flags}
    assert {"D_SCORE_MISMATCH", "D_FULL_BUT_UNMET", "D_SCORE_INFLATED"} <= codes
    assert record.warn_count >= 3 and record.total_computed == Decimal("87.50") and record.grade_computed == "良"
    assert "D_TOTAL_VS_COMPUTED" in record.flags["flags"]


def test_submit_blocked_by_errors_then_needs_explanation_for_warnings(world: World) -> None:
    _world_with_targets(world)
    start(world)
    record = school_record(world)
    unit = world.users["unit_user"]
    with pytest.raises(DomainError, match="错误，不能提交") as exc:
        services.selfeval_transition(actor=unit, record=record, action="submit")
    assert "实际完成值为空" in exc.value.message
    record.refresh_from_db()
    assert record.status == SelfEvalStatus.FILLING
    ids = row_ids(record)
    record = fill_clean(world, record)
    record = services.selfeval_save(
        actor=unit, record=record, data={}, rows={ids["购置教学设备数量"]: {"actual_text": "150台"}}
    )
    assert "W_OVERSHOOT" in {f["code"] for f in record.indicators.get(name="购置教学设备数量").flags}
    with pytest.raises(DomainError, match="提示事项"):
        services.selfeval_transition(actor=unit, record=record, action="submit")
    record = services.selfeval_transition(
        actor=unit, record=record, action="submit", comment="设备采购有节余，多购置30台"
    )
    assert record.status == SelfEvalStatus.SUBMITTED and record.submitted_at is not None
    assert record.flag_explanation == "设备采购有节余，多购置30台"
    with pytest.raises(ConflictError):
        services.selfeval_save(actor=unit, record=record, data={"goal_actual": "改"})


def test_target_adjusted_after_generation_is_flagged(world: World) -> None:
    _world_with_targets(world)
    start(world)
    PerformanceTarget.objects.filter(project=world.school_project).update(goal_version=2)
    record = fill_clean(world, school_record(world))
    assert "D_TARGET_CHANGED" in record.flags["flags"]
    assert record.error_count >= 1
    with pytest.raises(DomainError, match="绩效目标已调整"):
        services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")


def test_workflow_review_chain_override_and_return(world: World) -> None:
    _world_with_targets(world)
    start(world)
    u = world.users
    record = fill_clean(world, school_record(world))
    record = services.selfeval_transition(actor=u["unit_user"], record=record, action="submit")
    with pytest.raises(PermissionDeniedError):
        services.selfeval_transition(actor=u["business"], record=record, action="dept_approve")
    row = record.indicators.get(name="教学条件改善情况")
    with pytest.raises(DomainError, match="理由"):
        services.selfeval_override(actor=u["dept_admin"], record=record, row=row, score=Decimal(24), reason=" ")
    with pytest.raises(DomainError, match="0至分值30"):
        services.selfeval_override(actor=u["dept_admin"], record=record, row=row, score=Decimal(31), reason="超过")
    with pytest.raises(PermissionDeniedError):
        services.selfeval_override(actor=u["performance"], record=record, row=row, score=Decimal(24), reason="x")
    services.selfeval_override(
        actor=u["dept_admin"], record=record, row=row, score=Decimal(24), reason="佐证材料不足以证明明显改善"
    )
    row.refresh_from_db()
    assert row.final_score == Decimal("24.00") and row.override_reason == "佐证材料不足以证明明显改善"
    assert row.claimed_score == Decimal("30.00")  # the claim is kept
    assert AuditEvent.objects.filter(event_type="evaluation.selfeval_override").exists()
    record = services.selfeval_transition(
        actor=u["dept_admin"], record=record, action="dept_approve", comment="同意", dept_score=Decimal("94")
    )
    assert record.status == SelfEvalStatus.DEPT_REVIEWED and record.dept_score == Decimal("94")
    with pytest.raises(DomainError, match="请填写意见"):
        services.selfeval_transition(actor=u["business"], record=record, action="section_return")
    record = services.selfeval_transition(actor=u["business"], record=record, action="section_approve", comment="可")
    record = services.selfeval_transition(
        actor=u["performance"], record=record, action="final_return", comment="满意度佐证缺失"
    )
    assert record.status == SelfEvalStatus.RETURNED
    record = services.selfeval_transition(actor=u["unit_user"], record=record, action="submit")
    record = services.selfeval_transition(actor=u["dept_admin"], record=record, action="dept_approve")
    record = services.selfeval_transition(actor=u["business"], record=record, action="section_approve")
    record = services.selfeval_transition(actor=u["performance"], record=record, action="final_approve", comment="审定")
    assert record.status == SelfEvalStatus.FIN_REVIEWED and record.is_final and record.fin_opinion == "审定"
    actions = list(SelfEvalEvent.objects.filter(self_eval=record).values_list("action", flat=True))
    assert "override" in actions and "final_approve" in actions


def test_other_unit_cannot_touch_the_record(world: World) -> None:
    _world_with_targets(world)
    start(world)
    record = school_record(world)
    from jixiao.core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        services.selfeval_save(actor=world.users["other_unit_user"], record=record, data={"goal_actual": "x"})
    assert SelfEvalIndicator.objects.filter(self_eval=record, actual_text="x").count() == 0


def test_generation_uses_the_approved_version_of_a_target_under_adjustment(world: World) -> None:
    from jixiao.targets.models import TargetIndicator, TargetVersion
    from jixiao.targets.snapshots import snapshot

    target = approved_target(world)
    TargetVersion.objects.create(target=target, goal_version=1, snapshot=snapshot(target))
    # The unit is editing an adjustment: the live rows changed, the approved version did not.
    TargetIndicator.objects.filter(target=target, name="购置教学设备数量").update(target_text="≥80")
    PerformanceTarget.objects.filter(pk=target.pk).update(status=PerformanceTarget.Status.ADJUSTING)
    start(world)
    row = school_record(world).indicators.get(name="购置教学设备数量")
    assert row.target_text == "≥120台" and row.weight == Decimal(50) and row.lv1 == "产出指标"


def test_last_monitoring_values_are_hints(world: World) -> None:
    from jixiao.monitoring.tests.helpers import fill_complete, issued_round, put_in_library
    from jixiao.monitoring.tests.helpers import school_record as monitoring_record

    put_in_library(world)
    approved_target(world)
    task = issued_round(world)
    fill_complete(world, monitoring_record(task, world))
    start(world)
    rows = {r.name: r for r in school_record(world).indicators.all()}
    assert rows["购置教学设备数量"].monitoring_hint == "1—8月监控：全年预计120台"
    assert rows["购置教学设备数量"].actual_text == ""  # a hint, not a filled value
