"""National default scoring templates (DOMAIN.md §2.1 “Scoring template”): five dimensions × 20 points.

Project template: the sub-items of 立项必要性 and 投入经济性 and the first sub-item of 绩效目标合理性 follow the
source [V]. Where DOMAIN.md marks sub-items as not confirmed [U] — the second sub-item of 绩效目标合理性 and all
sub-items of 实施方案可行性 and 筹资合规性 — two 10-point sub-items with working names are installed; the
performance section renames or re-weights them on the template page.

Policy template: the five policy dimensions (政策设立必要性 … 政策资金合规性), 20 points each; their sub-items are
not in the source [U], so each gets two 10-point sub-items with working names.
"""

from decimal import Decimal

from django.db import migrations

PROJECT = [
    ("立项必要性", [("明确相关性", "项目立项目的明确、内容具体，与相关规划和部门职能一致"), ("必要可行性", "与现有项目不重复，已开展可行性研究、专家论证、风险评估和集体决策")]),
    ("投入经济性", [("预算科学性", "预算内容与部门职能相匹配，预算明细清晰"), ("经济合理性", "厉行节约，测算依据符合定额和标准")]),
    ("绩效目标合理性", [("目标完整性", "绩效目标格式和内容完整，目标明确具体"), ("目标可衡量性", "绩效指标细化量化、可衡量，指标值合理")]),
    ("实施方案可行性", [("方案完整性", "实施方案完整，组织、进度和保障措施明确"), ("实施条件", "用地、审批、配套资金等实施条件已落实")]),
    ("筹资合规性", [("资金来源合规", "资金来源渠道合法合规，财政承受能力可行"), ("筹资风险可控", "无违规举债，筹资风险已评估并有应对措施")]),
]
POLICY = [
    ("政策设立必要性", [("政策依据充分", "政策设立依据充分，与上级部署和本地实际相符"), ("政策不重复", "与现有政策不交叉重复")]),
    ("政策保障充分性", [("配套措施", "配套措施和保障机制健全"), ("管理能力", "主管部门管理和执行能力充分")]),
    ("政策目标合理性", [("目标明确", "政策目标明确具体、可衡量"), ("目标匹配", "目标与资金规模相匹配")]),
    ("政策实施可持续性", [("财政可持续", "财政可承受、支出可持续"), ("退出机制", "设定实施期限和退出机制")]),
    ("政策资金合规性", [("资金来源合规", "资金来源合法合规"), ("使用方向合规", "资金使用方向和补助标准合规")]),
]


def _install(Template, Item, name, kind, dimensions):
    template, created = Template.objects.get_or_create(
        region=None, fiscal_year=None, kind=kind, defaults={"name": name, "is_active": True}
    )
    if not created:
        return
    for i, (dim_name, subs) in enumerate(dimensions, start=1):
        dim = Item.objects.create(template=template, code=f"{i}", name=dim_name, points=Decimal(20), order=i * 10)
        for j, (sub_name, description) in enumerate(subs, start=1):
            Item.objects.create(
                template=template,
                parent=dim,
                code=f"{i}.{j}",
                name=f"{sub_name}：{description}",
                points=Decimal(10),
                order=i * 10 + j,
            )


def install(apps, schema_editor):
    Template = apps.get_model("preassessment", "ScoringTemplate")
    Item = apps.get_model("preassessment", "ScoringItem")
    _install(Template, Item, "项目事前绩效评估评分表（全国默认）", "project", PROJECT)
    _install(Template, Item, "政策事前绩效评估评分表（全国默认）", "policy", POLICY)


def remove(apps, schema_editor):
    apps.get_model("preassessment", "ScoringTemplate").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("preassessment", "0003_scoring_panels")]

    operations = [migrations.RunPython(install, remove)]
