"""A page of projects loads only the 事前评估 rule rows that can apply to it; the chosen row is the same as from all
rows (national, ancestor or own region; every year or the project's year)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import FiscalRegionFactory
from jixiao.preassessment.models import PreAssessmentRuleSet
from jixiao.preassessment.selectors import pick_rule, rules_all, rules_for

pytestmark = pytest.mark.django_db


def test_rules_for_a_page_choose_what_all_rules_choose(world: World) -> None:
    city = FiscalRegionFactory(mof_div_code="511700000", name="达州市", level=FiscalRegion.Level.CITY)
    county = world.region
    FiscalRegion.objects.filter(pk=county.pk).update(path=f"{city.path}{county.mof_div_code}/")
    county.refresh_from_db()
    town = FiscalRegionFactory(mof_div_code="511725101", name="某镇", path=f"{county.path}511725101/")
    sibling = FiscalRegionFactory(mof_div_code="511799000", name="邻县", path=f"{city.path}511799000/")
    amounts = iter(range(10, 100, 5))
    for region, year in (
        (None, None),
        (None, 2026),
        (city, None),
        (county, 2026),
        (county, 2027),
        (sibling, None),
        (world.other_region, 2026),
    ):
        PreAssessmentRuleSet.objects.update_or_create(
            region=region, fiscal_year=year, defaults={"min_amount_wan": Decimal(next(amounts))}
        )
    everything = rules_all()
    for regions, years in (([county], [2026]), ([county, town], [2026, 2027, 2028]), ([town], [2025])):
        some = rules_for(regions, years)
        assert len(some) < len(everything)
        assert not {r.region_id for r in some} & {sibling.pk, world.other_region.pk}
        for region in regions:
            for year in years:
                assert pick_rule(some, region, year).pk == pick_rule(everything, region, year).pk
    assert pick_rule(rules_for([town], [2026]), town, 2026).region_id == county.pk
    assert pick_rule(rules_for([town], [2025]), town, 2025).region_id == city.pk
