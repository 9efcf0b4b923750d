"""批量审核 of 单位自评: the ticked records go through the single-item transition, all or nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from conftest import World
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services
from jixiao.evaluation.models import SelfEvalStatus, SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import YEAR, approved_target, fill_clean, pay, set_amounts, start
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
BULK = "/evaluation/self/bulk/"


def _approved(world: World, project: Project) -> None:
    set_amounts(project, fiscal="100000")
    pay(project, "100000", date(YEAR, 11, 30))
    approved_target(world, project)


@pytest.fixture
def four(world: World) -> list[SelfEvaluation]:
    """Four submitted self-evaluations of 县第一中学 (县教育局) awaiting the department's review, and the hospital's."""
    projects = [world.school_project, *(ProjectFactory(unit=world.school, name=f"一中附加项目{n}") for n in (1, 2, 3))]
    for project in [*projects, world.hospital_project]:
        _approved(world, project)
    start(world)
    records = []
    for project in projects:
        record = fill_clean(world, SelfEvaluation.objects.get(project=project))
        unit = world.users["unit_user"]
        records.append(services.selfeval_transition(actor=unit, record=record, action="submit", comment="已说明"))
    return records


def trail(record: SelfEvaluation) -> tuple[Any, ...]:
    record.refresh_from_db()
    events = [
        (e.actor_id, e.actor_role, e.action, e.action_label, e.from_status, e.to_status, e.comment)
        for e in record.events.order_by("id")
    ]
    audits = list(
        AuditEvent.objects.filter(object_type="evaluation.selfevaluation", object_id=str(record.pk))
        .order_by("seq")
        .values_list("event_type", "reason", "changes")
    )
    opinions = (record.dept_opinion, record.dept_score, record.section_opinion, record.fin_opinion, record.is_final)
    return record.status, record.version, opinions, events, audits


def states(records: list[SelfEvaluation]) -> list[tuple[str, int]]:
    rows = SelfEvaluation.objects.filter(pk__in=[r.pk for r in records]).order_by("pk")
    return [(r.status, r.version) for r in rows]


def test_bulk_approval_leaves_what_approving_one_by_one_leaves(world: World, four: list[SelfEvaluation]) -> None:
    dept = world.login("dept_admin")
    one_by_one, batch = four[:2], four[2:]
    for record in one_by_one:
        response = dept.post(f"/evaluation/self/{record.pk}/transition/", {"action": "dept_approve", "comment": "同意"})
        assert response.status_code == 302
    response = dept.post(
        f"{BULK}?status=submitted", {"ids": [r.pk for r in batch], "action": "dept_approve", "comment": "同意"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/evaluation/self/?status=submitted"
    assert "已批量通过 2 项（主管部门审核通过）" in dept.get(response["Location"]).content.decode()
    assert trail(batch[0]) == trail(one_by_one[0])
    assert trail(batch[1]) == trail(one_by_one[1])
    assert AuditEvent.objects.get(event_type="evaluation.selfeval.bulk_dept_approve").changes["ids"] == [
        r.pk for r in batch
    ]
    # The business section and the performance section go on in bulk: 审定 makes the records final.
    ids = [r.pk for r in four]
    assert world.login("business").post(BULK, {"ids": ids, "action": "section_approve"}).status_code == 302
    assert world.login("performance").post(BULK, {"ids": ids, "action": "final_approve"}).status_code == 302
    for record in SelfEvaluation.objects.filter(pk__in=ids):
        assert record.status == SelfEvalStatus.FIN_REVIEWED and record.is_final


def test_bulk_return_needs_a_reason_and_records_it_as_each_opinion(world: World, four: list[SelfEvaluation]) -> None:
    dept = world.login("dept_admin")
    ids = [r.pk for r in four[:3]]
    response = dept.post(f"{BULK}?status=submitted", {"ids": ids, "action": "dept_return", "comment": ""})
    assert response.status_code == 400 and "请填写退回原因" in response.content.decode()
    assert {s for s, _v in states(four)} == {SelfEvalStatus.SUBMITTED}
    response = dept.post(BULK, {"ids": ids, "action": "dept_return", "comment": "佐证资料不全"})
    assert response.status_code == 302
    for record in SelfEvaluation.objects.filter(pk__in=ids):
        assert record.status == SelfEvalStatus.RETURNED and record.dept_opinion == "佐证资料不全"


def test_a_record_of_another_unit_fails_the_whole_batch_as_not_found(world: World, four: list[SelfEvaluation]) -> None:
    hospital = SelfEvaluation.objects.get(project=world.hospital_project)
    SelfEvaluation.objects.filter(pk=hospital.pk).update(status=SelfEvalStatus.SUBMITTED)
    dept = world.login("dept_admin")
    before = states([*four, hospital])
    assert dept.post(BULK, {"ids": [four[0].pk, hospital.pk], "action": "dept_approve"}).status_code == 404
    assert states([*four, hospital]) == before


def test_a_record_moved_meanwhile_fails_the_whole_batch_with_a_conflict(
    world: World, four: list[SelfEvaluation]
) -> None:
    services.selfeval_transition(actor=world.users["unit_user"], record=four[0], action="withdraw")
    dept = world.login("dept_admin")
    before = states(four)
    response = dept.post(
        f"{BULK}?status=submitted", {"ids": [r.pk for r in four], "action": "dept_return", "comment": "得分偏高"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "所选单位自评中有状态已变化的，请刷新后重试" in page and "得分偏高</textarea>" in page
    assert states(four) == before


def test_only_reviewers_of_the_stage_may_act_in_bulk(world: World, four: list[SelfEvaluation]) -> None:
    ids = [r.pk for r in four]
    for persona in ("unit_user", "business", "performance"):
        assert world.login(persona).post(BULK, {"ids": ids, "action": "dept_approve"}).status_code in {403, 404}
    assert world.login("expert").post(BULK, {"ids": ids, "action": "dept_approve"}).status_code == 403
    assert {s for s, _v in states(four)} == {SelfEvalStatus.SUBMITTED}


def test_get_is_not_allowed_and_csrf_is_enforced(world: World, four: list[SelfEvaluation]) -> None:
    assert world.login("dept_admin").get(BULK).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.login(username=world.users["dept_admin"].username, password=TEST_PASSWORD)
    assert strict.post(BULK, {"ids": [four[0].pk], "action": "dept_approve"}).status_code == 403
    assert {s for s, _v in states(four)} == {SelfEvalStatus.SUBMITTED}


def test_the_list_offers_ticks_to_the_stage_reviewer_only(world: World, four: list[SelfEvaluation]) -> None:
    page = world.login("dept_admin").get("/evaluation/self/", {"status": "submitted"}).content.decode()
    assert page.count('name="ids"') == 4 and "批量审核（待主管部门审核）" in page
    for persona in ("unit_user", "business", "performance"):
        page = world.login(persona).get("/evaluation/self/", {"status": "submitted"}).content.decode()
        assert 'name="ids"' not in page, persona


def test_the_api_batch_approves_the_departments_records(world: World, four: list[SelfEvaluation]) -> None:
    dept = world.login("dept_admin")
    api = "/api/v1/selfevaluations/bulk-transition/"
    payload = {"ids": [r.pk for r in four], "action": "dept_approve", "comment": "同意"}
    response = dept.post(api, payload, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"count": 4}
    assert {s for s, _v in states(four)} == {SelfEvalStatus.DEPT_REVIEWED}
    other = world.login("other_unit_user").post(api, payload, content_type="application/json")
    assert other.status_code in (403, 404)
