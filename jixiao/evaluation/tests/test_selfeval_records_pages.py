"""单位自评 pages, import/export of real workbooks, the read-only API and scoping."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import World, _member
from jixiao.core import todos
from jixiao.core.errors import NotFoundError
from jixiao.core.models import AuditEvent
from jixiao.core.tests.helpers import shown_form_data
from jixiao.evaluation import services
from jixiao.evaluation.models import SelfEvalStatus, SelfEvaluation
from jixiao.evaluation.selectors import records_visible, statistics
from jixiao.evaluation.selfeval_xlsx import read_selfevaluations, write_selfevaluations
from jixiao.evaluation.tests.selfeval_helpers import (
    YEAR,
    approved_target,
    fill_clean,
    pay,
    school_record,
    set_amounts,
    start,
)
from jixiao.organizations.tests.factories import city_with_counties

pytestmark = pytest.mark.django_db
BASE = "/evaluation/self/"
API = "/api/v1/selfevaluations/"


@pytest.fixture
def record(world: World) -> SelfEvaluation:
    set_amounts(world.school_project, fiscal="100000")
    pay(world.school_project, "100000", date(YEAR, 11, 30))
    approved_target(world)
    approved_target(world, world.hospital_project)
    start(world)
    return school_record(world)


def _upload(content: bytes, name: str = "自评表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_the_empty_list_says_where_the_records_come_from(world: World) -> None:
    """Before the round starts a unit's list is not “没有符合条件的自评” (no condition was given): it says the 绩效股
    starts the round, and the 绩效股 gets the link to start it; a search that finds nothing says so."""
    page = world.login("unit_user").get(BASE).content.decode()
    assert "绩效股发起年度单位自评后" in page and "没有符合条件的自评" not in page
    assert 'href="/evaluation/self/start/">发起年度自评</a>。' not in page
    perf = world.login("performance")
    assert 'href="/evaluation/self/start/">发起年度自评</a>。' in perf.get(BASE).content.decode()
    searched = perf.get(BASE, {"q": "不存在的项目"}).content.decode()
    assert "没有符合条件的自评" in searched and "绩效股发起年度单位自评后" not in searched


def test_list_detail_and_scoping(world: World, record: SelfEvaluation) -> None:
    unit = world.login("unit_user")
    page = unit.get(BASE).content.decode()
    assert "一中教学设备购置" in page and "医院信息化建设" not in page
    detail = unit.get(f"{BASE}{record.pk}/")
    assert detail.status_code == 200
    # The 导入 button beside the wide file box keeps its two characters on one line.
    assert 'class="btn btn-outline-primary btn-sm text-nowrap" type="submit">导入</button>' in detail.content.decode()
    other = world.login("other_unit_user")
    assert other.get(f"{BASE}{record.pk}/").status_code == 404
    assert other.get(f"{BASE}{record.pk}/fill/").status_code == 404
    assert other.get(f"{BASE}{record.pk}/export/").status_code == 404
    assert other.post(f"{BASE}{record.pk}/transition/", {"action": "submit"}).status_code == 404
    assert world.login("sys_admin").get(BASE).status_code == 403
    perf = world.login("performance").get(BASE + "?flagged=clean&fiscal_year=2026").content.decode()
    assert "医院信息化建设" not in perf  # unfilled records have errors once saved; fresh ones are not scored yet


def test_a_bad_filter_is_named_at_its_field_and_the_others_still_filter(world: World, record: SelfEvaluation) -> None:
    """A year typed wrong is left out with the reason in Chinese under its box (it was dropped silently, the list
    looking filtered by it); the name search beside it still applies."""
    response = world.login("performance").get(BASE, {"fiscal_year": "abc", "grade": "甲", "q": "一中"})
    page = response.content.decode()
    assert response.status_code == 200 and page.count('data-testid="filter-error"') == 2
    assert "输入整数。" in page and "选择一个有效的选项。" in page
    assert "一中教学设备购置" in page and "医院信息化建设" not in page


def test_a_grade_still_being_filled_in_is_marked_provisional(world: World, record: SelfEvaluation) -> None:
    """The list printed the computed grade of a record still being filled in (an empty form scores 差) as final,
    while the 计算等级 filter (submitted records only) could not find it: it reads “优（暂）” until submitted."""
    fill_clean(world, record)
    perf = world.login("performance")
    page = perf.get(BASE, {"q": "一中"}).content.decode()
    assert 'data-testid="se-grade-provisional">优（暂）</span>' in page
    assert "一中教学设备购置" not in perf.get(BASE, {"grade": "优"}).content.decode()
    world.login("unit_user").post(f"{BASE}{record.pk}/transition/", {"action": "submit"})
    page = perf.get(BASE, {"q": "一中"}).content.decode()
    assert "（暂）" not in page and "一中教学设备购置" in perf.get(BASE, {"grade": "优"}).content.decode()


def test_start_page(world: World) -> None:
    approved_target(world)
    client = world.login("performance")
    assert client.get(BASE + "start/").status_code == 200
    response = client.post(BASE + "start/", {"fiscal_year": YEAR, "deadline": "2027-03-31", "title": ""})
    assert response.status_code == 302
    assert SelfEvaluation.objects.count() == 1
    again = client.post(BASE + "start/", {"fiscal_year": YEAR, "deadline": "2027-03-31"})
    assert again.status_code == 409 and "已经发起" in again.content.decode()
    assert world.login("unit_user").get(BASE + "start/").status_code == 403


def test_a_target_approved_after_the_round_started_is_added_by_supplement(world: World) -> None:
    """Starting the year again is refused; the refusal names 补充生成, which gives the late target its record."""
    approved_target(world)
    client = world.login("performance")
    client.post(BASE + "start/", {"fiscal_year": YEAR, "deadline": "2027-03-31"})
    task = SelfEvaluation.objects.get().task
    approved_target(world, world.hospital_project)  # a 追加 project, approved after the round started
    again = client.post(BASE + "start/", {"fiscal_year": YEAR, "deadline": "2027-03-31"})
    assert again.status_code == 409 and "补充生成" in again.content.decode()
    page = client.get(BASE + "start/").content.decode()
    assert f"/evaluation/self/tasks/{task.pk}/supplement/" in page
    response = client.post(f"{BASE}tasks/{task.pk}/supplement/")
    assert response.status_code == 302 and response["Location"] == f"{BASE}?fiscal_year={YEAR}"
    assert sorted(SelfEvaluation.objects.values_list("name", flat=True)) == sorted(
        [world.school_project.name, world.hospital_project.name]
    )
    added = SelfEvaluation.objects.get(project=world.hospital_project)
    assert added.task == task and added.indicators.exists()
    # Nothing new: said in Chinese, nothing added twice.
    nothing = client.post(f"{BASE}tasks/{task.pk}/supplement/")
    assert SelfEvaluation.objects.count() == 2
    # Said on the start page itself, with the refusal's status (was a redirect).
    assert nothing.status_code == 409 and "都已生成自评表" in nothing.content.decode()
    assert f'action="{BASE}start/"' in nothing.content.decode()  # its start form posts to the start page
    assert world.login("unit_user").post(f"{BASE}tasks/{task.pk}/supplement/").status_code == 403
    # The service itself fills only a round of the actor's own region.
    stranger = _member("far_perf", "performance", world.other_region)
    stranger.set_active_membership(stranger.memberships.get())
    with pytest.raises(NotFoundError):
        services.task_supplement(actor=stranger, task=task)
    # Nor a city's 绩效股, who sees the county's round but did not start it.
    city, _ = city_with_counties(world.region)
    city_perf = _member("city_perf", "performance", city)
    city_perf.set_active_membership(city_perf.memberships.get())
    with pytest.raises(NotFoundError):
        services.task_supplement(actor=city_perf, task=task)


def test_fill_form_shows_computed_beside_claimed_and_submit(world: World, record: SelfEvaluation) -> None:
    client = world.login("unit_user")
    form = client.get(f"{BASE}{record.pk}/fill/")
    assert form.status_code == 200
    # The 提示事项说明 box is explained in Chinese, without the rule engine's severity code.
    assert "存在提示事项时，提交前须逐项说明" in form.content.decode() and "WARN" not in form.content.decode()
    rows = {r.name: r.pk for r in record.indicators.all()}
    data: dict[str, Any] = {
        "version": record.version,
        "goal_actual": "已完成",
        "executed_total": "10",
        "executed_fiscal": "10",
        "executed_carryover": "0",
        "executed_other": "0",
        "exec_score_claimed": "10",
        "total_claimed": "100",
        "grade_claimed": "优",
        f"row{rows['购置教学设备数量']}-actual_text": "90台",
        f"row{rows['购置教学设备数量']}-claimed_score": "50",
        f"row{rows['教学条件改善情况']}-actual_text": "明显改善",
        f"row{rows['教学条件改善情况']}-qual_level": "ACHIEVED",
        f"row{rows['教学条件改善情况']}-claimed_score": "30",
        f"row{rows['师生满意度']}-actual_text": "95%",
        f"row{rows['师生满意度']}-claimed_score": "10",
        "then": "submit",
    }
    response = client.post(f"{BASE}{record.pk}/fill/", data)
    assert response.status_code == 302  # saved; submit refused with a message (warnings need an explanation)
    record.refresh_from_db()
    assert record.status == SelfEvalStatus.FILLING and record.warn_count > 0
    detail = client.get(f"{BASE}{record.pk}/").content.decode()
    assert "D_FULL_BUT_UNMET" in detail and "90 ÷ 目标值 120 × 分值 50 = 37.5" in detail
    # Flagged rows first: the overclaimed quantity row comes before the others.
    assert detail.index("购置教学设备数量") < detail.index("师生满意度")
    response = client.post(f"{BASE}{record.pk}/transition/", {"action": "submit", "comment": "实际采购90台，余款退回"})
    record.refresh_from_db()
    assert record.status == SelfEvalStatus.SUBMITTED
    # 待办 for the 主管部门.
    items = [i for i in todos.for_user(world.users["dept_admin"]) if i.stage == "单位自评"]
    assert items and items[0].count == 1


def test_the_units_todo_names_the_deadline_and_says_when_it_has_passed(world: World, record: SelfEvaluation) -> None:
    """待填报的单位自评 names the round's 填报截止 with its countdown; once the date has passed it reads 已逾期N天
    (it used to say 在截止日期前填报并提交 whatever the date). A returned record keeps its reason and adds the date."""
    today = timezone.localdate()
    record.task.deadline = today + timedelta(days=3)
    record.task.save(update_fields=["deadline"])
    [line] = [i for i in todos.for_user(world.users["unit_user"]) if i.title == "待填报的单位自评"]
    assert line.hint == f"最近截止{today + timedelta(days=3):%Y-%m-%d}，还剩3天"
    record.task.deadline = today - timedelta(days=2)
    record.task.save(update_fields=["deadline"])
    [line] = [i for i in todos.for_user(world.users["unit_user"]) if i.title == "待填报的单位自评"]
    assert line.hint.endswith("已逾期2天")
    fill_clean(world, record)
    record.refresh_from_db()
    services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    record.refresh_from_db()
    services.selfeval_transition(actor=world.users["dept_admin"], record=record, action="dept_return", comment="补充")
    [line] = [i for i in todos.for_user(world.users["unit_user"]) if i.title == "被退回的单位自评"]
    assert line.hint.startswith("请按审核意见修改后重新提交；最近截止") and line.hint.endswith("已逾期2天")


def test_a_refused_row_is_named_at_its_box_and_at_the_top(world: World, record: SelfEvaluation) -> None:
    """A 得分 that is not a number: the message stands under that 得分 box (not under 实际完成值), the row is named in
    a summary at the top, everything typed stays, and nothing is saved."""
    client = world.login("unit_user")
    page = client.get(f"{BASE}{record.pk}/fill/").context
    data = shown_form_data(page["form"], goal_actual="已完成")
    for row_form, _row in page["row_forms"]:
        data.update(shown_form_data(row_form))
    row = record.indicators.get(name="购置教学设备数量")
    data[f"row{row.pk}-actual_text"] = "120台"
    data[f"row{row.pk}-claimed_score"] = "五十"
    response = client.post(f"{BASE}{record.pk}/fill/", data)
    body = response.content.decode()
    assert response.status_code == 400 and 'value="五十"' in body and 'value="120台"' in body
    assert "“购置教学设备数量”得分：输入一个数字。" in body
    score_cell = body[body.index(f'name="row{row.pk}-claimed_score"') :].split("</td>", 1)[0]
    actual_cell = body[body.index(f'name="row{row.pk}-actual_text"') :].split("</td>", 1)[0]
    assert "输入一个数字。" in score_cell and "输入一个数字。" not in actual_cell
    record.refresh_from_db()
    assert record.goal_actual != "已完成"


def test_a_fill_saved_from_a_stale_page_is_a_409_and_keeps_the_newer_save(world: World, record: SelfEvaluation) -> None:
    client = world.login("unit_user")
    page = client.get(f"{BASE}{record.pk}/fill/").context
    fill_clean(world, record)  # another user saves after the page was shown
    data = shown_form_data(page["form"], goal_actual="旧页面的完成情况")
    for row_form, _row in page["row_forms"]:
        data.update(shown_form_data(row_form))
    response = client.post(f"{BASE}{record.pk}/fill/", data)
    body = response.content.decode()
    assert response.status_code == 409 and "自评已被他人修改，请刷新后重试" in body and "旧页面的完成情况" in body
    record.refresh_from_db()
    assert record.goal_actual == "已购置教学设备120台，教学条件明显改善"


def test_a_fill_saved_from_a_tab_shown_before_the_record_was_submitted_keeps_what_was_typed(
    world: World, record: SelfEvaluation
) -> None:
    """Two tabs of the unit: one submits, the other (the fill page opened before) saves. It was a redirect to the
    record page that dropped everything typed; now 409 with the form as typed, naming who submitted it and when."""
    client = world.login("unit_user")
    page = client.get(f"{BASE}{record.pk}/fill/").context
    fill_clean(world, record)
    services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    data = shown_form_data(page["form"], goal_actual="旧标签页的完成情况")
    for row_form, _row in page["row_forms"]:
        data.update(shown_form_data(row_form))
    response = client.post(f"{BASE}{record.pk}/fill/", data)
    body = response.content.decode()
    assert response.status_code == 409
    assert "不能修改" in body and f"{world.users['unit_user']} 已于" in body and "本页填写的内容未保存" in body
    assert "旧标签页的完成情况" in body
    record.refresh_from_db()
    assert record.status == SelfEvalStatus.SUBMITTED and record.goal_actual == "已购置教学设备120台，教学条件明显改善"
    # Opening the fill page of a submitted record still goes back to the record page with the reason.
    assert client.get(f"{BASE}{record.pk}/fill/").status_code == 302


def test_review_and_override_through_pages(world: World, record: SelfEvaluation) -> None:
    fill_clean(world, record)
    world.login("unit_user").post(f"{BASE}{record.pk}/transition/", {"action": "submit"})
    dept = world.login("dept_admin")
    row = record.indicators.get(name="师生满意度")
    bad = dept.post(f"{BASE}{record.pk}/override/", {"row": row.pk, "final_score": "8"})
    assert bad.status_code == 400 and "调整得分须填写审定得分和理由" in bad.content.decode()
    row.refresh_from_db()
    assert row.final_score is None
    dept.post(f"{BASE}{record.pk}/override/", {"row": row.pk, "final_score": "8", "reason": "问卷样本不足"})
    page = dept.get(f"{BASE}{record.pk}/").content.decode()
    assert "问卷样本不足" in page
    # In the narrow 审定得分 column the 调整 button keeps its two characters on one line, the reason box its width.
    assert 'class="btn btn-sm btn-outline-primary text-nowrap" type="submit">调整</button>' in page
    assert 'style="min-width:6em" name="reason"' in page
    dept.post(f"{BASE}{record.pk}/transition/", {"action": "dept_approve", "dept_score": "96", "comment": "同意"})
    record.refresh_from_db()
    assert record.status == SelfEvalStatus.DEPT_REVIEWED and record.dept_score == Decimal("96")


def test_a_refused_review_step_keeps_the_opinion_and_score_typed(world: World, record: SelfEvaluation) -> None:
    """A 主管部门 that gives a score over 100, or returns without a reason, gets the page again (400) with the message
    in Chinese and the opinion and score still in their boxes; nothing changes."""
    fill_clean(world, record)
    unit = world.login("unit_user")
    assert 'placeholder="有提示事项时须逐项说明"' in unit.get(f"{BASE}{record.pk}/").content.decode()
    unit.post(f"{BASE}{record.pk}/transition/", {"action": "submit"})
    dept = world.login("dept_admin")
    data = {"action": "dept_approve", "dept_score": "150", "comment": "资料齐全，佐证充分，同意上报"}
    response = dept.post(f"{BASE}{record.pk}/transition/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "操作无效：主管部门评分：确保该值小于或等于100" in page
    assert 'value="150"' in page and 'value="资料齐全，佐证充分，同意上报"' in page
    response = dept.post(f"{BASE}{record.pk}/transition/", {"action": "dept_return", "dept_score": "80"})
    page = response.content.decode()
    assert response.status_code == 400 and "请填写意见" in page and 'value="80"' in page
    record.refresh_from_db()
    assert record.status == SelfEvalStatus.SUBMITTED and record.dept_score is None
    # A unit submitting sees what its comment box is for (the 提示事项说明), not a reviewer's hint.
    assert "有提示事项时须逐项说明" not in page


def test_a_review_step_from_a_tab_shown_before_a_colleague_returned_it_keeps_the_opinion(
    world: World, record: SelfEvaluation
) -> None:
    """Two 主管部门 tabs: one returns the record, the other approves it with a score and an opinion. The second gets
    409 naming who returned it; the score and opinion typed are shown under 您填写的内容未提交, not dropped, and not put
    into a box of another meaning (the unit's 提示事项说明 beside 修改后重新提交)."""
    record = fill_clean(world, record)
    record = services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    services.selfeval_transition(actor=world.users["dept_admin"], record=record, action="dept_return", comment="补充")
    data = {"action": "dept_approve", "dept_score": "88.5", "comment": "资料齐全，执行情况良好，同意上报"}
    response = world.login("dept_admin").post(f"{BASE}{record.pk}/transition/", data)
    page = response.content.decode()
    assert response.status_code == 409 and "当前状态为“被退回”" in page
    assert f"{world.users['dept_admin']} 已于" in page and "退回" in page
    assert 'data-testid="unsent-comment"' in page and "88.5" in page and "资料齐全，执行情况良好，同意上报" in page
    assert 'value="资料齐全，执行情况良好，同意上报"' not in page
    record.refresh_from_db()
    assert record.status == SelfEvalStatus.RETURNED and record.dept_score is None


def test_a_refused_override_keeps_the_row_score_and_reason_typed(world: World, record: SelfEvaluation) -> None:
    fill_clean(world, record)
    world.login("unit_user").post(f"{BASE}{record.pk}/transition/", {"action": "submit"})
    row = record.indicators.get(name="师生满意度")
    other = record.indicators.get(name="购置教学设备数量")
    dept = world.login("dept_admin")
    data = {"row": row.pk, "final_score": "12", "reason": "问卷样本不足，酌减"}
    response = dept.post(f"{BASE}{record.pk}/override/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "审定得分应在0至分值10之间" in page
    assert page.count('value="问卷样本不足，酌减"') == 1 and page.count('value="12"') == 1
    assert f'name="row" value="{other.pk}"' in page
    row.refresh_from_db()
    assert row.final_score is None


def _override_version(page: str, row: Any) -> str:
    return page.split(f'name="row" value="{row.pk}"><input type="hidden" name="version" value="', 1)[1].split('"')[0]


def test_an_override_from_a_page_shown_before_the_record_changed_is_refused_then_saved_on_purpose(
    world: World, record: SelfEvaluation
) -> None:
    """A 审定得分 typed on a page shown before the unit's record was returned and resubmitted is refused (409 naming who
    changed it and its state); nothing is saved, no audit record; the score and reason stay in the row's boxes and the
    form now carries the version shown, so pressing again saves on purpose."""
    record = fill_clean(world, record)
    record = services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    row = record.indicators.get(name="师生满意度")
    dept = world.login("dept_admin")
    seen = _override_version(dept.get(f"{BASE}{record.pk}/").content.decode(), row)
    assert seen == str(record.version)
    record = services.selfeval_transition(
        actor=world.users["dept_admin"], record=record, action="dept_return", comment="补充"
    )
    services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    data = {"row": row.pk, "final_score": "8", "reason": "问卷样本不足，酌减", "version": seen}
    response = dept.post(f"{BASE}{record.pk}/override/", data)
    page = response.content.decode()
    assert response.status_code == 409
    assert f"该自评已由{world.users['unit_user']}修改（当前状态为“待主管部门审核”），审定得分未保存" in page
    assert page.count('value="问卷样本不足，酌减"') == 1 and page.count('value="8"') == 1
    row.refresh_from_db()
    assert row.final_score is None and row.override_reason == ""
    assert not AuditEvent.objects.filter(event_type="evaluation.selfeval_override").exists()
    record.refresh_from_db()
    fresh = _override_version(page, row)
    assert fresh == str(record.version) != seen
    assert dept.post(f"{BASE}{record.pk}/override/", {**data, "version": fresh}).status_code == 302
    row.refresh_from_db()
    assert row.final_score == Decimal("8.00") and row.override_reason == "问卷样本不足，酌减"
    assert AuditEvent.objects.filter(event_type="evaluation.selfeval_override").count() == 1


def test_an_override_from_a_page_shown_before_a_colleague_approved_keeps_what_was_typed(
    world: World, record: SelfEvaluation
) -> None:
    """The record moved on to the next step meanwhile: a 409 naming who (not a bare 403), and with no 调整 box left the
    score and reason typed are shown apart to copy; nothing is saved."""
    record = fill_clean(world, record)
    record = services.selfeval_transition(actor=world.users["unit_user"], record=record, action="submit")
    row = record.indicators.get(name="师生满意度")
    dept = world.login("dept_admin")
    seen = _override_version(dept.get(f"{BASE}{record.pk}/").content.decode(), row)
    services.selfeval_transition(actor=world.users["dept_admin"], record=record, action="dept_approve", comment="同意")
    data = {"row": row.pk, "final_score": "8", "reason": "问卷样本不足，酌减", "version": seen}
    response = dept.post(f"{BASE}{record.pk}/override/", data)
    page = response.content.decode()
    assert response.status_code == 409 and "当前状态为“待业务股室审核”" in page
    assert 'data-testid="unsent-comment"' in page and "审定得分：8" in page and "问卷样本不足，酌减" in page
    assert f'name="row" value="{row.pk}"' not in page
    row.refresh_from_db()
    assert row.final_score is None


def test_export_then_import_round_trip(world: World, record: SelfEvaluation) -> None:
    client = world.login("unit_user")
    page = client.get(f"{BASE}{record.pk}/").content.decode()
    assert 'aria-label="项目支出绩效自评表（.xlsx）"' in page  # the import box beside 导入 has no visible label
    response = client.get(f"{BASE}{record.pk}/export/")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = workbook.worksheets[0]
    assert ws["A1"].value == "项目支出绩效自评表" and ws["B3"].value == "一中教学设备购置"
    assert ws["D13"].value == "购置教学设备数量" and ws["E13"].value == "≥120台"
    [sheet] = read_selfevaluations(response.content)
    sheet.goal_actual = "导入的完成情况"
    actual = {"购置教学设备数量": ("100台", "50"), "教学条件改善情况": ("明显改善", "30"), "师生满意度": ("96%", "10")}
    for row in sheet.rows:
        row.actual_text, claimed = actual[row.name]
        row.claimed = Decimal(claimed)
    sheet.exec_score_claimed = Decimal(0)
    sheet.total_claimed = Decimal(90)
    sheet.grade_claimed = "优"
    result = client.post(f"{BASE}{record.pk}/import/", {"file": _upload(write_selfevaluations([sheet]))})
    assert result.status_code == 302
    record.refresh_from_db()
    assert record.goal_actual == "导入的完成情况"
    row = record.indicators.get(name="购置教学设备数量")
    assert row.actual_text == "100台" and row.claimed_score == Decimal(50) and row.auto_score == Decimal("41.67")
    assert "D_SCORE_INFLATED" not in record.flags["flags"]
    assert {f["code"] for f in row.flags} >= {"D_FULL_BUT_UNMET"}
    page = client.get(f"{BASE}{record.pk}/").content.decode()
    assert "D_FULL_BUT_UNMET" in page
    assert AuditEvent.objects.filter(event_type="evaluation.selfeval_import").exists()
    exported = openpyxl.load_workbook(io.BytesIO(client.get(f"{BASE}{record.pk}/export/").content)).worksheets[0]
    assert exported["F13"].value == "100台" and exported["F11"].value == "导入的完成情况"


def test_export_prints_the_execution_rate_of_a_record_filled_on_the_web(world: World, record: SelfEvaluation) -> None:
    """The web form has no 执行率 box: the exported 自评表 prints 全年执行数 ÷ 全年预算数 (rounded as the engine rounds
    it, 91,405 ÷ 100,000 = 91.41%) instead of “—” beside the 执行率得分, and reading the form back raises no
    D_EXEC_RATE."""
    fill_clean(world, record)
    executed = {"TOTAL": "91405", "FISCAL": "91405", "CARRYOVER": "0", "OTHER": "0"}
    data = {"exec_score_claimed": "9.14", "total_claimed": "99.14", "grade_claimed": "优"}
    services.selfeval_save(actor=world.users["unit_user"], record=record, data=data, executed=executed)
    client = world.login("unit_user")
    content = client.get(f"{BASE}{record.pk}/export/").content
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws["G6"].value == 0.9141 and ws["G6"].number_format == "0.00%"
    assert ws["G7"].value == 0.9141 and ws["G8"].value == "—"  # no budget from 上年结转: no rate
    assert client.post(f"{BASE}{record.pk}/import/", {"file": _upload(content)}).status_code == 302
    record.refresh_from_db()
    assert "D_EXEC_RATE" not in [*record.flags["exec"]["flags"], *record.flags["flags"]]
    assert record.funds.get(fund_source="TOTAL").exec_rate == Decimal("0.9141")


def test_export_shows_the_funds_in_wan_to_two_decimals_and_keeps_the_cents(
    world: World, record: SelfEvaluation
) -> None:
    """DOMAIN.md §3.0: the 项目资金 cells hold the exact 万元 (91,405.37 元 is 9.140537) and show two decimals, as the
    page does (9.14), instead of Excel's General format printing 9.140537; the cents survive a round trip."""
    fill_clean(world, record)
    executed = {"TOTAL": "91405.37", "FISCAL": "91405.37", "CARRYOVER": "0", "OTHER": "0"}
    data = {"exec_score_claimed": "9.14", "total_claimed": "99.14", "grade_claimed": "优"}
    services.selfeval_save(actor=world.users["unit_user"], record=record, data=data, executed=executed)
    client = world.login("unit_user")
    content = client.get(f"{BASE}{record.pk}/export/").content
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws["E6"].value == 9.140537 and ws["E6"].number_format == "#,##0.00"
    assert all(ws[f"{c}{r}"].number_format == "#,##0.00" for c in "CDE" for r in range(6, 10))
    assert ws["G6"].number_format == "0.00%"
    assert client.post(f"{BASE}{record.pk}/import/", {"file": _upload(content)}).status_code == 302
    assert record.funds.get(fund_source="TOTAL").executed_yuan == Decimal("91405.37")


def test_import_rejects_other_indicators_all_or_nothing(world: World, record: SelfEvaluation) -> None:
    client = world.login("unit_user")
    [sheet] = read_selfevaluations(client.get(f"{BASE}{record.pk}/export/").content)
    sheet.goal_actual = "不应保存"
    sheet.rows[0].name = "购置设备数量（改名）"
    sheet.rows[1].target_text = "有所改善"
    response = client.post(f"{BASE}{record.pk}/import/", {"file": _upload(write_selfevaluations([sheet]))})
    assert response.status_code == 400
    page = response.content.decode()
    assert "自评表缺少以下指标：购置教学设备数量" in page
    assert "购置设备数量（改名）" in page and "与批复的“明显改善”不一致" in page
    record.refresh_from_db()
    assert record.goal_actual == ""
    broken = client.post(f"{BASE}{record.pk}/import/", {"file": _upload(b"PK\x03\x04garbage")})
    assert broken.status_code == 400
    wrong_year = read_selfevaluations(client.get(f"{BASE}{record.pk}/export/").content)[0]
    wrong_year.fiscal_year = 2020
    response = client.post(f"{BASE}{record.pk}/import/", {"file": _upload(write_selfevaluations([wrong_year]))})
    assert response.status_code == 400 and "2020" in response.content.decode()


def test_statistics(world: World, record: SelfEvaluation) -> None:
    fill_clean(world, record)
    world.login("unit_user").post(f"{BASE}{record.pk}/transition/", {"action": "submit"})
    page = world.login("performance").get(BASE + "statistics/?fiscal_year=2026").content.decode()
    assert "1（50.00%）" in page  # 1 of 2 approved targets evaluated
    assert world.login("leader").get(BASE + "statistics/").status_code == 200


def test_statistics_of_a_unit_with_no_self_evaluation_name_the_current_year(world: World) -> None:
    """Before any self-evaluation of its own, a unit's statistics page said 单位自评统计 with no year and an empty
    year box: it names the current year, as everyone else's page does."""
    year = timezone.localdate().year
    page = world.login("unit_user").get(BASE + "statistics/").content.decode()
    assert f"单位自评统计（{year}年度）" in page and f'name="fiscal_year" type="number" value="{year}"' in page


def test_statistics_counts_match_a_plain_recount(world: World) -> None:
    """Statuses, grades, flags, the evaluated count and the departments come from grouped queries; each figure is
    what counting the visible records one by one gives, whatever the mix."""
    for project in (world.school_project, world.branch_project, world.hospital_project):
        set_amounts(project, fiscal="100000")
        approved_target(world, project)
    start(world)
    records = list(SelfEvaluation.objects.filter(fiscal_year=YEAR).order_by("pk"))
    assert len(records) == 3
    arranged = [
        (SelfEvalStatus.SUBMITTED, "优", 1, 0),
        (SelfEvalStatus.FIN_REVIEWED, "差", 0, 2),
        (SelfEvalStatus.RETURNED, "差", 0, 0),  # a returned draft's provisional grade is not counted
    ]
    for rec, (status, grade, errors, warns) in zip(records, arranged, strict=True):
        SelfEvaluation.objects.filter(pk=rec.pk).update(
            status=status, grade_computed=grade, error_count=errors, warn_count=warns
        )
    user = world.users["performance"]
    user.set_active_membership(user.memberships.first())
    stats = statistics(user, YEAR)

    visible = list(records_visible(user).filter(fiscal_year=YEAR))
    assert stats["total"] == len(visible) == 3
    assert stats["evaluated"] == len(
        [r for r in visible if r.status not in (SelfEvalStatus.FILLING, SelfEvalStatus.RETURNED)]
    )
    assert stats["evaluated"] == 2
    assert stats["flagged"] == len([r for r in visible if r.error_count or r.warn_count]) == 2
    submitted = [r for r in visible if r.status not in (SelfEvalStatus.FILLING, SelfEvalStatus.RETURNED)]
    assert dict(stats["grades"]) == {g: len([r for r in submitted if r.grade_computed == g]) for g in "优良中差"}
    assert dict(stats["grades"]) == {"优": 1, "良": 0, "中": 0, "差": 1}
    by_department = {d["department__name"]: d for d in stats["by_department"]}
    for name, d in by_department.items():
        mine = [r for r in submitted if r.department.name == name]
        assert (d["excellent"], d["poor"]) == (
            len([r for r in mine if r.grade_computed == "优"]),
            len([r for r in mine if r.grade_computed == "差"]),
        )
    assert sum(d["poor"] for d in by_department.values()) == 1
    assert {v: n for v, _label, n in stats["statuses"]} == {
        v: len([r for r in visible if r.status == v]) for v in SelfEvalStatus.values
    }
    assert stats["approved_targets"] == 3


def test_api_lists_scoped_records_with_scores_and_flags(world: World, record: SelfEvaluation) -> None:
    fill_clean(world, record)
    unit = world.login("unit_user")
    listing = unit.get(API).json()
    results = listing["results"] if isinstance(listing, dict) else listing
    assert [r["name"] for r in results] == ["一中教学设备购置"]
    assert results[0]["total_computed"] == "100.00" and results[0]["grade_computed"] == "优"
    detail = unit.get(f"{API}{record.pk}/").json()
    assert len(detail["indicators"]) == 3 and detail["flags"]["grade"]["computed"] == "优"
    assert detail["indicators"][0]["auto_score"] == "50.00"
    assert world.login("other_unit_user").get(f"{API}{record.pk}/").status_code == 404
    assert world.login("sys_admin").get(API).status_code == 403
    perf = world.login("performance").get(API + "?flagged=true").json()
    perf_results = perf["results"] if isinstance(perf, dict) else perf
    assert all(r["name"] != "一中教学设备购置" for r in perf_results)


def test_department_overall_record_pages(world: World) -> None:
    approved_target(world, world.school_project, dept_overall=True, name="县教育局部门整体支出")
    start(world)
    record = SelfEvaluation.objects.get(subject=SelfEvaluation.Subject.DEPT_OVERALL)
    dept = world.login("dept_admin")
    page = dept.get(f"{BASE}{record.pk}/").content.decode()
    assert "部门整体支出绩效自评" in page and "实际完成值为空" in page
    # The unit reads the check in words; the rule's code is kept for support as a tooltip, not shown as text.
    assert 'title="校验代码 E_ACTUAL_MISSING"' in page and "<code>E_ACTUAL_MISSING</code>" not in page
    assert dept.get(f"{BASE}{record.pk}/fill/").status_code == 200
    exported = dept.get(f"{BASE}{record.pk}/export/")
    assert exported.status_code == 200 and "101" in exported["Content-Disposition"]
    [sheet] = read_selfevaluations(exported.content)
    assert sheet.project_name == "县教育局部门整体支出" and len(sheet.rows) == 3
    assert world.login("other_unit_user").get(f"{BASE}{record.pk}/").status_code == 404


def test_todos_on_the_home_page(world: World, record: SelfEvaluation) -> None:
    page = world.login("unit_user").get("/").content.decode()
    assert "待填报的单位自评" in page
    fill_clean(world, record)
    world.login("unit_user").post(f"{BASE}{record.pk}/transition/", {"action": "submit"})
    assert "待主管部门审核的单位自评" in world.login("dept_admin").get("/").content.decode()
    assert "单位自评" in world.login("performance").get(BASE).content.decode()


def test_each_todo_line_opens_a_list_of_exactly_its_count(world: World, record: SelfEvaluation) -> None:
    """A returned record has its own line (被退回), not folded into 待填报 whose link opens the records being filled."""
    from jixiao.core import todos

    fill_clean(world, record)
    unit = world.login("unit_user")
    unit.post(f"{BASE}{record.pk}/transition/", {"action": "submit"})
    world.login("dept_admin").post(f"{BASE}{record.pk}/transition/", {"action": "dept_return", "comment": "请补充"})
    record.refresh_from_db()
    assert record.status == "returned"
    lines = {i.title: i for i in todos.for_user(world.users["unit_user"]) if i.stage == "单位自评"}
    assert lines["被退回的单位自评"].count == 1
    assert lines["被退回的单位自评"].hint.startswith("请按审核意见修改后重新提交；最近截止")
    for line in lines.values():
        assert unit.get(line.url).context["page"].paginator.count == line.count, line.title


def test_import_refuses_numbers_out_of_range_and_saves_nothing(world: World, record: SelfEvaluation) -> None:
    client = world.login("unit_user")
    exported = client.get(f"{BASE}{record.pk}/export/").content
    for cell, value in (("C6", 1e20), ("H13", "1E+30"), ("H13", "NaN"), ("H13", "-Infinity")):
        workbook = openpyxl.load_workbook(io.BytesIO(exported))
        workbook.worksheets[0]["F11"] = "不应保存"
        workbook.worksheets[0][cell] = value
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = client.post(f"{BASE}{record.pk}/import/", {"file": _upload(buffer.getvalue())})
        assert response.status_code == 400, (cell, value)
        assert f"单元格{cell}" in response.content.decode()
        record.refresh_from_db()
        assert record.goal_actual == ""


def test_a_qualitative_rows_chosen_level_travels_in_the_exported_form_and_back(
    world: World, record: SelfEvaluation
) -> None:
    """The national layout has no 档次 column: the export writes the chosen 定性完成档次 as a last line of the row's
    实际完成值. The offline check scores the row at that level (not “需人工评分”), and reading the form back onto the
    record restores the level and keeps the text the unit wrote, without the line."""
    fill_clean(world, record)
    row = record.indicators.get(name="教学条件改善情况")
    services.selfeval_save(
        actor=world.users["unit_user"],
        record=record,
        data={},
        rows={row.pk: {"actual_text": "按计划实施", "qual_level": "PARTIAL", "claimed_score": "20"}},
    )
    client = world.login("unit_user")
    content = client.get(f"{BASE}{record.pk}/export/").content
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws["D14"].value == "教学条件改善情况"
    assert ws["F14"].value == "按计划实施\n（完成档次：部分达成年度指标并具有一定效果）"
    assert ws["F13"].value == "120台"  # a quantitative row carries no level line

    [sheet] = read_selfevaluations(content)
    qualitative = next(r for r in sheet.rows if r.name == "教学条件改善情况")
    assert (qualitative.actual_text, qualitative.level_claimed) == ("按计划实施", "PARTIAL")
    checked = world.login("performance").post("/evaluation/selfeval-check/", {"file": _upload(content)})
    assert checked.status_code == 200
    page = checked.content.decode()
    assert "部分达成年度指标并具有一定效果" in page and "E_ACTUAL_NOT_NUMERIC" not in page

    row.qual_level = "ACHIEVED"
    row.save(update_fields=["qual_level"])
    assert client.post(f"{BASE}{record.pk}/import/", {"file": _upload(content)}).status_code == 302
    row.refresh_from_db()
    assert (row.actual_text, row.qual_level) == ("按计划实施", "PARTIAL")


def test_a_level_line_naming_no_level_is_refused_at_its_cell(world: World, record: SelfEvaluation) -> None:
    fill_clean(world, record)
    client = world.login("unit_user")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{BASE}{record.pk}/export/").content))
    workbook.worksheets[0]["F14"] = "明显改善\n(完成档次: 很好)"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(f"{BASE}{record.pk}/import/", {"file": _upload(buffer.getvalue())}, follow=True)
    assert "单元格F14：完成档次“很好”无效" in response.content.decode()
    assert record.indicators.get(name="教学条件改善情况").actual_text == "教学条件明显改善，达到预期"
