"""List pages read a bounded number of queries however many rows there are (no N+1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World
from jixiao.organizations.models import FinanceSection
from jixiao.organizations.tests.factories import BudgetUnitFactory, DepartmentFactory, FinanceSectionFactory

# Session, user, membership (middleware + menu) and the page's own queries.
AUDIT_RECORD_QUERIES = 2
MAX_QUERIES = 12


def _grow(world: World) -> None:
    """Many departments, sections and three-level units, so a per-row query would show."""
    for d in range(12):
        section = FinanceSectionFactory(region=world.region, code=f"B{d:02d}", kind=FinanceSection.Kind.BUSINESS)
        department = DepartmentFactory(region=world.region, dept_code=f"2{d:02d}", finance_section=section)
        for u in range(3):
            first = BudgetUnitFactory(department=department, agency_code=f"2{d:02d}{u}00")
            second = BudgetUnitFactory(department=department, agency_code=f"2{d:02d}{u}10", parent=first, level=2)
            BudgetUnitFactory(department=department, agency_code=f"2{d:02d}{u}11", parent=second, level=3)


PAGES = [
    ("organizations:tree", {}),
    ("organizations:tree", {"q": "测试"}),
    ("organizations:region_list", {}),
    ("organizations:department_list", {}),
    ("organizations:department_list", {"q": "测试", "page": "2"}),
    ("organizations:unit_list", {}),
    ("organizations:unit_list", {"level": "3", "page": "2"}),
    ("organizations:unit_export", {}),
    ("organizations:year_list", {}),
]


@pytest.mark.parametrize(("name", "query"), PAGES, ids=[f"{n}{q}" for n, q in PAGES])
def test_page_query_count_is_bounded(world: World, django_assert_max_num_queries, name: str, query: dict) -> None:
    _grow(world)
    client = world.login("budget")
    client.get(reverse("organizations:tree"))  # warm the session
    # An export is an audited action: the chained audit record adds a fixed cost (lock the chain head, advance it).
    limit = MAX_QUERIES + (AUDIT_RECORD_QUERIES if name.endswith("_export") else 0)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(name), query)
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["organizations:department_detail", "organizations:unit_detail"])
def test_detail_page_query_count_is_bounded(world: World, django_assert_max_num_queries, name: str) -> None:
    _grow(world)
    client = world.login("budget")
    pk = world.edu.pk if name.endswith("department_detail") else world.school.pk
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(reverse(name, args=[pk])).status_code == 200


def test_unit_form_query_count_is_bounded(world: World, django_assert_max_num_queries) -> None:
    _grow(world)
    client = world.login("budget")
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(reverse("organizations:unit_edit", args=[world.school_branch.pk])).status_code == 200
