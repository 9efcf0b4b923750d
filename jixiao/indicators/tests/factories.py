from __future__ import annotations

import factory

from jixiao.indicators.models import FrameworkNode, IndicatorCategory, IndicatorLibraryItem


class IndicatorItemFactory(factory.django.DjangoModelFactory):
    """An approved county indicator under 产出/数量 (2015_88). Needs the starter library (frameworks, categories)."""

    class Meta:
        model = IndicatorLibraryItem

    code = factory.Sequence(lambda n: f"T-{n:05d}")
    lv1 = factory.LazyFunction(lambda: FrameworkNode.objects.get(framework__code="2015_88", code="output"))
    lv2 = factory.LazyFunction(lambda: FrameworkNode.objects.get(framework__code="2015_88", code="output.quantity"))
    framework = factory.LazyAttribute(lambda o: o.lv1.framework)
    category = factory.LazyFunction(lambda: IndicatorCategory.objects.get(code="0102"))
    name = factory.Sequence(lambda n: f"测试指标{n}")
    operator = "gte"
    unit = "人"
    typical_value = "100"
    library_level = "county"
    status = IndicatorLibraryItem.Status.APPROVED

    class Params:
        draft = factory.Trait(status=IndicatorLibraryItem.Status.DRAFT, library_level="dept")
        submitted = factory.Trait(status=IndicatorLibraryItem.Status.SUBMITTED, library_level="dept")
        disabled = factory.Trait(status=IndicatorLibraryItem.Status.DISABLED)
