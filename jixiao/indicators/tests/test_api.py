"""The read-only API (registered in config/api_urls.py by the lead; exercised here through the viewsets)."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIRequestFactory, force_authenticate

from conftest import PERSONAS, World
from jixiao.indicators.api.views import IndicatorFrameworkViewSet, IndicatorLibraryItemViewSet
from jixiao.indicators.models import IndicatorLibraryItem
from jixiao.indicators.tests.factories import IndicatorItemFactory
from jixiao.indicators.tests.helpers import SEES_PROPOSAL, VIEWERS

factory = APIRequestFactory()
item_list = IndicatorLibraryItemViewSet.as_view({"get": "list"})
item_detail = IndicatorLibraryItemViewSet.as_view({"get": "retrieve"})
framework_list = IndicatorFrameworkViewSet.as_view({"get": "list"})


def _get(view: Any, user: Any, query: str = "", **kwargs: Any) -> Any:
    request = factory.get(f"/api/v1/indicators/{query}")
    force_authenticate(request, user=user)
    response = view(request, **kwargs)
    response.render()
    return response


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list_and_detail_follow_the_same_scope_as_the_pages(
    world: World, persona: str, proposal: IndicatorLibraryItem
) -> None:
    user = world.users[persona]
    listing = _get(item_list, user, "?status=all&q=课后服务")
    detail = _get(item_detail, user, pk=str(proposal.pk))
    if persona not in VIEWERS:
        assert listing.status_code == 403
        return
    assert listing.status_code == 200
    names = [row["name"] for row in listing.data["results"]]
    assert ("课后服务覆盖学校数" in names) == (persona in SEES_PROPOSAL)
    assert detail.status_code == (200 if persona in SEES_PROPOSAL else 404)


def test_api_filters_like_the_page_and_returns_library_fields(world: World) -> None:
    response = _get(item_list, world.users["expert"], "?q=适龄儿童入学率&lv2=社会效益指标")
    assert response.status_code == 200
    rows = response.data["results"]
    assert [r["name"] for r in rows] == ["适龄儿童入学率"]
    row = rows[0]
    assert (row["framework"], row["lv1"], row["lv2"], row["operator_label"]) == (
        "2015_88",
        "效益指标",
        "社会效益指标",
        "≥",
    )
    assert row["category_code"] == "0102" and row["mof_div_code"] is None and row["status"] == "approved"
    assert response.data["count"] == 1


def test_api_rejects_an_unknown_filter_value(world: World) -> None:
    assert _get(item_list, world.users["leader"], "?operator=approx").status_code == 400


def test_api_lists_both_frameworks_with_their_nodes(world: World) -> None:
    response = _get(framework_list, world.users["unit_user"])
    assert response.status_code == 200
    frameworks = {f["code"]: f for f in response.data}
    assert set(frameworks) == {"2015_88", "2021_101"}
    names = [n["name"] for n in frameworks["2021_101"]["nodes"] if n["level"] == 1]
    assert names == ["成本指标", "产出指标", "效益指标", "满意度指标"]
    assert _get(framework_list, world.users["sys_admin"]).status_code == 403


def test_openapi_schema_is_generated_without_errors() -> None:
    router = DefaultRouter()
    router.register("indicators", IndicatorLibraryItemViewSet, basename="indicator")
    router.register("indicator-frameworks", IndicatorFrameworkViewSet, basename="indicator-framework")
    schema = SchemaGenerator(patterns=router.urls).get_schema(request=None, public=True)
    assert "/indicators/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/indicators/"]["get"]["parameters"]}
    assert {"q", "lv1", "lv2", "category", "operator", "is_common", "is_core", "status"} <= parameters


def test_api_list_query_count_does_not_grow_with_rows(world: World, django_assert_max_num_queries: Any) -> None:
    user = world.users["performance"]
    for _round in range(2):
        with django_assert_max_num_queries(8):
            assert _get(item_list, user, "?status=all&lv1=产出指标").status_code == 200
        with django_assert_max_num_queries(6):
            assert _get(framework_list, user).status_code == 200
        IndicatorItemFactory.create_batch(60, region=world.region)
