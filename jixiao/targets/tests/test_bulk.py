"""批量审核 of targets: the ticked targets go through the single-item transition, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import World
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget, ReviewComment, TargetStatus
from jixiao.targets.tests.pages_helpers import valid_rows

BULK = "/targets/bulk/"


def submitted(world: World, project: Project) -> PerformanceTarget:
    unit = world.users["unit_user"] if project.unit_id != world.hospital.pk else world.users["other_unit_user"]
    target = services.target_create_for_project(actor=unit, project=project)
    target = services.target_save_indicators(actor=unit, target=target, rows=valid_rows(target))
    return services.target_transition(actor=unit, target=target, action="submit")


@pytest.fixture
def four(world: World) -> list[PerformanceTarget]:
    """Four targets of 县教育局 awaiting the department's review."""
    extra = [ProjectFactory(unit=world.school, name=f"一中附加项目{n}") for n in (1, 2)]
    return [submitted(world, p) for p in (world.school_project, world.branch_project, *extra)]


def trail(target: PerformanceTarget) -> tuple[Any, ...]:
    """What a review leaves on a target, without ids and times."""
    target.refresh_from_db()
    events = [
        (e.actor_id, e.actor_role, e.action, e.from_status, e.to_status, e.comment)
        for e in target.events.order_by("id")
    ]
    audits = list(
        AuditEvent.objects.filter(object_type="targets.performancetarget", object_id=str(target.pk))
        .order_by("seq")
        .values_list("event_type", "reason", "changes")
    )
    comments = list(target.comments.values_list("stage", "text"))
    return target.status, target.version, events, audits, comments


def states(targets: list[PerformanceTarget]) -> list[tuple[str, int]]:
    rows = PerformanceTarget.objects.filter(pk__in=[t.pk for t in targets]).order_by("pk")
    return [(t.status, t.version) for t in rows]


