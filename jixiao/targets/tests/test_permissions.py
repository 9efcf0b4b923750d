"""Permission matrix of the target pages over every persona (expected statuses from capabilities.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PERSONAS, World
from jixiao.targets import services_panel
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, make_target, move

# The expert holds target.view but sees only targets they sit on a panel for (test_panel_*.py covers that).
VIEWERS = {
    "performance",
    "budget",
    "business",
    "dept_admin",
    "unit_user",
    "other_unit_user",
    "leader",
    "oversight",
    "expert",
}
EDITORS = {"dept_admin", "unit_user", "other_unit_user"}
APPROVERS = {"budget"}
# Who may see 县第一中学's target (教育局, 对口 教科文股).
SEES_SCHOOL = {"performance", "budget", "business", "dept_admin", "unit_user", "leader", "oversight"}


def _expected(persona: str, allowed: set[str], ok: int = 200) -> int:
    return ok if persona in allowed else 403


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    return make_target(world)


@pytest.mark.parametrize("persona", PERSONAS)
def test_target_pages_follow_the_capability_table(world: World, persona: str) -> None:
    client = world.login(persona)
    assert client.get("/targets/").status_code == _expected(persona, VIEWERS)
    assert client.get("/targets/statistics/").status_code == _expected(persona, VIEWERS)
    assert client.get("/targets/start/").status_code == _expected(persona, EDITORS)
    assert client.get("/targets/approve/").status_code == _expected(persona, APPROVERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_target_detail_and_edit_are_404_outside_the_personas_scope(
    world: World, target: PerformanceTarget, persona: str
) -> None:
    client = world.login(persona)
    detail = client.get(f"/targets/{target.pk}/")
    edit = client.get(f"/targets/{target.pk}/edit/")
    if persona not in VIEWERS:
        assert detail.status_code == 403
    elif persona in SEES_SCHOOL:
        assert detail.status_code == 200
    else:
        assert detail.status_code == 404
        assert "一中教学设备购置" not in detail.content.decode()
    if persona not in EDITORS:
        assert edit.status_code == 403
    else:
        assert edit.status_code == (200 if persona in SEES_SCHOOL else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_posts_on_a_foreign_or_forbidden_target_change_nothing(
    world: World, target: PerformanceTarget, persona: str
) -> None:
    client = world.login(persona)
    comment = client.post(f"/targets/{target.pk}/comment/", {"text": "意见"})
    transition = client.post(f"/targets/{target.pk}/transition/", {"action": "submit"})
    if persona == "unit_user" or persona == "dept_admin":
        assert transition.status_code == 302
    elif persona in SEES_SCHOOL:
        assert transition.status_code in {400, 403, 409}
    else:
        assert transition.status_code in {403, 404}
    # Nobody may comment on a draft; outsiders do not even learn it exists.
    assert comment.status_code in {403, 404, 409}
    if persona not in {"unit_user", "dept_admin"}:
        target.refresh_from_db()
        assert target.status == "draft"


def test_expert_lists_nothing_until_drawn_onto_a_panel(world: World, target: PerformanceTarget) -> None:
    client = world.login("expert")
    assert "一中教学设备购置" not in client.get("/targets/").content.decode()
    assert client.get(f"/targets/{target.pk}/").status_code == 404
    target = move(world, target, *TO_PERF_REVIEW)
    services_panel.panel_assign(
        actor=world.users["performance"], target=target, members=[world.users["expert"]], kind="expert"
    )
    assert "一中教学设备购置" in client.get("/targets/").content.decode()
    assert client.get(f"/targets/{target.pk}/").status_code == 200


def test_anonymous_is_sent_to_the_login_page(anonymous_client: Client, world: World) -> None:
    target = make_target(world)
    for url in [
        "/targets/",
        "/targets/start/",
        "/targets/approve/",
        "/targets/statistics/",
        f"/targets/{target.pk}/",
        f"/targets/{target.pk}/edit/",
    ]:
        response = anonymous_client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response["Location"] or "accounts" in response["Location"], url
    response = anonymous_client.post(f"/targets/{target.pk}/transition/", {"action": "submit"})
    assert response.status_code == 302
