"""Which framework a region uses in a year, and the frameworks page."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core.errors import PermissionDeniedError
from jixiao.indicators import selectors, services
from jixiao.indicators.models import FrameworkChoice, IndicatorFramework
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.tests.factories import FiscalRegionFactory


def _region(code: str, name: str, level: str, parent: FiscalRegion | None = None) -> FiscalRegion:
    region = FiscalRegionFactory(mof_div_code=code, name=name, level=level, parent=parent)
    region.path = region.build_path()
    region.save(update_fields=["path"])
    return region


def test_without_any_choice_every_region_uses_the_national_default(world: World) -> None:
    assert selectors.framework_for(world.region, 2026).code == "2015_88"
    assert selectors.framework_for(None, 2030).code == "2015_88"


def test_the_most_specific_started_choice_wins(world: World) -> None:
    province = _region("510000000", "四川省", FiscalRegion.Level.PROVINCE)
    city = _region("511700000", "达州市", FiscalRegion.Level.CITY, province)
    county = _region("511781000", "万源市", FiscalRegion.Level.COUNTY, city)
    new, old = IndicatorFramework.objects.get(code="2021_101"), IndicatorFramework.objects.get(code="2015_88")
    FrameworkChoice.objects.create(framework=new, region=province, effective_from_year=2026)
    assert selectors.framework_for(county, 2025).code == "2015_88"
    assert selectors.framework_for(county, 2026).code == "2021_101"
    FrameworkChoice.objects.create(framework=old, region=county, effective_from_year=2024)
    assert selectors.framework_for(county, 2027).code == "2015_88"
    assert selectors.framework_for(city, 2027).code == "2021_101"
    FrameworkChoice.objects.create(framework=new, region=None, effective_from_year=2028)
    assert selectors.framework_for(world.region, 2028).code == "2021_101"


def test_the_performance_section_sets_its_regions_framework(world: World) -> None:
    new = IndicatorFramework.objects.get(code="2021_101")
    choice = services.framework_choice_set(actor=world.users["performance"], framework=new, effective_from_year=2027)
    assert choice.region == world.region
    assert selectors.framework_for(world.region, 2027) == new
    assert selectors.framework_for(world.other_region, 2027).code == "2015_88"
    with pytest.raises(PermissionDeniedError):
        services.framework_choice_set(actor=world.users["business"], framework=new, effective_from_year=2027)


def test_frameworks_page_shows_both_frameworks_and_saves_a_choice(world: World) -> None:
    client = world.login("performance")
    page = client.get("/indicators/frameworks/").content.decode()
    assert "可持续影响指标" in page and "生态环境成本指标" in page
    new = IndicatorFramework.objects.get(code="2021_101")
    response = client.post("/indicators/frameworks/", {"framework": new.pk, "effective_from_year": 2026})
    assert response.status_code == 302
    assert "2021版指标体系" in client.get("/indicators/frameworks/").content.decode()
    assert (
        world.login("unit_user")
        .post("/indicators/frameworks/", {"framework": new.pk, "effective_from_year": 2026})
        .status_code
        == 403
    )
