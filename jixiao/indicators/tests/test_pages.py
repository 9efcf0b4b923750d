"""The forms and buttons a user clicks through: propose, edit, submit, review, record history."""

from __future__ import annotations

import re
from typing import Any

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.indicators import services
from jixiao.indicators.models import FrameworkNode, IndicatorCategory, IndicatorHistoricalValue, IndicatorLibraryItem
from jixiao.indicators.tests.helpers import proposal_data

SEES = ("business", "performance", "dept_admin")


def _form(name: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": IndicatorCategory.objects.get(code="0102").pk,
        "lv1": FrameworkNode.objects.get(framework__code="2015_88", code="benefit").pk,
        "lv2": FrameworkNode.objects.get(framework__code="2015_88", code="benefit.social").pk,
        "name": name,
        "operator": "gte",
        "unit": "%",
        "typical_value": "90",
        "explanation": "参加课后服务的学生占在校学生的比例。",
        "scoring_standard": "达到目标值得满分；每低1个百分点扣10%。",
        "value_basis": "plan",
        "data_source": "课后服务台账",
    }
    data.update(overrides)
    return data


def test_a_unit_user_proposes_submits_and_sees_it_in_my_proposals(world: World) -> None:
    client = world.login("unit_user")
    response = client.post("/indicators/propose/", _form("课后服务学生参与率"))
    assert response.status_code == 302
    item = IndicatorLibraryItem.objects.get(name="课后服务学生参与率")
    assert response["Location"] == f"/indicators/{item.pk}/"
    assert (item.status, item.department, item.is_common) == ("draft", world.edu, False)
    client.post(f"/indicators/{item.pk}/transition/", {"action": "submit"})
    item.refresh_from_db()
    assert item.status == "submitted"
    page = client.get("/indicators/proposals/").content.decode()
    assert "课后服务学生参与率" in page and "待审核" in page
    assert "课后服务学生参与率" not in world.login("other_unit_user").get("/indicators/proposals/").content.decode()


