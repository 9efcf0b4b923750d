"""Page flows of the targets app with the test client: start, edit the grid, review, approve, statistics."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import World
from jixiao.targets import services, services_panel
from jixiao.targets.models import PerformanceTarget, ReviewComment, TargetEvent
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, TO_READY, make_target, move, nodes


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    return make_target(world)


def _grid_post(target: PerformanceTarget, rows: list[dict[str, Any]], **goals: str) -> dict[str, str]:
    data = {
        "goal-annual_goal": goals.get("annual_goal", "购置教学设备120台，设备使用率不低于95%"),
        "goal-midterm_goal": "",
        "goal-annual_total_yuan": goals.get("annual_total_yuan", "35.5"),
        "goal-annual_fiscal_yuan": "35.5",
        "goal-mid_total_yuan": "35.5",
        "goal-mid_fiscal_yuan": "35.5",
        "ind-TOTAL_FORMS": str(len(rows)),
        "ind-INITIAL_FORMS": "0",
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"ind-{i}-{key}"] = str(value)
    return data


def _row(target: PerformanceTarget, lv1: str, lv2: str, name: str, text: str, unit: str = "") -> dict[str, Any]:
    n = nodes(target)
    return {"lv1": n[lv1].pk, "lv2": n[lv2].pk, "name": name, "operator": "gte", "target_text": text, "unit": unit}


def _post(client: Client, target: PerformanceTarget, action: str, comment: str = "", **extra: str) -> Any:
    return client.post(f"/targets/{target.pk}/transition/", {"action": action, "comment": comment, **extra})


# ---------------------------------------------------------------- list and start


def test_list_filters_by_the_projects_fund_theme(world: World, target: PerformanceTarget) -> None:
    client = world.login("performance")
    assert "一中教学设备购置" not in client.get("/targets/", {"is_rural_link": "true"}).content.decode()
    world.school_project.is_rural_link = True
    world.school_project.save()
    assert "一中教学设备购置" in client.get("/targets/", {"is_rural_link": "true"}).content.decode()
    assert "一中教学设备购置" not in client.get("/targets/", {"is_agri_integrated": "true"}).content.decode()


def test_list_filters_by_status_and_keyword(world: World, target: PerformanceTarget) -> None:
    client = world.login("performance")
    page = client.get("/targets/", {"status": "draft", "q": "一中"}).content.decode()
    assert "一中教学设备购置" in page
    page = client.get("/targets/", {"status": "approved"}).content.decode()
    assert "一中教学设备购置" not in page
    assert client.get("/targets/", {"fiscal_year": "2026", "review_grade": "good"}).status_code == 200


def test_list_queries_are_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    unit = world.users["unit_user"]
    for project in (world.school_project, world.branch_project):
        services.target_create_for_project(actor=unit, project=project)
    client = world.login("performance")
    with django_assert_max_num_queries(12):
        response = client.get("/targets/", {"department": world.edu.pk})
    assert response.status_code == 200


def test_unit_user_starts_a_target_from_a_project_without_one(world: World) -> None:
    client = world.login("unit_user")
    page = client.get("/targets/start/").content.decode()
    assert "一中教学设备购置" in page and "医院信息化建设" not in page
    response = client.post("/targets/start/", {"project": world.school_project.pk})
    target = PerformanceTarget.objects.get(project=world.school_project)
    assert response.status_code == 302 and response["Location"] == f"/targets/{target.pk}/edit/"
    assert "P-SCHOOL" not in client.get("/targets/start/").content.decode()


def test_a_double_click_on_start_opens_the_target_the_first_started(world: World) -> None:
    """填报绩效目标 clicked twice: the second POST was refused (the project has a target now) on the list. With the
    row's one-time token it writes nothing and opens the target the first click started."""
    client = world.login("unit_user")
    page = client.get("/targets/start/").content.decode()
    row = page.split(f'name="project" value="{world.school_project.pk}"')[0].rsplit("<form", 1)[1]
    token = row.split('name="submit_token" value="')[1].split('"')[0]
    first = client.post("/targets/start/", {"project": world.school_project.pk, "submit_token": token})
    second = client.post("/targets/start/", {"project": world.school_project.pk, "submit_token": token})
    target = PerformanceTarget.objects.get(project=world.school_project)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/targets/{target.pk}/edit/"


def test_starting_a_target_for_another_units_project_is_404(world: World) -> None:
    client = world.login("unit_user")
    assert client.post("/targets/start/", {"project": world.hospital_project.pk}).status_code == 404
    assert not PerformanceTarget.objects.filter(project=world.hospital_project).exists()


