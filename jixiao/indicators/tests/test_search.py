"""Chinese text search and filters on the library page, the search-as-you-type endpoint, and query bounds."""

from __future__ import annotations

import re
from typing import Any

import factory

from conftest import World
from jixiao.indicators.models import FrameworkNode, IndicatorLibraryItem
from jixiao.indicators.tests.factories import IndicatorItemFactory

SEARCH_KEYS = {
    "id",
    "value_basis",
    "code",
    "name",
    "framework",
    "lv1",
    "lv2",
    "operator",
    "operator_label",
    "unit",
    "typical_value",
    "explanation",
    "scoring_standard",
    "is_common",
    "is_core",
    "category",
}


def _names(body: str) -> set[str]:
    return set(re.findall(r'<a href="/indicators/\d+/">([^<]+)</a>\n', body))


def _count(body: str) -> int:
    match = re.search(r'data-testid="indicator-count">(\d+)<', body)
    assert match
    return int(match.group(1))


def test_search_finds_chinese_text_in_names_explanations_and_units(world: World) -> None:
    client = world.login("leader")
    by_name = client.get("/indicators/?q=入学率").content.decode()
    assert "适龄儿童入学率" in by_name and "学前三年毛入园率" not in by_name
    by_explanation = client.get("/indicators/?q=营养改善计划").content.decode()
    assert "营养改善计划覆盖学校数" in by_explanation and "义务教育学生营养餐补助人数" in by_explanation
    by_unit = client.get("/indicators/?q=微克/立方米").content.decode()
    assert "细颗粒物（PM2.5）年均浓度" in by_unit and _count(by_unit) == 1


def test_filters_by_level_category_kind_operator_and_core(world: World) -> None:
    client = world.login("unit_user")
    satisfaction = IndicatorLibraryItem.objects.filter(lv1__name="满意度指标", status="approved").count()
    assert _count(client.get("/indicators/?lv1=满意度指标").content.decode()) == satisfaction
    cost = IndicatorLibraryItem.objects.filter(lv2__name="成本指标").count()
    assert _count(client.get("/indicators/?lv2=成本指标").content.decode()) == cost
    education = IndicatorLibraryItem.objects.filter(category__code__startswith="01").count()
    assert education > IndicatorLibraryItem.objects.filter(category__code="0102").count()
    assert _count(client.get("/indicators/?category=01").content.decode()) == education
    common = client.get("/indicators/?is_common=true&lv1=满意度指标").content.decode()
    assert "服务对象满意度" in common and "学生及家长满意度" not in common
    qualitative = client.get("/indicators/?operator=qual&category=0102").content.decode()
    assert "控辍保学工作成效" in qualitative and "适龄儿童入学率" not in qualitative
    core = client.get("/indicators/?is_core=true&category=0102").content.decode()
    assert "适龄儿童入学率" in core and "免费教科书发放册数" not in core


def test_search_endpoint_returns_what_the_target_form_needs(world: World) -> None:
    response = world.login("unit_user").get("/indicators/search.json?q=入学率")
    assert response.status_code == 200
    results = response.json()["results"]
    first = next(r for r in results if r["name"] == "适龄儿童入学率")
    assert set(first) == SEARCH_KEYS
    assert (first["lv1"], first["lv2"], first["operator"], first["operator_label"]) == (
        "效益指标",
        "社会效益指标",
        "gte",
        "≥",
    )
    assert (first["typical_value"], first["unit"]) == ("99", "%")
    assert first["explanation"] and first["scoring_standard"]
    # The 取值依据 lands in the target row too (the row's select was left at —).
    item = IndicatorLibraryItem.objects.get(pk=first["id"])
    assert item.value_basis and first["value_basis"] == item.value_basis


def test_search_endpoint_ranks_name_prefixes_first_and_stops_at_twenty(world: World) -> None:
    client = world.login("expert")
    results = client.get("/indicators/search.json?q=资金").json()["results"]
    assert results[0]["name"].startswith("资金")
    assert len(client.get("/indicators/search.json?q=率").json()["results"]) == 20


def test_search_endpoint_filters_by_level_name_or_id(world: World) -> None:
    client = world.login("unit_user")
    by_name = client.get("/indicators/search.json?q=满意度&lv1=满意度指标").json()["results"]
    assert by_name and all(r["lv1"] == "满意度指标" for r in by_name)
    node = FrameworkNode.objects.get(framework__code="2015_88", code="output.timeliness")
    by_id = client.get(f"/indicators/search.json?q=及时率&lv2={node.pk}").json()["results"]
    assert by_id and all(r["lv2"] == "时效指标" for r in by_id)
    assert client.get("/indicators/search.json?q=及时率&framework=2021_101").json()["results"] == []


def _bounded(client: Any, url: str, django_assert_max_num_queries: Any, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_list_and_search_query_counts_do_not_grow_with_rows(world: World, django_assert_max_num_queries: Any) -> None:
    client = world.login("performance")
    urls = [
        "/indicators/",
        "/indicators/?q=率&lv1=产出指标&category=01&page=2",
        "/indicators/?status=all",
        "/indicators/search.json?q=率",
        "/indicators/search.json?q=率&lv1=产出指标",
    ]
    for url in urls:
        _bounded(client, url, django_assert_max_num_queries, 15)
    IndicatorItemFactory.create_batch(60, name=factory.Sequence(lambda n: f"率指标样例{n}"))
    IndicatorItemFactory.create_batch(20, draft=True, department=world.edu, region=world.region)
    for url in urls:
        _bounded(client, url, django_assert_max_num_queries, 15)


def test_an_id_too_large_for_the_database_finds_nothing_instead_of_failing(world: World) -> None:
    """?lv1=99999999999999999999 passed the digits check and reached SQLite as an id: OverflowError, a 500."""
    client = world.login("unit_user")
    for level in ("lv1", "lv2"):
        response = client.get(f"/indicators/search.json?q=率&{level}=99999999999999999999")
        assert response.status_code == 200 and response.json()["results"] == [], level
    node = FrameworkNode.objects.get(framework__code="2015_88", code="output.timeliness")
    assert client.get(f"/indicators/search.json?q=及时率&lv2={node.pk}").json()["results"]
