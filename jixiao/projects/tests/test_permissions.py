"""Permission matrix: every page and API endpoint of the project library, for every persona."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PERSONAS, World

VIEWERS = {"performance", "budget", "business", "dept_admin", "unit_user", "other_unit_user", "leader", "oversight"}
CREATORS = {"budget", "dept_admin", "unit_user", "other_unit_user"}
IMPORTERS = {"budget", "dept_admin", "unit_user", "other_unit_user"}
# Who may see 县第一中学's project (教育局, 对口 教科文股).
SEES_SCHOOL = {"performance", "budget", "business", "dept_admin", "unit_user", "leader", "oversight"}


def _expected(persona: str, allowed: set[str], ok: int = 200) -> int:
    return ok if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_project_pages_follow_the_capability_table(world: World, persona: str) -> None:
    client = world.login(persona)
    assert client.get("/projects/").status_code == _expected(persona, VIEWERS)
    assert client.get("/projects/export/").status_code == _expected(persona, VIEWERS)
    assert client.get("/projects/new/").status_code == _expected(persona, CREATORS)
    assert client.get("/projects/import/").status_code == _expected(persona, IMPORTERS)
    assert client.get("/projects/import/template.xlsx").status_code == _expected(persona, IMPORTERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_project_detail_is_404_outside_the_personas_scope(world: World, persona: str) -> None:
    client = world.login(persona)
    response = client.get(f"/projects/{world.school_project.pk}/")
    if persona not in VIEWERS:
        assert response.status_code == 403
    elif persona in SEES_SCHOOL:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert "一中教学设备购置" not in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_project_api_scopes_list_and_detail(world: World, persona: str) -> None:
    client = world.login(persona)
    listing = client.get("/api/v1/projects/")
    detail = client.get(f"/api/v1/projects/{world.school_project.pk}/")
    if persona not in VIEWERS:
        assert listing.status_code == 403
        return
    assert listing.status_code == 200
    codes = {row["code"] for row in listing.json()["results"]}
    assert "P-FAR" not in codes
    assert ("P-SCHOOL" in codes) == (persona in SEES_SCHOOL)
    assert detail.status_code == (200 if persona in SEES_SCHOOL else 404)


def test_anonymous_is_sent_to_the_login_page(anonymous_client: Client, world: World) -> None:
    for url in ["/", "/projects/", f"/projects/{world.school_project.pk}/", "/projects/new/", "/projects/import/"]:
        response = anonymous_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert anonymous_client.get("/api/v1/projects/").status_code == 403


def test_unit_user_sees_own_unit_and_subunits_only(world: World) -> None:
    body = world.login("unit_user").get("/projects/").content.decode()
    assert "一中教学设备购置" in body and "分校食堂改造" in body
    assert "医院信息化建设" not in body and "外县项目" not in body


def test_business_section_sees_only_its_counterpart_departments(world: World) -> None:
    body = world.login("business").get("/projects/").content.decode()
    assert "一中教学设备购置" in body
    assert "医院信息化建设" not in body


def test_filter_tampering_with_another_units_id_returns_no_foreign_rows(world: World) -> None:
    client = world.login("unit_user")
    page = client.get(f"/projects/?unit={world.hospital.pk}").content.decode()
    assert "医院信息化建设" not in page
    api = client.get(f"/api/v1/projects/?unit={world.hospital.pk}")
    assert api.status_code == 400 or all(r["code"] != "P-HOSP" for r in api.json()["results"])


def test_foreign_project_edit_and_transition_are_404(world: World) -> None:
    client = world.login("other_unit_user")
    pk = world.school_project.pk
    assert client.get(f"/projects/{pk}/edit/").status_code == 404
    assert client.post(f"/projects/{pk}/transition/", {"action": "submit"}).status_code == 404
    assert client.post(f"/api/v1/projects/{pk}/transition/", {"action": "submit"}).status_code == 404
    world.school_project.refresh_from_db()
    assert world.school_project.status == "draft"


ORG_READERS = VIEWERS | {"performance", "budget", "sys_admin", "sec_admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_organisation_api_endpoints_follow_the_capability_table(world: World, persona: str) -> None:
    client = world.login(persona)
    for url in ["/api/v1/regions/", "/api/v1/departments/", "/api/v1/units/"]:
        response = client.get(url)
        assert response.status_code == (200 if persona in ORG_READERS else 403), (url, persona)
        if response.status_code == 200:
            body = response.content.decode()
            assert "宣汉县中学" not in body and "宣汉县教育局" not in body
