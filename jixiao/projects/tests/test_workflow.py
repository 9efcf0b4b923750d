"""Project library workflow: unit → 主管部门 → 对口业务股室 → 入库, with events and audit rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.core.tests.helpers import shown_form_data
from jixiao.projects import services
from jixiao.projects.models import Project
from jixiao.projects.workflow import PROJECT_WORKFLOW


@pytest.fixture(autouse=True)
def _project_needs_no_preassessment(world: World) -> None:
    """These tests cover the bare library workflow, so the school project is an in-period continuation that needs no
    事前绩效评估 (the gate itself is tested in jixiao/preassessment/tests)."""
    project = world.school_project
    project.is_new, project.start_year = False, 2025
    project.save(update_fields=["is_new", "start_year"])


def _post(world: World, persona: str, project: Project, action: str, comment: str = "") -> Project:
    world.login(persona).post(f"/projects/{project.pk}/transition/", {"action": action, "comment": comment})
    project.refresh_from_db()
    return project


def test_project_goes_through_unit_department_and_section_into_the_library(world: World) -> None:
    project = world.school_project
    assert _post(world, "unit_user", project, "submit").status == "submitted"
    assert _post(world, "dept_admin", project, "dept_approve").status == "dept_approved"
    assert _post(world, "business", project, "section_approve").status == "in_library"
    actions = list(project.events.order_by("id").values_list("action", flat=True))
    assert actions == ["submit", "dept_approve", "section_approve"]
    audited = AuditEvent.objects.filter(object_type="projects.project", object_id=str(project.pk))
    assert {"project.submit", "project.dept_approve", "project.section_approve"} <= set(
        audited.values_list("event_type", flat=True)
    )


def test_the_page_says_which_action_was_done(world: World) -> None:
    client = world.login("unit_user")
    url = f"/projects/{world.school_project.pk}/transition/"
    page = client.post(url, {"action": "submit", "comment": ""}, follow=True).content.decode()
    assert "操作成功：" + PROJECT_WORKFLOW.action_label("submit") in page
    assert PROJECT_WORKFLOW.action_label("submit") != "submit" and PROJECT_WORKFLOW.action_label("nope") == "nope"
    # A returned project is submitted again: the message names the button pressed there (重新提交).
    world.login("dept_admin").post(url, {"action": "dept_return", "comment": "请补充测算依据"})
    again = client.post(url, {"action": "submit", "comment": ""}, follow=True).content.decode()
    resubmit = PROJECT_WORKFLOW.action_label("submit", "returned")
    assert resubmit != PROJECT_WORKFLOW.action_label("submit", "draft") and "操作成功：" + resubmit in again


def test_return_requires_an_opinion_and_sends_the_project_back_to_the_unit(world: World) -> None:
    project = _post(world, "unit_user", world.school_project, "submit")
    assert _post(world, "dept_admin", project, "dept_return").status == "submitted"
    project = _post(world, "dept_admin", project, "dept_return", "请补充测算依据")
    assert project.status == "returned"
    assert project.events.first().comment == "请补充测算依据"  # type: ignore[union-attr]


def test_unit_user_cannot_approve_own_project(world: World) -> None:
    project = _post(world, "unit_user", world.school_project, "submit")
    with pytest.raises(PermissionDeniedError):
        services.project_transition(actor=world.users["unit_user"], project=project, action="dept_approve")
    assert _post(world, "unit_user", project, "dept_approve").status == "submitted"


def test_submitted_project_cannot_be_edited_by_the_unit(world: World) -> None:
    project = _post(world, "unit_user", world.school_project, "submit")
    client = world.login("unit_user")
    response = client.patch(f"/api/v1/projects/{project.pk}/", {"name": "偷偷改名"}, content_type="application/json")
    assert response.status_code == 409
    project.refresh_from_db()
    assert project.name == "一中教学设备购置"


def test_concurrent_edit_with_a_stale_version_is_a_conflict(world: World) -> None:
    user = world.users["unit_user"]
    project = world.school_project
    services.project_update(actor=user, project=project, data={"name": "第一次修改"}, expected_version=1)
    with pytest.raises(ConflictError):
        services.project_update(actor=user, project=project, data={"name": "第二次修改"}, expected_version=1)
    project.refresh_from_db()
    assert project.name == "第一次修改"
    assert project.version == 2


def test_the_edit_page_answers_a_stale_save_with_409_and_keeps_the_input(world: World) -> None:
    project = world.school_project
    client = world.login("unit_user")
    shown = client.get(f"/projects/{project.pk}/edit/").context["form"]
    services.project_update(actor=world.users["unit_user"], project=project, data={"name": "他人的修改"})
    response = client.post(f"/projects/{project.pk}/edit/", shown_form_data(shown, name="旧页面的名称"))
    body = response.content.decode()
    assert response.status_code == 409 and "该项目已被他人修改，请刷新后重试" in body and "旧页面的名称" in body
    project.refresh_from_db()
    assert (project.name, project.version) == ("他人的修改", 2)


def test_update_records_a_before_after_diff(world: World) -> None:
    project = world.school_project
    services.project_update(
        actor=world.users["unit_user"], project=project, data={"fiscal_amount_yuan": Decimal("123456.78")}
    )
    event = AuditEvent.objects.get(event_type="project.update", object_id=str(project.pk))
    assert event.changes["fiscal_amount_yuan"] == ["500000.00", "123456.78"]
    assert event.actor_name == "p_unit"


def test_service_refuses_a_unit_outside_the_actors_scope(world: World) -> None:
    data = {
        "fiscal_year": 2026,
        "code": "X-1",
        "name": "越权项目",
        "unit": world.hospital,
        "start_year": 2026,
        "end_year": 2026,
    }
    with pytest.raises(NotFoundError):
        services.project_create(actor=world.users["unit_user"], data=data)
    assert not Project.objects.filter(code="X-1").exists()


def test_workflow_table_lists_actions_by_capability() -> None:
    labels = [t.action for t in PROJECT_WORKFLOW.available("submitted", {"project.review_dept"})]
    assert labels == ["dept_approve", "dept_return"]


def test_moving_a_project_to_a_closed_year_is_refused(world: World) -> None:
    from jixiao.organizations.models import FiscalYear

    FiscalYear.objects.filter(year=2027).update(is_open=False)
    with pytest.raises(DomainError, match="已关闭"):
        services.project_update(
            actor=world.users["unit_user"], project=world.school_project, data={"fiscal_year": 2027, "end_year": 2027}
        )
    world.school_project.refresh_from_db()
    assert world.school_project.fiscal_year == 2026


def test_the_units_todo_lines_say_what_is_asked(world: World) -> None:
    """我的待办: a draft is to be completed and submitted; a returned project revised along the opinion."""
    from jixiao.core import todos

    _post(world, "unit_user", world.school_project, "submit")
    _post(world, "dept_admin", world.school_project, "dept_return", "请补充测算依据")
    lines = {i.title: i for i in todos.for_user(world.users["unit_user"]) if i.stage == "项目库"}
    assert (lines["项目被退回"].count, lines["项目被退回"].hint) == (1, "请按审核意见修改后重新提交")
    assert lines["项目未送审"].hint == "请完善后提交审核"


def test_the_comment_box_asks_the_unit_for_a_note_and_the_reviewer_for_an_opinion(world: World) -> None:
    """The unit's 提交审核 / 重新提交 box read 审核意见 “退回时必须填写意见”, an opinion it cannot give."""

    def box(persona: str) -> str:
        page = world.login(persona).get(f"/projects/{world.school_project.pk}/").content.decode()
        return page.split('for="comment">', 1)[1][:200]

    unit_box = box("unit_user")
    assert unit_box.startswith("说明</label>") and 'placeholder="撤销项目时必须填写理由"' in unit_box
    project = _post(world, "unit_user", world.school_project, "submit")
    reviewer_box = box("dept_admin")
    assert reviewer_box.startswith("审核意见</label>") and 'placeholder="退回修改时必须填写意见"' in reviewer_box
    _post(world, "dept_admin", project, "dept_return", "请补充测算依据")
    returned_box = box("unit_user")  # 重新提交, or 撤销项目 (which needs a reason) of a project given up on
    assert returned_box.startswith("说明</label>") and 'placeholder="撤销项目时必须填写理由"' in returned_box


