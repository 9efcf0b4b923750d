"""Row scope on organisation pages: each persona sees its own part of the tree and nothing else."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.organizations.tests.factories import BudgetUnitFactory


def _body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_unit_user_sees_only_its_unit_subtree_in_the_unit_list(world: World) -> None:
    body = _body(world.login("unit_user"), reverse("organizations:unit_list"))
    assert "县第一中学" in body and "县第一中学分校" in body
    assert "县人民医院" not in body
    assert "宣汉县中学" not in body


def test_unit_user_sees_only_its_unit_subtree_in_the_tree(world: World) -> None:
    body = _body(world.login("unit_user"), reverse("organizations:tree"))
    assert "县第一中学分校" in body
    assert "县人民医院" not in body and "县卫健局" not in body
    assert "宣汉县" not in body


def test_branch_user_sees_its_branch_as_the_root_of_the_tree(world: World) -> None:
    # Built through the user model only: organizations may not import accounts (import-linter).
    user = get_user_model().objects.create_user(username="p_branch")
    user.memberships.create(role="unit_user", region=world.region, unit=world.school_branch)
    client = Client()
    client.force_login(user)
    body = _body(client, reverse("organizations:tree"))
    assert "县第一中学分校" in body
    assert ">县第一中学<" not in body


def test_unit_user_gets_404_for_another_units_pages(world: World) -> None:
    client = world.login("unit_user")
    assert client.get(reverse("organizations:unit_edit", args=[world.hospital.pk])).status_code == 404
    assert client.get(reverse("organizations:unit_detail", args=[world.hospital.pk])).status_code == 404
    assert client.get(reverse("organizations:unit_edit", args=[world.far_unit.pk])).status_code == 404


def test_unit_user_gets_403_not_404_for_its_own_units_edit_page(world: World) -> None:
    client = world.login("unit_user")
    assert client.get(reverse("organizations:unit_edit", args=[world.school.pk])).status_code == 403


def test_business_section_user_sees_only_its_counterpart_departments(world: World) -> None:
    client = world.login("business")
    body = _body(client, reverse("organizations:department_list"))
    assert "县教育局" in body
    assert "县卫健局" not in body
    assert client.get(reverse("organizations:department_detail", args=[world.health.pk])).status_code == 404
    units = _body(client, reverse("organizations:unit_list"))
    assert "县第一中学" in units and "县人民医院" not in units


def test_business_section_user_sees_only_its_departments_on_the_sections_page(world: World) -> None:
    body = _body(world.login("business"), reverse("organizations:region_list"))
    assert "社保股" in body  # every section of the bureau is listed
    assert "县教育局" in body
    assert "县卫健局" not in body  # but not the departments another section is 对口 for


def test_a_section_serving_only_other_departments_is_not_shown_as_unassigned(world: World) -> None:
    """A department's user sees its own department only: 社保股 serves 县卫健局, hidden from it, and read 未分配."""
    from jixiao.organizations.tests.factories import FinanceSectionFactory

    FinanceSectionFactory(region=world.region, code="NY", name="农业股")  # 对口 for no department at all
    rows = _section_rows(_body(world.login("dept_admin"), reverse("organizations:region_list")))
    assert "县教育局" in rows["教科文股"]
    assert "县卫健局" not in rows["社保股"] and "未分配" not in rows["社保股"]
    assert "未分配" in rows["农业股"]
    rows = _section_rows(_body(world.login("performance"), reverse("organizations:region_list")))
    assert "县卫健局" in rows["社保股"] and "未分配" in rows["农业股"]


def _section_rows(body: str) -> dict[str, str]:
    """Each section's table row, by the section's name."""
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return {name: row for row in rows for name in re.findall(r"<td>([^<]*股)</td>", row)}


def test_department_admin_sees_its_department_and_all_its_units(world: World) -> None:
    body = _body(world.login("dept_admin"), reverse("organizations:unit_list"))
    assert "县第一中学" in body and "县第一中学分校" in body
    assert "县人民医院" not in body


