from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from jixiao.core import todos
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.monitoring import hooks, selectors, services
from jixiao.monitoring.models import (
    MonitoringEvent,
    MonitoringRecord,
    MonitoringSettings,
    MonitoringTask,
    RecordStatus,
    Reminder,
    TaskStatus,
)
from jixiao.monitoring.tests.helpers import (
    approved_target,
    fill_complete,
    issued_round,
    pay,
    put_in_library,
    round_data,
    school_record,
)
from jixiao.projects.tests.factories import ProjectFactory


@pytest.fixture
def ready(world: World) -> World:
    put_in_library(world)
    approved_target(world)
    pay(world.school_project, "200000", date(2026, 5, 10))
    pay(world.school_project, "150000", date(2026, 8, 31))
    pay(world.school_project, "-20000", date(2026, 7, 1), reverses="V000001")
    pay(world.school_project, "50000", date(2026, 9, 1))  # after the period: not counted
    pay(world.hospital_project, "100000", date(2026, 3, 1))
    return world


# ---- metrics -------------------------------------------------------------------------------------------------------


def test_time_progress_and_ratio_boundaries() -> None:
    assert selectors.time_progress(2026, 8) == Decimal("0.6667")
    assert selectors.time_progress(2026, 12) == Decimal("1.0000")
    assert selectors.time_progress(2026, 6, "day") == Decimal("0.4959")  # 181/365
    assert selectors.exec_ratio(Decimal(30), Decimal(100), Decimal("0.5")) == Decimal("60.00")
    assert selectors.exec_ratio(Decimal(5), Decimal(0), Decimal("0.5")) == Decimal("0.00")  # budget 0 → rate 0
    assert selectors.exec_ratio(Decimal(5), Decimal(10), Decimal(0)) is None
    assert selectors.progress_sentence(Decimal("0.70"), Decimal("0.6667")) == "执行率70.00%，略高于序时进度（66.67%）"
    assert selectors.progress_sentence(Decimal("0.40"), Decimal("0.6667")).endswith("低于序时进度（66.67%）")
    assert "略" not in selectors.progress_sentence(Decimal("0.40"), Decimal("0.6667"))
    assert selectors.countdown(date(2026, 9, 20), date(2026, 9, 17)) == (3, "还剩3天")
    assert selectors.countdown(date(2026, 9, 20), date(2026, 9, 20)) == (0, "今天截止")
    assert selectors.countdown(date(2026, 9, 20), date(2026, 9, 22)) == (-2, "已逾期2天")


# ---- rounds --------------------------------------------------------------------------------------------------------


def test_issue_creates_prefilled_records_for_in_library_projects_of_the_region(ready: World) -> None:
    task = issued_round(ready)
    assert task.status == TaskStatus.ISSUED
    assert task.time_progress == Decimal("0.6667")
    records = MonitoringRecord.objects.filter(task=task)
    # far_project is in another region.
    assert {r.project_id for r in records} == {
        ready.school_project.pk,
        ready.branch_project.pk,
        ready.hospital_project.pk,
    }
    school = school_record(task, ready)
    assert school.executed_from_payments_yuan == Decimal("330000.00")  # signed sum up to 31 Aug
    assert school.executed_to_date_yuan == Decimal("330000.00")
    assert school.annual_budget_yuan == Decimal("480000.00")  # from the approved target
    assert school.current_budget_yuan == Decimal("500000.00")  # the project's current funds
    assert school.year_goal.startswith("年内购置教学设备120台")
    assert school.status == RecordStatus.PENDING
    rows = list(school.indicator_rows.order_by("seq"))
    assert [(r.name, r.is_qualitative, r.target_value) for r in rows] == [
        ("购置教学设备数量", False, "≥120台"),
        ("教学条件改善情况", True, "明显改善"),
    ]
    assert rows[0].level1_name == "产出指标" and rows[0].level2_name == "数量指标"
    hospital = MonitoringRecord.objects.get(task=task, project=ready.hospital_project)
    assert hospital.indicator_rows.count() == 0 and hospital.target_id is None
    assert AuditEvent.objects.filter(event_type="monitoring.task_issue", object_id=str(task.pk)).exists()
    assert MonitoringEvent.objects.filter(task=task, record=school, action="issue").exists()


