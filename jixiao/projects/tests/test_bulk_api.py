"""批量审核 through the API (`POST /api/v1/<list>/bulk-transition/`, core.api.BulkTransitionMixin): the same
all-or-nothing batch as the page (core.bulk.run), with JSON answers in Chinese and nothing written on a refusal."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core.bulk import MAX_BATCH
from jixiao.core.models import AuditEvent
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.projects.tests.test_bulk import SMALL, states, trail

API = "/api/v1/projects/bulk-transition/"


@pytest.fixture
def four(world: World) -> list[Project]:
    """Four small projects of 县第一中学 submitted to 县教育局."""
    return [ProjectFactory(unit=world.school, fiscal_amount_yuan=SMALL, submitted=True) for _ in range(4)]


def _post(client: Client, payload: dict[str, object]) -> tuple[int, dict[str, object]]:
    response = client.post(API, payload, content_type="application/json")
    return response.status_code, response.json()


def test_an_api_batch_leaves_what_the_page_batch_leaves(world: World, four: list[Project]) -> None:
    dept = world.login("dept_admin")
    page, api = four[:2], four[2:]
    response = dept.post(
        "/projects/bulk/?status=submitted", {"ids": [p.pk for p in page], "action": "dept_approve", "comment": "同意"}
    )
    assert response.status_code == 302
    code, body = _post(dept, {"ids": [p.pk for p in api], "action": "dept_approve", "comment": "同意"})
    assert (code, body) == (200, {"count": 2})
    assert trail(api[0])[:3] == trail(page[0])[:3] and trail(api[1])[:3] == trail(page[1])[:3]
    assert AuditEvent.objects.filter(event_type="project.bulk_dept_approve").count() == 2


def test_an_api_batch_refuses_as_a_whole_and_writes_nothing(world: World, four: list[Project]) -> None:
    dept = world.login("dept_admin")
    before = states(four)
    far = ProjectFactory(unit=world.far_unit, fiscal_amount_yuan=SMALL, submitted=True)
    code, body = _post(dept, {"ids": [four[0].pk, far.pk], "action": "dept_approve"})
    assert code == 404 and body == {"detail": "项目不存在"}
    code, body = _post(dept, {"ids": [four[0].pk], "action": "dept_return"})
    assert code == 400 and "退回原因" in str(body["detail"])
    code, body = _post(dept, {"ids": [four[0].pk], "action": "submit"})
    assert code == 400 and body == {"detail": "该操作不能批量办理"}
    Project.objects.filter(pk=four[1].pk).update(status="dept_approved")
    code, body = _post(dept, {"ids": [four[0].pk, four[1].pk], "action": "dept_approve"})
    assert code == 409 and "状态已变化" in str(body["detail"])
    assert states(four)[0] == before[0] and states(four)[2:] == before[2:]
    assert not AuditEvent.objects.filter(event_type__startswith="project.bulk_").exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "dept_approve"},
        {"ids": [], "action": "dept_approve"},
        {"ids": ["abc"], "action": "dept_approve"},
        {"ids": [99999999999999999999], "action": "dept_approve"},
        {"ids": list(range(1, MAX_BATCH + 2)), "action": "dept_approve"},
        {"ids": [1], "action": "x" * 41},
    ],
)
def test_a_malformed_batch_is_a_400_not_a_500(world: World, four: list[Project], payload: dict[str, object]) -> None:
    code, _body = _post(world.login("dept_admin"), payload)
    assert code == 400
    assert {s for s, _v in states(four)} == {"submitted"}


def test_only_the_stages_reviewers_and_only_with_csrf(world: World, four: list[Project]) -> None:
    code, body = _post(world.login("unit_user"), {"ids": [four[0].pk], "action": "dept_approve"})
    assert code in (403, 404) and body["detail"]
    strict = Client(enforce_csrf_checks=True)
    assert strict.login(username=world.users["dept_admin"].username, password=TEST_PASSWORD)
    assert (
        strict.post(API, {"ids": [four[0].pk], "action": "dept_approve"}, content_type="application/json").status_code
        == 403
    )
    assert Client().post(
        API, {"ids": [four[0].pk], "action": "dept_approve"}, content_type="application/json"
    ).status_code in (401, 403)
    assert {s for s, _v in states(four)} == {"submitted"}
