from __future__ import annotations

import factory

from jixiao.experts.models import Expert
from jixiao.organizations.tests.factories import FiscalRegionFactory


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert
        skip_postgeneration_save = True

    region = factory.SubFactory(FiscalRegionFactory)
    name = factory.Sequence(lambda n: f"专家{n}")
    field = "教育"
    title = "高级工程师"
    affiliation = "县职业技术学校"
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")

    @factory.post_generation
    def conflicts(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.conflict_departments.set(extracted)
