from __future__ import annotations

from decimal import Decimal

import factory

from jixiao.organizations.tests.factories import BudgetUnitFactory
from jixiao.projects.models import Project


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    unit = factory.SubFactory(BudgetUnitFactory)
    department = factory.LazyAttribute(lambda o: o.unit.department)
    region = factory.LazyAttribute(lambda o: o.unit.region)
    fiscal_year = 2026
    code = factory.Sequence(lambda n: f"P2026-{n:05d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    fiscal_amount_yuan = Decimal("500000.00")
    start_year = 2026
    end_year = 2026

    class Params:
        submitted = factory.Trait(status=Project.Status.SUBMITTED)
        dept_approved = factory.Trait(status=Project.Status.DEPT_APPROVED)
        in_library = factory.Trait(status=Project.Status.IN_LIBRARY)