def test_finance_bureau_sees_the_whole_county_but_not_another_county(world: World) -> None:
    body = _body(world.login("performance"), reverse("organizations:unit_list"))
    assert "县第一中学" in body and "县人民医院" in body
    assert "宣汉县中学" not in body
    tree = _body(world.login("leader"), reverse("organizations:tree"))
    assert "宣汉县教育局" not in tree


def test_budget_section_gets_404_for_another_countys_unit(world: World) -> None:
    client = world.login("budget")
    assert client.get(reverse("organizations:unit_edit", args=[world.far_unit.pk])).status_code == 404
    assert client.get(reverse("organizations:department_edit", args=[world.far_unit.department_id])).status_code == 404
    assert client.get(reverse("organizations:region_edit", args=[world.other_region.pk])).status_code == 404


def test_unit_count_on_the_department_list_counts_only_visible_units(world: World) -> None:
    BudgetUnitFactory(department=world.edu, agency_code="101009", name="县第二中学")
    client = world.login("unit_user")
    response = client.get(reverse("organizations:department_list"))
    department = next(iter(response.context["page"]))
    assert department.pk == world.edu.pk
    assert department.unit_count == 2  # the school and its branch, not 县第二中学


def test_unit_counts_on_the_department_list_for_the_bureau(world: World) -> None:
    """Every department of the page with its own units counted, 0 for one without units, on every page."""
    from jixiao.organizations.models import BudgetUnit
    from jixiao.organizations.tests.factories import DepartmentFactory

    empty = DepartmentFactory(region=world.region, dept_code="999", name="县新设局")
    client = world.login("performance")
    shown = {}
    for number in (1, 2, 3):
        response = client.get(reverse("organizations:department_list"), {"page": number})
        shown |= {d.pk: d.unit_count for d in response.context["page"]}
    assert shown[empty.pk] == 0
    assert world.far_unit.department_id not in shown
    assert (
        shown == {pk: BudgetUnit.objects.filter(department_id=pk).count() for pk in shown} and sum(shown.values()) > 0
    )


def test_tree_search_matches_names_and_codes(world: World) -> None:
    client = world.login("performance")
    by_name = client.get(reverse("organizations:tree"), {"q": "医院"})
    assert [d.department.pk for d in by_name.context["tree"]] == [world.health.pk]
    by_code = client.get(reverse("organizations:tree"), {"q": "101002"})
    tree = by_code.context["tree"]
    assert [d.department.pk for d in tree] == [world.edu.pk]
    school = tree[0].units[0]
    assert school.unit.pk == world.school.pk and not school.matched  # kept as the path to the match
    assert school.children[0].unit.pk == world.school_branch.pk and school.children[0].matched
    nothing = client.get(reverse("organizations:tree"), {"q": "不存在的单位"})
    assert nothing.context["tree"] == []
    assert "没有名称或编码包含" in nothing.content.decode()


def test_unit_list_filters_by_department_level_and_search(world: World) -> None:
    client = world.login("budget")
    url = reverse("organizations:unit_list")
    assert {u.pk for u in client.get(url, {"department": world.health.pk}).context["page"]} == {world.hospital.pk}
    assert {u.pk for u in client.get(url, {"level": 2}).context["page"]} == {world.school_branch.pk}
    assert {u.pk for u in client.get(url, {"q": "分校"}).context["page"]} == {world.school_branch.pk}
    assert {u.pk for u in client.get(url, {"q": "102001"}).context["page"]} == {world.hospital.pk}


def test_department_list_filters_by_section_and_search(world: World) -> None:
    client = world.login("budget")
    url = reverse("organizations:department_list")
    assert [d.pk for d in client.get(url, {"finance_section": world.health_section.pk}).context["page"]] == [
        world.health.pk
    ]
    assert [d.pk for d in client.get(url, {"q": "教育"}).context["page"]] == [world.edu.pk]