def test_a_refused_review_step_keeps_the_typed_opinion(world: World) -> None:
    """The unit withdrew while the department typed its opinion: the refusal (409) shows the page again with the
    opinion shown apart to copy (its step is gone), instead of a redirect that lost it."""
    project = _post(world, "unit_user", world.school_project, "submit")
    _post(world, "unit_user", project, "withdraw")
    response = world.login("dept_admin").post(
        f"/projects/{project.pk}/transition/", {"action": "dept_return", "comment": "请补充测算依据"}
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "当前状态为“草稿”，不允许执行“退回修改”操作" in body
    assert 'data-testid="unsent-comment"' in body and "请补充测算依据" in body
    project.refresh_from_db()
    assert project.status == "draft"


def test_an_opinion_for_a_step_no_longer_offered_is_not_left_in_the_box_of_another(world: World) -> None:
    """The unit typed why it cancels its draft while a colleague submitted it: the page now offers 撤回, and the
    reason typed for 撤销项目 is shown apart to copy, not in the box the 撤回 button would post."""
    project = _post(world, "unit_user", world.school_project, "submit")  # the colleague, from another tab
    response = world.login("unit_user").post(
        f"/projects/{project.pk}/transition/", {"action": "cancel", "comment": "项目已由上级统筹，不再申报"}
    )
    body = response.content.decode()
    assert response.status_code == 409 and f"{world.users['unit_user']} 已于" in body
    assert 'data-testid="unsent-comment"' in body and "项目已由上级统筹，不再申报" in body
    assert 'value="项目已由上级统筹，不再申报"' not in body and "撤回" in body


def test_a_return_from_a_tab_shown_before_a_colleague_took_the_project_in_keeps_the_opinion(world: World) -> None:
    """Two 业务股室 tabs: one takes the project into the library, the other returns it with an opinion. The second
    gets 409 naming who acted and when; with no button left, the opinion is shown apart to copy, not lost."""
    project = _post(world, "unit_user", world.school_project, "submit")
    project = _post(world, "dept_admin", project, "dept_approve")
    project = _post(world, "business", project, "section_approve")
    response = world.login("business").post(
        f"/projects/{project.pk}/transition/", {"action": "section_return", "comment": "请补充绩效目标测算依据"}
    )
    body = response.content.decode()
    assert response.status_code == 409 and f"{world.users['business']} 已于" in body
    assert 'data-testid="unsent-comment"' in body and "请补充绩效目标测算依据" in body


def test_the_edit_link_of_a_project_under_review_says_why_instead_of_a_form(world: World) -> None:
    """The page shows no 修改 button once submitted, but the typed or bookmarked link opened a form whose save could
    only be refused; it now returns to the project with the reason. The finance sections still edit any state."""
    project = _post(world, "unit_user", world.school_project, "submit")
    response = world.login("unit_user").get(f"/projects/{project.pk}/edit/", follow=True)
    assert response.redirect_chain == [(f"/projects/{project.pk}/", 302)]
    assert "项目当前状态为“待主管部门审核”，不能修改" in response.content.decode()
    assert world.login("budget").get(f"/projects/{project.pk}/edit/").status_code == 200


def test_an_opinion_the_form_refuses_is_a_400_in_words_and_the_project_stays(world: World) -> None:
    """A NUL pasted into the opinion, or one over 1,000 characters: a 400 that says why, the opinion kept to correct
    (it was a redirect saying 操作无效, the text lost)."""
    project = _post(world, "unit_user", world.school_project, "submit")
    client = world.login("dept_admin")
    for comment, kept in (("请补充\x00测算依据", "请补充测算依据"), ("依" * 1001, "依" * 1001)):
        response = client.post(f"/projects/{project.pk}/transition/", {"action": "dept_return", "comment": comment})
        body = response.content.decode()
        assert response.status_code == 400 and "意见无效：" in body and kept in body
        project.refresh_from_db()
        assert project.status == "submitted"
    assert not AuditEvent.objects.filter(event_type="project.dept_return").exists()


def test_a_returned_project_the_unit_gives_up_on_is_cancelled_and_leaves_its_todo(world: World) -> None:
    """撤销项目 is offered on a returned project too (it was only on a draft, so a project given up on after a return
    stayed in the unit's 被退回 待办 for good); an opinion is required."""
    project = _post(world, "unit_user", world.school_project, "submit")
    project = _post(world, "dept_admin", project, "dept_return", "请补充测算依据")
    assert project.status == "returned"
    page = world.login("unit_user").get(f"/projects/{project.pk}/").content.decode()
    assert 'value="cancel"' in page
    assert _post(world, "unit_user", project, "cancel").status == "returned"  # no opinion: refused
    project = _post(world, "unit_user", project, "cancel", "项目不再实施")
    assert project.status == "cancelled"
    assert AuditEvent.objects.filter(event_type="project.cancel", object_id=str(project.pk)).exists()
