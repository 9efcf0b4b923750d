"""Search-as-you-type for the 主管部门/预算单位 list filters: scoped, capped, JSON."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from conftest import World
from jixiao.organizations import selectors
from jixiao.organizations.tests.factories import BudgetUnitFactory, FinanceSectionFactory

UNITS = reverse("organizations:unit_autocomplete")
DEPARTMENTS = reverse("organizations:department_autocomplete")
SECTIONS = reverse("organizations:section_autocomplete")


def _names(response: Any) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return [row["text"] for row in response.json()["results"]]


def test_performance_section_finds_any_unit_of_its_region_by_name_or_code(world: World) -> None:
    client = world.login("performance")
    assert _names(client.get(UNITS, {"q": "医院"})) == ["县人民医院"]
    assert _names(client.get(UNITS, {"q": "10100"})) == ["县第一中学", "县第一中学分校"]
    row = client.get(UNITS, {"q": "医院"}).json()["results"][0]
    assert row == {"id": world.hospital.pk, "text": "县人民医院", "hint": "102001 · 县卫健局"}


def test_unit_search_never_returns_rows_outside_the_users_scope(world: World) -> None:
    # The other county's 宣汉县中学 matches "中学" but is not in the region; a unit user sees its own subtree only.
    assert _names(world.login("performance").get(UNITS, {"q": "中学"})) == ["县第一中学", "县第一中学分校"]
    assert _names(world.login("unit_user").get(UNITS, {"q": ""})) == ["县第一中学", "县第一中学分校"]
    assert _names(world.login("other_unit_user").get(UNITS, {"q": "中学"})) == []
    assert _names(world.login("business").get(UNITS, {"q": "医院"})) == []  # 教科文股 is not 对口 for 卫健局
    assert _names(world.login("expert").get(UNITS, {"q": ""})) == []


def test_department_search_is_scoped_and_can_narrow_units(world: World) -> None:
    perf = world.login("performance")
    assert _names(perf.get(DEPARTMENTS, {"q": "局"})) == ["县教育局", "县卫健局"]
    assert _names(perf.get(DEPARTMENTS, {"q": "102"})) == ["县卫健局"]
    assert _names(world.login("dept_admin").get(DEPARTMENTS, {"q": "局"})) == ["县教育局"]
    assert _names(perf.get(UNITS, {"q": "", "department": world.health.pk})) == ["县人民医院"]
    assert _names(perf.get(UNITS, {"q": "", "department": "x"})) == ["县第一中学", "县第一中学分校", "县人民医院"]


def test_the_parent_box_suggests_no_third_level_unit(world: World) -> None:
    """上级单位 searches with parents=1: a third-level unit cannot be a parent, so it is not offered (choosing one
    was refused only when the form was saved)."""
    third = BudgetUnitFactory(
        department=world.edu, parent=world.school_branch, agency_code="101003", name="县第一中学分校食堂", level=3
    )
    perf = world.login("performance")
    assert third.name in _names(perf.get(UNITS, {"q": "县第一中学"}))
    assert _names(perf.get(UNITS, {"q": "县第一中学", "parents": "1"})) == ["县第一中学", "县第一中学分校"]


def test_search_returns_at_most_twenty_rows(world: World) -> None:
    for i in range(25):
        BudgetUnitFactory(department=world.health, agency_code=f"102{i + 100:03d}", name=f"县卫生院{i}")
    names = _names(world.login("performance").get(UNITS, {"q": "卫生院"}))
    assert len(names) == selectors.AUTOCOMPLETE_LIMIT == 20
    assert set(names) <= {f"县卫生院{i}" for i in range(25)}


def test_anonymous_users_are_sent_to_the_login_page(world: World, anonymous_client: Any) -> None:
    for url in (UNITS, DEPARTMENTS, SECTIONS):
        response = anonymous_client.get(url, {"q": "县"})
        assert response.status_code == 302 and "login" in response["Location"]


def test_section_search_finds_business_sections_of_the_users_bureaus(world: World) -> None:
    """The 主管部门 list's 对口股室 filter: a province has 1,000 business sections, most named alike."""
    FinanceSectionFactory(region=world.other_region, code="SB", name="社保股")  # another county's bureau
    perf = world.login("performance")
    assert _names(perf.get(SECTIONS, {"q": ""})) == ["教科文股", "社保股"]  # 绩效股 and 预算股 are not 对口 sections
    row = perf.get(SECTIONS, {"q": "SB"}).json()["results"]
    assert row == [{"id": world.health_section.pk, "text": "社保股", "hint": "SB · 渠县财政局"}]
    assert _names(perf.get(SECTIONS, {"q": "渠县"})) == ["教科文股", "社保股"]
    assert _names(world.login("expert").get(SECTIONS, {"q": ""})) == []  # no org.view


def test_department_list_ignores_a_section_outside_the_scope(world: World) -> None:
    foreign = FinanceSectionFactory(region=world.other_region, code="SB", name="社保股")
    client = world.login("budget")
    url = reverse("organizations:department_list")
    assert list(client.get(url, {"finance_section": foreign.pk}).context["page"]) == []
    page = client.get(url, {"finance_section": world.health_section.pk}).content.decode()
    assert 'data-jx-autocomplete="/org/autocomplete/sections/"' in page and "社保股" in page


def test_control_characters_and_huge_ids_are_ignored_not_a_500(world: World) -> None:
    """`q=%00` reached `name__icontains` (PostgreSQL refuses a NUL) and a 4,300-digit `department` overflowed."""
    client = world.login("performance")
    assert _names(client.get(UNITS, {"q": "医院\x00"})) == ["县人民医院"]
    assert _names(client.get(DEPARTMENTS, {"q": "\x00卫健"})) == ["县卫健局"]
    assert _names(client.get(SECTIONS, {"q": "\x00"})) == _names(client.get(SECTIONS, {"q": ""}))
    assert _names(client.get(UNITS, {"q": "医院", "department": "9" * 4300})) == ["县人民医院"]