def test_the_form_rejects_a_second_level_outside_the_first_and_missing_texts(world: World) -> None:
    client = world.login("unit_user")
    quantity = FrameworkNode.objects.get(framework__code="2015_88", code="output.quantity").pk
    response = client.post("/indicators/propose/", _form("错误层级", lv2=quantity, scoring_standard=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert "二级指标应属于所选一级指标" in body
    assert not IndicatorLibraryItem.objects.filter(name="错误层级").exists()


def test_an_incomplete_draft_cannot_be_submitted(world: World) -> None:
    item = services.indicator_item_propose(
        actor=world.users["unit_user"], data=proposal_data("未写评分标准", scoring_standard="", typical_value="")
    )
    client = world.login("unit_user")
    response = client.post(f"/indicators/{item.pk}/transition/", {"action": "submit"}, follow=True)
    assert "请先补充：评（扣）分标准、参考指标值（定量指标）" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "draft"


def test_a_double_click_on_save_adds_one_item(world: World) -> None:
    """保存 clicked twice added the indicator twice. The form's one-time token: the second POST writes nothing and
    opens the item the first added; the edit page carries no token."""
    client = world.login("performance")
    page = client.get("/indicators/new/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    post = {**_form("县级共性样例指标", is_common="on", library_level="county"), "submit_token": token}
    first = client.post("/indicators/new/", post)
    second = client.post("/indicators/new/", post)
    item = IndicatorLibraryItem.objects.get(name="县级共性样例指标")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/indicators/{item.pk}/"
    assert "submit_token" not in client.get(f"/indicators/{item.pk}/edit/").content.decode()


def test_the_performance_section_creates_edits_and_approves_through_the_pages(world: World) -> None:
    client = world.login("performance")
    response = client.post("/indicators/new/", _form("县级共性样例指标", is_common="on", library_level="county"))
    assert response.status_code == 302
    item = IndicatorLibraryItem.objects.get(name="县级共性样例指标")
    assert (item.status, item.is_common, item.region) == ("approved", True, world.region)
    edit = client.post(
        f"/indicators/{item.pk}/edit/", _form("县级共性样例指标（修订）", code=item.code, version=item.version)
    )
    assert edit.status_code == 302
    item.refresh_from_db()
    assert (item.name, item.version, item.is_common, item.library_level) == (
        "县级共性样例指标（修订）",
        2,
        False,
        "county",
    )
    stale = client.post(f"/indicators/{item.pk}/edit/", _form("过期版本", version=1))
    assert (
        stale.status_code == 409 and "已被他人修改" in stale.content.decode() and "过期版本" in stale.content.decode()
    )
    item.refresh_from_db()
    assert (item.name, item.version) == ("县级共性样例指标（修订）", 2)


def test_review_buttons_follow_the_role_and_department(world: World) -> None:
    item = services.indicator_item_propose(actor=world.users["unit_user"], data=proposal_data())
    services.indicator_item_transition(actor=world.users["unit_user"], item=item, action="submit")
    pages = {p: world.login(p).get(f"/indicators/{item.pk}/").content.decode() for p in SEES}
    assert 'value="section_pass"' in pages["business"] and 'value="approve"' not in pages["business"]
    assert 'value="approve"' in pages["performance"] and 'value="return"' in pages["performance"]
    assert 'value="withdraw"' in pages["dept_admin"] and 'value="approve"' not in pages["dept_admin"]
    returned = {"action": "return", "comment": ""}
    response = world.login("performance").post(f"/indicators/{item.pk}/transition/", returned)
    assert response.status_code == 400 and "请填写意见" in response.content.decode()  # the page again, not a 302


def test_historical_values_are_recorded_from_the_item_page(world: World) -> None:
    item = IndicatorLibraryItem.objects.get(name="九年义务教育巩固率")
    client = world.login("performance")
    response = client.post(f"/indicators/{item.pk}/history/", {"fiscal_year": 2025, "value": "97.1", "note": "年报"})
    assert response.status_code == 302
    page = world.login("leader").get(f"/indicators/{item.pk}/").content.decode()
    assert "97.1" in page and "年报" in page
    assert world.login("unit_user").post(f"/indicators/{item.pk}/history/", {"value": "1"}).status_code == 403
    # The boxes of the 历史值 form have no visible label: each names itself to a screen reader.
    form_page = client.get(f"/indicators/{item.pk}/").content.decode()
    assert all(f'aria-label="{name}"' in form_page for name in ("年度", "实际完成值", "说明"))


def test_htmx_filtering_returns_only_the_table(world: World) -> None:
    response = world.login("leader").get("/indicators/?q=巩固率", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "九年义务教育巩固率" in body


def test_the_level_choices_name_the_framework_in_chinese_not_by_its_code(world: World) -> None:
    page = world.login("unit_user").get("/indicators/propose/").content.decode()
    assert "产出指标（2015版指标体系）" in page and "产出指标 / 数量指标（2015版指标体系）" in page
    assert "（2015_88）" not in page and "（2021_101）" not in page


def test_the_timeline_of_a_proposal_names_it_a_proposal_not_a_disclosure_item(world: World) -> None:
    client = world.login("unit_user")
    client.post("/indicators/propose/", _form("课后服务覆盖率"))
    item = IndicatorLibraryItem.objects.get(name="课后服务覆盖率")
    body = client.get(f"/indicators/{item.pk}/").content.decode()
    assert "提出公开事项" not in body  # the 信息公开 wording once named every "propose" event
    assert "指标库：申报新指标" in body  # 修改历史
    assert "<td>申报新指标</td>" in body  # 流转记录


def test_a_historical_value_with_a_bad_year_is_refused_on_the_item_page_keeping_what_was_typed(world: World) -> None:
    item = IndicatorLibraryItem.objects.get(name="九年义务教育巩固率")
    client = world.login("performance")
    response = client.post(f"/indicators/{item.pk}/history/", {"fiscal_year": "205", "value": "97.3", "note": "快报"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "年度应为2000至2100之间的4位数字，如 2025" in body
    assert 'value="205"' in body and 'value="97.3"' in body and 'value="快报"' in body
    assert not IndicatorHistoricalValue.objects.filter(item=item).exists()
    empty = client.post(f"/indicators/{item.pk}/history/", {"fiscal_year": "2025", "value": ""})
    assert empty.status_code == 400 and "请填写实际完成值" in empty.content.decode()


def test_the_proposers_todo_lines_say_what_is_asked_and_open_the_proposals_they_count(world: World) -> None:
    """A returned proposal said 请完善后提交审核 and opened 我的指标申报 with every status (a draft and a pending one
    beside the returned one)."""
    from jixiao.core import todos

    client = world.login("unit_user")
    for name in ("课后服务学生参与率", "课后服务满意度", "课后服务覆盖学校数"):
        client.post("/indicators/propose/", _form(name))
    returned, pending = (IndicatorLibraryItem.objects.get(name=n) for n in ("课后服务学生参与率", "课后服务满意度"))
    for item in (returned, pending):
        client.post(f"/indicators/{item.pk}/transition/", {"action": "submit"})
    world.login("performance").post(
        f"/indicators/{returned.pk}/transition/", {"action": "return", "comment": "参考指标值请写明口径"}
    )
    lines = {i.title: i for i in todos.for_user(world.users["unit_user"]) if i.stage == "指标库"}
    assert (lines["指标申报被退回"].count, lines["指标申报被退回"].hint) == (1, "请按审核意见修改后重新提交")
    assert (lines["指标申报草稿"].count, lines["指标申报草稿"].hint) == (1, "请完善后提交审核")
    page = client.get(lines["指标申报被退回"].url).content.decode()
    assert "课后服务学生参与率" in page and "课后服务满意度" not in page and "课后服务覆盖学校数" not in page
    page = client.get(lines["指标申报草稿"].url).content.decode()
    assert "课后服务覆盖学校数" in page and "课后服务学生参与率" not in page
    for query in ("", "?status=submitted"):  # a status without a tab lists everything under 全部
        everything = client.get(f"/indicators/proposals/{query}").content.decode()
        assert all(n in everything for n in ("课后服务学生参与率", "课后服务满意度", "课后服务覆盖学校数"))


def test_a_bad_filter_is_explained_at_its_box(world: World) -> None:
    page = world.login("performance").get("/indicators/", {"operator": "about"}).content.decode()
    assert 'data-testid="filter-error"' in page and "about 不在可用的选项中" in page


def test_the_empty_choices_of_the_indicator_form_say_what_to_choose(world: World) -> None:
    # They read “---------”, Django's placeholder, where every other form says 请选择… (指标级次, left empty, is the
    # region's own level).
    for persona, url in (("unit_user", "/indicators/propose/"), ("performance", "/indicators/new/")):
        page = world.login(persona).get(url).content.decode()
        assert "---------" not in page, persona
        for label in ("请选择行业领域", "请选择一级指标", "请选择二级指标"):
            assert f'<option value="" selected>{label}</option>' in page, (persona, label)


def _shown_version(page: str) -> int:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "the review form posts the version it showed"
    return int(match.group(1))


def test_an_approval_from_a_page_older_than_the_resubmitted_proposal_is_refused(world: World) -> None:
    """A opens a 待审核 proposal; B returns it; the department edits and resubmits; A's old page must not approve
    content A never saw: 409, the item unchanged, A's opinion kept; from the page shown again it goes through."""
    item = services.indicator_item_propose(actor=world.users["unit_user"], data=proposal_data())
    services.indicator_item_transition(actor=world.users["unit_user"], item=item, action="submit")
    approver = world.login("performance")
    item.refresh_from_db()
    shown = item.version  # what A's page showed (and posts back, below)
    services.indicator_item_transition(actor=world.users["performance"], item=item, action="return", comment="补充口径")
    item.refresh_from_db()
    services.indicator_item_update(actor=world.users["unit_user"], item=item, data={"typical_value": "40"})
    item.refresh_from_db()
    services.indicator_item_transition(actor=world.users["unit_user"], item=item, action="submit")
    item.refresh_from_db()
    approvals = AuditEvent.objects.filter(event_type="indicator.approve")

    response = approver.post(
        f"/indicators/{item.pk}/transition/", {"action": "approve", "comment": "同意入库", "version": shown}
    )

    body = response.content.decode()
    assert response.status_code == 409 and "该指标在您打开页面后已有变化" in body
    assert 'value="同意入库"' in body  # the opinion stays in its box
    stale = IndicatorLibraryItem.objects.get(pk=item.pk)
    assert (stale.status, stale.version) == ("submitted", item.version)
    assert not approvals.exists() and not stale.events.filter(action="approve").exists()
    assert _shown_version(body) == stale.version  # the page shown again is the item as it stands
    again = {"action": "approve", "comment": "同意入库", "version": _shown_version(body)}
    assert approver.post(f"/indicators/{item.pk}/transition/", again).status_code == 302
    assert IndicatorLibraryItem.objects.get(pk=item.pk).status == "approved" and approvals.count() == 1


def test_a_malformed_version_on_a_review_step_is_a_400_keeping_the_opinion(world: World) -> None:
    item = services.indicator_item_propose(actor=world.users["unit_user"], data=proposal_data())
    services.indicator_item_transition(actor=world.users["unit_user"], item=item, action="submit")
    client = world.login("performance")
    for version in ("abc", "99999999999999999999", "-1"):
        posted = {"action": "return", "comment": "请补充", "version": version}
        response = client.post(f"/indicators/{item.pk}/transition/", posted)
        assert response.status_code == 400 and "操作无效" in response.content.decode(), version
        assert 'value="请补充"' in response.content.decode()
    assert IndicatorLibraryItem.objects.get(pk=item.pk).status == "submitted"
