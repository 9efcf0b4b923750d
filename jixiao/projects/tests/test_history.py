"""The project page's 修改历史 names a linked row (实施单位) instead of printing its database id."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.projects.models import Project

pytestmark = pytest.mark.django_db


def test_history_shows_the_unit_name_not_its_id(world: World) -> None:
    client = world.login("unit_user")
    post = {
        "fiscal_year": 2026,
        "code": "HIST-1",
        "name": "校园安防设施改造",
        "unit": world.school.pk,
        "category": "specific",
        "is_new": "on",
        "budget_book": "general",
        "fiscal_amount_yuan": "12",
        "start_year": 2026,
        "end_year": 2026,
        "tier": "B",
    }
    assert client.post("/projects/new/", post).status_code == 302
    project = Project.objects.get(code="HIST-1")
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert f"实施单位：（空） → {world.school.name}" in page
    assert f"实施单位：（空） → {world.school.pk}<" not in page


def test_history_names_the_person_beside_the_login(world: World) -> None:
    user = world.users["unit_user"]
    user.display_name = "刘芳"
    user.save(update_fields=["display_name"])
    client = world.login("unit_user")
    post = {
        "fiscal_year": 2026, "code": "HIST-2", "name": "校园绿化", "unit": world.school.pk, "category": "specific",
        "is_new": "on", "budget_book": "general", "fiscal_amount_yuan": "12", "start_year": 2026, "end_year": 2026,
        "tier": "B",
    }  # fmt: skip
    assert client.post("/projects/new/", post).status_code == 302
    page = client.get(f"/projects/{Project.objects.get(code='HIST-2').pk}/").content.decode()
    assert f"刘芳（{user.username}）" in page