# ---------------------------------------------------------------- the goals form and the indicator grid


def test_edit_page_shows_the_grid_and_the_smart_check(world: World, target: PerformanceTarget) -> None:
    page = world.login("unit_user").get(f"/targets/{target.pk}/edit/").content.decode()
    assert "购置教学设备数量" in page and "智能审核" in page and "js/targets.js" in page
    assert "indicators/search.json" in page


def test_saving_a_valid_grid_replaces_indicators_and_goals(world: World, target: PerformanceTarget) -> None:
    rows = [
        _row(target, "效益指标", "社会效益指标", "学生满意度", "≥90%", "%"),
        _row(target, "产出指标", "数量指标", "购置教学设备数量", "≥150台", "台"),
    ]
    response = world.login("unit_user").post(f"/targets/{target.pk}/edit/", _grid_post(target, rows))
    assert response.status_code == 302
    target.refresh_from_db()
    names = list(target.indicators.order_by("seq").values_list("name", flat=True))
    assert names == ["学生满意度", "购置教学设备数量"]
    assert str(target.annual_total_yuan) == "355000.00"
    assert target.annual_goal.startswith("购置教学设备")


def test_an_invalid_row_returns_400_with_chinese_errors_and_saves_nothing(
    world: World, target: PerformanceTarget
) -> None:
    rows = [
        _row(target, "产出指标", "数量指标", "购置教学设备数量", "≥150台", "台"),
        _row(target, "效益指标", "数量指标", "错层级指标", "≥1", "个"),
        {**_row(target, "产出指标", "质量指标", "验收合格率", ""), "target_text": ""},
    ]
    response = world.login("unit_user").post(
        f"/targets/{target.pk}/edit/", _grid_post(target, rows, annual_goal="不应保存")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "二级指标不属于所选一级指标" in page and "该字段是必填项" in page
    target.refresh_from_db()
    assert target.annual_goal != "不应保存"
    assert target.indicators.count() == 2


@pytest.mark.parametrize("count", ["-1", "0", "1"])
def test_a_row_count_below_the_rows_sent_is_refused_and_deletes_nothing(
    world: World, target: PerformanceTarget, count: str
) -> None:
    """A tampered or broken page posting TOTAL_FORMS=-1 (read as no rows) must not wipe the target's indicators."""
    before = list(target.indicators.order_by("seq").values_list("name", flat=True))
    rows = [
        _row(target, "产出指标", "数量指标", "购置教学设备数量", "≥150台", "台"),
        _row(target, "效益指标", "社会效益指标", "学生满意度", "≥90%", "%"),
    ]
    data = {**_grid_post(target, rows, annual_goal="不应保存"), "ind-TOTAL_FORMS": count}
    response = world.login("unit_user").post(f"/targets/{target.pk}/edit/", data)
    assert response.status_code == 400 and "表格的行数与提交的内容不一致" in response.content.decode()
    target.refresh_from_db()
    assert list(target.indicators.order_by("seq").values_list("name", flat=True)) == before and len(before) >= 2
    assert target.annual_goal != "不应保存"


def test_duplicate_indicator_names_are_rejected(world: World, target: PerformanceTarget) -> None:
    rows = [_row(target, "产出指标", "数量指标", "同名指标", "≥1", "个")] * 2
    response = world.login("unit_user").post(f"/targets/{target.pk}/edit/", _grid_post(target, rows))
    assert response.status_code == 400 and "三级指标名称重复" in response.content.decode()


def test_a_submitted_target_cannot_be_edited(world: World, target: PerformanceTarget) -> None:
    move(world, target, ("unit_user", "submit"))
    client = world.login("unit_user")
    response = client.get(f"/targets/{target.pk}/edit/", follow=True)
    assert "不能修改" in response.content.decode()
    response = client.post(f"/targets/{target.pk}/edit/", {})
    assert response.status_code == 302 and response["Location"] == f"/targets/{target.pk}/"


# ---------------------------------------------------------------- detail and review actions


def test_detail_shows_grid_findings_similar_and_timeline(world: World, target: PerformanceTarget) -> None:
    page = world.login("unit_user").get(f"/targets/{target.pk}/").content.decode()
    for text in ("产出指标 / 数量指标", "购置教学设备数量", "智能审核", "相似目标", "流转记录", "创建", "提交审核"):
        assert text in page, text


def test_detail_queries_are_bounded(
    world: World, target: PerformanceTarget, django_assert_max_num_queries: Any
) -> None:
    target = move(world, target, *TO_PERF_REVIEW)
    client = world.login("performance")
    with django_assert_max_num_queries(20):
        response = client.get(f"/targets/{target.pk}/")
    assert response.status_code == 200


def test_full_review_through_the_buttons(world: World, target: PerformanceTarget) -> None:
    unit = world.login("unit_user")
    response = _post(unit, target, "submit")
    assert response.status_code == 302
    page = unit.get(f"/targets/{target.pk}/").content.decode()
    assert "操作成功：提交审核" in page and "修改目标和指标" not in page
    assert _post(world.login("dept_admin"), target, "dept_pass").status_code == 302
    assert _post(world.login("business"), target, "section_return", "指标值过于保守").status_code == 302
    target.refresh_from_db()
    assert target.status == "returned"
    assert _post(world.login("unit_user"), target, "resubmit").status_code == 302
    target.refresh_from_db()
    assert target.status == "section_review"
    assert _post(world.login("business"), target, "section_pass").status_code == 302
    aspects = {"aspect_1": "符合", "aspect_2": "符合", "aspect_3": "基本符合", "aspect_4": "符合"}
    grader = world.login("performance")
    assert "完整性" in grader.get(f"/targets/{target.pk}/").content.decode()
    assert _post(grader, target, "grade_good", "与单位协商后调整指标值", **aspects).status_code == 302
    target.refresh_from_db()
    assert target.status == "ready_for_budget" and target.review_grade == "good"
    assert target.review_aspects == {"完整性": "符合", "相关性": "符合", "适当性": "基本符合", "可行性": "符合"}
    assert _post(world.login("budget"), target, "approve").status_code == 302
    target.refresh_from_db()
    assert target.status == "approved"
    page = world.login("unit_user").get(f"/targets/{target.pk}/").content.decode()
    for text in ("已锁定", "指标值过于保守", "初审通过", "随预算批复", "第1版"):
        assert text in page, text


def test_a_return_without_an_opinion_is_refused_with_a_message(world: World, target: PerformanceTarget) -> None:
    move(world, target, ("unit_user", "submit"))
    response = _post(world.login("dept_admin"), target, "dept_return")
    assert response.status_code == 400 and "请填写审核意见" in response.content.decode()
    target.refresh_from_db()
    assert target.status == "unit_submitted"


def test_an_action_of_another_role_is_refused_not_an_error(world: World, target: PerformanceTarget) -> None:
    move(world, target, ("unit_user", "submit"))
    assert _post(world.login("unit_user"), target, "dept_pass").status_code == 403
    assert _post(world.login("dept_admin"), target, "approve").status_code == 409
    assert _post(world.login("dept_admin"), target, "").status_code == 400


def test_grade_fair_returns_and_grade_poor_rejects(world: World, target: PerformanceTarget) -> None:
    target = move(world, target, *TO_PERF_REVIEW)
    _post(world.login("performance"), target, "grade_fair", "指标不够细化")
    target.refresh_from_db()
    assert target.status == "returned" and target.review_grade == "fair"
    target = move(world, target, ("unit_user", "resubmit"))
    assert target.status == "section_review"  # a 中 revision is reviewed from the 初审 again (DOMAIN §6.9)
    target = move(world, target, ("business", "section_pass"))
    _post(world.login("performance"), target, "grade_poor", "目标与资金不匹配")
    target.refresh_from_db()
    assert target.status == "rejected" and target.review_grade == "poor"


def test_panel_review_goes_and_comes_back(world: World, target: PerformanceTarget) -> None:
    target = move(world, target, *TO_PERF_REVIEW)
    client = world.login("performance")
    _post(client, target, "send_to_panel")
    target.refresh_from_db()
    assert target.status == "perf_review", "no panel member yet: refused"
    services_panel.panel_assign(
        actor=world.users["performance"], target=target, members=[world.users["expert"]], kind="expert"
    )
    _post(client, target, "send_to_panel")
    target.refresh_from_db()
    assert target.status == "panel_review"
    _post(client, target, "panel_done", "专家会审通过")
    target.refresh_from_db()
    assert target.status == "panel_review", "the expert's opinion is missing: refused"
    assignment = target.panel.get()
    services_panel.panel_submit(actor=world.users["expert"], assignment=assignment, conclusion="pass", opinion="同意")
    _post(client, target, "panel_done", "专家会审通过")
    target.refresh_from_db()
    assert target.status == "perf_review"


def test_withdraw_returns_the_target_to_draft(world: World, target: PerformanceTarget) -> None:
    move(world, target, ("unit_user", "submit"))
    _post(world.login("unit_user"), target, "withdraw")
    target.refresh_from_db()
    assert target.status == "draft"


def test_the_department_recalls_its_pass_until_the_section_acts(world: World, target: PerformanceTarget) -> None:
    """撤回审核: the 主管部门 takes its pass back while the target waits for the 业务股室 (back to 待主管部门审核, on
    the timeline and in the audit trail, not as an opinion); not once the section has given an opinion, and the
    recall is no 待办 of the department."""
    from jixiao.core import todos
    from jixiao.core.models import AuditEvent

    move(world, target, ("unit_user", "submit"), ("dept_admin", "dept_pass"))
    dept = world.login("dept_admin")
    page = dept.get(f"/targets/{target.pk}/").content.decode()
    assert "撤回审核（业务股室办理前）" in page
    assert "撤回审核" not in world.login("business").get(f"/targets/{target.pk}/").content.decode()
    titles = [item.title for item in todos.for_user(world.users["dept_admin"])]
    assert not any("待业务股室初审" in title for title in titles)
    assert _post(dept, target, "dept_recall", "附件有误，需重新审核").status_code == 302
    target.refresh_from_db()
    assert target.status == "unit_submitted"
    event = TargetEvent.objects.filter(target=target).latest("occurred_at")
    assert (event.action, event.comment) == ("dept_recall", "附件有误，需重新审核")
    assert not ReviewComment.objects.filter(target=target, text="附件有误，需重新审核").exists()
    assert AuditEvent.objects.filter(event_type="target.dept_recall", object_id=str(target.pk)).exists()
    assert "撤回审核" in dept.get(f"/targets/{target.pk}/").content.decode()  # on the timeline

    # Passed again: the department's own opinion while the section holds it does not block the recall; the
    # section's opinion does, and nothing moves.
    target = move(world, target, ("dept_admin", "dept_pass"))
    note = services.target_comment(actor=world.users["dept_admin"], target=target, text="补充说明：附件已更新")
    assert note.stage == "dept"  # the department's own stage, though the section holds the target
    assert _post(dept, target, "dept_recall").status_code == 302
    target = move(world, target, ("dept_admin", "dept_pass"))
    services.target_comment(actor=world.users["business"], target=target, text="请补充满意度指标")
    response = _post(dept, target, "dept_recall")
    assert response.status_code == 409
    assert "业务股室已提出审核意见，不能撤回审核" in response.content.decode()
    target.refresh_from_db()
    assert target.status == "section_review"


def test_reviewer_adds_an_opinion_on_an_indicator(world: World, target: PerformanceTarget) -> None:
    move(world, target, ("unit_user", "submit"))
    indicator = target.indicators.get(name="设备使用率")
    client = world.login("dept_admin")
    response = client.post(f"/targets/{target.pk}/comment/", {"text": "使用率应细化到学期", "indicator": indicator.pk})
    assert response.status_code == 302
    comment = ReviewComment.objects.get(text="使用率应细化到学期")
    assert comment.indicator == indicator and comment.stage == "dept"
    assert "使用率应细化到学期" in client.get(f"/targets/{target.pk}/").content.decode()
    assert client.post(f"/targets/{target.pk}/comment/", {"text": ""}).status_code == 400


def test_adjustment_shows_the_pending_diff_and_a_new_version(world: World, target: PerformanceTarget) -> None:
    target = move(world, target, *TO_READY, ("budget", "approve"), ("unit_user", "request_adjustment"))
    rows = [
        _row(target, "产出指标", "数量指标", "购置教学设备数量", "≥100台", "台"),
        _row(target, "效益指标", "社会效益指标", "设备使用率", "≥95%", "%"),
    ]
    unit = world.login("unit_user")
    assert unit.post(f"/targets/{target.pk}/edit/", _grid_post(target, rows)).status_code == 302
    page = world.login("budget").get(f"/targets/{target.pk}/").content.decode()
    assert "调整中" in page and "≥100台" in page
    _post(world.login("budget"), target, "approve_adjustment", "同意")
    target.refresh_from_db()
    assert target.status == "approved" and target.goal_version == 2
    assert "第2版" in unit.get(f"/targets/{target.pk}/").content.decode()


# ---------------------------------------------------------------- batch approval and statistics


def test_budget_section_approves_a_department_in_one_click(world: World, target: PerformanceTarget) -> None:
    move(world, target, *TO_READY)
    client = world.login("budget")
    page = client.get("/targets/approve/", {"fiscal_year": target.fiscal_year}).content.decode()
    assert "县教育局" in page and "批复该部门目标" in page
    response = client.post(
        "/targets/approve/", {"department": world.edu.pk, "fiscal_year": target.fiscal_year}, follow=True
    )
    assert "已随预算批复1个绩效目标" in response.content.decode()
    target.refresh_from_db()
    assert target.status == "approved"
    response = client.post("/targets/approve/", {"department": world.edu.pk, "fiscal_year": target.fiscal_year})
    assert response.status_code == 302


def test_statistics_page_renders_chinese_headers(world: World, target: PerformanceTarget) -> None:
    page = world.login("leader").get("/targets/statistics/", {"fiscal_year": target.fiscal_year}).content.decode()
    assert "主管部门" in page and "县教育局" in page and "优" in page and "修改意见数" in page


def test_unicode_digit_query_parameters_are_not_a_500(world: World) -> None:
    client = world.login("performance")
    assert client.get("/targets/statistics/?fiscal_year=²").status_code == 200
    assert client.get("/indicators/search.json?lv1=²").status_code == 200


def test_a_grid_saved_from_a_stale_page_is_refused_and_keeps_the_newer_goals(
    world: World, target: PerformanceTarget
) -> None:
    client = world.login("unit_user")
    assert 'name="goal-version"' in client.get(f"/targets/{target.pk}/edit/").content.decode()
    rendered_version = target.version
    rows = [_row(target, "产出指标", "数量指标", "购置教学设备数量", "≥150台", "台")]
    fresh = _grid_post(target, rows, annual_goal="新的目标")
    assert client.post(f"/targets/{target.pk}/edit/", fresh).status_code == 302
    stale = {**_grid_post(target, rows, annual_goal="旧页面的目标"), "goal-version": str(rendered_version)}
    response = client.post(f"/targets/{target.pk}/edit/", stale)
    body = response.content.decode()
    assert response.status_code == 409 and "已被他人修改" in body and "旧页面的目标" in body
    target.refresh_from_db()
    assert target.annual_goal == "新的目标"


def test_the_timeline_names_every_action_in_chinese(world: World, target: PerformanceTarget) -> None:
    """Initial data (the demo county) is logged as "seed"; no code reaches the 流转记录."""
    TargetEvent.objects.create(target=target, action="seed", to_status=target.status, comment="演示数据")
    TargetEvent.objects.create(target=target, action="legacy_x", to_status=target.status)
    page = world.login("unit_user").get(f"/targets/{target.pk}/").content.decode()
    timeline = page[page.index('data-testid="timeline"') :]
    assert "初始数据导入" in timeline and "其他操作" in timeline
    assert ">seed<" not in timeline and "legacy_x" not in timeline


def test_an_opinion_for_a_step_no_longer_offered_is_not_left_in_the_box_of_another(
    world: World, target: PerformanceTarget
) -> None:
    """The unit typed why it withdraws its target while the department returned it: the page now offers 修改后重新提交,
    and the text typed for 撤回 is shown apart to copy, not in the box that button would post."""
    move(world, target, ("unit_user", "submit"), ("dept_admin", "dept_return"))
    response = _post(world.login("unit_user"), target, "withdraw", "预算数有误，撤回修改")
    body = response.content.decode()
    assert response.status_code == 409 and f"{world.users['dept_admin']} 已于" in body
    assert 'data-testid="unsent-comment"' in body and "预算数有误，撤回修改" in body
    assert "修改后重新提交" in body and ">预算数有误，撤回修改</textarea>" in body  # the read-only copy only
    assert body.count("预算数有误，撤回修改") == 1


def test_a_return_from_a_tab_shown_before_a_colleague_passed_it_keeps_the_opinion(
    world: World, target: PerformanceTarget
) -> None:
    """Two 业务股室 tabs on one target: one passes it, the other returns it with an opinion. The second gets 409
    naming who moved the target, and the opinion typed (no button left to post it) is shown, not lost."""
    move(world, target, ("unit_user", "submit"), ("dept_admin", "dept_pass"), ("business", "section_pass"))
    response = _post(world.login("business"), target, "section_return", "请补充产出数量指标的测算依据")
    body = response.content.decode()
    assert response.status_code == 409
    assert "当前状态为“待绩效股复审”" in body and f"{world.users['business']} 已于" in body and "初审通过" in body
    assert 'data-testid="unsent-comment"' in body and "请补充产出数量指标的测算依据" in body
    target.refresh_from_db()
    assert target.status == "perf_review"
    assert not ReviewComment.objects.filter(target=target, text="请补充产出数量指标的测算依据").exists()
