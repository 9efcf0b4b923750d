from __future__ import annotations

import pytest

from conftest import World
from jixiao.projects.models import Project


@pytest.fixture(autouse=True)
def _project_needs_no_preassessment(world: World) -> None:
    """These tests cover the bare library workflow, so the school project is an in-period continuation that needs no
    事前绩效评估 (the gate itself is tested in jixiao/preassessment/tests)."""
    project = world.school_project
    project.is_new, project.start_year = False, 2025
    project.save(update_fields=["is_new", "start_year"])


def test_unit_user_creates_a_project_through_the_api_in_yuan(world: World) -> None:
    client = world.login("unit_user")
    payload = {
        "fiscal_year": 2026,
        "code": "API-1",
        "name": "接口新增项目",
        "unit_code": "101002",
        "category": "specific",
        "is_new": True,
        "budget_book": "general",
        "fiscal_amount_yuan": "88000.50",
        "start_year": 2026,
        "end_year": 2026,
        "status": "in_library",
    }
    response = client.post("/api/v1/projects/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"  # status is not mass-assignable
    assert body["department_code"] == "101"
    assert body["total_amount_yuan"] == "88000.50"
    assert Project.objects.get(code="API-1").unit == world.school_branch


def test_api_rejects_a_foreign_unit_code_with_400(world: World) -> None:
    client = world.login("unit_user")
    payload = {
        "fiscal_year": 2026,
        "code": "API-2",
        "name": "x",
        "unit_code": "102001",
        "start_year": 2026,
        "end_year": 2026,
    }
    response = client.post("/api/v1/projects/", payload, content_type="application/json")
    assert response.status_code == 400
    assert not Project.objects.filter(code="API-2").exists()


def test_api_transition_moves_the_workflow_and_reports_conflicts_in_chinese(world: World) -> None:
    client = world.login("unit_user")
    url = f"/api/v1/projects/{world.school_project.pk}/transition/"
    assert client.post(url, {"action": "submit"}, content_type="application/json").json()["status"] == "submitted"
    again = client.post(url, {"action": "submit"}, content_type="application/json")
    assert again.status_code == 409
    assert "不允许" in again.json()["detail"]


def test_api_list_filters_like_the_page(world: World) -> None:
    client = world.login("performance")
    response = client.get("/api/v1/projects/?q=医院")
    assert [r["code"] for r in response.json()["results"]] == ["P-HOSP"]


def test_api_reads_writes_and_filters_the_assessment_triggers(world: World) -> None:
    client = world.login("unit_user")
    payload = {
        "fiscal_year": 2026,
        "code": "API-T",
        "name": "专项债券项目",
        "unit_code": "101001",
        "start_year": 2026,
        "end_year": 2026,
        "is_special_bond": True,
        "is_policy": True,
    }
    created = client.post("/api/v1/projects/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["is_policy"], body["is_revised"], body["is_special_bond"]) == (True, False, True)
    listed = client.get("/api/v1/projects/?is_special_bond=true").json()["results"]
    assert [r["code"] for r in listed] == ["API-T"]
    assert "API-T" not in [r["code"] for r in client.get("/api/v1/projects/?is_policy=false").json()["results"]]
    url = f"/api/v1/projects/{body['id']}/"
    changed = client.patch(url, {"is_revised": True}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["is_revised"] is True


def test_openapi_schema_and_docs_are_served(world: World) -> None:
    client = world.login("performance")
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/projects/" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


def test_organisation_endpoints_are_scoped(world: World) -> None:
    client = world.login("unit_user")
    units = {u["agency_code"] for u in client.get("/api/v1/units/").json()["results"]}
    assert units == {"101001", "101002"}
    assert client.get(f"/api/v1/units/{world.hospital.pk}/").status_code == 404
    departments = [d["dept_code"] for d in client.get("/api/v1/departments/").json()["results"]]
    assert departments == ["101"]
