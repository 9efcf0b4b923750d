"""部门评价 run by the 主管部门 itself (DOMAIN.md §6.10 "Run department evaluation: D ✔, BS view, PS view, TP if
engaged"): the department creates it for its units' projects, arranges its own staff or its own commissioned agency
as scorers, moves it through the procedure; its units answer the draft; the finance bureau only reads it; another
department sees nothing of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.accounts.models import Membership
from jixiao.accounts.tests.factories import UserFactory
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.experts import services as expert_services
from jixiao.experts.models import Agency
from jixiao.keyeval import selectors, services
from jixiao.keyeval.models import EvalTemplate, KeyEvalDocument, KeyEvaluation

PDF = b"%PDF-1.4\n%keyeval\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _template() -> EvalTemplate:
    return EvalTemplate.objects.get(kind=EvalTemplate.Kind.PROJECT_10, region__isnull=True, fiscal_year__isnull=True)


def _payload(**extra: Any) -> dict[str, Any]:
    return {
        "fiscal_year": 2026,
        "title": "教育局部门评价：一中教学设备购置",
        "kind": KeyEvaluation.Kind.FINANCE,  # what a hand-made post might say: the department's own is always 部门评价
        "object_type": KeyEvaluation.ObjectType.PROJECT,
        "budget_book": KeyEvaluation.BudgetBook.GENERAL,
        "mode": KeyEvaluation.Mode.SELF_RUN,
        "template": _template(),
        **extra,
    }


def _dept_eval(world: World, **extra: Any) -> KeyEvaluation:
    return services.evaluation_create(
        actor=world.users["dept_admin"], data=_payload(**extra), projects=[world.school_project]
    )


def test_a_department_creates_its_own_department_evaluation(world: World) -> None:
    edu = world.users["dept_admin"]
    with pytest.raises(NotFoundError):  # another department is not its to name
        _dept_eval(world, department=world.health)
    ev = _dept_eval(world)
    assert ev.kind == KeyEvaluation.Kind.DEPT and ev.department_id == world.edu.pk
    assert ev.organiser_department_id == world.edu.pk and ev.organiser_section_id is None
    assert selectors.manages(edu, ev) and not selectors.manages(world.users["performance"], ev)
    # Only its own units' projects, and not its own overall spending.
    with pytest.raises(NotFoundError):
        services.evaluation_create(actor=edu, data=_payload(), projects=[world.hospital_project])
    with pytest.raises(DomainError, match="所属单位的项目或政策"):
        services.evaluation_create(
            actor=edu, data=_payload(object_type=KeyEvaluation.ObjectType.DEPT_OVERALL), projects=[world.school_project]
        )
    with pytest.raises(DomainError, match="请选择本部门所属单位的评价项目"):
        services.evaluation_create(actor=edu, data=_payload(), projects=[])


def test_a_double_click_on_save_makes_one_evaluation(world: World) -> None:
    """保存 clicked twice made two identical 重点评价. The form's one-time token: the second POST writes nothing and
    opens the evaluation the first made."""
    client = world.login("dept_admin")
    page = client.get("/keyeval/new/").content.decode()
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    post = {
        "title": "教育局部门评价",
        "fiscal_year": "2026",
        "object_type": "project",
        "budget_book": "general",
        "projects": [world.school_project.pk],
        "mode": "self_run",
        "template": _template().pk,
        "submit_token": token,
    }
    first = client.post("/keyeval/new/", post)
    second = client.post("/keyeval/new/", post)
    ev = KeyEvaluation.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == f"/keyeval/{ev.pk}/"


def test_the_pages_of_a_departments_own_evaluation(world: World) -> None:
    client = world.login("dept_admin")
    page = client.get("/keyeval/").content.decode()
    assert "新建重点评价" in page
    form = client.get("/keyeval/new/").content.decode()
    assert "部门整体支出" not in form.split('name="object_type"')[1].split("</select>")[0]
    post = {
        "title": "教育局部门评价",
        "fiscal_year": "2026",
        "object_type": "project",
        "budget_book": "general",
        "projects": [world.school_project.pk],
        "mode": "self_run",
        "template": _template().pk,
    }
    response = client.post("/keyeval/new/", post)
    assert response.status_code == 302, response.content.decode()[:2000]
    ev = KeyEvaluation.objects.get()
    assert ev.kind == "dept" and ev.organiser_department_id == world.edu.pk
    detail = client.get(f"/keyeval/{ev.pk}/").content.decode()
    assert "县教育局（主管部门自行组织）" in detail and "安排本部门人员" in detail and "随机抽取专家" not in detail
    assert "下发评价通知" in detail and "修改" in detail
    # The 绩效股 reads it: no actions, no edit, 403 on the edit page and on a move.
    perf = world.login("performance")
    shown = perf.get(f"/keyeval/{ev.pk}/").content.decode()
    assert (
        "县教育局（主管部门自行组织）" in shown
        and "下发评价通知" not in shown
        and 'href="/keyeval/' + str(ev.pk) + '/edit/"' not in shown
    )
    assert perf.get(f"/keyeval/{ev.pk}/edit/").status_code == 403
    assert perf.post(f"/keyeval/{ev.pk}/transition/", {"action": "notify"}).status_code == 403
    with pytest.raises(PermissionDeniedError, match="主管部门自行组织"):
        services.evaluation_transition(actor=world.users["performance"], evaluation=ev, action="notify")


def test_another_department_sees_nothing_of_it(world: World) -> None:
    ev = _dept_eval(world)
    health_login = UserFactory(username="p_health")
    Membership.objects.create(user=health_login, role="dept_admin", region=world.region, department=world.health)
    assert not KeyEvaluation.objects.visible_to(health_login).filter(pk=ev.pk).exists()
    with pytest.raises(NotFoundError):
        services.evaluation_transition(actor=health_login, evaluation=ev, action="notify")


def test_the_department_runs_it_to_the_end_and_its_unit_answers(world: World) -> None:
    edu = world.users["dept_admin"]
    ev = _dept_eval(world)
    services.document_add(actor=edu, evaluation=ev, kind=KeyEvalDocument.Kind.NOTICE, upload=_pdf("通知.pdf"))
    ev = services.evaluation_transition(actor=edu, evaluation=ev, action="notify")
    services.document_add(actor=edu, evaluation=ev, kind=KeyEvalDocument.Kind.WORK_PLAN, upload=_pdf("方案.pdf"))
    ev = services.evaluation_transition(actor=edu, evaluation=ev, action="approve_plan")
    ev = services.evaluation_transition(actor=edu, evaluation=ev, action="start_fieldwork")
    # Its own staff score; finance staff and experts are not its to arrange.
    assert list(selectors.staff_choices(edu)) == [edu]
    with pytest.raises(NotFoundError, match="不是本部门的人员"):
        services.scorer_add_staff(actor=edu, evaluation=ev, user=world.users["performance"])
    with pytest.raises(DomainError, match="专家库由财政部门管理"):
        services.scorers_draw_experts(actor=edu, evaluation=ev, field=None, size=1)
    services.scorer_add_staff(actor=edu, evaluation=ev, user=edu)
    scores = {leaf.row.pk: leaf.row.weight * Decimal("0.9") for leaf in selectors.all_leaves(ev)}
    services.score_submit(actor=edu, evaluation=ev, scores=scores, evidence={})
    ev = services.evaluation_transition(actor=edu, evaluation=ev, action="draft_report")
    assert ev.total_score == Decimal("90.00")
    services.document_add(actor=edu, evaluation=ev, kind=KeyEvalDocument.Kind.DRAFT_REPORT, upload=_pdf("初稿.pdf"))
    ev = services.evaluation_transition(actor=edu, evaluation=ev, action="request_feedback")
    # The department does not answer its own draft; the school owning the project does.
    assert not selectors.is_evaluated_party(edu, ev)
    assert "keyeval.respond" not in selectors.acting_capabilities(edu, ev)
    unit = world.users["unit_user"]
    assert selectors.is_evaluated_party(unit, ev)
    ev = services.evaluation_transition(actor=unit, evaluation=ev, action="respond", comment="无异议")
    services.document_add(actor=edu, evaluation=ev, kind=KeyEvalDocument.Kind.FINAL_REPORT, upload=_pdf("定稿.pdf"))
    ev = services.evaluation_transition(actor=edu, evaluation=ev, action="issue")
    assert ev.status == "issued" and ev.grade == "excellent"
    assert AuditEvent.objects.filter(event_type="keyeval.issue", actor_id=edu.pk, object_id=str(ev.pk)).exists()


def test_the_department_commissions_its_own_agency_to_score(world: World) -> None:
    edu = world.users["dept_admin"]
    agency = Agency.objects.create(region=world.region, name="明信咨询", credit_code="91511700MA62D4L83R")
    agency.users.set([world.users["agency"]])
    engagement = expert_services.engagement_save(
        actor=edu,
        engagement=None,
        data={"agency": agency, "scope": "key_evaluation", "fiscal_year": 2026, "title": "部门评价委托"},
    )
    finance_engagement = expert_services.engagement_save(
        actor=world.users["performance"],
        engagement=None,
        data={"agency": agency, "scope": "key_evaluation", "fiscal_year": 2026, "title": "财政委托"},
    )
    with pytest.raises(NotFoundError):
        _dept_eval(world, mode=KeyEvaluation.Mode.THIRD_PARTY, engagement=finance_engagement)
    ev = _dept_eval(world, mode=KeyEvaluation.Mode.THIRD_PARTY, engagement=engagement)
    created = services.scorers_from_engagement(actor=edu, evaluation=ev)
    assert [s.user_id for s in created] == [world.users["agency"].pk]


def test_todos_count_what_waits_on_each(world: World) -> None:
    _dept_eval(world)
    dept = {item.title: item.count for item in selectors.keyeval_todos(world.users["dept_admin"])}
    perf = {item.title: item.count for item in selectors.keyeval_todos(world.users["performance"])}
    title = "重点评价已确定评价对象"  # the PLANNED state, awaiting the organiser's 下发评价通知
    assert dept[title] == 1 and perf[title] == 0


def test_each_todo_link_lists_exactly_what_it_counts(world: World) -> None:
    _dept_eval(world)
    services.evaluation_create(
        actor=world.users["performance"],
        data=_payload(title="财政重点评价", kind=KeyEvaluation.Kind.FINANCE),
        projects=[world.school_project],
    )
    for persona in ("dept_admin", "performance"):
        client = world.login(persona)
        for item in selectors.keyeval_todos(world.users[persona]):
            if item.url.startswith("/keyeval/?"):
                shown = client.get(item.url).context["page"].paginator.count
                assert shown == item.count, (persona, item.title, item.url)
    listed = world.login("performance").get("/keyeval/?organiser=department").content.decode()
    assert "教育局部门评价" in listed and "财政重点评价" not in listed


def test_a_project_evaluation_takes_a_project_framework(world: World) -> None:
    """The 部门整体 frameworks score a department's overall spending: a project evaluation with one is refused (the
    form offered it, and the page then scored a project by 在职人员控制率 and “三公经费”变动率)."""
    overall = EvalTemplate.objects.get(
        kind=EvalTemplate.Kind.DEPT_OVERALL_A, region__isnull=True, fiscal_year__isnull=True
    )
    for actor in ("dept_admin", "performance"):
        with pytest.raises(DomainError, match="应选用项目支出绩效评价指标体系"):
            services.evaluation_create(
                actor=world.users[actor], data=_payload(template=overall), projects=[world.school_project]
            )
    assert not KeyEvaluation.objects.exists()