def test_unit_list_paginates(world: World) -> None:
    for n in range(25):
        BudgetUnitFactory(department=world.health, agency_code=f"1029{n:02d}", name=f"卫生院{n}")
    client = world.login("budget")
    first = client.get(reverse("organizations:unit_list"))
    assert first.context["page"].paginator.count == 28
    assert len(first.context["page"]) == 20
    second = client.get(reverse("organizations:unit_list"), {"page": 2})
    assert len(second.context["page"]) == 8


def test_a_city_user_sees_the_unit_tree_one_county_at_a_time(world: World) -> None:
    """A province has 80,000 units: the tree of a user above county level shows one county, chosen from a list."""
    from conftest import _member
    from jixiao.organizations.tests.factories import DepartmentFactory, FinanceSectionFactory, city_with_counties

    city, counties = city_with_counties(("511781000", "万源市"), ("511723000", "开江县"))
    for county, unit_name in zip(counties, ("万源中学", "开江中学"), strict=True):
        department = DepartmentFactory(region=county, dept_code="101", name=f"{county.name}教育局")
        BudgetUnitFactory(department=department, agency_code="101001", name=unit_name)
    section = FinanceSectionFactory(region=city, code="JX", name="绩效科")
    user = _member("city_perf", "performance", city, section=section)
    client = Client()
    client.force_login(user)

    url = reverse("organizations:tree")
    first = client.get(url)
    assert [r.name for r in first.context["regions"]] == ["开江县", "万源市"]  # by path (code)
    assert first.context["region"].name == "开江县"
    assert "开江中学" in first.content.decode() and "万源中学" not in first.content.decode()
    other = client.get(url, {"region": counties[0].pk, "q": "中学"}).content.decode()
    assert "万源中学" in other and "开江中学" not in other
    # A region outside the user's scope is never shown: the first county is.
    assert client.get(url, {"region": world.region.pk}).context["region"].name == "开江县"
    # A county user sees its own tree, without a region list.
    assert world.login("performance").get(url).context["regions"] == []


def test_a_city_user_sees_the_sections_of_one_finance_bureau_at_a_time(world: World) -> None:
    """A province has 200 finance bureaus with 1,000 sections and 20,000 对口 departments: 财政区划与股室 shows the
    sections of one bureau, chosen by clicking a region; a county user sees its own bureau as before."""
    from conftest import _member
    from jixiao.organizations.tests.factories import DepartmentFactory, FinanceSectionFactory, city_with_counties

    city, (wanyuan, kaijiang) = city_with_counties(("511781000", "万源市"), ("511723000", "开江县"))
    own = FinanceSectionFactory(region=city, code="JX", name="绩效科", kind="performance")
    for county in (wanyuan, kaijiang):
        section = FinanceSectionFactory(region=county, code="KW", name=f"{county.name}教科文股")
        DepartmentFactory(region=county, dept_code="101", name=f"{county.name}教育局", finance_section=section)
    client = Client()
    client.force_login(_member("city_perf", "performance", city, section=own))
    url = reverse("organizations:region_list")

    first = client.get(url)
    page = first.content.decode()
    assert first.context["region"] == city  # the user's own bureau first (path order)
    assert "绩效科" in page and "教科文股" not in page
    assert page.count('data-testid="region-sections-link"') == 3
    chosen = client.get(url, {"region": kaijiang.pk}).content.decode()
    assert "开江县教科文股" in chosen and "开江县教育局" in chosen and "万源市教科文股" not in chosen
    assert client.get(url, {"region": world.region.pk}).context["region"] == city  # outside the scope: the first
    county = world.login("performance").get(url)
    assert county.context["region"] is None and 'data-testid="region-sections-link"' not in county.content.decode()
    assert "教科文股" in county.content.decode() and "社保股" in county.content.decode()
