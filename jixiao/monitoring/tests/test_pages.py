from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.monitoring import services
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask, RecordStatus, TaskStatus
from jixiao.monitoring.tests.helpers import approved_target, issued_round, pay, put_in_library, school_record


@pytest.fixture
def ready(world: World) -> World:
    put_in_library(world)
    approved_target(world)
    pay(world.school_project, "330000", date(2026, 6, 1))
    pay(world.hospital_project, "100000", date(2026, 3, 1))
    return world


# The 新建监控任务 form as the performance section fills it for the 1—8月 round.
ROUND = {
    "title": "2026年1—8月绩效运行监控",
    "fiscal_year": "2026",
    "period_end_month": "8",
    "start_date": "2026-09-01",
    "deadline": "2026-09-20",
    "warn_days": "3",
    "scope": "all",
}


def test_a_double_click_on_save_makes_one_round(ready: World) -> None:
    """保存草稿 clicked twice made two rounds (JK202608-01 and -02). The form's one-time token: the second POST
    writes nothing and opens the round the first made."""
    client = ready.login("performance")
    page = client.get(reverse("monitoring:task_create")).content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    first = client.post(reverse("monitoring:task_create"), {**ROUND, "submit_token": token})
    second = client.post(reverse("monitoring:task_create"), {**ROUND, "submit_token": token})
    task = MonitoringTask.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == reverse("monitoring:task_detail", args=[task.pk])


def test_performance_section_creates_and_issues_a_round(ready: World) -> None:
    client = ready.login("performance")
    assert client.get(reverse("monitoring:task_create")).status_code == 200
    response = client.post(reverse("monitoring:task_create"), ROUND)
    task = MonitoringTask.objects.get()
    assert response.status_code == 302 and task.status == TaskStatus.DRAFT and task.task_no == "JK202608-01"
    draft = client.get(reverse("monitoring:task_detail", args=[task.pk])).content.decode()
    assert 'data-testid="mon-task-issued">未下达</td>' in draft  # not “— —”
    response = client.post(reverse("monitoring:task_issue", args=[task.pk]), follow=True)
    assert "生成监控表3张" in response.content.decode()
    # Issued twice (a second tab) or deleted once issued: the round's page again with the reason, 409 (was a 302).
    again = client.post(reverse("monitoring:task_issue", args=[task.pk]))
    assert again.status_code == 409 and 'data-testid="mon-task-issued"' in again.content.decode()
    deleted = client.post(reverse("monitoring:task_delete", args=[task.pk]))
    assert deleted.status_code == 409 and "已下达的监控任务不能删除" in deleted.content.decode()
    page = client.get(reverse("monitoring:task_detail", args=[task.pk])).content.decode()
    assert "序时进度" in page and "低于序时进度（66.67%）" in page
    issued = page.split('data-testid="mon-task-issued">', 1)[1].split("</td>", 1)[0]
    assert str(ready.users["performance"]) in issued and "未下达" not in issued
    assert client.get(reverse("monitoring:task_list")).status_code == 200


