from __future__ import annotations

from typing import Any

import factory

from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion, FiscalYear


class FiscalYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FiscalYear
        django_get_or_create = ("year",)

    year = 2026
    is_current = True
    is_open = True


class FiscalRegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FiscalRegion
        django_get_or_create = ("mof_div_code",)

    mof_div_code = factory.Sequence(lambda n: f"{511700000 + n * 100}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    level = FiscalRegion.Level.COUNTY
    path = factory.LazyAttribute(lambda o: f"{o.mof_div_code}/")


def city_with_counties(
    *counties: FiscalRegion | tuple[str, str], code: str = "511700000", name: str = "达州市"
) -> tuple[FiscalRegion, list[FiscalRegion]]:
    """A city with counties below it, for the pages that show a user above county level one county at a time:
    an existing region is moved under the city, a (code, name) pair is created there."""
    city = FiscalRegionFactory(mof_div_code=code, name=name, level=FiscalRegion.Level.CITY)
    placed: list[FiscalRegion] = []
    for county in counties:
        region: Any = county
        if isinstance(county, tuple):
            region = FiscalRegionFactory(mof_div_code=county[0], name=county[1])
        region.parent = city
        region.path = region.build_path()
        region.save(update_fields=["parent", "path"])
        placed.append(region)
    return city, placed


class FinanceSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinanceSection

    region = factory.SubFactory(FiscalRegionFactory)
    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"业务股{n}")
    kind = FinanceSection.Kind.BUSINESS


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    region = factory.SubFactory(FiscalRegionFactory)
    dept_code = factory.Sequence(lambda n: f"{100 + n}")
    name = factory.Sequence(lambda n: f"测试局{n}")


class BudgetUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetUnit

    department = factory.SubFactory(DepartmentFactory)
    region = factory.LazyAttribute(lambda o: o.department.region)
    agency_code = factory.Sequence(lambda n: f"{100000 + n}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    parent = None
    level = 1

    @factory.post_generation
    def set_path(obj: BudgetUnit, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        obj.path = obj.build_path()
        if create:
            obj.save(update_fields=["path"])