def test_issue_runs_a_fixed_number_of_queries_whatever_the_number_of_projects(ready: World) -> None:
    def queries_for_issue() -> int:
        task = services.task_create(actor=ready.users["performance"], data=round_data(title="测试"))
        with CaptureQueriesContext(connection) as ctx:
            services.task_issue(actor=ready.users["performance"], task=task)
        return len(ctx.captured_queries)

    few = queries_for_issue()
    for _ in range(6):
        ProjectFactory(unit=ready.school, status="in_library")
    assert queries_for_issue() == few


def test_dept_overall_round_sums_projects_per_department(ready: World) -> None:
    task = issued_round(ready, scope=MonitoringTask.Scope.DEPT_OVERALL)
    assert task.kind == MonitoringTask.Kind.DEPT_OVERALL
    records = {r.department_id: r for r in MonitoringRecord.objects.filter(task=task)}
    assert set(records) == {ready.edu.pk, ready.health.pk}
    edu = records[ready.edu.pk]
    assert edu.project_id is None and edu.unit_id == ready.school.pk and edu.name == "县教育局"
    assert edu.current_budget_yuan == Decimal("1000000.00")  # school + branch
    assert edu.executed_from_payments_yuan == Decimal("330000.00")


def test_selected_and_department_scopes(ready: World) -> None:
    task = issued_round(ready, scope=MonitoringTask.Scope.SELECTED, selected_projects=[ready.hospital_project])
    assert list(task.records.values_list("project_id", flat=True)) == [ready.hospital_project.pk]
    task = issued_round(ready, department=ready.edu, title="教育局")
    assert set(task.records.values_list("project_id", flat=True)) == {
        ready.school_project.pk,
        ready.branch_project.pk,
    }


def test_day_mode_setting_row_wins_for_its_region(ready: World) -> None:
    MonitoringSettings.objects.create(region=ready.region, fiscal_year=2026, time_progress_mode="day")
    task = issued_round(ready, period_end_month=6)
    assert task.time_progress == Decimal("0.4959")


def test_round_validation_is_in_chinese_and_capability_checked(ready: World) -> None:
    perf = ready.users["performance"]
    with pytest.raises(DomainError, match="填报截止日期不能早于开始日期"):
        services.task_create(actor=perf, data=round_data(deadline=date(2026, 8, 1)))
    with pytest.raises(DomainError, match="至少选择一个项目"):
        services.task_create(actor=perf, data=round_data(scope="selected"))
    with pytest.raises(DomainError, match="1至12月"):
        services.task_create(actor=perf, data=round_data(period_end_month=13))
    with pytest.raises(PermissionDeniedError):
        services.task_create(actor=ready.users["unit_user"], data=round_data())
    with pytest.raises(DomainError, match="不属于该年度"):
        services.task_create(actor=perf, data=round_data(scope="selected"), selected_projects=[ready.far_project])
    assert not MonitoringTask.objects.exists()


def test_issue_twice_conflicts_and_empty_scope_is_refused(ready: World) -> None:
    task = issued_round(ready)
    with pytest.raises(ConflictError):
        services.task_issue(actor=ready.users["performance"], task=task)
    empty = services.task_create(actor=ready.users["performance"], data=round_data(fiscal_year=2027))
    with pytest.raises(DomainError, match="没有已入库的项目"):
        services.task_issue(actor=ready.users["performance"], task=empty)
    empty.refresh_from_db()
    assert empty.status == TaskStatus.DRAFT


# ---- filling -------------------------------------------------------------------------------------------------------


