"""Targets API: scoping like the pages, the grid PUT through the service, transitions, and the schema."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from conftest import World
from jixiao.targets import services, snapshots
from jixiao.targets.api.views import TargetViewSet
from jixiao.targets.models import PerformanceTarget, TargetReviewSettings
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, move
from jixiao.targets.tests.test_exchange import _rows

# Until config/api_urls.py registers the viewset, these tests mount it themselves (imported by name:
# an app does not import the project configuration).
_router = DefaultRouter()
_router.register("targets", TargetViewSet, basename="target")
_api = importlib.import_module("config.api_urls").urlpatterns
_site = importlib.import_module("config.urls").urlpatterns
urlpatterns = [
    path("api/v1/", include(([path("", include(_router.urls)), *_api], "api"))),
    *[p for p in _site if "api/v1/" not in str(getattr(p, "pattern", ""))],
]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    created = services.target_create_for_project(actor=world.users["unit_user"], project=world.school_project)
    return services.target_save_indicators(actor=world.users["unit_user"], target=created, rows=_rows(created))


GRID: list[dict[str, Any]] = [
    {
        "lv1": "产出指标",
        "lv2": "数量指标",
        "name": "新购设备数量",
        "operator": "gte",
        "target_text": "≥80台",
        "unit": "台",
    },
    {"lv1": "效益", "lv2": "社会效益指标", "name": "学生满意率", "target_text": "≥90%", "weight": "20"},
]


def test_list_is_scoped_and_filtered_and_foreign_detail_is_404(world: World, target: PerformanceTarget) -> None:
    mine = world.login("unit_user").get("/api/v1/targets/?fiscal_year=2026&status=draft").json()
    assert [t["id"] for t in mine["results"]] == [target.pk]
    assert world.login("unit_user").get("/api/v1/targets/?status=approved").json()["results"] == []
    detail = world.login("dept_admin").get(f"/api/v1/targets/{target.pk}/").json()
    assert detail["indicators"][0]["name"] == "购置教学设备数量"
    assert detail["indicators"][0]["lv1"] == "产出指标" and detail["project_code"] == "P-SCHOOL"
    other = world.login("other_unit_user")
    assert other.get("/api/v1/targets/").json()["results"] == []
    assert other.get(f"/api/v1/targets/{target.pk}/").status_code == 404
    assert (
        other.put(
            f"/api/v1/targets/{target.pk}/indicators/", {"indicators": GRID}, content_type="application/json"
        ).status_code
        == 404
    )


def test_grid_put_replaces_the_indicators_through_the_service(world: World, target: PerformanceTarget) -> None:
    client = world.login("unit_user")
    url = f"/api/v1/targets/{target.pk}/indicators/"
    response = client.put(url, {"indicators": GRID}, content_type="application/json")
    assert response.status_code == 200, response.content
    names = [i["name"] for i in response.json()["indicators"]]
    assert names == ["新购设备数量", "学生满意率"]
    assert response.json()["indicators"][1]["operator"] == "gte"
    before = snapshots.snapshot(target)
    bad = client.put(url, {"indicators": [{**GRID[0], "lv2": "不存在"}]}, content_type="application/json")
    assert bad.status_code == 400 and "不存在" in bad.json()["detail"]
    assert snapshots.snapshot(target) == before


def test_transition_moves_the_workflow_and_locks_the_grid(world: World, target: PerformanceTarget) -> None:
    client = world.login("unit_user")
    response = client.post(
        f"/api/v1/targets/{target.pk}/transition/", {"action": "submit"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "unit_submitted"
    locked = client.put(
        f"/api/v1/targets/{target.pk}/indicators/", {"indicators": GRID}, content_type="application/json"
    )
    assert locked.status_code == 409
    refused = client.post(
        f"/api/v1/targets/{target.pk}/transition/", {"action": "dept_pass"}, content_type="application/json"
    )
    assert refused.status_code in (403, 409)


def test_a_scored_review_takes_the_scores_by_aspect(world: World, target: PerformanceTarget) -> None:
    TargetReviewSettings.objects.create(region=world.region, fiscal_year=None, scored=True)
    target = move(world, target, *TO_PERF_REVIEW)
    client = world.login("performance")
    url = f"/api/v1/targets/{target.pk}/transition/"
    scores = {"完整性": "23", "相关性": "24", "适当性": "22", "可行性": "22.5"}
    bad = client.post(
        url, {"action": "grade_excellent", "scores": {**scores, "细化程度": 5}}, content_type="application/json"
    )
    assert bad.status_code == 400 and "没有审核要点：细化程度" in bad.content.decode()
    wrong = client.post(
        url, {"action": "grade_good", "comment": "良好", "scores": scores}, content_type="application/json"
    )
    assert wrong.status_code == 400 and "对应等级为“优”" in wrong.json()["detail"]
    done = client.post(
        url, {"action": "grade_excellent", "comment": "优秀", "scores": scores}, content_type="application/json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["review_score"] == "91.50" and done.json()["review_scores"]["可行性"] == "22.50"


def test_schema_lists_the_target_endpoints(world: World) -> None:
    schema = world.login("unit_user").get("/api/v1/schema/")
    assert schema.status_code == 200
    for path_ in (b"/api/v1/targets/", b"/api/v1/targets/{id}/indicators/", b"/api/v1/targets/{id}/transition/"):
        assert path_ in schema.content


def test_api_detail_queries_do_not_grow_with_indicator_rows(world: World, django_assert_max_num_queries: Any) -> None:
    from jixiao.targets.tests import test_services

    target = services.target_create_for_project(actor=world.users["unit_user"], project=world.school_project)
    many = [{**row, "name": f"{row['name']}{i}"} for i in range(10) for row in test_services._rows(target)]
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=many)
    client = world.login("performance")
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/targets/{target.pk}/")
    assert response.status_code == 200 and len(response.json()["indicators"]) == 20
