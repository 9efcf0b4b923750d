"""The 事前绩效评估 trigger flags on the project pages: entered in the form, shown on the detail page, audited."""

from __future__ import annotations

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.projects.models import Project


def test_the_form_sets_the_flags_and_the_detail_page_shows_them(world: World) -> None:
    client = world.login("unit_user")
    form = client.get("/projects/new/").content.decode()
    for label in ("政策类项目", "修订的政策或项目", "专项债券项目"):
        assert label in form
    post = {
        "fiscal_year": 2026,
        "code": "FLAG-1",
        "name": "专项债券配套项目",
        "unit": world.school.pk,
        "category": "specific",
        "is_new": "on",
        "budget_book": "general",
        "fiscal_amount_yuan": "12",
        "start_year": 2026,
        "end_year": 2026,
        "tier": "B",
        "is_policy": "on",
        "is_special_bond": "on",
    }
    response = client.post("/projects/new/", post)
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(code="FLAG-1")
    assert (project.is_policy, project.is_revised, project.is_special_bond) == (True, False, True)
    detail = client.get(f"/projects/{project.pk}/").content.decode()
    assert '<td data-testid="project-is-policy">是</td>' in detail and "专项债券项目" in detail
    event = AuditEvent.objects.get(event_type="project.create", object_id=str(project.pk))
    assert "is_special_bond" in str(event.changes)


def test_the_list_filters_by_flag(world: World) -> None:
    Project.objects.filter(pk=world.school_project.pk).update(is_special_bond=True)
    client = world.login("performance")
    body = client.get("/projects/?is_special_bond=true").content.decode()
    assert world.school_project.code in body and "P-HOSP" not in body
