"""The starter library shipped with Jixiao: both national frameworks, 行业领域 categories and the indicators.

The indicators live in `data/library.csv` and the categories in `data/categories.csv` (UTF-8, readable in
Excel), written by the team for county finance bureaus. Loading is idempotent: frameworks, nodes and
categories are matched by code, indicators by name among the shared (region-less) items, so a re-run only
adds what is missing. The loader takes `get_model` so the data migration can pass its historical models.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
GetModel = Callable[[str, str], Any]


@dataclass(frozen=True)
class NodeSpec:
    code: str
    name: str
    weight: Decimal | None = None
    children: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FrameworkSpec:
    code: str
    name: str
    basis: str
    nodes: tuple[NodeSpec, ...]


# DOMAIN.md §2.2. Weights of the 2015 一级 indicators follow the self-evaluation table of 财预〔2020〕10号
# (产出 50, 效益 30, 满意度 10; 预算执行率 10 is scored separately). No default weights are confirmed for 2021_101.
FRAMEWORKS: tuple[FrameworkSpec, ...] = (
    FrameworkSpec(
        "2015_88",
        "2015版指标体系（财预〔2015〕88号）",
        "《中央部门预算绩效目标管理办法》（财预〔2015〕88号）",
        (
            NodeSpec(
                "output",
                "产出指标",
                Decimal("50.00"),
                (
                    ("output.quantity", "数量指标"),
                    ("output.quality", "质量指标"),
                    ("output.timeliness", "时效指标"),
                    ("output.cost", "成本指标"),
                ),
            ),
            NodeSpec(
                "benefit",
                "效益指标",
                Decimal("30.00"),
                (
                    ("benefit.economic", "经济效益指标"),
                    ("benefit.social", "社会效益指标"),
                    ("benefit.ecological", "生态效益指标"),
                    ("benefit.sustainability", "可持续影响指标"),
                ),
            ),
            NodeSpec(
                "satisfaction", "满意度指标", Decimal("10.00"), (("satisfaction.recipient", "服务对象满意度指标"),)
            ),
        ),
    ),
    FrameworkSpec(
        "2021_101",
        "2021版指标体系（财预〔2021〕101号）",
        "《中央部门项目支出核心绩效目标和指标设置及取值指引（试行）》（财预〔2021〕101号）",
        (
            NodeSpec(
                "cost",
                "成本指标",
                None,
                (
                    ("cost.economic", "经济成本指标"),
                    ("cost.social", "社会成本指标"),
                    ("cost.ecological", "生态环境成本指标"),
                ),
            ),
            NodeSpec(
                "output",
                "产出指标",
                None,
                (("output.quantity", "数量指标"), ("output.quality", "质量指标"), ("output.timeliness", "时效指标")),
            ),
            # Whether 可持续影响 survives as a 二级 indicator in 101号 is unconfirmed (DOMAIN.md [U]); not shipped.
            NodeSpec(
                "benefit",
                "效益指标",
                None,
                (
                    ("benefit.economic", "经济效益指标"),
                    ("benefit.social", "社会效益指标"),
                    ("benefit.ecological", "生态效益指标"),
                ),
            ),
            NodeSpec("satisfaction", "满意度指标", None, (("satisfaction.recipient", "服务对象满意度指标"),)),
        ),
    ),
)
STARTER_FRAMEWORK = "2015_88"

# The CSV names the 二级 indicator by a short key; the 一级 indicator follows from it (2015_88 framework).
LV2_KEYS = {
    "数量": "output.quantity",
    "质量": "output.quality",
    "时效": "output.timeliness",
    "成本": "output.cost",
    "经济": "benefit.economic",
    "社会": "benefit.social",
    "生态": "benefit.ecological",
    "可持续": "benefit.sustainability",
    "满意度": "satisfaction.recipient",
}
OPERATORS = {"≥": "gte", ">": "gt", "=": "eq", "≤": "lte", "<": "lt", "定性": "qual"}
BASES = {"计划": "plan", "行业": "industry", "历史": "history", "预算": "budget", "其他": "other"}
QUALITATIVE_SCORING = (
    "达成年度指标得满分；部分达成年度指标并具有一定效果的，得该指标分值的50%至80%；未达成年度指标且效果较差的不得分。"
)
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def default_scoring(operator: str, value: str, unit: str) -> str:
    """The usual 评（扣）分标准 for an operator when the CSV row gives none."""
    if operator == "qual":
        return QUALITATIVE_SCORING
    if not NUMBER.match(value):
        return "达到目标要求得满分；未达到的，根据完成程度酌情扣分，未开展相关工作的不得分。"
    target = f"{value}{unit}"
    if operator in {"gte", "gt"}:
        return f"实际完成值达到{target}得满分；未达到的，按“实际完成值÷目标值×该指标分值”计分。"
    if operator in {"lte", "lt"}:
        return f"实际值不高于{target}得满分；超出的，每超出目标值1%扣该指标分值的10%，扣完为止。"
    if value == "0":
        return "实际值为0得满分；每发生1次（起）扣该指标分值的50%，扣完为止。"
    if value == "100" and unit == "%":
        return "达到100%得满分；每低1个百分点扣该指标分值的10%，扣完为止。"
    return "与目标值一致得满分；偏差在10%以内的得该指标分值的80%；偏差超过10%的按偏差程度扣分，超过30%不得分。"


def default_source(lv2_key: str) -> str:
    if lv2_key == "满意度":
        return "问卷调查、电话回访或第三方满意度调查结果"
    return "项目单位统计台账及相关佐证资料"


def read_categories() -> list[dict[str, str]]:
    with (DATA_DIR / "categories.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_library() -> list[dict[str, Any]]:
    """The indicator rows of the CSV, normalised to model field values (one dict per indicator)."""
    items: list[dict[str, Any]] = []
    with (DATA_DIR / "library.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            operator = OPERATORS[row["operator"]]
            lv2 = LV2_KEYS[row["lv2"]]
            basis = BASES.get(row["basis"]) or ("budget" if row["lv2"] == "成本" else "plan")
            items.append(
                {
                    "category_code": row["category"],
                    "lv1_code": lv2.split(".")[0],
                    "lv2_code": lv2,
                    "name": row["name"],
                    "operator": operator,
                    "typical_value": row["value"],
                    "unit": row["unit"],
                    "is_common": "共" in row["flags"],
                    "is_core": "核" in row["flags"],
                    "value_basis": basis,
                    "explanation": row["explanation"],
                    "scoring_standard": row["scoring"] or default_scoring(operator, row["value"], row["unit"]),
                    "data_source": row["source"] or default_source(row["lv2"]),
                }
            )
    return items


def _load_frameworks(get_model: GetModel) -> dict[str, dict[str, Any]]:
    framework_model = get_model("indicators", "IndicatorFramework")
    node_model = get_model("indicators", "FrameworkNode")
    result: dict[str, dict[str, Any]] = {}
    for order, spec in enumerate(FRAMEWORKS, start=1):
        framework, _created = framework_model.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name, "basis": spec.basis, "order": order}
        )
        nodes = {n.code: n for n in node_model.objects.filter(framework=framework)}
        for lv1_order, lv1 in enumerate(spec.nodes, start=1):
            if lv1.code not in nodes:
                nodes[lv1.code] = node_model.objects.create(
                    framework=framework,
                    level=1,
                    code=lv1.code,
                    name=lv1.name,
                    default_weight=lv1.weight,
                    order=lv1_order,
                )
            for lv2_order, (code, name) in enumerate(lv1.children, start=1):
                if code not in nodes:
                    nodes[code] = node_model.objects.create(
                        framework=framework, level=2, parent=nodes[lv1.code], code=code, name=name, order=lv2_order
                    )
        result[spec.code] = {"framework": framework, "nodes": nodes}
    return result


def _load_categories(get_model: GetModel) -> tuple[dict[str, Any], int]:
    category_model = get_model("indicators", "IndicatorCategory")
    existing = {c.code: c for c in category_model.objects.all()}
    created = 0
    for order, row in enumerate(read_categories(), start=1):
        if row["code"] in existing:
            continue
        parent = existing.get(row["code"][:-2]) if len(row["code"]) > 2 else None
        existing[row["code"]] = category_model.objects.create(
            code=row["code"], name=row["name"], parent=parent, order=order
        )
        created += 1
    return existing, created


def _next_codes(item_model: Any) -> Callable[[str], str]:
    """Codes `<category>-<nnn>`, continuing after the highest number already used in each category."""
    highest: dict[str, int] = {}
    for code in item_model.objects.filter(code__regex=r"^\d+-\d+$").values_list("code", flat=True):
        prefix, number = code.rsplit("-", 1)
        highest[prefix] = max(highest.get(prefix, 0), int(number))

    def next_code(category_code: str) -> str:
        highest[category_code] = highest.get(category_code, 0) + 1
        return f"{category_code}-{highest[category_code]:03d}"

    return next_code


def load_starter_library(get_model: GetModel) -> dict[str, int]:
    """Create whatever part of the starter library is missing. Returns counts of what was created."""
    frameworks = _load_frameworks(get_model)
    categories, categories_created = _load_categories(get_model)
    item_model = get_model("indicators", "IndicatorLibraryItem")
    starter = frameworks[STARTER_FRAMEWORK]
    shared_names = set(item_model.objects.filter(region__isnull=True).values_list("name", flat=True))
    next_code = _next_codes(item_model)
    new_items = []
    for row in read_library():
        if row["name"] in shared_names:
            continue
        shared_names.add(row["name"])
        fields = {k: v for k, v in row.items() if not k.endswith("_code")}
        new_items.append(
            item_model(
                code=next_code(row["category_code"]),
                framework=starter["framework"],
                category=categories[row["category_code"]],
                lv1=starter["nodes"][row["lv1_code"]],
                lv2=starter["nodes"][row["lv2_code"]],
                library_level="province",
                status="approved",
                **fields,
            )
        )
    item_model.objects.bulk_create(new_items, batch_size=500)
    return {"categories": categories_created, "items": len(new_items)}
