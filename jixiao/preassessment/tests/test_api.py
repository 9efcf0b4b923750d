"""The 事前绩效评估 REST API: scoped like the pages, every write through the same services, amounts in yuan and 万元."""

from __future__ import annotations

from decimal import Decimal

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.preassessment.models import PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory
from jixiao.preassessment.tests.test_services import SECTIONS

URL = "/api/v1/preassessments/"
JSON = "application/json"


def _post(client: object, url: str, data: dict[str, object]) -> object:
    return client.post(url, data, content_type=JSON)  # type: ignore[attr-defined]


def test_the_whole_flow_through_the_api_and_the_project_gate(world: World) -> None:
    unit = world.login("unit_user")
    project = world.school_project
    gate = _post(unit, f"/api/v1/projects/{project.pk}/transition/", {"action": "submit"})
    assert gate.status_code == 400 and "须开展事前绩效评估" in gate.json()["detail"]

    created = _post(unit, URL, {"project": project.pk, **SECTIONS})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["requested_amount_yuan"] == "500000.00"
    assert Decimal(body["requested_amount_wan"]) == Decimal(50)
    url = f"{URL}{body['id']}/"
    changed = unit.patch(url, {"other": "无", "requested_amount_yuan": "450000.00"}, content_type=JSON)
    assert changed.status_code == 200 and changed.json()["other"] == "无"
    assert changed.json()["requested_amount_yuan"] == "450000.00"

    assert _post(unit, f"{url}transition/", {"action": "submit"}).json()["status"] == "submitted"
    assert unit.patch(url, {"other": "改"}, content_type=JSON).status_code == 409  # filed: no more edits
    assert _post(world.login("dept_admin"), f"{url}transition/", {"action": "dept_approve"}).status_code == 200
    assert _post(world.login("business"), f"{url}transition/", {"action": "section_pass"}).status_code == 200

    # The unit cannot conclude its own filing; the project stays out while the assessment is open.
    assert _post(unit, f"{url}conclude/", {"conclusion": "support"}).status_code == 403
    still = _post(unit, f"/api/v1/projects/{project.pk}/transition/", {"action": "submit"})
    assert still.status_code == 400 and "评估中" in still.json()["detail"]

    perf = world.login("performance")
    done = _post(
        perf,
        f"{url}conclude/",
        {"conclusion": "support_after_adjustment", "supported_amount_yuan": "300000.00", "score": "70"},
    )
    assert done.status_code == 200, done.content
    result = done.json()
    assert result["conclusion_label"] == "调整后支持" and result["is_supported"] is True
    assert result["reduction_amount_yuan"] == "150000.00" and Decimal(result["reduction_amount_wan"]) == 15
    assert result["panel"] == {"members": [], "submitted": 0, "average": None, "outlier_points": "15.00"}
    assert AuditEvent.objects.filter(event_type="preassessment.conclude", object_id=str(body["id"])).count() == 1

    entered = _post(unit, f"/api/v1/projects/{project.pk}/transition/", {"action": "submit"})
    assert entered.status_code == 200 and entered.json()["status"] == "submitted"
    assert entered.json()["fiscal_amount_yuan"] == "300000.00"


def test_list_is_scoped_and_filtered(world: World) -> None:
    mine = PreAssessmentFactory(project=world.school_project)
    PreAssessmentFactory(project=world.far_project, status="concluded", conclusion="reject")
    rows = world.login("unit_user").get(URL).json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    perf = world.login("performance")
    assert {r["id"] for r in perf.get(f"{URL}?fiscal_year=2026&status=draft").json()["results"]} >= {mine.pk}
    assert perf.get(f"{URL}?fiscal_year=2025").json()["results"] == []
    by_dept = perf.get(f"{URL}?department={world.edu.pk}").json()["results"]
    assert by_dept and all(r["department_name"] == world.edu.name for r in by_dept)
    assert all(r["conclusion"] == "reject" for r in perf.get(f"{URL}?conclusion=reject").json()["results"])
    assert "panel" not in rows[0]  # the list stays light


def test_other_units_assessments_do_not_exist(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    other = world.login("other_unit_user")
    url = f"{URL}{pa.pk}/"
    assert other.get(url).status_code == 404
    assert other.patch(url, {"other": "x"}, content_type=JSON).status_code == 404
    assert _post(other, f"{url}transition/", {"action": "submit"}).status_code == 404
    assert _post(other, URL, {"project": world.school_project.pk, **SECTIONS}).status_code == 404
    pa.refresh_from_db()
    assert pa.status == "draft" and pa.other == ""


def test_bad_input_is_a_chinese_4xx_and_writes_nothing(world: World) -> None:
    unit = world.login("unit_user")
    missing = _post(unit, URL, SECTIONS)
    assert missing.status_code == 400 and missing.json()["detail"] == "请指定项目"
    negative = _post(unit, URL, {"project": world.school_project.pk, "requested_amount_yuan": "-1"})
    assert negative.status_code == 400
    assert not PreAssessment.objects.exists()
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    perf = world.login("performance")
    bad = _post(perf, f"{URL}{pa.pk}/conclude/", {"conclusion": "support_reduced", "supported_amount_yuan": "0"})
    assert bad.status_code == 400 and "核减后支持" in bad.json()["detail"]
    unknown = _post(perf, f"{URL}{pa.pk}/transition/", {"action": "fly"})
    assert unknown.status_code in (400, 409)
    pa.refresh_from_db()
    assert pa.status == "fin_review" and pa.conclusion == ""


def test_the_schema_lists_the_endpoints(world: World) -> None:
    schema = world.login("performance").get("/api/v1/schema/")
    assert schema.status_code == 200
    for path_ in (b"/api/v1/preassessments/", b"/api/v1/preassessments/{id}/conclude/"):
        assert path_ in schema.content


def test_a_project_in_the_library_cannot_be_filed_through_the_api(world: World) -> None:
    """The page offered draft or returned projects only; the API now refuses others alike (409, nothing written)."""
    from jixiao.projects.models import Project

    Project.objects.filter(pk=world.school_project.pk).update(status="in_library")
    response = _post(world.login("unit_user"), URL, {"project": world.school_project.pk, **SECTIONS})
    assert response.status_code == 409
    assert "只有草稿或被退回的项目可以申报事前评估" in response.json()["detail"]
    assert not PreAssessment.objects.filter(project=world.school_project).exists()
