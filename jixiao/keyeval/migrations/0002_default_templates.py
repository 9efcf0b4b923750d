"""The shipped framework templates (DOMAIN.md §2.4.3 10号 attachment 1, §2.4.4 frameworks A and C), national and
valid for every year. Weights: 决策15/过程15/产出35/效益35 (产出+效益 ≥ 60); children add up to their parent."""

from decimal import Decimal

from django.db import migrations

# (code, name, weight, formula, children)
PROJECT_10 = [
    ("D", "决策", 15, "", [
        ("D1", "项目立项", 5, "", [
            ("D11", "立项依据充分性", 3, "", []),
            ("D12", "立项程序规范性", 2, "", []),
        ]),
        ("D2", "绩效目标", 5, "", [
            ("D21", "绩效目标合理性", 3, "", []),
            ("D22", "绩效指标明确性", 2, "", []),
        ]),
        ("D3", "资金投入", 5, "", [
            ("D31", "预算编制科学性", 3, "", []),
            ("D32", "资金分配合理性", 2, "", []),
        ]),
    ]),
    ("P", "过程", 15, "", [
        ("P1", "资金管理", 9, "", [
            ("P11", "资金到位率", 3, "实际到位资金 / 预算资金 × 100%", []),
            ("P12", "预算执行率", 3, "实际支出资金 / 实际到位资金 × 100%", []),
            ("P13", "资金使用合规性", 3, "", []),
        ]),
        ("P2", "组织实施", 6, "", [
            ("P21", "管理制度健全性", 3, "", []),
            ("P22", "制度执行有效性", 3, "", []),
        ]),
    ]),
    ("O", "产出", 35, "", [
        ("O1", "产出数量", 10, "", [("O11", "实际完成率", 10, "实际产出数 / 计划产出数 × 100%", [])]),
        ("O2", "产出质量", 10, "", [("O21", "质量达标率", 10, "质量达标产出数 / 实际产出数 × 100%", [])]),
        ("O3", "产出时效", 8, "", [("O31", "完成及时性", 8, "实际完成时间与计划完成时间比较", [])]),
        ("O4", "产出成本", 7, "", [("O41", "成本节约率", 7, "(计划成本 − 实际成本) / 计划成本 × 100%", [])]),
    ]),
    ("B", "效益", 35, "", [
        ("B1", "项目效益", 35, "", [
            ("B11", "经济效益", 7, "", []),
            ("B12", "社会效益", 7, "", []),
            ("B13", "生态效益", 7, "", []),
            ("B14", "可持续影响", 7, "", []),
            ("B15", "服务对象满意度", 7, "", []),
        ]),
    ]),
]

DEPT_OVERALL_A = [
    ("I", "投入", 10, "", [
        ("I1", "在职人员控制率", 5, "在职人员数 / 编制数 × 100%；≤100%得满分，每超1个百分点扣0.5分", []),
        ("I2", "“三公经费”变动率", 5, "(本年 − 上年) / 上年 × 100%；≤0得满分，每超1个百分点扣0.5分", []),
    ]),
    ("P", "过程", 40, "", [
        ("P1", "预算完成率", 5, "(上年结转 + 年初预算 + 本年追加 − 年末结余) / (上年结转 + 年初预算 + 本年追加)", []),
        ("P2", "预算控制率", 5, "本年追加 / 年初预算；0得5分，(0,10%]得4分，(10,20%]得3分，(20,30%]得2分，>30%得0分", []),
        ("P3", "新建楼堂馆所面积控制率", 5, "≤100%得满分，每超5个百分点扣2分；无新建得满分", []),
        ("P4", "结转结余率", 5, "", []),
        ("P5", "公用经费控制率", 5, "", []),
        ("P6", "政府采购执行率", 5, "", []),
        ("P7", "管理制度健全性", 5, "", []),
        ("P8", "资金使用合规性", 5, "", []),
    ]),
    ("O", "产出", 25, "", [
        ("O1", "实际完成率", 7, "", []),
        ("O2", "完成及时率", 6, "", []),
        ("O3", "质量达标率", 6, "", []),
        ("O4", "重点工作办结率", 6, "", []),
    ]),
    ("E", "效果", 25, "", [
        ("E1", "经济效益", 5, "", []),
        ("E2", "社会效益", 5, "", []),
        ("E3", "生态效益", 5, "", []),
        ("E4", "社会公众或服务对象满意度", 10, "", []),
    ]),
]

DEPT_OVERALL_C = [
    ("D", "部门决策", 25, "", [
        ("D1", "目标任务", 15, "", [
            ("D11", "相关性", 5, "", []),
            ("D12", "明确性", 5, "", []),
            ("D13", "合理性", 5, "", []),
        ]),
        ("D2", "预算编制", 10, "", [
            ("D21", "测算依据", 5, "", []),
            ("D22", "目标管理", 5, "", []),
        ]),
    ]),
    ("M", "综合管理", 30, "", [
        ("M1", "专项资金分配时限", 2, "", []),
        ("M2", "中期评估", 2, "", []),
        ("M3", "绩效监控", 5, "", [("M31", "执行进度监控", 2, "", []), ("M32", "目标动态监控", 3, "", [])]),
        ("M4", "非税收入执收", 2, "", []),
        ("M5", "资产管理", 6, "", []),
        ("M6", "内控制度", 2, "", []),
        ("M7", "信息公开", 6, "", [
            ("M71", "预算公开", 2, "", []),
            ("M72", "决算公开", 2, "", []),
            ("M73", "绩效信息公开", 2, "", []),
        ]),
        ("M8", "绩效评价", 5, "", [("M81", "评价开展", 2, "", []), ("M82", "结果应用", 3, "", [])]),
    ]),
    ("R", "部门绩效情况", 45, "", [
        ("R1", "履职成效", 20, "", []),
        ("R2", "可持续发展能力", 15, "", [
            ("R21", "重点改革", 5, "", []),
            ("R22", "创新", 5, "", []),
            ("R23", "人才培养", 5, "", []),
        ]),
        ("R3", "满意度", 10, "", [
            ("R31", "协作部门满意度", 3, "", []),
            ("R32", "管理对象满意度", 3, "", []),
            ("R33", "社会公众满意度", 4, "", []),
        ]),
    ]),
]

TEMPLATES = [
    ("project_10", "项目支出绩效评价指标体系（财预〔2020〕10号）", PROJECT_10),
    ("dept_overall_a", "部门整体支出绩效评价共性指标体系", DEPT_OVERALL_A),
    ("dept_overall_c", "部门整体支出绩效评价指标体系（四川/达州）", DEPT_OVERALL_C),
]


def _nodes(Node, template, rows, parent, level, counter):
    for code, name, weight, formula, children in rows:
        counter[0] += 1
        node = Node.objects.create(
            template=template,
            parent=parent,
            level=level,
            code=code,
            name=name,
            weight=Decimal(weight),
            formula=formula,
            order=counter[0],
        )
        _nodes(Node, template, children, node, level + 1, counter)


def forwards(apps, schema_editor):
    Template = apps.get_model("keyeval", "EvalTemplate")
    Node = apps.get_model("keyeval", "EvalTemplateNode")
    for kind, name, rows in TEMPLATES:
        if Template.objects.filter(kind=kind, region=None, fiscal_year=None).exists():
            continue
        template = Template.objects.create(kind=kind, name=name, region=None, fiscal_year=None, is_active=True)
        _nodes(Node, template, rows, None, 1, [0])


def backwards(apps, schema_editor):
    apps.get_model("keyeval", "EvalTemplate").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("keyeval", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