def test_bulk_pass_leaves_what_passing_one_by_one_leaves(world: World, four: list[PerformanceTarget]) -> None:
    dept = world.login("dept_admin")
    one_by_one, batch = four[:2], four[2:]
    for target in one_by_one:
        response = dept.post(f"/targets/{target.pk}/transition/", {"action": "dept_pass", "comment": "同意"})
        assert response.status_code == 302
    response = dept.post(
        f"{BULK}?status=unit_submitted", {"ids": [t.pk for t in batch], "action": "dept_pass", "comment": "同意"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/targets/?status=unit_submitted"
    page = dept.get(response["Location"]).content.decode()
    assert "已批量通过 2 项（主管部门审核通过）" in page
    assert trail(batch[0]) == trail(one_by_one[0])
    assert trail(batch[1]) == trail(one_by_one[1])
    assert {t.status for t in PerformanceTarget.objects.filter(pk__in=[t.pk for t in four])} == {
        TargetStatus.SECTION_REVIEW
    }
    # The batch adds one record naming its targets.
    record = AuditEvent.objects.get(event_type="target.bulk_dept_pass")
    assert record.changes == {"ids": [t.pk for t in batch], "status": ["unit_submitted", "section_review"]}
    # The business section now sees them in its queue (its 待办 link lands on the list filtered by status).
    business = world.login("business")
    queue = business.get("/targets/", {"status": "section_review"}).content.decode()
    assert queue.count('name="ids"') == 4


def test_bulk_return_needs_a_reason_and_records_it_on_every_target(world: World, four: list[PerformanceTarget]) -> None:
    dept = world.login("dept_admin")
    ids = [t.pk for t in four[:2]]
    response = dept.post(f"{BULK}?status=unit_submitted", {"ids": ids, "action": "dept_return", "comment": "  "})
    assert response.status_code == 400
    assert "请填写退回原因" in response.content.decode()
    response = dept.post(BULK, {"ids": ids, "action": "dept_return", "comment": "长" * 2001})
    assert response.status_code == 400 and "意见不能超过2000字" in response.content.decode()
    assert {s for s, _v in states(four[:2])} == {TargetStatus.UNIT_SUBMITTED}

    response = dept.post(
        f"{BULK}?status=unit_submitted", {"ids": ids, "action": "dept_return", "comment": "请补充满意度指标"}
    )
    assert response.status_code == 302
    assert "已批量退回 2 项（退回修改）" in dept.get(response["Location"]).content.decode()
    for target in four[:2]:
        target.refresh_from_db()
        assert target.status == TargetStatus.RETURNED
        assert target.returned_from == TargetStatus.UNIT_SUBMITTED
        assert ReviewComment.objects.filter(target=target, text="请补充满意度指标").count() == 1
    # The unit resubmits each to the department, as after a single return.
    again = services.target_transition(actor=world.users["unit_user"], target=four[0], action="resubmit")
    assert again.status == TargetStatus.UNIT_SUBMITTED


def test_a_target_of_another_department_or_region_fails_the_whole_batch_as_not_found(
    world: World, four: list[PerformanceTarget]
) -> None:
    hospital = submitted(world, world.hospital_project)
    far = PerformanceTarget.objects.create(
        fiscal_year=2026,
        region=world.other_region,
        project=world.far_project,
        department=world.far_project.department,
        unit=world.far_unit,
        framework=four[0].framework,
        name="外县目标",
        status=TargetStatus.UNIT_SUBMITTED,
    )
    dept = world.login("dept_admin")
    before = states([*four, hospital, far])
    for stranger in (hospital, far):
        response = dept.post(BULK, {"ids": [four[0].pk, stranger.pk], "action": "dept_pass"})
        assert response.status_code == 404
    assert dept.post(BULK, {"ids": [four[0].pk, "abc"], "action": "dept_pass"}).status_code == 404
    assert states([*four, hospital, far]) == before
    assert not AuditEvent.objects.filter(event_type__in=["target.dept_pass", "target.bulk_dept_pass"]).exists()


def test_a_target_moved_meanwhile_fails_the_whole_batch_with_a_conflict_and_keeps_the_typed_text(
    world: World, four: list[PerformanceTarget]
) -> None:
    services.target_transition(actor=world.users["unit_user"], target=four[1], action="withdraw")
    dept = world.login("dept_admin")
    before = states(four)
    response = dept.post(
        f"{BULK}?status=unit_submitted",
        {"ids": [four[0].pk, four[1].pk, four[2].pk], "action": "dept_return", "comment": "指标值依据不足"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "所选绩效目标中有状态已变化的，请刷新后重试" in page
    assert "指标值依据不足</textarea>" in page  # the typed reason is still there
    assert f'value="{four[0].pk}" aria-label="选择{four[0].name}" checked' in page  # and the ticks
    assert states(four) == before
    assert not ReviewComment.objects.exists()


def test_only_reviewers_of_the_stage_may_act_in_bulk(world: World, four: list[PerformanceTarget]) -> None:
    ids = [t.pk for t in four]
    for persona in ("unit_user", "business", "performance"):
        response = world.login(persona).post(BULK, {"ids": ids, "action": "dept_pass"})
        assert response.status_code in {403, 404}, persona
    assert world.login("expert").post(BULK, {"ids": ids, "action": "dept_pass"}).status_code == 403
    assert Client().post(BULK, {"ids": ids, "action": "dept_pass"}).status_code == 302  # to the login page
    assert {s for s, _v in states(four)} == {TargetStatus.UNIT_SUBMITTED}


def test_grading_is_not_offered_in_bulk_and_a_batch_has_a_size_limit(
    world: World, four: list[PerformanceTarget]
) -> None:
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="不能批量"):
        services.target_bulk_transition(actor=perf, ids=[four[0].pk], action="grade_excellent")
    with pytest.raises(DomainError, match="一次最多批量办理200项"):
        services.target_bulk_transition(actor=world.users["dept_admin"], ids=list(range(1, 202)), action="dept_pass")
    with pytest.raises(DomainError, match="请先勾选"):
        services.target_bulk_transition(actor=world.users["dept_admin"], ids=[], action="dept_pass")


def test_get_is_not_allowed_and_csrf_is_enforced(world: World, four: list[PerformanceTarget]) -> None:
    dept = world.login("dept_admin")
    assert dept.get(BULK).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.login(username=world.users["dept_admin"].username, password=TEST_PASSWORD)
    assert strict.post(BULK, {"ids": [four[0].pk], "action": "dept_pass"}).status_code == 403
    assert {s for s, _v in states(four)} == {TargetStatus.UNIT_SUBMITTED}


def test_the_list_offers_ticks_only_where_the_user_can_act_in_bulk(world: World, four: list[PerformanceTarget]) -> None:
    dept = world.login("dept_admin")
    queue = dept.get("/targets/", {"status": "unit_submitted"}).content.decode()
    assert queue.count('name="ids"') == 4
    assert 'data-testid="bulk-approve"' in queue and 'data-testid="bulk-return"' in queue
    # Unfiltered: no ticks, a hint that leads to the filtered list.
    everything = dept.get("/targets/").content.decode()
    assert 'name="ids"' not in everything
    assert "?status=unit_submitted" in everything
    # The performance section grades one by one: at its stage only 批量退回.
    perf = world.login("performance")
    assert 'name="ids"' not in perf.get("/targets/", {"status": "unit_submitted"}).content.decode()
    for target in four[:2]:
        services.target_transition(actor=world.users["dept_admin"], target=target, action="dept_pass")
        services.target_transition(actor=world.users["business"], target=target, action="section_pass")
    queue = perf.get("/targets/", {"status": "perf_review"}).content.decode()
    assert queue.count('name="ids"') == 2
    assert 'data-testid="bulk-return"' in queue and 'data-testid="bulk-approve"' not in queue
    # A page of up to one full batch.
    assert dept.get("/targets/", {"status": "unit_submitted", "per_page": "200"}).status_code == 200


def test_the_api_batch_passes_the_departments_targets(world: World, four: list[PerformanceTarget]) -> None:
    dept = world.login("dept_admin")
    api = "/api/v1/targets/bulk-transition/"
    response = dept.post(api, {"ids": [t.pk for t in four], "action": "dept_pass"}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"count": 4}
    assert {s for s, _v in states(four)} == {TargetStatus.SECTION_REVIEW}
    again = dept.post(api, {"ids": [four[0].pk], "action": "dept_pass"}, content_type="application/json")
    assert again.status_code == 409
