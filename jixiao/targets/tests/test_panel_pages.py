"""集中会审 page flows with the test client: draw members, send, members give opinions, close."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import UserFactory
from jixiao.targets import services, services_panel
from jixiao.targets.models import PanelAssignment, PerformanceTarget, ReviewComment
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, make_target, move, valid_rows


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    return move(world, make_target(world), *TO_PERF_REVIEW)


def _sitting(world: World, target: PerformanceTarget) -> list[PanelAssignment]:
    """p_expert and the 人大代表 p_oversight on the panel, which is sitting."""
    perf = world.users["performance"]
    rows = services_panel.panel_assign(actor=perf, target=target, members=[world.users["expert"]], kind="expert")
    rows += services_panel.panel_assign(
        actor=perf, target=target, members=[world.users["oversight"]], kind="npc_deputy"
    )
    services_panel.panel_send(actor=perf, target=target)
    return rows


def _insider(world: World) -> User:
    user = UserFactory(username="insider", display_name="内部专家")
    Membership.objects.create(user=user, role="expert", region=world.region)
    Membership.objects.create(user=user, role="unit_user", region=world.region, unit=world.school)
    return user


def _status(target: PerformanceTarget) -> str:
    target.refresh_from_db()
    return target.status


def test_performance_section_draws_a_panel_and_sends_the_target(world: World, target: PerformanceTarget) -> None:
    _insider(world)
    client = world.login("performance")
    detail = client.get(f"/targets/{target.pk}/").content.decode()
    assert "集中会审" in detail and "管理会审成员" in detail
    page = client.get(f"/targets/{target.pk}/panel/").content.decode()
    assert "p_expert" in page and "p_oversight" in page and "须回避" in page
    response = client.post(
        f"/targets/{target.pk}/panel/assign/", {"kind": "expert", "members": [world.users["expert"].pk]}
    )
    assert response.status_code == 302
    response = client.post(
        f"/targets/{target.pk}/panel/assign/", {"kind": "npc_deputy", "members": [world.users["oversight"].pk]}
    )
    assert response.status_code == 302
    assert client.post(f"/targets/{target.pk}/panel/send/", {"comment": ""}).status_code == 302
    assert _status(target) == "panel_review"
    assert dict(target.panel.values_list("expert__username", "kind")) == {
        "p_expert": "expert",
        "p_oversight": "npc_deputy",
    }


def test_assigning_an_insider_shows_the_avoidance_error(world: World, target: PerformanceTarget) -> None:
    insider = _insider(world)
    response = world.login("performance").post(
        f"/targets/{target.pk}/panel/assign/", {"kind": "expert", "members": [insider.pk]}
    )
    assert response.status_code == 400
    assert "须回避" in response.content.decode()
    assert not target.panel.exists()


def test_sending_without_members_is_refused(world: World, target: PerformanceTarget) -> None:
    response = world.login("performance").post(f"/targets/{target.pk}/panel/send/")
    assert response.status_code == 400 and "请先指派会审成员" in response.content.decode()
    assert _status(target) == "perf_review"


@pytest.mark.parametrize("persona", ["unit_user", "dept_admin", "business", "expert", "oversight"])
def test_only_the_performance_section_manages_the_panel(world: World, target: PerformanceTarget, persona: str) -> None:
    client = world.login(persona)
    assert client.get(f"/targets/{target.pk}/panel/").status_code == 403
    response = client.post(
        f"/targets/{target.pk}/panel/assign/", {"kind": "expert", "members": [world.users["expert"].pk]}
    )
    assert response.status_code == 403
    assert not target.panel.exists()


def test_expert_sees_the_todo_opens_the_target_and_submits_an_opinion(world: World, target: PerformanceTarget) -> None:
    rows = _sitting(world, target)
    client = world.login("expert")
    home = client.get("/").content.decode()
    assert "待会审的绩效目标" in home
    mine = client.get("/targets/panel/mine/").content.decode()
    assert "一中教学设备购置" in mine and "提交意见" in mine
    assert "一中教学设备购置" in client.get("/targets/").content.decode()
    detail = client.get(f"/targets/{target.pk}/").content.decode()
    assert "提交会审意见" in detail and "审核操作" not in detail
    # The expert has no project pages: the project is named, not linked (the link would answer 403).
    project_link = f'href="/projects/{target.project_id}/"'
    assert target.project.name in detail and project_link not in detail
    assert project_link in world.login("unit_user").get(f"/targets/{target.pk}/").content.decode()
    response = client.post(
        f"/targets/panel/{rows[0].pk}/submit/", {"conclusion": "revise", "opinion": "满意度指标应量化"}
    )
    assert response.status_code == 302 and response["Location"] == f"/targets/{target.pk}/"
    comment = ReviewComment.objects.get(target=target, stage="panel")
    assert "满意度指标应量化" in comment.text
    assert "待会审的绩效目标" not in client.get("/").content.decode()
    again = client.post(f"/targets/panel/{rows[0].pk}/submit/", {"conclusion": "pass", "opinion": "再次"})
    assert again.status_code == 409 and "不能重复提交" in again.content.decode()


def test_an_incomplete_opinion_is_shown_again(world: World, target: PerformanceTarget) -> None:
    rows = _sitting(world, target)
    response = world.login("expert").post(f"/targets/panel/{rows[0].pk}/submit/", {"conclusion": "pass"})
    assert response.status_code == 400
    rows[0].refresh_from_db()
    assert rows[0].submitted_at is None


def test_a_member_cannot_act_for_another_member(world: World, target: PerformanceTarget) -> None:
    rows = _sitting(world, target)
    client = world.login("expert")
    deputy_row = rows[1]
    assert client.get(f"/targets/panel/{deputy_row.pk}/").status_code == 404
    submit = client.post(f"/targets/panel/{deputy_row.pk}/submit/", {"conclusion": "pass", "opinion": "x"})
    conflict = client.post(f"/targets/panel/{deputy_row.pk}/conflict/", {"reason": "x"})
    assert submit.status_code == 404 and conflict.status_code == 404
    deputy_row.refresh_from_db()
    assert deputy_row.submitted_at is None and not deputy_row.conflict_declared


def test_expert_gets_404_on_targets_they_do_not_sit_on(world: World, target: PerformanceTarget) -> None:
    unit = world.users["unit_user"]
    other = services.target_create_for_project(actor=unit, project=world.branch_project)
    other = services.target_save_indicators(actor=unit, target=other, rows=valid_rows(other))
    _sitting(world, target)
    client = world.login("expert")
    assert client.get(f"/targets/{other.pk}/").status_code == 404
    listing = client.get("/targets/").content.decode()
    assert "分校食堂改造" not in listing and "一中教学设备购置" in listing


def test_deputy_recuses_and_the_panel_can_then_close(world: World, target: PerformanceTarget) -> None:
    rows = _sitting(world, target)
    deputy = world.login("oversight")
    page = deputy.get(f"/targets/panel/{rows[1].pk}/").content.decode()
    assert "声明回避" in page
    assert deputy.post(f"/targets/panel/{rows[1].pk}/conflict/", {"reason": "本人曾在该校任职"}).status_code == 302
    services_panel.panel_submit(actor=world.users["expert"], assignment=rows[0], conclusion="pass", opinion="同意")
    response = world.login("performance").post(f"/targets/{target.pk}/panel/close/", {"comment": "会审通过"})
    assert response.status_code == 302
    assert _status(target) == "perf_review"


def test_close_is_refused_while_opinions_are_missing_unless_forced(world: World, target: PerformanceTarget) -> None:
    rows = _sitting(world, target)
    services_panel.panel_submit(
        actor=world.users["expert"], assignment=rows[0], conclusion="reject", opinion="绩效目标与项目内容不符"
    )
    client = world.login("performance")
    detail = client.get(f"/targets/{target.pk}/").content.decode()
    assert "绩效目标与项目内容不符" in detail and "不同意" in detail and "未提交" in detail
    refused = client.post(f"/targets/{target.pk}/panel/close/", {"comment": "结束会审"})
    body = refused.content.decode()
    assert refused.status_code == 409 and "p_oversight" in body and "强制结束会审" in body
    assert _status(target) == "panel_review"
    forced = client.post(f"/targets/{target.pk}/panel/close/", {"comment": "结束会审", "force": "on"})
    assert forced.status_code == 302
    assert _status(target) == "perf_review"
    # After the close, the member who did not submit can no longer do so.
    late = world.login("oversight").post(f"/targets/panel/{rows[1].pk}/submit/", {"conclusion": "pass", "opinion": "x"})
    assert late.status_code == 409


def test_close_needs_a_comment(world: World, target: PerformanceTarget) -> None:
    _sitting(world, target)
    response = world.login("performance").post(f"/targets/{target.pk}/panel/close/", {"comment": "", "force": "on"})
    assert response.status_code == 400
    assert _status(target) == "panel_review"


def test_a_member_can_be_removed_from_the_page(world: World, target: PerformanceTarget) -> None:
    perf = world.users["performance"]
    row = services_panel.panel_assign(actor=perf, target=target, members=[world.users["expert"]], kind="expert")[0]
    response = world.login("performance").post(f"/targets/panel/{row.pk}/remove/")
    assert response.status_code == 302 and not target.panel.exists()


def test_panel_pages_queries_are_bounded(
    world: World, target: PerformanceTarget, django_assert_max_num_queries: Any
) -> None:
    _sitting(world, target)
    client = world.login("performance")
    with django_assert_max_num_queries(20):
        assert client.get(f"/targets/{target.pk}/panel/").status_code == 200
    expert = world.login("expert")
    with django_assert_max_num_queries(15):
        assert expert.get("/targets/panel/mine/").status_code == 200