def test_a_round_of_selected_projects_from_the_form(ready: World) -> None:
    client = ready.login("performance")
    response = client.post(
        reverse("monitoring:task_create"),
        {
            "title": "重点项目监控",
            "fiscal_year": "2026",
            "period_end_month": "6",
            "start_date": "2026-07-01",
            "deadline": "2026-07-15",
            "warn_days": "2",
            "scope": "selected",
            "selected_projects": [str(ready.hospital_project.pk)],
        },
    )
    assert response.status_code == 302
    task = MonitoringTask.objects.get()
    assert list(task.selected_projects.all()) == [ready.hospital_project]
    client.post(reverse("monitoring:task_issue", args=[task.pk]))
    assert list(task.records.values_list("project_id", flat=True)) == [ready.hospital_project.pk]
    # A project of another region is not a choice.
    response = client.post(
        reverse("monitoring:task_create"),
        {
            "title": "外县",
            "fiscal_year": "2026",
            "period_end_month": "6",
            "start_date": "2026-07-01",
            "deadline": "2026-07-15",
            "warn_days": "2",
            "scope": "selected",
            "selected_projects": [str(ready.far_project.pk)],
        },
    )
    assert response.status_code == 400 and MonitoringTask.objects.count() == 1
    # Nor is a number no id can be (SQLite's driver refused to bind it: a 500), nor text.
    for value, error in (
        ("99999999999999999999", "所选项目中有不是2026年度已入库项目的"),
        ("-99999999999999999999", "所选项目中有不是2026年度已入库项目的"),
        ("abc", "不是一个有效的值"),
    ):
        data = {"title": "篡改", "fiscal_year": "2026", "period_end_month": "6", "start_date": "2026-07-01"}
        data |= {"deadline": "2026-07-15", "warn_days": "2", "scope": "selected", "selected_projects": [value]}
        response = client.post(reverse("monitoring:task_create"), data)
        assert response.status_code == 400 and error in response.content.decode(), value
    assert MonitoringTask.objects.count() == 1


