"""Regression: generating the OpenAPI schema must not freeze filter choices for later requests."""

from __future__ import annotations

from conftest import World
from jixiao.indicators.library_data import load_starter_library


def test_filters_still_work_after_the_schema_was_generated(world: World) -> None:
    from django.apps import apps

    load_starter_library(apps.get_model)
    client = world.login("performance")
    assert client.get("/api/v1/schema/").status_code == 200
    satisfaction = client.get("/api/v1/indicators/?lv1=满意度指标")
    assert satisfaction.status_code == 200
    assert 0 < satisfaction.json()["count"] < client.get("/api/v1/indicators/").json()["count"]
    projects = client.get(f"/api/v1/projects/?department={world.health.pk}").json()["results"]
    assert [p["code"] for p in projects] == ["P-HOSP"]