def test_execution_differing_from_payments_needs_an_explanation(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    unit = ready.users["unit_user"]
    with pytest.raises(DomainError, match="不一致，请填写差异说明"):
        services.record_save(actor=unit, record=record, data={"executed_to_date_yuan": Decimal("340000.00")})
    record.refresh_from_db()
    assert record.executed_to_date_yuan == Decimal("330000.00") and record.status == RecordStatus.PENDING
    saved = services.record_save(
        actor=unit,
        record=record,
        data={"executed_to_date_yuan": Decimal("340000.00"), "difference_explanation": "8月31日支付凭证在途"},
    )
    assert saved.status == RecordStatus.FILLING and saved.version == 2
    assert AuditEvent.objects.filter(event_type="monitoring.record_save", object_id=str(record.pk)).exists()


def test_bad_row_input_saves_nothing(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    quant = record.indicator_rows.get(is_qualitative=False)
    with pytest.raises(DomainError, match="只有定性指标可以选择完成档次"):
        services.record_save(
            actor=ready.users["unit_user"],
            record=record,
            data={"goal_execution": "进展顺利"},
            rows={quant.pk: {"completion_to_date": "80台", "qualitative_level": "achieved"}},
        )
    with pytest.raises(DomainError, match="偏差原因类别无效"):
        services.record_save(
            actor=ready.users["unit_user"], record=record, data={"deviation_reasons": ["MONEY"]}, rows={}
        )
    with pytest.raises(DomainError, match="全年预计执行数不能小于"):
        services.record_save(actor=ready.users["unit_user"], record=record, data={"expected_annual_yuan": Decimal(1)})
    record.refresh_from_db()
    quant.refresh_from_db()
    assert record.goal_execution == "" and quant.completion_to_date == "" and record.version == 1


def test_submit_lists_missing_entries(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    with pytest.raises(DomainError) as exc:
        services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    message = exc.value.message
    for part in ("请填写全年预计执行数", "请选择完成目标可能性", "购置教学设备数量", "请选择定性完成档次"):
        assert part in message


def test_red_record_needs_reasons_and_measures_before_submit(ready: World) -> None:
    task = issued_round(ready)
    hospital = MonitoringRecord.objects.get(task=task, project=ready.hospital_project)
    other = ready.users["other_unit_user"]
    hospital = services.record_save(
        actor=other,
        record=hospital,
        data={"expected_annual_yuan": Decimal("400000"), "goal_execution": "建设中", "likelihood": "possible"},
    )
    with pytest.raises(DomainError, match=r"执行率÷序时进度为30\.00%，低于60%"):
        services.record_transition(actor=other, record=hospital, action="submit")
    hospital = services.record_save(
        actor=other,
        record=hospital,
        data={"deviation_reasons": ["FUNDS", "OTHER"], "deviation_text": "设备招标延期", "measures": "9月完成招标"},
    )
    submitted = services.record_transition(actor=other, record=hospital, action="submit")
    assert submitted.status == RecordStatus.SUBMITTED and submitted.submitted_at is not None


def test_impossible_likelihood_is_red_even_when_execution_is_on_time(ready: World) -> None:
    record = fill_complete(ready, school_record(issued_round(ready), ready), likelihood="impossible")
    with pytest.raises(DomainError, match="完全不可能"):
        services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")


# ---- review workflow -----------------------------------------------------------------------------------------------


def test_full_review_path_with_a_return(ready: World) -> None:
    task = issued_round(ready)
    record = fill_complete(ready, school_record(task, ready))
    users = ready.users
    record = services.record_transition(actor=users["unit_user"], record=record, action="submit")
    record = services.record_transition(actor=users["dept_admin"], record=record, action="dept_approve")
    with pytest.raises(DomainError, match="请填写意见"):
        services.record_transition(actor=users["business"], record=record, action="section_return")
    record = services.record_transition(
        actor=users["business"], record=record, action="section_return", comment="指标完成情况请补充数据来源"
    )
    assert record.status == RecordStatus.RETURNED and record.returned_from == RecordStatus.DEPT_APPROVED
    record = fill_complete(ready, record, goal_execution="已购置设备80台（见验收单）")
    assert record.status == RecordStatus.FILLING
    for persona, action in (
        ("unit_user", "submit"),
        ("dept_admin", "dept_approve"),
        ("business", "section_approve"),
        ("performance", "perf_approve"),
    ):
        record = services.record_transition(actor=users[persona], record=record, action=action, comment="同意")
    assert record.status == RecordStatus.APPROVED and record.is_final and record.approved_at is not None
    actions = list(record.events.order_by("occurred_at", "id").values_list("action", flat=True))
    assert actions[:1] == ["issue"] and actions[-1] == "perf_approve" and "section_return" in actions
    assert AuditEvent.objects.filter(event_type="monitoring.perf_approve", object_id=str(record.pk)).exists()
    with pytest.raises(ConflictError):
        services.record_save(actor=users["unit_user"], record=record, data={"goal_execution": "改"})


def test_roles_and_scope_are_enforced(ready: World) -> None:
    task = issued_round(ready)
    record = fill_complete(ready, school_record(task, ready))
    users = ready.users
    with pytest.raises(NotFoundError):
        services.record_save(actor=users["other_unit_user"], record=record, data={"goal_execution": "x"})
    record = services.record_transition(actor=users["unit_user"], record=record, action="submit")
    with pytest.raises(PermissionDeniedError):
        services.record_transition(actor=users["unit_user"], record=record, action="dept_approve")
    with pytest.raises(ConflictError):
        services.record_transition(actor=users["performance"], record=record, action="perf_approve")
    assert not selectors.records_visible(users["other_unit_user"]).filter(pk=record.pk).exists()
    assert selectors.records_visible(users["business"]).filter(pk=record.pk).exists()
    assert not selectors.records_visible(users["expert"]).exists()


def test_closed_round_freezes_records(ready: World) -> None:
    task = issued_round(ready)
    services.task_close(actor=ready.users["performance"], task=task)
    with pytest.raises(ConflictError, match="已关闭"):
        services.record_save(actor=ready.users["unit_user"], record=school_record(task, ready), data={})


def test_timeline_step_records_actor_role_label_and_cuts_the_comment(ready: World) -> None:
    task = issued_round(ready)
    performance = ready.users["performance"]
    services.task_close(actor=performance, task=task, comment="关" * 2500)
    step = MonitoringEvent.objects.get(task=task, action="close")
    assert (step.actor, step.actor_role, step.action_label) == (performance, "performance", "关闭监控任务")
    assert (step.from_status, step.to_status) == (TaskStatus.ISSUED, TaskStatus.CLOSED)
    assert step.comment == "关" * 2000  # the column's length
    # A system step (no signed-in actor) names neither a person nor a role.
    system = MonitoringEvent.log(None, action="remind", label="系统提醒", task=task, to_status=task.status)
    assert (system.actor, system.actor_role, system.action_label) == (None, "", "系统提醒")


def test_saved_hook_receives_the_record(ready: World) -> None:
    seen: list[tuple[int, str]] = []

    def listener(record: Any) -> None:
        seen.append((record.pk, record.status))

    hooks.on_record_saved(listener)
    try:
        record = fill_complete(ready, school_record(issued_round(ready), ready))
        services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    finally:
        hooks._saved.remove(listener)
    assert seen == [(record.pk, RecordStatus.FILLING), (record.pk, RecordStatus.SUBMITTED)]


# ---- 待办 and reminders --------------------------------------------------------------------------------------------


def test_todos_follow_the_record_through_the_review_chain(ready: World) -> None:
    task = issued_round(ready)

    def titles(persona: str) -> dict[str, Any]:
        return {item.title: item for item in todos.for_user(ready.users[persona])}

    unit_items = titles("unit_user")
    assert unit_items["监控表待填报"].count == 2  # school and its branch
    assert "截止2026-09-20" in unit_items["监控表待填报"].hint
    record = fill_complete(ready, school_record(task, ready))
    services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    assert titles("dept_admin")["监控表待主管部门审核"].count == 1
    assert "监控表待主管部门审核" not in titles("business")


def test_reminders_within_warn_days_once_a_day(ready: World, capsys: Any) -> None:
    task = issued_round(ready)
    assert services.send_reminders(date(2026, 9, 10)) == []  # 10 days before
    created = services.send_reminders(date(2026, 9, 17))
    assert len(created) == 3 and "还剩3天" in created[0].message
    assert services.send_reminders(date(2026, 9, 17)) == []
    call_command("monitoring_reminders", "--date", "2026-09-22")
    assert "已逾期2天" in capsys.readouterr().out
    assert Reminder.objects.filter(record__task=task).count() == 6
    assert AuditEvent.objects.filter(event_type="monitoring.reminders").count() == 2


def test_a_citys_round_gives_each_county_its_own_records(ready: World) -> None:
    """A city's 绩效处 issuing a round over its counties: each record carries its project's county, so the county's
    unit opens it (it was the city's region, outside the unit's scope: 404 on its own 监控表)."""
    from conftest import _member
    from jixiao.organizations.tests.factories import FinanceSectionFactory, city_with_counties

    city, _counties = city_with_counties(ready.region, ready.other_region)
    city_perf = _member("city_perf", "performance", city, section=FinanceSectionFactory(region=city, code="JX"))
    task = services.task_create(actor=city_perf, data=round_data())
    services.task_issue(actor=city_perf, task=task)
    record = MonitoringRecord.objects.get(task=task, project=ready.school_project)
    far = MonitoringRecord.objects.get(task=task, project=ready.far_project)
    assert (record.region_id, far.region_id) == (ready.region.pk, ready.other_region.pk)
    assert ready.login("unit_user").get(f"/monitoring/records/{record.pk}/").status_code == 200
    assert ready.login("unit_user").get(f"/monitoring/records/{far.pk}/").status_code == 404


def test_the_fill_list_shows_only_reminders_still_to_act_on(ready: World) -> None:
    """A reminder of a 监控表 submitted since (or of a closed round) is no longer shown as if it were overdue."""
    task = issued_round(ready)
    services.send_reminders(date(2026, 9, 17))
    record = school_record(task, ready)
    unit = ready.login("unit_user")
    link = f'href="/monitoring/records/{record.pk}/" class='
    assert link in unit.get("/monitoring/records/").content.decode()  # the reminder's link
    submitted = services.record_transition(
        actor=ready.users["unit_user"], record=fill_complete(ready, record), action="submit"
    )
    assert submitted.status == "submitted"
    assert link not in unit.get("/monitoring/records/").content.decode()


def test_a_target_under_adjustment_prefills_from_its_approved_version(ready: World) -> None:
    from jixiao.targets import services as target_services
    from jixiao.targets.models import PerformanceTarget

    target = PerformanceTarget.objects.get(project=ready.school_project)
    target = target_services.target_transition(
        actor=ready.users["unit_user"], target=target, action="request_adjustment", comment="采购计划调整"
    )
    PerformanceTarget.objects.filter(pk=target.pk).update(
        annual_goal="单位草稿：年内购置设备200台", annual_total_yuan=Decimal("900000.00")
    )
    target.indicators.filter(name="购置教学设备数量").update(target_text="≥200")
    school = school_record(issued_round(ready), ready)
    assert school.year_goal.startswith("年内购置教学设备120台")
    assert school.annual_budget_yuan == Decimal("480000.00")
    assert [r.target_value for r in school.indicator_rows.order_by("seq")] == ["≥120台", "明显改善"]
    target.refresh_from_db()
    assert target.annual_goal.startswith("单位草稿") and target.status == "adjusting"  # the draft is untouched


def test_a_department_without_its_own_unit_is_named_not_skipped_silently(ready: World) -> None:
    from jixiao.organizations.models import BudgetUnit

    BudgetUnit.objects.filter(department=ready.health).update(is_active=False)
    task = services.task_create(
        actor=ready.users["performance"], data=round_data(scope=MonitoringTask.Scope.DEPT_OVERALL)
    )
    issued = services.task_issue(actor=ready.users["performance"], task=task)
    assert issued.records == 1 and issued.without_own_unit == [ready.health.name]
    event = AuditEvent.objects.get(event_type="monitoring.task_issue", object_id=str(task.pk))
    assert event.changes["without_own_unit"] == [ready.health.name]
    BudgetUnit.objects.filter(department=ready.edu).update(is_active=False)
    again = services.task_create(
        actor=ready.users["performance"], data=round_data(scope=MonitoringTask.Scope.DEPT_OVERALL, period_end_month=9)
    )
    with pytest.raises(DomainError, match="没有一级预算单位"):
        services.task_issue(actor=ready.users["performance"], task=again)
