"""联合审核 (seed 003 平利 S08/S61): a region's lead department reviews its fund-theme projects after their 主管部门
and before the 业务股室's 入库; the gate, the lead department's pages and scope, the settings, the 待办."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import World, _member
from jixiao.accounts.models import User
from jixiao.core.models import AuditEvent
from jixiao.core.todos import for_user as todos_for
from jixiao.projects import services
from jixiao.projects.models import FundTheme, JointReviewOpinion, JointReviewRule, Project
from jixiao.projects.tests.factories import ProjectFactory

SMALL = Decimal("100000.00")  # below the 事前评估 threshold


@pytest.fixture
def lead(world: World) -> User:
    """县卫健局's 主管部门 user, whose department the region names its 衔接资金项目's joint reviewer."""
    JointReviewRule.objects.create(region=world.region, theme=FundTheme.RURAL_LINK, department=world.health)
    return _member("p_lead", "dept_admin", world.region, department=world.health)


@pytest.fixture
def linked(world: World) -> Project:
    """A small 衔接资金项目 of 县第一中学, passed by 县教育局 (待业务股室审核)."""
    project = ProjectFactory(unit=world.school, fiscal_amount_yuan=SMALL, is_rural_link=True, submitted=True)
    response = world.login("dept_admin").post(f"/projects/{project.pk}/transition/", {"action": "dept_approve"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "dept_approved"
    return project


def _login(world: World, user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _enter(world: World, project: Project) -> tuple[int, str]:
    response = world.login("business").post(f"/projects/{project.pk}/transition/", {"action": "section_approve"})
    project.refresh_from_db()
    return response.status_code, response.content.decode()


def test_without_a_rule_nothing_waits_for_a_joint_review(world: World, linked: Project) -> None:
    assert _enter(world, linked)[0] == 302
    assert linked.status == "in_library"


def test_the_section_cannot_enter_the_project_before_the_lead_department_agrees(
    world: World, lead: User, linked: Project
) -> None:
    status, page = _enter(world, linked)
    assert status == 400 and linked.status == "dept_approved"
    assert f"项目“{linked.code}”为衔接资金项目，须经县卫健局联合审核同意后方可入库" in page
    assert "待联合审核" in page  # the project page's 联合审核 card

    client = _login(world, lead)
    todo = [t for t in todos_for(lead) if "待联合审核" in t.title]
    assert [(t.title, t.count) for t in todo] == [("衔接资金项目待联合审核", 1)]
    listed = client.get(todo[0].url).content.decode()
    assert linked.code in listed and 'data-testid="joint-waiting">1<' in listed
    response = client.post(
        f"/projects/joint-review/{linked.pk}/", {"verdict": "agree", "comment": "符合衔接资金项目库要求"}
    )
    assert response.status_code == 302
    opinion = JointReviewOpinion.objects.get(project=linked)
    assert (opinion.theme, opinion.department_id, opinion.reviewer_id, opinion.verdict) == (
        "rural_link",
        world.health.pk,
        lead.pk,
        "agree",
    )
    event = linked.events.get(action="joint_review")
    assert event.comment == "县卫健局：同意入库。符合衔接资金项目库要求" and event.actor_id == lead.pk
    assert AuditEvent.objects.filter(event_type="project.joint_review", object_id=str(linked.pk)).count() == 1
    assert not [t for t in todos_for(lead) if "待联合审核" in t.title]  # nothing waits: no 待办 line
    assert client.get("/projects/joint-review/?show=agree").content.decode().count(linked.code) >= 1

    page = world.login("business").get(f"/projects/{linked.pk}/").content.decode()
    assert "联合审核意见：（空） → 县卫健局 同意入库" in page  # 修改历史, in Chinese
    assert "以往审核意见" not in page  # the one opinion is the current one
    assert _enter(world, linked)[0] == 302
    assert linked.status == "in_library"


def test_a_disagreement_needs_a_reason_and_keeps_the_project_out(world: World, lead: User, linked: Project) -> None:
    client = _login(world, lead)
    response = client.post(f"/projects/joint-review/{linked.pk}/", {"verdict": "disagree", "comment": " "})
    assert response.status_code == 400
    assert "不同意时必须填写审核意见" in response.content.decode()
    assert not JointReviewOpinion.objects.exists()
    response = client.post(f"/projects/joint-review/{linked.pk}/", {"verdict": "disagree", "comment": "带贫机制不明确"})
    assert response.status_code == 302
    status, page = _enter(world, linked)
    assert status == 400 and linked.status == "dept_approved"
    assert "联合审核意见为不同意（县卫健局：带贫机制不明确），不能入库" in page
    # The section returns it; passed again by its 主管部门, it needs a new opinion: the old one is of another round.
    response = world.login("business").post(
        f"/projects/{linked.pk}/transition/", {"action": "section_return", "comment": "按联合审核意见修改"}
    )
    assert response.status_code == 302
    # Returned, it stays on the lead department's list as 不同意 (its opinion), though back with the unit.
    listed = client.get("/projects/joint-review/", {"show": "disagree"}).content.decode()
    assert linked.code in listed
    assert world.login("unit_user").post(f"/projects/{linked.pk}/transition/", {"action": "submit"}).status_code == 302
    response = world.login("dept_admin").post(f"/projects/{linked.pk}/transition/", {"action": "dept_approve"})
    assert response.status_code == 302
    status, page = _enter(world, linked)
    assert status == 400 and "须经县卫健局联合审核同意后方可入库" in page
    assert [t.count for t in todos_for(lead) if "待联合审核" in t.title] == [1]  # waiting again
    response = client.post(f"/projects/joint-review/{linked.pk}/", {"verdict": "agree", "comment": ""})
    assert response.status_code == 302
    assert _enter(world, linked)[0] == 302


def test_a_switched_off_rule_or_another_theme_needs_no_joint_review(world: World, lead: User, linked: Project) -> None:
    other = ProjectFactory(unit=world.school, fiscal_amount_yuan=SMALL, is_agri_integrated=True, submitted=True)
    world.login("dept_admin").post(f"/projects/{other.pk}/transition/", {"action": "dept_approve"})
    assert _enter(world, other)[0] == 302
    JointReviewRule.objects.filter(department=world.health).update(is_active=False)
    assert _enter(world, linked)[0] == 302


def test_bulk_entry_names_the_project_waiting_for_its_joint_review(world: World, lead: User, linked: Project) -> None:
    plain = ProjectFactory(unit=world.school, fiscal_amount_yuan=SMALL, submitted=True)
    world.login("dept_admin").post(f"/projects/{plain.pk}/transition/", {"action": "dept_approve"})
    response = world.login("business").post(
        "/projects/bulk/?status=dept_approved", {"ids": [plain.pk, linked.pk], "action": "section_approve"}
    )
    assert response.status_code == 400
    assert "须经县卫健局联合审核同意后方可入库" in response.content.decode()
    assert set(Project.objects.filter(pk__in=[plain.pk, linked.pk]).values_list("status", flat=True)) == {
        "dept_approved"
    }


def test_the_lead_department_sees_only_its_themes_projects_and_only_on_its_pages(
    world: World, lead: User, linked: Project
) -> None:
    client = _login(world, lead)
    far = ProjectFactory(unit=world.far_unit, is_rural_link=True)
    for project in (world.school_project, far):  # not of the theme; of another county
        assert client.get(f"/projects/joint-review/{project.pk}/").status_code == 404
        response = client.post(f"/projects/joint-review/{project.pk}/", {"verdict": "agree"})
        assert response.status_code == 404
    page = client.get(f"/projects/joint-review/{linked.pk}/").content.decode()
    assert linked.name in page and 'data-testid="joint-form"' in page
    # Its ordinary scope is unchanged: the project page and the workflow stay 县教育局's and the 业务股室's.
    assert client.get(f"/projects/{linked.pk}/").status_code == 404
    assert linked.code not in client.get("/projects/").content.decode()
    # Another 主管部门 is no joint reviewer: the page says so and finds nothing.
    edu = world.login("dept_admin")
    assert 'data-testid="joint-none"' in edu.get("/projects/joint-review/").content.decode()
    assert edu.get(f"/projects/joint-review/{linked.pk}/").status_code == 404
    # The finance bureau has no joint-review capability.
    assert world.login("business").get("/projects/joint-review/").status_code == 403


def test_an_opinion_only_at_the_joint_step_and_on_the_version_shown(world: World, lead: User, linked: Project) -> None:
    client = _login(world, lead)
    draft = ProjectFactory(unit=world.school, fiscal_amount_yuan=SMALL, is_rural_link=True)
    assert client.get(f"/projects/joint-review/{draft.pk}/").status_code == 404  # another department's draft
    # The page was opened on this version; the project was edited since: the opinion is refused, nothing written.
    shown = linked.version
    services.project_set_supported_amount(
        actor=world.users["performance"], project=linked, amount_yuan=Decimal("90000.00"), reason="核减"
    )
    response = client.post(
        f"/projects/joint-review/{linked.pk}/", {"verdict": "agree", "version": shown, "comment": "同意"}
    )
    assert response.status_code == 409 and "请刷新后重新审核" in response.content.decode()
    assert not JointReviewOpinion.objects.exists()
    # The page shows the project as it is now, the opinion as typed, and takes it when sent again.
    linked.refresh_from_db()
    assert response.context["form"]["version"].value() == str(linked.version)
    assert response.context["form"]["comment"].value() == "同意"
    # In the library, the page shows the project and its opinions but no form; a post is refused.
    response = client.post(f"/projects/joint-review/{linked.pk}/", {"verdict": "agree"})
    assert response.status_code == 302
    assert _enter(world, linked)[0] == 302
    page = client.get(f"/projects/joint-review/{linked.pk}/").content.decode()
    assert 'data-testid="joint-form"' not in page and "方可给出联合审核意见" in page
    response = client.post(f"/projects/joint-review/{linked.pk}/", {"verdict": "agree"})
    assert response.status_code == 409
    assert "不在联合审核环节" in response.content.decode()
    assert JointReviewOpinion.objects.count() == 1


def test_a_rule_switched_off_after_the_page_was_shown_takes_the_project_away(
    world: World, lead: User, linked: Project
) -> None:
    client = _login(world, lead)
    assert client.get(f"/projects/joint-review/{linked.pk}/").status_code == 200
    JointReviewRule.objects.filter(department=world.health).update(is_active=False)
    assert client.post(f"/projects/joint-review/{linked.pk}/", {"verdict": "agree"}).status_code == 404
    assert not JointReviewOpinion.objects.exists()


def test_the_list_pages_the_waiting_projects_in_a_fixed_number_of_queries(
    world: World, lead: User, django_assert_max_num_queries: Any
) -> None:
    def make(count: int) -> None:
        for _ in range(count):
            ProjectFactory(unit=world.school, is_rural_link=True, status="dept_approved")

    client = _login(world, lead)
    make(3)
    client.get("/projects/joint-review/")
    with django_assert_max_num_queries(30) as few:
        client.get("/projects/joint-review/")
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/projects/joint-review/").content.decode()
    assert 'data-testid="joint-waiting">23<' in page
    second = client.get("/projects/joint-review/", {"page": 2}).content.decode()  # still 待联合审核: 23 = 20 + 3
    assert second.count('data-testid="joint-row"') == 3
    assert (
        client.get("/projects/joint-review/", {"show": "agree"}).content.decode().count('data-testid="joint-row"') == 0
    )
    found = client.get("/projects/joint-review/", {"show": "", "q": "测试项目"}).content.decode()
    assert found.count('data-testid="joint-row"') == 20  # the first page of all 23
    other_year = client.get("/projects/joint-review/", {"show": "", "fiscal_year": 2027}).content.decode()
    assert other_year.count('data-testid="joint-row"') == 0


def test_the_performance_section_sets_the_lead_department_of_its_region(world: World) -> None:
    perf = world.login("performance")
    page = perf.get("/projects/joint-review/settings/").content.decode()
    assert 'data-testid="joint-rule-rural_link"' in page and "未设置" in page
    data = {"theme": "rural_link", "department": world.health.pk, "is_active": "on"}
    response = perf.post("/projects/joint-review/settings/save/", data)
    assert response.status_code == 302
    rule = JointReviewRule.objects.get(region=world.region, theme="rural_link")
    assert (rule.department_id, rule.is_active) == (world.health.pk, True)
    record = AuditEvent.objects.get(event_type="project.joint_rule_save")
    assert record.changes["is_active"] == [None, True]
    perf.post("/projects/joint-review/settings/save/", {"theme": "rural_link", "department": world.edu.pk})
    rule.refresh_from_db()
    assert (rule.department_id, rule.is_active) == (world.edu.pk, False)
    # Another county's department is not offered and not taken.
    far = world.far_unit.department
    response = perf.post("/projects/joint-review/settings/save/", {"theme": "rural_link", "department": far.pk})
    assert response.status_code == 400
    rule.refresh_from_db()
    assert rule.department_id == world.edu.pk
    assert world.login("business").get("/projects/joint-review/settings/").status_code == 403
    assert world.login("business").post("/projects/joint-review/settings/save/", data).status_code == 403


def test_the_settings_refuse_a_bad_page_in_chinese(world: World) -> None:
    perf = world.login("performance")
    response = perf.post("/projects/joint-review/settings/save/", {"theme": "poverty", "department": world.edu.pk})
    assert response.status_code == 400 and "资金类别无效，请刷新页面后重新设置" in response.content.decode()
    response = perf.post("/projects/joint-review/settings/save/", {"theme": "rural_link"})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    assert not JointReviewRule.objects.exists()
    data = {"theme": "rural_link", "department": world.health.pk, "is_active": "on"}
    assert perf.post("/projects/joint-review/settings/save/", data).status_code == 302
    assert perf.post("/projects/joint-review/settings/save/", data).status_code == 302  # unchanged: not audited
    assert AuditEvent.objects.filter(event_type="project.joint_rule_save").count() == 1
