"""Business rows are scoped by the ids of the membership's region subtree (`FiscalRegion.subtree_ids`): a city sees its
counties' rows, a county its own, nobody a sibling's or another city's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import BudgetUnitFactory, DepartmentFactory, FiscalRegionFactory
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _region(code: str, parent: FiscalRegion | None, level: str) -> FiscalRegion:
    path = f"{parent.path if parent else ''}{code}/"
    return FiscalRegionFactory(mof_div_code=code, name=f"区划{code}", parent=parent, level=level, path=path)


def _project_in(region: FiscalRegion) -> Project:
    unit = BudgetUnitFactory(department=DepartmentFactory(region=region))
    return ProjectFactory(unit=unit)


def _visible_codes(region: FiscalRegion) -> set[str]:
    user = get_user_model().objects.create_user(username=f"perf_{region.mof_div_code}")
    user.memberships.create(role="performance", region=region)
    return set(Project.objects.visible_to(user).values_list("code", flat=True))


def test_a_city_sees_its_counties_and_a_county_only_itself() -> None:
    province = _region("510000000", None, FiscalRegion.Level.PROVINCE)
    city = _region("511700000", province, FiscalRegion.Level.CITY)
    county = _region("511725000", city, FiscalRegion.Level.COUNTY)
    sibling_county = _region("511722000", city, FiscalRegion.Level.COUNTY)
    other_city = _region("511800000", province, FiscalRegion.Level.CITY)
    far_county = _region("511802000", other_city, FiscalRegion.Level.COUNTY)
    rows = {r.mof_div_code: _project_in(r).code for r in (city, county, sibling_county, other_city, far_county)}

    assert sorted(city.subtree_ids) == sorted([city.pk, county.pk, sibling_county.pk])
    assert _visible_codes(city) == {rows["511700000"], rows["511725000"], rows["511722000"]}
    assert _visible_codes(county) == {rows["511725000"]}
    assert _visible_codes(other_city) == {rows["511800000"], rows["511802000"]}
    assert _visible_codes(province) == set(rows.values())
