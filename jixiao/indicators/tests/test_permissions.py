"""Permission matrix: every page of the indicator library for every persona, and row scoping of proposals."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PERSONAS, World
from jixiao.indicators import services
from jixiao.indicators.models import IndicatorLibraryItem
from jixiao.indicators.tests.helpers import EXPORTERS, MANAGERS, PROPOSERS, SEES_PROPOSAL, VIEWERS, proposal_data


def _expected(persona: str, allowed: set[str]) -> int:
    return 200 if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_indicator_pages_follow_the_capability_table(world: World, persona: str) -> None:
    client = world.login(persona)
    assert client.get("/indicators/").status_code == _expected(persona, VIEWERS)
    assert client.get("/indicators/search.json?q=入学率").status_code == _expected(persona, VIEWERS)
    assert client.get("/indicators/frameworks/").status_code == _expected(persona, VIEWERS)
    assert client.get("/indicators/export/").status_code == _expected(persona, EXPORTERS)
    assert client.get("/indicators/new/").status_code == _expected(persona, MANAGERS)
    assert client.get("/indicators/propose/").status_code == _expected(persona, PROPOSERS)
    assert client.get("/indicators/proposals/").status_code == _expected(persona, PROPOSERS)
    assert client.get("/indicators/import/").status_code == _expected(persona, MANAGERS)
    assert client.get("/indicators/import/template.xlsx").status_code == _expected(persona, MANAGERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_approved_items_are_readable_by_every_viewer(world: World, persona: str) -> None:
    item = IndicatorLibraryItem.objects.get(name="适龄儿童入学率")
    response = world.login(persona).get(f"/indicators/{item.pk}/")
    assert response.status_code == _expected(persona, VIEWERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_draft_proposal_is_404_outside_the_proposing_department_and_the_reviewers(
    world: World, persona: str, proposal: IndicatorLibraryItem
) -> None:
    response = world.login(persona).get(f"/indicators/{proposal.pk}/")
    if persona not in VIEWERS:
        assert response.status_code == 403
    elif persona in SEES_PROPOSAL:
        assert response.status_code == 200
        assert "课后服务覆盖学校数" in response.content.decode()
    else:
        assert response.status_code == 404
        assert "课后服务覆盖学校数" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("unit_user", 200),
        ("dept_admin", 200),
        ("performance", 200),
        ("business", 403),
        ("other_unit_user", 404),
        ("budget", 404),
        ("sys_admin", 404),
    ],
)
def test_proposal_edit_page_is_for_the_department_and_the_performance_section(
    world: World, proposal: IndicatorLibraryItem, persona: str, status: int
) -> None:
    assert world.login(persona).get(f"/indicators/{proposal.pk}/edit/").status_code == status


def test_another_departments_user_cannot_act_on_the_proposal(world: World, proposal: IndicatorLibraryItem) -> None:
    client = world.login("other_unit_user")
    assert client.post(f"/indicators/{proposal.pk}/transition/", {"action": "submit"}).status_code == 404
    assert client.post(f"/indicators/{proposal.pk}/edit/", {"name": "改名"}).status_code == 404
    proposal.refresh_from_db()
    assert (proposal.status, proposal.name) == ("draft", "课后服务覆盖学校数")


def test_proposals_stay_out_of_other_users_lists_and_search(world: World, proposal: IndicatorLibraryItem) -> None:
    for persona in ("other_unit_user", "budget", "leader", "expert"):
        client = world.login(persona)
        assert "课后服务覆盖学校数" not in client.get("/indicators/?status=all&q=课后服务").content.decode()
        assert client.get("/indicators/search.json?q=课后服务").json()["results"] == []
    own = world.login("unit_user").get("/indicators/?status=draft").content.decode()
    assert "课后服务覆盖学校数" in own


def test_the_library_page_shows_approved_items_unless_a_status_is_chosen(
    world: World, proposal: IndicatorLibraryItem
) -> None:
    client = world.login("performance")
    assert "课后服务覆盖学校数" not in client.get("/indicators/?q=课后服务").content.decode()
    assert "课后服务覆盖学校数" in client.get("/indicators/?q=课后服务&status=draft").content.decode()
    assert "课后服务覆盖学校数" in client.get("/indicators/?q=课后服务&status=all").content.decode()


def test_status_filter_is_offered_only_to_people_who_see_proposals(world: World) -> None:
    assert 'name="status"' in world.login("business").get("/indicators/").content.decode()
    assert 'name="status"' not in world.login("leader").get("/indicators/").content.decode()


def test_a_business_section_sees_only_its_counterpart_departments_proposals(world: World) -> None:
    hospital_item = services.indicator_item_propose(
        actor=world.users["other_unit_user"], data=proposal_data("家庭医生签约服务团队数")
    )
    assert world.login("business").get(f"/indicators/{hospital_item.pk}/").status_code == 404
    assert world.login("performance").get(f"/indicators/{hospital_item.pk}/").status_code == 200


def test_anonymous_is_sent_to_the_login_page(anonymous_client: Client, world: World) -> None:
    item = IndicatorLibraryItem.objects.get(name="适龄儿童入学率")
    urls = [
        "/indicators/",
        f"/indicators/{item.pk}/",
        "/indicators/search.json?q=率",
        "/indicators/new/",
        "/indicators/propose/",
        "/indicators/proposals/",
        "/indicators/export/",
        "/indicators/import/",
        "/indicators/frameworks/",
    ]
    for url in urls:
        response = anonymous_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")
