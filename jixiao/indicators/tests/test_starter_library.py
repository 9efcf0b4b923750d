"""The starter library shipped with the system: both frameworks, categories and indicators, loaded by migration."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from jixiao.indicators.library_data import read_library
from jixiao.indicators.models import FrameworkNode, IndicatorCategory, IndicatorFramework, IndicatorLibraryItem
from jixiao.indicators.valueparse import parse_value

pytestmark = pytest.mark.usefixtures("library")

FRAMEWORK_2015 = {
    "产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
    "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
    "满意度指标": ["服务对象满意度指标"],
}
FRAMEWORK_2021 = {
    "成本指标": ["经济成本指标", "社会成本指标", "生态环境成本指标"],
    "产出指标": ["数量指标", "质量指标", "时效指标"],
    "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标"],
    "满意度指标": ["服务对象满意度指标"],
}


def _tree(code: str) -> dict[str, list[str]]:
    framework = IndicatorFramework.objects.get(code=code)
    tree: dict[str, list[str]] = {}
    for lv1 in FrameworkNode.objects.filter(framework=framework, level=1).order_by("order"):
        tree[lv1.name] = list(lv1.children.order_by("order").values_list("name", flat=True))
    return tree


def test_both_national_frameworks_have_the_right_first_and_second_level_names() -> None:
    assert _tree("2015_88") == FRAMEWORK_2015
    assert _tree("2021_101") == FRAMEWORK_2021
    assert list(_tree("2021_101")) == ["成本指标", "产出指标", "效益指标", "满意度指标"]


def test_the_2015_framework_carries_the_self_evaluation_weights() -> None:
    weights = dict(
        FrameworkNode.objects.filter(framework__code="2015_88", level=1).values_list("name", "default_weight")
    )
    assert {k: int(v) for k, v in weights.items()} == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}


def test_there_are_at_least_fifteen_top_level_categories_with_subcategories() -> None:
    top = IndicatorCategory.objects.filter(parent__isnull=True)
    assert top.count() >= 15
    names = set(top.values_list("name", flat=True))
    assert {"教育", "卫生健康", "农业农村", "水利", "交通运输", "社会保障", "生态环境", "乡村振兴"} <= names
    for child in IndicatorCategory.objects.filter(parent__isnull=False):
        assert child.code.startswith(child.parent.code)  # type: ignore[union-attr]


def test_there_are_at_least_three_hundred_approved_shared_indicators() -> None:
    items = IndicatorLibraryItem.objects.filter(region__isnull=True, status="approved")
    assert items.count() >= 300
    assert items.values("code").distinct().count() == items.count()
    assert items.values("name").distinct().count() == items.count()


def test_every_indicator_sits_under_a_first_and_second_level_of_its_framework() -> None:
    for item in IndicatorLibraryItem.objects.select_related("lv1", "lv2", "framework"):
        assert item.lv1.level == 1 and item.lv2.level == 2
        assert item.lv2.parent_id == item.lv1_id
        assert item.lv1.framework_id == item.framework_id
        assert item.framework.code == "2015_88"


def test_indicators_are_complete_and_varied() -> None:
    items = list(IndicatorLibraryItem.objects.filter(region__isnull=True))
    assert all(i.explanation and i.scoring_standard and i.data_source for i in items)
    assert all(i.typical_value for i in items)
    quantitative = [i for i in items if i.operator != "qual"]
    assert all(i.unit or i.name.endswith(("系数", "时间")) for i in quantitative)
    operators = Counter(i.operator for i in items)
    assert set(operators) == {"gte", "gt", "eq", "lte", "lt", "qual"}
    assert len({i.unit for i in items}) >= 30
    assert len({i.lv2_id for i in items}) == 9  # every 二级 indicator of the 2015 framework is used
    assert not any(name[-1].isdigit() for name in (i.name for i in items))


def test_common_indicators_are_marked() -> None:
    common = set(IndicatorLibraryItem.objects.filter(is_common=True).values_list("name", flat=True))
    assert {"服务对象满意度", "资金拨付及时率", "项目完成及时率", "预算执行率"} <= common
    item = IndicatorLibraryItem.objects.get(name="食品安全抽检合格率")
    assert (item.operator, item.typical_value, item.unit, item.is_common) == ("gte", "98", "%", False)
    assert item.lv2.name == "质量指标"


def test_the_csv_and_the_database_agree() -> None:
    names = {row["name"] for row in read_library()}
    assert names == set(IndicatorLibraryItem.objects.filter(region__isnull=True).values_list("name", flat=True))


def test_loading_again_creates_nothing() -> None:
    before = IndicatorLibraryItem.objects.count(), IndicatorCategory.objects.count(), FrameworkNode.objects.count()
    out = StringIO()
    call_command("load_indicator_library", stdout=out)
    assert "新增分类0个，新增指标0条" in out.getvalue()
    after = IndicatorLibraryItem.objects.count(), IndicatorCategory.objects.count(), FrameworkNode.objects.count()
    assert after == before


def test_loading_restores_a_deleted_indicator_with_a_fresh_code() -> None:
    item = IndicatorLibraryItem.objects.get(name="适龄儿童入学率")
    old_code = item.code
    item.delete()
    call_command("load_indicator_library", stdout=StringIO())
    restored = IndicatorLibraryItem.objects.get(name="适龄儿童入学率")
    assert restored.code.startswith("0102-")
    assert IndicatorLibraryItem.objects.filter(code=old_code).count() <= 1


def test_typical_values_agree_with_their_operators_and_units() -> None:
    symbols = {"gte": "≥", "gt": ">", "eq": "=", "lte": "≤", "lt": "<", "qual": "定性"}
    flagged = []
    for row in read_library():
        parsed = parse_value(
            row["typical_value"],
            fiscal_year=2026,
            declared_op=symbols[row["operator"]],
            declared_unit=row["unit"] or None,
        )
        if parsed.flags:
            flagged.append((row["name"], row["typical_value"], [str(f.code) for f in parsed.flags]))
    assert flagged == []
