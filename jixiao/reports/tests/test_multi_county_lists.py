"""A city or province user reads the rows of many counties, and every county has its 县教育局 and projects coded
alike: the project, warning and payment lists name each row's 财政区划 and can be filtered by it, and the
dashboard and 执行进度分析 name the county with the department. A county's users see their pages as before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, _member
from jixiao.alerts.models import Color, ProjectLight, RegionLightCount, Warning, WarningRule
from jixiao.alerts.sweep_writes import light_counts_refresh
from jixiao.execution.selectors import payment_totals
from jixiao.execution.tests.factories import payment_create
from jixiao.monitoring.models import MonitoringTask
from jixiao.organizations.models import FinanceSection, FiscalRegion
from jixiao.organizations.tests.factories import FinanceSectionFactory, FiscalRegionFactory, city_with_counties
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory


@dataclass
class City:
    city: FiscalRegion
    perf: Client
    leader: Client
    outside: Project  # a project of a county outside the city


@pytest.fixture
def city(world: World) -> City:
    region, _counties = city_with_counties(world.region, world.other_region)  # 渠县 and 宣汉县 under 达州市
    world.far_unit.department.name = "县教育局"  # as in every county: the name alone tells them apart no more
    world.far_unit.department.save(update_fields=["name"])
    for project in (world.school_project, world.hospital_project, world.far_project):
        project.status = Project.Status.IN_LIBRARY
        project.save(update_fields=["status"])
    elsewhere = FiscalRegionFactory(mof_div_code="510100000", name="成都市")
    section = FinanceSectionFactory(region=region, code="JX", name="绩效科", kind=FinanceSection.Kind.PERFORMANCE)
    perf, leader = Client(), Client()
    perf.force_login(_member("city_perf", "performance", region, section=section))
    leader.force_login(_member("city_leader", "leader", region))
    outside = ProjectFactory(unit__department__region=elsewhere, code="P-OUT", name="外市项目")
    return City(region, perf, leader, outside)


def test_the_project_list_names_and_filters_the_county(world: World, city: City) -> None:
    url = reverse("projects:list")
    page = city.perf.get(url)
    html = page.content.decode()
    assert "<th>财政区划</th>" in html
    assert ">渠县<" in html and ">宣汉县<" in html
    region_field = page.context["filter"].form.fields["region"]
    assert [r.name for r in region_field.queryset] == ["宣汉县", "渠县"]  # own counties, by code; not the city
    assert [label for _value, label in region_field.choices] == ["全部", "宣汉县", "渠县"]
    only = city.perf.get(url, {"region": world.other_region.pk})
    assert [p.code for p in only.context["page"]] == ["P-FAR"]
    assert only.context["totals"]["count"] == 1
    # A region outside the city is no choice: the filter is refused and no row of it is ever listed.
    foreign = city.perf.get(url, {"region": city.outside.region_id})
    assert foreign.status_code == 200 and "region" in foreign.context["filter"].form.errors
    assert "P-OUT" not in foreign.content.decode()
    # A county's users: no region column, no region filter.
    county = world.login("performance").get(url)
    assert "<th>财政区划</th>" not in county.content.decode()
    assert "region" not in county.context["filter"].form.fields


def test_the_warning_list_names_and_filters_the_county(world: World, city: City) -> None:
    rule = WarningRule.objects.filter(metric="exec_ratio").first()
    assert rule is not None
    for project in (world.school_project, world.far_project):
        Warning.objects.create(
            project=project,
            fiscal_year=2026,
            rule=rule,
            value=Decimal("40"),
            color=Color.RED,
            as_of=dt.date(2026, 8, 31),
        )
    for county in (world.region, world.other_region):  # each county issues its own monitoring round
        MonitoringTask.objects.create(
            task_no=f"JK-{county.pk}",
            title="2026年1—8月项目支出绩效运行监控",
            fiscal_year=2026,
            region=county,
            period_end_month=8,
            start_date=dt.date(2026, 9, 1),
            deadline=dt.date(2026, 9, 20),
            status=MonitoringTask.Status.ISSUED,
        )
    for county, red in ((world.region, 1), (world.other_region, 2)):  # the counts the sweep keeps per county
        RegionLightCount.objects.create(region=county, fiscal_year=2026, color=Color.RED, projects=red)
    url = reverse("alerts:list")
    listed = city.perf.get(url, {"fiscal_year": 2026})
    assert listed.context["card"][0]["count"] == 3  # the card: the whole city
    html = listed.content.decode()
    assert "<th>财政区划</th>" in html and ">渠县<" in html and ">宣汉县<" in html
    assert list(listed.context["rounds"]) == []  # the city issued none; its counties' rounds are theirs
    chosen = city.perf.get(url, {"fiscal_year": 2026, "region": world.region.pk})
    assert [w.project.code for w in chosen.context["page"]] == ["P-SCHOOL"]
    assert chosen.context["card"][0]["count"] == 1  # the card follows the chosen county
    assert [t.region for t in chosen.context["rounds"]] == [world.region]  # the chosen county's round, named
    assert "渠县 2026年1—8月项目支出绩效运行监控" in chosen.content.decode()
    assert "region" in city.perf.get(url, {"region": city.outside.region_id}).context["form"].errors
    county = world.login("performance").get(url, {"fiscal_year": 2026})
    assert "<th>财政区划</th>" not in county.content.decode() and "region" not in county.context["form"].fields
    assert [t.region for t in county.context["rounds"]] == [world.region]


def test_the_payment_list_names_and_filters_the_county_with_totals_from_the_read_model(
    world: World, city: City
) -> None:
    payment_create(world.school_project, "1000", dt.date(2026, 3, 1))
    payment_create(world.far_project, "300", dt.date(2026, 4, 1))
    payment_create(world.far_project, "-50", dt.date(2026, 5, 1))
    url = reverse("execution:payment_list")
    html = city.perf.get(url).content.decode()
    assert "<th>财政区划</th>" in html and ">渠县<" in html and ">宣汉县<" in html
    for params, count in (({}, 3), ({"region": world.other_region.pk}, 2), ({"region": city.city.pk}, 3)):
        with CaptureQueriesContext(connection) as queries:
            response = city.perf.get(url, params)
        listed = response.context["page"].paginator.object_list
        assert response.context["totals"] == payment_totals(listed) and response.context["totals"]["count"] == count
        scans = [q["sql"] for q in queries.captured_queries if 'FROM "execution_payment"' in q["sql"]]
        assert not any("COUNT(" in sql for sql in scans)  # the totals came from PaymentTotal
    assert "<th>财政区划</th>" not in world.login("budget").get(url).content.decode()


def _department_labels(rows: list[dict[str, Any]]) -> set[str]:
    return {row["department"] for row in rows}


def test_the_dashboard_and_the_analysis_name_the_county_with_the_department(world: World, city: City) -> None:
    for project, color in ((world.school_project, Color.RED), (world.hospital_project, Color.RED)):
        ProjectLight.objects.create(project=project, fiscal_year=2026, color=color, as_of=dt.date(2026, 8, 31))
    ProjectLight.objects.create(
        project=world.far_project, fiscal_year=2026, color=Color.YELLOW, as_of=dt.date(2026, 8, 31)
    )
    light_counts_refresh([world.region.pk, world.other_region.pk], [2026])  # as the sweep keeps them
    dashboard = city.leader.get(reverse("reports:dashboard"), {"year": 2026})
    panels = dashboard.context["panels"]
    # Above a county the red lights are counted by county (a province has 200 县教育局), each linking to its list.
    rows = panels["warnings"].extra["rows"]
    assert panels["warnings"].extra["group"] == "财政区划"
    assert [(r["name"], r["red"], r["yellow"], r["total"]) for r in rows] == [("渠县", 2, 0, 2), ("宣汉县", 0, 1, 1)]
    assert f"region={world.region.pk}" in rows[0]["red_url"] and "color=RED" in rows[0]["red_url"]
    assert city.leader.get(rows[0]["red_url"]).context["page"].paginator.count == 0  # no warning rows were made
    assert "红灯项目最多的财政区划" in dashboard.content.decode()
    assert {"渠县·县教育局", "宣汉县·县教育局"} <= _department_labels(panels["execution"].extra["departments"])
    assert "宣汉县·县教育局" in dashboard.context["chart"]["departments"]
    analysis = city.perf.get(reverse("execution:analysis"), {"fiscal_year": 2026})
    assert {"渠县·县教育局", "宣汉县·县教育局"} <= _department_labels(analysis.context["data"]["departments"])
    # A county's leader sees the departments, by name alone, as before.
    county = world.login("leader").get(reverse("reports:dashboard"), {"year": 2026}).context["panels"]
    assert county["warnings"].extra["group"] == "主管部门"
    assert sorted((r["name"], r["red"]) for r in county["warnings"].extra["rows"]) == [("县卫健局", 1), ("县教育局", 1)]


# The lists filtered by region through their filter forms; every daily list has the column.
FILTERED_LISTS = [
    "targets:list",
    "monitoring:record_list",
    "evaluation:selfeval_list",
    "preassessment:list",
    "rectification:list",
    "results:list",
]
LISTS = [*FILTERED_LISTS, "alerts:cases", "organizations:department_list", "organizations:unit_list"]


@pytest.mark.parametrize("name", LISTS)
def test_every_daily_list_has_the_region_column_for_a_city_user_only(world: World, city: City, name: str) -> None:
    """The column's names come from one dict of the user's regions per request (`{% region_name %}`)."""
    html = city.perf.get(reverse(name)).content.decode()
    assert "<th>财政区划</th>" in html
    assert "<th>财政区划</th>" not in world.login("performance").get(reverse(name)).content.decode()


def test_the_department_and_unit_lists_name_each_rows_county(world: World, city: City) -> None:
    """Both counties have a 县教育局 coded 101 and a unit coded 101001: the region cell tells them apart."""
    with CaptureQueriesContext(connection) as queries:
        departments = city.perf.get(reverse("organizations:department_list"), {"q": "县教育局"})
    html = departments.content.decode()
    assert (
        html.count('<td class="text-nowrap">渠县</td>') == 1 and html.count('<td class="text-nowrap">宣汉县</td>') == 1
    )
    region_reads = [q for q in queries.captured_queries if 'FROM "organizations_fiscalregion"' in q["sql"]]
    assert len(region_reads) == 2  # the filter's choices and the names of the user's regions: not one per row
    units = city.perf.get(reverse("organizations:unit_list"), {"q": "101001"}).content.decode()
    assert '<td class="text-nowrap">渠县</td>' in units and '<td class="text-nowrap">宣汉县</td>' in units
    # And filtered to one county.
    one = city.perf.get(reverse("organizations:department_list"), {"q": "县教育局", "region": world.other_region.pk})
    assert [d.region for d in one.context["page"]] == [world.other_region]
    one_unit = city.perf.get(reverse("organizations:unit_list"), {"q": "101001", "region": world.region.pk})
    assert {u.region for u in one_unit.context["page"]} == {world.region}
    assert (
        "region" not in world.login("performance").get(reverse("organizations:unit_list")).context["filter"].form.fields
    )


def test_region_choices_are_indented_under_the_users_own_region() -> None:
    """A province user's counties sit under their cities; a city user's counties are flush."""
    from jixiao.organizations.filters import RegionChoiceField

    province = FiscalRegion(path="990000000/", name="演示省")
    city_region = FiscalRegion(path="990000000/990100000/", name="第1市")
    county = FiscalRegion(path="990000000/990100000/990101000/", name="东安县")
    field = RegionChoiceField(queryset=FiscalRegion.objects.none())
    field.top = province
    assert [field.label_from_instance(r) for r in (city_region, county)] == ["第1市", "\u3000东安县"]
    field.top = city_region
    assert field.label_from_instance(county) == "东安县"


def _filter_form(response: Any) -> Any:
    context = response.context
    return context["filter"].form if "filter" in context else context["form"]


@pytest.mark.parametrize("name", FILTERED_LISTS)
def test_more_lists_filter_by_the_county(world: World, city: City, name: str) -> None:
    """The 财政区划 filter on the target, monitoring record, self-evaluation, pre-assessment, rectification and
    result-application lists: the user's own counties, a region outside them refused, narrowed by
    `organizations.selectors.in_region`; none for a county."""
    url = reverse(name)
    field = _filter_form(city.perf.get(url)).fields["region"]
    assert [label for _value, label in field.choices] == ["全部", "宣汉县", "渠县"]
    assert city.perf.get(url, {"region": world.other_region.pk}).status_code == 200
    assert "region" in _filter_form(city.perf.get(url, {"region": city.outside.region_id})).errors
    assert "region" not in _filter_form(world.login("performance").get(url)).fields


def test_in_region_takes_the_region_and_everything_under_it(world: World, city: City) -> None:
    from jixiao.organizations.selectors import in_region

    projects = Project.objects.exclude(pk=city.outside.pk)
    assert set(in_region(projects, world.other_region).values_list("code", flat=True)) == {"P-FAR"}
    assert in_region(projects, city.city).count() == projects.count()
    assert in_region(projects, None).count() == projects.count()
