"""Statistics per year and department, and the seed-style sentence (DOMAIN.md §2.9 PA-1…PA-3)."""

from __future__ import annotations

from decimal import Decimal

from conftest import World
from jixiao.preassessment import selectors
from jixiao.preassessment.tests.factories import PreAssessmentFactory, concluded
from jixiao.projects.tests.factories import ProjectFactory


def _project(world: World, unit: object, wan: str) -> object:
    return ProjectFactory(unit=unit, fiscal_amount_yuan=Decimal(wan) * 10000)


def test_statistics_count_and_sum_by_department_and_write_the_sentence(world: World) -> None:
    concluded(_project(world, world.school, "80"), "support_reduced", "600000.00")
    concluded(_project(world, world.school, "50"), "support", "500000.00")
    concluded(_project(world, world.school, "40"), "reject", None)
    concluded(_project(world, world.hospital, "100"), "defer", None)
    concluded(_project(world, world.hospital, "35.5"), "support_after_adjustment", "355000.00")
    PreAssessmentFactory(project=_project(world, world.hospital, "30"), fin_review=True)  # filed, not concluded
    PreAssessmentFactory(project=_project(world, world.hospital, "90"))  # a draft is not filed
    ProjectFactory(unit=world.far_unit)  # another county

    stats = selectors.preassessment_statistics(world.users["performance"], 2026)
    t = stats["totals"]
    assert (t["filed"], t["requested"]) == (6, Decimal("3355000.00"))
    assert (t["supported"], t["supported_amount"]) == (3, Decimal("1455000.00"))
    assert (t["reduced"], t["adjusted"], t["deferred"], t["rejected"]) == (1, 1, 1, 1)
    assert t["cut"] == Decimal("1600000.00")
    assert stats["sentence"] == "申报项目6个、涉及金额335.50万元，3个予以支持、支持金额145.50万元，压减支出160.00万元"
    rows = {r["department"]: r for r in stats["rows"]}
    assert rows["县教育局"]["filed"] == 3 and rows["县教育局"]["cut"] == Decimal("600000.00")
    assert rows["县卫健局"]["filed"] == 3 and rows["县卫健局"]["supported"] == 1


def test_the_seed_account_adds_up() -> None:
    totals = {
        "filed": 68,
        "requested": Decimal("269161700.00"),
        "supported": 63,
        "supported_amount": Decimal("246555100.00"),
        "cut": Decimal("22606600.00"),
    }
    assert selectors.statistics_sentence(totals) == (
        "申报项目68个、涉及金额26916.17万元，63个予以支持、支持金额24655.51万元，压减支出2260.66万元"
    )


def test_a_unit_sees_only_its_own_numbers(world: World) -> None:
    concluded(_project(world, world.school, "80"), "support", "800000.00")
    concluded(_project(world, world.hospital, "50"), "support", "500000.00")
    stats = selectors.preassessment_statistics(world.users["other_unit_user"], 2026)
    assert stats["totals"]["filed"] == 1 and stats["totals"]["requested"] == Decimal("500000.00")
    page = world.login("other_unit_user").get("/preassessment/statistics/?fiscal_year=2026").content.decode()
    assert "申报项目1个、涉及金额50.00万元" in page


def test_the_page_keeps_each_department_name_on_one_line(world: World) -> None:
    """At 1400px the long column headings squeezed 主管部门 to three lines a name (县文化广播电视和旅游局)."""
    concluded(_project(world, world.school, "80"), "support", "800000.00")
    page = world.login("performance").get("/preassessment/statistics/?fiscal_year=2026").content.decode()
    assert '<th class="text-nowrap">主管部门</th>' in page
    assert '<td class="text-nowrap">县教育局</td>' in page
