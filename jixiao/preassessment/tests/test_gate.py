"""The gate into the project library: through the service, the page and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.preassessment.tests.factories import PreAssessmentFactory, concluded
from jixiao.projects import services as project_services


def _submit(world: World) -> object:
    return project_services.project_transition(
        actor=world.users["unit_user"], project=world.school_project, action="submit"
    )


def test_service_refuses_to_submit_a_project_without_an_assessment(world: World) -> None:
    with pytest.raises(DomainError, match="须开展事前绩效评估"):
        _submit(world)
    world.school_project.refresh_from_db()
    assert world.school_project.status == "draft"


@pytest.mark.parametrize("conclusion", ["defer", "reject", "support_after_adjustment"])
def test_deferred_rejected_or_unconfirmed_adjustment_keep_the_project_out(world: World, conclusion: str) -> None:
    concluded(world.school_project, conclusion, "0" if conclusion != "support_after_adjustment" else "500000")
    with pytest.raises(DomainError, match="尚不能入库"):
        _submit(world)


def test_an_assessment_still_under_review_keeps_the_project_out(world: World) -> None:
    PreAssessmentFactory(project=world.school_project, fin_review=True)
    with pytest.raises(DomainError, match="评估中"):
        _submit(world)


def test_supported_project_goes_into_the_library(world: World) -> None:
    concluded(world.school_project, "support", "500000.00")
    project = _submit(world)
    u = world.users
    project = project_services.project_transition(actor=u["dept_admin"], project=project, action="dept_approve")
    project = project_services.project_transition(actor=u["business"], project=project, action="section_approve")
    assert project.status == "in_library"


def test_the_gate_also_guards_the_section_approval(world: World) -> None:
    project = world.school_project
    project.status = "dept_approved"
    project.save(update_fields=["status"])
    with pytest.raises(DomainError):
        project_services.project_transition(actor=world.users["business"], project=project, action="section_approve")


def test_raising_the_amount_above_the_supported_amount_closes_the_gate(world: World) -> None:
    concluded(world.school_project, "support_reduced", "300000.00")
    with pytest.raises(DomainError, match="超过事前评估支持金额"):
        _submit(world)  # the factory conclusion did not cut the project: 50万 > 30万
    world.school_project.fiscal_amount_yuan = Decimal("300000.00")
    world.school_project.save(update_fields=["fiscal_amount_yuan"])
    assert _submit(world).status == "submitted"  # type: ignore[attr-defined]


def test_projects_below_the_threshold_pass_without_an_assessment(world: World) -> None:
    world.school_project.fiscal_amount_yuan = Decimal("100000.00")
    world.school_project.save(update_fields=["fiscal_amount_yuan"])
    assert _submit(world).status == "submitted"  # type: ignore[attr-defined]


def test_page_shows_the_gate_message_and_keeps_the_project_out(world: World) -> None:
    client = world.login("unit_user")
    url = f"/projects/{world.school_project.pk}/"
    response = client.post(f"{url}transition/", {"action": "submit"}, follow=True)
    assert "须开展事前绩效评估" in response.content.decode()
    world.school_project.refresh_from_db()
    assert world.school_project.status == "draft"
    body = client.get(url).content.decode()
    assert "须评估·未申报" in body and "申报事前评估" in body


def test_api_refuses_the_transition_with_the_chinese_message(world: World) -> None:
    client = world.login("unit_user")
    url = f"/api/v1/projects/{world.school_project.pk}/transition/"
    response = client.post(url, {"action": "submit"}, content_type="application/json")
    assert response.status_code == 400
    assert "事前绩效评估" in response.json()["detail"]
    concluded(world.school_project, "support", "500000.00")
    ok = client.post(url, {"action": "submit"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "submitted"


def test_project_list_shows_the_assessment_column_with_bounded_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jixiao.projects.tests.factories import ProjectFactory

    client = world.login("performance")

    def add(n: int) -> None:
        for i in range(n):
            project = ProjectFactory(unit=world.school)
            if i % 3 == 0:
                concluded(project, "support", "500000.00")

    add(5)
    client.get("/projects/")  # the first request fills the process's caches (content types), as in production
    with CaptureQueriesContext(connection) as few:
        client.get("/projects/")
    add(25)
    # The page carries other stages' columns too (e.g. 预警); the bound is for the whole page.
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        body = client.get("/projects/").content.decode()
    with CaptureQueriesContext(connection) as many:
        client.get("/projects/")
    assert len(many) == len(few)  # the assessment column costs the same whatever the page size
    assert "予以支持" in body and "须评估·未申报" in body
