"""Fields over many rows (a province's 200,000 projects, 20,000 主管部门): a search box, never one <option> per row."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from conftest import World
from jixiao.rectification.forms import ManualFindingForm
from jixiao.rectification.models import Rectification

PROJECTS = reverse("projects:autocomplete")


def _names(response: Any) -> list[str]:
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_project_search_finds_by_code_or_name_within_the_users_scope(world: World) -> None:
    perf = world.login("performance")
    assert _names(perf.get(PROJECTS, {"q": "P-SCHOOL"})) == ["P-SCHOOL 一中教学设备购置"]
    assert _names(perf.get(PROJECTS, {"q": "教学设备"})) == ["P-SCHOOL 一中教学设备购置"]
    row = perf.get(PROJECTS, {"q": "P-SCHOOL"}).json()["results"][0]
    assert row["id"] == world.school_project.pk and "年度" in row["hint"]
    assert _names(perf.get(PROJECTS, {"q": "外县"})) == []  # another county's project
    assert "P-FAR 外县项目" not in _names(world.login("unit_user").get(PROJECTS, {"q": ""}))
    assert world.login("expert").get(PROJECTS, {"q": ""}).status_code == 403


def test_a_search_field_renders_no_options_and_still_refuses_rows_outside_the_scope(world: World) -> None:
    user = world.users["performance"]
    html = str(ManualFindingForm(user=user)["project"])
    assert "<option" not in html and 'data-jx-autocomplete="/projects/autocomplete/"' in html

    data = {"fiscal_year": 2026, "source_type": "other", "category": "other", "severity": "medium", "description": "x"}
    foreign = ManualFindingForm({**data, "project": world.far_project.pk}, user=user)
    assert not foreign.is_valid() and "project" in foreign.errors

    own = ManualFindingForm({**data, "project": world.school_project.pk, "department": world.edu.pk}, user=user)
    own.is_valid()
    assert "project" not in own.errors and "department" not in own.errors
    assert own.cleaned_data["project"] == world.school_project
    # A redisplayed form shows the chosen rows' names in the search boxes.
    assert 'value="P-SCHOOL 一中教学设备购置"' in str(own["project"])
    assert f'value="{world.edu.name}"' in str(own["department"])


def test_list_filters_search_departments_instead_of_listing_them(world: World) -> None:
    client = world.login("performance")
    for url in ("/alerts/", "/results/", "/rectification/", "/monitoring/records/", "/evaluation/self/"):
        page = client.get(url).content.decode()
        assert '<select name="department"' not in page, url
        assert 'data-jx-autocomplete="/org/autocomplete/departments/"' in page, url


def test_a_multiple_search_field_shows_the_chosen_rows_as_badges_and_refuses_foreign_ids(world: World) -> None:
    from jixiao.monitoring.forms import TaskForm
    from jixiao.projects.models import Project

    Project.objects.filter(pk__in=[world.school_project.pk, world.far_project.pk]).update(
        status=Project.Status.IN_LIBRARY
    )
    user = world.users["performance"]
    data = {
        "title": "选定项目监控",
        "fiscal_year": world.school_project.fiscal_year,
        "period_end_month": 8,
        "start_date": "2026-09-01",
        "deadline": "2026-09-15",
        "warn_days": 3,
        "scope": "selected",
    }
    html = str(TaskForm(user=user)["selected_projects"])
    assert "<option" not in html and "data-jx-ac-multiple" in html and "status=in_library" in html
    assert "fiscal_year=" in html

    chosen = TaskForm({**data, "selected_projects": [str(world.school_project.pk)]}, user=user)
    assert chosen.is_valid(), chosen.errors
    assert list(chosen.cleaned_data["selected_projects"]) == [world.school_project]
    badge = str(chosen["selected_projects"])
    assert "P-SCHOOL 一中教学设备购置" in badge
    assert f'name="selected_projects" value="{world.school_project.pk}"' in badge
    # The empty badge the script copies for rows chosen in the page: inert (a <template>), named for the field.
    blank = badge.split("<template data-jx-ac-chip-template>", 1)[1].split("</template>", 1)[0]
    assert 'data-jx-ac-chip><input type="hidden" name="selected_projects" value="">' in blank
    assert badge.count("data-jx-ac-chip>") == 2  # the chosen row's badge and the template's

    foreign = TaskForm({**data, "selected_projects": [str(world.far_project.pk)]}, user=user)
    assert not foreign.is_valid() and "selected_projects" in foreign.errors
    empty = TaskForm(data, user=user)
    assert not empty.is_valid() and "selected_projects" in empty.errors  # “选定项目” needs at least one


def test_project_search_can_be_narrowed_to_one_status(world: World) -> None:
    from jixiao.projects.models import Project

    Project.objects.filter(pk=world.school_project.pk).update(status=Project.Status.IN_LIBRARY)
    perf = world.login("performance")
    in_library = _names(perf.get(PROJECTS, {"q": "P-", "status": "in_library"}))
    assert in_library == ["P-SCHOOL 一中教学设备购置"]
    assert len(_names(perf.get(PROJECTS, {"q": "P-", "status": "nonsense"}))) > 1  # an unknown status is ignored
    year = world.school_project.fiscal_year
    assert "P-SCHOOL 一中教学设备购置" in _names(perf.get(PROJECTS, {"q": "P-", "fiscal_year": year}))
    assert _names(perf.get(PROJECTS, {"q": "P-", "fiscal_year": year + 5})) == []
    assert len(_names(perf.get(PROJECTS, {"q": "P-", "fiscal_year": "20x6"}))) > 1  # not a year: ignored


def test_a_unit_or_department_beside_a_project_that_is_not_its_own_is_refused_at_the_field(world: World) -> None:
    """The project decides who rectifies: a 县人民医院 project chosen with 县第一中学 (or 县教育局) as the addressee was
    silently recorded for the hospital."""
    client = world.login("performance")
    data = {
        "fiscal_year": 2026,
        "source_type": "AUDIT",
        "category": "FUNDS",
        "severity": "MEDIUM",
        "description": "审计发现的问题",
    }
    for extra, reason in (
        (
            {"unit": world.school.pk, "project": world.hospital_project.pk},
            "所选项目属于县人民医院，与所选预算单位县第一中学不一致",
        ),
        (
            {"department": world.edu.pk, "project": world.hospital_project.pk},
            "所选项目属于县卫健局，与所选主管部门县教育局不一致",
        ),
        (
            {"department": world.health.pk, "unit": world.school.pk},
            "所选单位属于县教育局，与所选主管部门县卫健局不一致",
        ),
    ):
        response = client.post("/rectification/findings/new/", {**data, **extra})
        page = response.content.decode()
        assert response.status_code == 400 and reason in page and "审计发现的问题" in page, extra
    assert not Rectification.objects.exists()
    matching = {"department": world.edu.pk, "unit": world.school.pk, "project": world.school_project.pk}
    assert client.post("/rectification/findings/new/", {**data, **matching}).status_code == 302
    assert Rectification.objects.get().unit == world.school
