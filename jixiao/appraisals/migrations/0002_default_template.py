"""The national default score table for county appraisals of departments and towns (DOMAIN.md §2.7) and the
national default settings row (external weights 镇 0.6 / 街道 0.5 / 高新区 0.4 / 部门 1, grade bands, manual
表扬/约谈 thresholds). An empty 资产管理绩效考评 table ships as its own type."""

from decimal import Decimal

from django.db import migrations

PERF = "绩效股"

# (code, name, points, kind, section, auto_metric, standard, children)
TREE = [
    ("A", "事前绩效评估开展", 10, "SCORE", PERF, "", "", [
        ("A1", "事前绩效评估覆盖率", 10, "SCORE", PERF, "preassessment_coverage",
         "应开展事前绩效评估的项目已出具评估结论的比例×分值", []),
    ]),
    ("B", "绩效目标编报质量和及时性", 20, "SCORE", PERF, "", "", [
        ("B1", "绩效目标按时申报", 6, "SCORE", PERF, "target_on_time", "按时申报的项目比例×分值；申报不及时的扣分", []),
        ("B2", "绩效目标审核等级", 8, "SCORE", PERF, "target_grade", "优1、良0.8、中0.6、差0的加权平均×分值", []),
        ("B3", "绩效目标退回修改", 6, "SCORE", PERF, "target_return_rate", "（1－被退回修改的比例）×分值", []),
    ]),
    ("C", "绩效运行监控", 15, "SCORE", PERF, "", "", [
        ("C1", "监控覆盖", 7, "SCORE", PERF, "monitoring_coverage", "已报送监控表的比例×分值", []),
        ("C2", "监控按时报送", 8, "SCORE", PERF, "monitoring_on_time", "在截止日期前报送的比例×分值", []),
    ]),
    ("D", "绩效自评质量", 20, "SCORE", PERF, "", "", [
        ("D1", "自评覆盖率", 10, "SCORE", PERF, "selfeval_coverage", "已提交自评的比例×分值", []),
        ("D2", "自评结果真实性（再评价分差）", 10, "SCORE", PERF, "reeval_gap",
         "（1－抽评中分差超限的比例）×分值", []),
    ]),
    ("E", "部门评价开展", 10, "SCORE", PERF, "", "", [
        ("E1", "部门评价开展情况", 10, "SCORE", PERF, "", "按计划开展部门评价并报送报告的得满分，未按计划的酌情扣分", []),
    ]),
    ("F", "结果应用与整改", 15, "SCORE", PERF, "", "", [
        ("F1", "问题按期整改", 15, "SCORE", PERF, "rectification_on_time", "按期完成整改的事项比例×分值", []),
    ]),
    ("G", "信息公开", 10, "SCORE", PERF, "", "", [
        ("G1", "绩效信息按时公开", 10, "SCORE", PERF, "disclosure_on_time", "在公开期限内公开的事项比例×分值", []),
    ]),
    ("H", "加分项", 5, "BONUS", PERF, "", "工作经验被上级推广、创新做法等，每项加1分，最多加5分（须说明理由）", []),
    ("I", "扣分项", 10, "PENALTY", PERF, "", "弄虚作假、被上级通报等，每项扣1—5分，最多扣10分（须说明理由）", []),
]


def add_default(apps, schema_editor):
    Template = apps.get_model("appraisals", "AppraisalTemplate")
    Node = apps.get_model("appraisals", "AppraisalNode")
    Settings = apps.get_model("appraisals", "AppraisalSettings")
    Settings.objects.get_or_create(region=None, fiscal_year=None)
    for kind, examinee_type, name in (
        ("DEPT", 2, "县级部门（单位）预算绩效管理工作考核评分表（默认）"),
        ("TOWN", 1, "乡镇（街道）预算绩效管理工作考核评分表（默认）"),
    ):
        template = Template.objects.create(
            name=name, kind=kind, examinee_type=examinee_type, source="全国默认（DOMAIN.md §2.7）"
        )
        order = 0
        for code, label, points, node_kind, section, metric, standard, children in TREE:
            order += 10
            parent = Node.objects.create(
                template=template, code=code, name=label, points=Decimal(points), kind=node_kind,
                responsible_section=section, auto_metric=metric, standard=standard, order=order,
            )
            for c_code, c_label, c_points, c_kind, c_section, c_metric, c_standard, _ in children:
                order += 1
                Node.objects.create(
                    template=template, parent=parent, code=c_code, name=c_label, points=Decimal(c_points),
                    kind=c_kind, responsible_section=c_section, auto_metric=c_metric, standard=c_standard,
                    order=order,
                )
    Template.objects.create(
        name="资产管理绩效考评评分表（空表，由各地导入）", kind="ASSET_MANAGEMENT", examinee_type=2,
        source="全国默认（评分内容未统一，DOMAIN.md §2.7）",
    )


def remove_default(apps, schema_editor):
    apps.get_model("appraisals", "AppraisalTemplate").objects.filter(region=None).delete()
    apps.get_model("appraisals", "AppraisalSettings").objects.filter(region=None, fiscal_year=None).delete()


class Migration(migrations.Migration):
    dependencies = [("appraisals", "0001_initial")]

    operations = [migrations.RunPython(add_default, remove_default)]
