"""The project list's 主管部门/预算单位 filters: ids checked against the scope, no <option> per row, fast markup."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from django.test.html import parse_html

from conftest import World
from jixiao.core.templatetags.jixiao import filter_field
from jixiao.organizations.tests.factories import BudgetUnitFactory
from jixiao.projects.filtersets import ProjectFilterSet
from jixiao.projects.models import Project


def _codes(page: str) -> list[str]:
    return sorted(re.findall(r">(P-[A-Z]+)</a>", page))


def test_unit_filter_renders_a_search_box_not_one_option_per_unit(world: World) -> None:
    for i in range(30):
        BudgetUnitFactory(department=world.health, agency_code=f"102{i + 100:03d}", name=f"县卫生院{i}")
    page = world.login("performance").get("/projects/").content.decode()
    assert '<select name="unit"' not in page and '<select name="department"' not in page
    assert '<input type="hidden" name="unit" value=""' in page
    assert 'data-jx-autocomplete="/org/autocomplete/units/"' in page
    assert "县卫生院" not in page  # no unit is listed until the user searches


def test_chosen_unit_filters_the_list_and_shows_its_name_again(world: World) -> None:
    client = world.login("performance")
    page = client.get("/projects/", {"unit": world.school_branch.pk}).content.decode()
    assert _codes(page) == ["P-BRANCH"]
    assert f'<input type="hidden" name="unit" value="{world.school_branch.pk}"' in page
    assert 'value="县第一中学分校" placeholder=' in page
    by_department = client.get("/projects/", {"department": world.edu.pk}).content.decode()
    assert _codes(by_department) == ["P-BRANCH", "P-SCHOOL"]


@pytest.mark.parametrize(
    ("persona", "params"),
    [
        ("unit_user", {"unit": "hospital"}),  # another unit of the same county
        ("dept_admin", {"department": "health"}),  # another department
        ("performance", {"unit": "far_unit"}),  # a unit of another county
    ],
)
def test_an_id_outside_the_scope_matches_nothing(world: World, persona: str, params: dict[str, str]) -> None:
    query = {key: getattr(world, name).pk for key, name in params.items()}
    response = world.login(persona).get("/projects/", query)
    page = response.content.decode()
    assert response.status_code == 200
    assert _codes(page) == []
    assert '<strong data-testid="project-count">0</strong>' in page
    assert "县人民医院" not in page and "宣汉县中学" not in page and "县卫健局" not in page


def test_the_api_and_the_export_share_the_scoped_id_filter(world: World) -> None:
    client = world.login("dept_admin")
    api = client.get("/api/v1/projects/", {"unit": world.school_branch.pk}).json()["results"]
    assert [row["code"] for row in api] == ["P-BRANCH"]
    assert client.get("/api/v1/projects/", {"unit": world.hospital.pk}).json()["results"] == []
    assert client.get("/api/v1/projects/", {"unit": "abc"}).status_code == 400


def test_choosing_a_unit_costs_at_most_one_more_query(world: World, django_assert_max_num_queries: Any) -> None:
    client = world.login("performance")
    client.get("/projects/")
    with django_assert_max_num_queries(15):
        client.get("/projects/", {"unit": world.school.pk, "department": world.edu.pk, "status": "draft"})


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"q": '<b>"x"</b>', "status": "in_library", "is_new": "true", "ordering": "-amount", "min_amount_wan": "1.5"},
        {"category": "nonsense", "fiscal_year": "abc", "tier": "重点", "is_key": "false", "ordering": "code"},
    ],
)
def test_fast_filter_markup_equals_djangos_widget_markup(world: World, data: dict[str, str]) -> None:
    user = world.users["performance"]
    form = ProjectFilterSet(data or None, queryset=Project.objects.all(), user=user).form
    form.is_valid()
    for field in form:
        assert parse_html(filter_field(field)) == parse_html(str(field)), field.name


def test_a_year_typed_wrong_is_named_at_its_field_and_the_sort_choices_read_chinese(world: World) -> None:
    """20266 typed for 2026 listed nothing and said nothing; now the 年度 box says why and the other filters still
    apply. The 排序 choices no longer read “项目编码 (descending)”."""
    client = world.login("performance")
    response = client.get("/projects/", {"fiscal_year": "20266", "unit": world.school_branch.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert _codes(page) == ["P-BRANCH"]
    assert '<div class="invalid-feedback d-block" data-testid="filter-error">确保该值小于或等于2100。</div>' in page
    assert "descending" not in page
    assert '<option value="-code">项目编码（降序）</option>' in page
    assert '<option value="-amount">金额（从高到低）</option>' in page

    def rows(query: dict[str, str]) -> int:
        return openpyxl.load_workbook(io.BytesIO(client.get("/projects/export/", query).getvalue())).active.max_row

    assert rows({"fiscal_year": "20266"}) == rows({}) > 1  # the export leaves the bad year out too