def test_bad_round_input_is_a_400_with_chinese_errors(ready: World) -> None:
    client = ready.login("performance")
    response = client.post(
        reverse("monitoring:task_create"),
        {
            "title": "错误任务",
            "fiscal_year": "2026",
            "period_end_month": "8",
            "start_date": "2026-09-20",
            "deadline": "2026-09-01",
            "warn_days": "3",
            "scope": "selected",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "填报截止日期不能早于开始日期" in body and "至少选择一个项目" in body
    assert not MonitoringTask.objects.exists()


def test_unit_cannot_create_rounds_and_draft_rounds_are_hidden(ready: World) -> None:
    draft = services.task_create(
        actor=ready.users["performance"],
        data={
            "title": "草稿",
            "fiscal_year": 2026,
            "period_end_month": 8,
            "start_date": date(2026, 9, 1),
            "deadline": date(2026, 9, 20),
            "scope": "all",
        },
    )
    client = ready.login("unit_user")
    assert client.get(reverse("monitoring:task_create")).status_code == 403
    assert client.get(reverse("monitoring:task_detail", args=[draft.pk])).status_code == 404
    assert client.post(reverse("monitoring:task_issue", args=[draft.pk])).status_code == 403


def test_the_to_fill_list_shows_what_its_todo_line_counts(ready: World) -> None:
    """监控表待填报 counts the records still to fill; its list (?todo=fill) shows exactly those. A returned record has
    its own line, 监控表被退回, and list (it was in both lists, so 待填报 listed one more than it counted)."""
    from jixiao.core import todos

    task = issued_round(ready)
    record = school_record(task, ready)
    MonitoringRecord.objects.filter(pk=record.pk).update(status=RecordStatus.RETURNED)
    client = ready.login("unit_user")
    lines = {item.title: item.count for item in todos.for_user(ready.users["unit_user"])}
    assert lines["监控表被退回"] == 1
    to_fill = client.get(reverse("monitoring:record_list") + "?todo=fill").content.decode()
    assert "一中教学设备购置" not in to_fill
    assert f'data-testid="mon-record-count">共 {lines.get("监控表待填报", 0)} 张监控表' in to_fill
    returned = client.get(reverse("monitoring:record_list"), {"status": RecordStatus.RETURNED}).content.decode()
    assert "一中教学设备购置" in returned


def test_unit_fills_and_submits_through_the_form(ready: World) -> None:
    task = issued_round(ready)
    record = school_record(task, ready)
    client = ready.login("unit_user")
    listing = client.get(reverse("monitoring:record_list") + "?todo=fill").content.decode()
    assert "一中教学设备购置" in listing and "医院信息化建设" not in listing
    form_page = client.get(reverse("monitoring:record_fill", args=[record.pk]))
    assert form_page.status_code == 200 and "33.00" in form_page.content.decode()  # payments pre-filled (万元)
    quant, qual = record.indicator_rows.order_by("seq")
    data = {
        "version": str(record.version),
        "executed_to_date_yuan": "33",
        "expected_annual_yuan": "50",
        "goal_execution": "已购置设备80台",
        "likelihood": "certain",
        f"row{quant.pk}-completion_to_date": "80台",
        f"row{quant.pk}-expected_annual": "120台",
        f"row{qual.pk}-qualitative_level": "achieved",
        "then": "submit",
    }
    response = client.post(reverse("monitoring:record_fill", args=[record.pk]), data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED and record.expected_annual_yuan == Decimal("500000.00")
    assert record.indicator_rows.get(pk=qual.pk).qualitative_level == "achieved"
    detail = client.get(reverse("monitoring:record_detail", args=[record.pk])).content.decode()
    assert "报送" in detail and "确定能" in detail
    # The 操作日志 names the person beside the login, as the 流转记录 does.
    unit = ready.users["unit_user"]
    unit.display_name = "刘芳"
    unit.save(update_fields=["display_name"])
    detail = client.get(reverse("monitoring:record_detail", args=[record.pk])).content.decode()
    assert f"刘芳（{unit.username}）" in detail


def test_fill_form_shows_chinese_errors_and_saves_nothing(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    client = ready.login("unit_user")
    response = client.post(
        reverse("monitoring:record_fill", args=[record.pk]),
        {"version": str(record.version), "executed_to_date_yuan": "40", "goal_execution": "x", "then": "save"},
    )
    assert response.status_code == 400
    assert "不一致，请填写差异说明" in response.content.decode()
    response = client.post(
        reverse("monitoring:record_fill", args=[record.pk]),
        {"version": str(record.version), "executed_to_date_yuan": "-1", "then": "save"},
    )
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.goal_execution == "" and record.status == RecordStatus.PENDING
    # Every refusal at once, not the first only: the difference and the annual figure.
    response = client.post(
        reverse("monitoring:record_fill", args=[record.pk]),
        {
            "version": str(record.version),
            "executed_to_date_yuan": "40",
            "expected_annual_yuan": "30",
            "then": "save",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "不一致，请填写差异说明" in body and "全年预计执行数不能小于1—" in body
    quant, _qual = record.indicator_rows.order_by("seq")
    # And the service names an indicator row's refusal beside the record's (the API and imports call it directly).
    with pytest.raises(DomainError) as caught:
        services.record_save(
            actor=ready.users["unit_user"],
            record=record,
            data={"executed_to_date_yuan": Decimal("-1")},
            rows={quant.pk: {"qualitative_level": "achieved"}},
        )
    assert caught.value.message == "1—8月执行数不能为负数；指标“" + quant.name + "”：只有定性指标可以选择完成档次"
    record.refresh_from_db()
    assert record.executed_to_date_yuan != Decimal("400000.00") and record.status == RecordStatus.PENDING


def test_stale_version_is_a_conflict_message(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    before = (record.version, record.executed_to_date_yuan)
    client = ready.login("unit_user")
    response = client.post(
        reverse("monitoring:record_fill", args=[record.pk]),
        {"version": "99", "executed_to_date_yuan": "33", "then": "save"},
    )
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    record.refresh_from_db()
    assert (record.version, record.executed_to_date_yuan) == before


def test_red_submit_from_the_form_keeps_the_entries_and_explains(ready: World) -> None:
    task = issued_round(ready)
    record = MonitoringRecord.objects.get(task=task, project=ready.hospital_project)
    client = ready.login("other_unit_user")
    response = client.post(
        reverse("monitoring:record_fill", args=[record.pk]),
        {
            "version": str(record.version),
            "executed_to_date_yuan": "10",
            "expected_annual_yuan": "40",
            "goal_execution": "建设中",
            "likelihood": "possible",
            "then": "submit",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "填报内容已保存，但未能报送" in body and "请选择偏差原因类别" in body
    record.refresh_from_db()
    assert record.status == RecordStatus.FILLING and record.goal_execution == "建设中"


def test_other_units_records_are_404(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    client = ready.login("other_unit_user")
    for name in ("record_detail", "record_fill", "record_export"):
        assert client.get(reverse(f"monitoring:{name}", args=[record.pk])).status_code == 404
    response = client.post(reverse("monitoring:record_transition", args=[record.pk]), {"action": "submit"})
    assert response.status_code == 404
    assert client.get(reverse("monitoring:record_detail", args=[999999])).status_code == 404


def test_review_buttons_and_return_with_opinion(ready: World) -> None:
    from jixiao.monitoring.tests.helpers import fill_complete

    record = fill_complete(ready, school_record(issued_round(ready), ready))
    services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    client = ready.login("dept_admin")
    page = client.get(reverse("monitoring:record_detail", args=[record.pk])).content.decode()
    assert "主管部门审核通过" in page
    url = reverse("monitoring:record_transition", args=[record.pk])
    response = client.post(url, {"action": "dept_return", "comment": ""}, follow=True)
    assert "退回时请填写意见" in response.content.decode()
    client.post(url, {"action": "dept_return", "comment": "请补充执行情况"})
    record.refresh_from_db()
    assert record.status == RecordStatus.RETURNED
    timeline = ready.login("unit_user").get(reverse("monitoring:record_detail", args=[record.pk])).content.decode()
    assert "请补充执行情况" in timeline


def test_menu_and_home_todo(ready: World) -> None:
    issued_round(ready)
    home = ready.login("unit_user").get(reverse("core:home")).content.decode()
    assert "监控表待填报" in home and "监控填报" in home
    perf_home = ready.login("performance").get(reverse("core:home")).content.decode()
    assert "新建监控任务" in perf_home


def test_fill_errors_name_the_rounds_month_not_1_n(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    client = ready.login("unit_user")
    response = client.post(
        reverse("monitoring:record_fill", args=[record.pk]),
        {"version": str(record.version), "executed_to_date_yuan": "33", "expected_annual_yuan": "10", "then": "save"},
    )
    body = response.content.decode()
    assert response.status_code == 400 and "全年预计执行数不能小于1—8月执行数" in body and "1—N月" not in body


def test_a_stale_review_button_explains_the_state_in_chinese(ready: World) -> None:
    from jixiao.monitoring.tests.helpers import fill_complete

    record = fill_complete(ready, school_record(issued_round(ready), ready))
    services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    client = ready.login("dept_admin")
    client.get(reverse("monitoring:record_detail", args=[record.pk]))
    # The unit withdraws while the department still has the page with its buttons open.
    record.refresh_from_db()
    services.record_transition(actor=ready.users["unit_user"], record=record, action="withdraw")
    url = reverse("monitoring:record_transition", args=[record.pk])
    body = client.post(url, {"action": "dept_approve"}, follow=True).content.decode()
    assert "当前状态为“填报中”，不允许执行“主管部门审核通过”操作" in body
    assert "filling" not in body and "dept_approve”" not in body
    body = client.post(url, {"action": "no_such_action"}, follow=True).content.decode()
    assert "无效的操作" in body and "no_such_action" not in body


def test_list_marks_lagging_execution_at_the_regions_threshold_not_a_fixed_60(ready: World) -> None:
    from jixiao.monitoring.models import MonitoringSettings
    from jixiao.monitoring.selectors import record_ratio

    task = issued_round(ready)
    record = school_record(task, ready)
    ratio = record_ratio(record)
    assert ratio is not None and ratio >= 60  # not lagging by the national default
    client = ready.login("performance")

    def marked() -> bool:
        page = client.get(reverse("monitoring:record_list") + f"?q={record.project.code}").content.decode()
        cell = page.split("一中教学设备购置", 1)[1].split("</tr>", 1)[0]
        return "text-danger fw-bold" in cell

    assert not marked()
    MonitoringSettings.objects.create(region=ready.region, fiscal_year=2026, red_ratio_pct=ratio + 10)
    assert marked()  # the county's 须说明偏差的执行比 is the one the 监控表 and the 报送 check use


def test_a_refused_deviation_reason_is_explained_at_the_field(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    client = ready.login("unit_user")
    response = client.post(
        reverse("monitoring:record_fill", args=[record.pk]),
        {"version": str(record.version), "executed_to_date_yuan": "33", "deviation_reasons": "NOPE", "then": "save"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    reasons = body.split('id="id_deviation_reasons_4"', 1)[1].split('id="id_deviation_text"', 1)[0]
    assert "NOPE 不在可用的选项中" in reasons and "invalid-feedback" in reasons


def test_list_says_how_many_records_the_filter_found(ready: World) -> None:
    # The dashboard's 运行监控 figure links here: the list must show the number it can be checked against.
    task = issued_round(ready)
    client = ready.login("performance")
    total = MonitoringRecord.objects.filter(task=task).count()
    page = client.get(reverse("monitoring:record_list") + "?fiscal_year=2026").content.decode()
    assert f'data-testid="mon-record-count">共 {total} 张监控表<' in page
    page = client.get(reverse("monitoring:record_list") + "?q=一中教学设备购置").content.decode()
    assert 'data-testid="mon-record-count">共 1 张监控表<' in page


def test_the_round_filter_says_all_not_dashes(ready: World) -> None:
    issued_round(ready)
    page = ready.login("performance").get(reverse("monitoring:record_list")).content.decode()
    select = page.split('name="task"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>全部</option>' in select and "---------" not in select


def test_a_filter_typed_wrong_is_named_at_its_field_on_both_lists(ready: World) -> None:
    """A year of 20266 listed nothing and said nothing on 监控任务 and 监控填报; it is now named at its field and left
    out, the other filters still applying."""
    task = issued_round(ready)
    client = ready.login("performance")
    error = '<div class="invalid-feedback d-block" data-testid="filter-error">确保该值小于或等于2100。</div>'
    rounds = client.get(reverse("monitoring:task_list"), {"fiscal_year": "20266"}).content.decode()
    assert error in rounds and task.title in rounds
    total = MonitoringRecord.objects.filter(task=task, status=RecordStatus.PENDING).count()
    records = client.get(reverse("monitoring:record_list"), {"fiscal_year": "20266", "status": "pending"})
    page = records.content.decode()
    assert error in page and f'data-testid="mon-record-count">共 {total} 张监控表<' in page and total > 0
    bad_round = client.get(reverse("monitoring:record_list"), {"task": "99999999999999999999"}).content.decode()
    assert 'data-testid="filter-error">选择一个有效的选项' in bad_round


def test_the_units_submit_box_asks_for_a_note_not_a_review_opinion(ready: World) -> None:
    """On a returned record the unit's 重新报送 box read 审核意见 “退回时必须填写意见”; a reviewer's still does."""
    from jixiao.monitoring.tests.helpers import fill_complete

    record = fill_complete(ready, school_record(issued_round(ready), ready))
    url = reverse("monitoring:record_detail", args=[record.pk])

    def box(persona: str) -> str:
        return ready.login(persona).get(url).content.decode().split('for="id_comment">', 1)[1][:250]

    assert box("unit_user").startswith("说明</label>") and 'placeholder="选填"' in box("unit_user")
    services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    reviewer = box("dept_admin")
    assert reviewer.startswith("审核意见</label>") and 'placeholder="退回时必须填写意见"' in reviewer
    record.refresh_from_db()
    services.record_transition(actor=ready.users["dept_admin"], record=record, action="dept_return", comment="补充")
    returned = box("unit_user")
    assert returned.startswith("说明</label>") and "退回时必须填写意见" not in returned


def test_issuing_deleting_and_closing_a_round_ask_for_confirmation(ready: World) -> None:
    """下达 creates every record, 关闭 freezes them all: one stray click did either without a question."""
    client = ready.login("performance")
    draft = services.task_create(
        actor=ready.users["performance"],
        data={
            "title": "草稿任务",
            "fiscal_year": 2026,
            "period_end_month": 6,
            "start_date": date(2026, 7, 1),
            "deadline": date(2026, 7, 20),
            "scope": "all",
        },
    )
    page = client.get(reverse("monitoring:task_detail", args=[draft.pk])).content.decode()
    assert (
        'data-confirm="确定下达监控任务“草稿任务”吗？' in page
        and 'data-confirm="确定删除草稿任务“草稿任务”吗？' in page
    )
    task = issued_round(ready)
    page = client.get(reverse("monitoring:task_detail", args=[task.pk])).content.decode()
    close_form = page.split(reverse("monitoring:task_close", args=[task.pk]), 1)[1].split(">", 1)[0]
    assert "data-confirm=" in close_form and "全部监控表不能再填报、报送或审核" in close_form


def test_a_department_form_speaks_of_the_department_not_a_project(ready: World) -> None:
    """The 部门整体 fill form was headed 项目资金 and said the “project” had no approved target."""
    task = issued_round(ready, scope=MonitoringTask.Scope.DEPT_OVERALL)
    record = MonitoringRecord.objects.get(task=task, department=ready.edu)
    page = ready.login("dept_admin").get(reverse("monitoring:record_fill", args=[record.pk])).content.decode()
    assert 'data-testid="mon-funds-title">部门资金（万元）</div>' in page
    assert "无绩效指标（部门没有已批复的部门整体绩效目标）" in page and "项目资金" not in page
    project_page = ready.login("unit_user").get(
        reverse("monitoring:record_fill", args=[school_record(issued_round(ready, period_end_month=6), ready).pk])
    )
    assert 'data-testid="mon-funds-title">项目资金（万元）</div>' in project_page.content.decode()


def test_a_refused_review_step_keeps_the_typed_opinion(ready: World) -> None:
    """The unit withdrew while the department typed its return opinion: the refusal (409) shows the page again with
    the opinion, instead of a redirect that lost it."""
    from jixiao.monitoring.tests.helpers import fill_complete

    record = fill_complete(ready, school_record(issued_round(ready), ready))
    services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    record.refresh_from_db()
    services.record_transition(actor=ready.users["unit_user"], record=record, action="withdraw")
    url = reverse("monitoring:record_transition", args=[record.pk])
    response = ready.login("dept_admin").post(url, {"action": "dept_return", "comment": "第3项指标缺少佐证"})
    body = response.content.decode()
    assert response.status_code == 409
    assert "当前状态为“填报中”，不允许执行“退回修改”操作" in body
    # No 退回 button is left (the record is the unit's again): the opinion is shown apart, to copy, with who moved it.
    assert 'data-testid="unsent-comment"' in body and "第3项指标缺少佐证" in body
    assert 'value="第3项指标缺少佐证"' not in body  # not left in the box of another step
    assert f"（{ready.users['unit_user']} 已于" in body and "撤回" in body
    record.refresh_from_db()
    assert record.status == RecordStatus.FILLING


def test_the_payments_mismatch_names_both_figures_to_the_cent(ready: World) -> None:
    """Payments of 33.027123万元 show as 33.03 in the budget table; a unit typing 33.03 was told its figure differed
    from “支付数据（33.03万元）”, the very figure it typed. The refusal now names both to the cent."""
    pay(ready.school_project, "271.23", date(2026, 7, 1))
    record = school_record(issued_round(ready), ready)
    assert record.executed_from_payments_yuan == Decimal("330271.23")
    response = ready.login("unit_user").post(
        reverse("monitoring:record_fill", args=[record.pk]),
        {"version": str(record.version), "executed_to_date_yuan": "33.03", "then": "save"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "1—8月执行数（33.03万元）与支付数据（33.027123万元）不一致，请填写差异说明" in body


def test_projects_chosen_before_the_year_changed_are_refused_in_words(ready: World) -> None:
    """2026 projects chosen, then the 年度 set to 2027: the refusal read “选择一个有效的选项。 <id> 不在可用的选项中。”
    plus a needless “请至少选择一个项目”; it now says the projects are not of the chosen year."""
    data = {"title": "选定", "fiscal_year": "2027", "period_end_month": "6", "start_date": "2026-07-01"}
    data |= {"deadline": "2026-07-15", "warn_days": "2", "scope": "selected"}
    data["selected_projects"] = [str(ready.school_project.pk)]
    response = ready.login("performance").post(reverse("monitoring:task_create"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "所选项目中有不是2027年度已入库项目的，请按所选年度重新选择项目" in body
    assert f"{ready.school_project.pk} 不在可用的选项中" not in body and "至少选择一个项目" not in body
    assert not MonitoringTask.objects.exists()


def test_the_fill_link_of_a_closed_round_gives_the_rounds_reason(ready: World) -> None:
    """A 待填报 record of a closed round said “监控表当前状态为“待填报”，不能修改”: the state it may be filled in."""
    task = issued_round(ready)
    services.task_close(actor=ready.users["performance"], task=task)
    record = school_record(task, ready)
    response = ready.login("unit_user").get(reverse("monitoring:record_fill", args=[record.pk]), follow=True)
    body = response.content.decode()
    assert response.redirect_chain == [(reverse("monitoring:record_detail", args=[record.pk]), 302)]
    assert "监控任务已关闭，监控表不能再修改" in body and "当前状态为“待填报”，不能修改" not in body


def test_a_task_number_already_taken_is_a_409_at_its_field(ready: World) -> None:
    """The refusal was a 400 with the message above the form, away from the 任务编号 box it is about."""
    task = issued_round(ready)
    data = {"title": "重复编号", "task_no": task.task_no, "fiscal_year": "2026", "period_end_month": "8"}
    data |= {"start_date": "2026-09-01", "deadline": "2026-09-20", "warn_days": "3", "scope": "all"}
    response = ready.login("performance").post(reverse("monitoring:task_create"), data)
    assert response.status_code == 409
    assert response.context["form"].errors["task_no"] == [f"任务编号“{task.task_no}”已存在"]
    assert 'value="重复编号"' in response.content.decode()  # the typed form is kept
    assert MonitoringTask.objects.count() == 1


def test_a_unit_sees_only_its_own_projects_among_a_rounds_selected_projects(ready: World) -> None:
    """The round page lists the 选定项目; a unit sees its own there, never another unit's chosen with it."""
    task = issued_round(
        ready, scope=MonitoringTask.Scope.SELECTED, selected_projects=[ready.school_project, ready.hospital_project]
    )
    url = reverse("monitoring:task_detail", args=[task.pk])
    hospital_page = ready.login("other_unit_user").get(url).content.decode()
    assert ready.hospital_project.name in hospital_page
    assert ready.school_project.name not in hospital_page and ready.school_project.code not in hospital_page
    school_page = ready.login("unit_user").get(url).content.decode()
    assert ready.school_project.name in school_page and ready.hospital_project.name not in school_page
    finance_page = ready.login("performance").get(url).content.decode()
    assert ready.school_project.name in finance_page and ready.hospital_project.name in finance_page


def test_a_returned_record_shows_the_reviewers_opinion_on_its_page_and_its_fill_form(ready: World) -> None:
    """Edit after return: the unit reads why the record came back at the top of the record page and of the form it
    corrects, until it is 报送 again (the opinion stays in the 流转记录)."""
    from jixiao.monitoring.tests.helpers import fill_complete

    record = fill_complete(ready, school_record(issued_round(ready), ready))
    unit = ready.login("unit_user")
    unit.post(reverse("monitoring:record_transition", args=[record.pk]), {"action": "submit"})
    ready.login("dept_admin").post(
        reverse("monitoring:record_transition", args=[record.pk]),
        {"action": "dept_return", "comment": "请补充设备采购合同进度"},
    )
    record.refresh_from_db()
    assert record.status == RecordStatus.RETURNED
    for name in ("monitoring:record_detail", "monitoring:record_fill"):
        page = unit.get(reverse(name, args=[record.pk])).content.decode()
        banner = page.split('data-testid="mon-returned"', 1)[1].split("</div></div>", 1)[0]
        assert "监控表已被退回" in banner and "请补充设备采购合同进度" in banner and "p_dept" in banner
    # Saved again (填报中), the opinion still shows until the record is 报送.
    fill_complete(ready, MonitoringRecord.objects.get(pk=record.pk))
    assert (
        'data-testid="mon-returned"' in unit.get(reverse("monitoring:record_fill", args=[record.pk])).content.decode()
    )
    unit.post(reverse("monitoring:record_transition", args=[record.pk]), {"action": "submit"})
    page = unit.get(reverse("monitoring:record_detail", args=[record.pk])).content.decode()
    assert 'data-testid="mon-returned"' not in page and "请补充设备采购合同进度" in page  # in the 流转记录


def test_the_record_page_of_a_closed_round_says_the_round_is_closed(ready: World) -> None:
    """A 填报中 record of a closed round had no 填报 or 报送 button and nothing saying why: its header now says so."""
    task = issued_round(ready)
    record = school_record(task, ready)
    url = reverse("monitoring:record_detail", args=[record.pk])
    assert 'data-testid="mon-task-closed"' not in ready.login("unit_user").get(url).content.decode()
    services.task_close(actor=ready.users["performance"], task=task)
    page = ready.login("unit_user").get(url).content.decode()
    closed = page.split('data-testid="mon-task-closed">', 1)[1].split("</span>", 1)[0]
    assert closed == "监控任务已关闭，监控表不能再填报或审核"
    assert reverse("monitoring:record_fill", args=[record.pk]) not in page


def test_a_round_with_no_record_of_the_readers_says_so_instead_of_a_zero_rate(ready: World) -> None:
    """A unit with no record in a round read “全年预算0.00万元，…执行率0.00%，低于序时进度”: a lag that is not there."""
    task = issued_round(ready, scope=MonitoringTask.Scope.SELECTED, selected_projects=[ready.school_project])
    url = reverse("monitoring:task_detail", args=[task.pk])
    page = ready.login("other_unit_user").get(url).content.decode()
    overall = page.split('data-testid="mon-overall">', 1)[1].split("</p>", 1)[0]
    assert overall == "本任务中没有您可查看的监控表。"
    page = ready.login("unit_user").get(url).content.decode()
    assert "序时进度" in page.split('data-testid="mon-overall">', 1)[1].split("</p>", 1)[0]


def test_the_new_round_form_posted_twice_creates_one_draft(ready: World) -> None:
    """保存 pressed again after 返回 (or a double click): a second draft JK202608-02 of the same round was created."""
    client = ready.login("performance")
    data = ROUND
    assert client.post(reverse("monitoring:task_create"), data).status_code == 302
    again = client.post(reverse("monitoring:task_create"), data)
    assert again.status_code == 409
    text = again.content.decode()
    assert "JK202608-01" in text and "请勿重复创建" in text and 'value="2026年1—8月绩效运行监控"' in text
    assert MonitoringTask.objects.count() == 1
    # Another round (another month) is no duplicate; neither is the same title once the first draft is issued.
    assert client.post(reverse("monitoring:task_create"), {**data, "period_end_month": "9"}).status_code == 302
    services.task_issue(actor=ready.users["performance"], task=MonitoringTask.objects.get(task_no="JK202608-01"))
    assert client.post(reverse("monitoring:task_create"), data).status_code == 302
    assert MonitoringTask.objects.count() == 3
