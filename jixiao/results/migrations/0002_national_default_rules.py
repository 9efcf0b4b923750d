"""The national default result-application rules (DOMAIN.md §2.5): 10号 wording, percentages left to the county.

优 → 优先保障, 良 → 保障, 中 → 压缩 (percentage null: the county sets it before anything is cut), 差 → 取消, for the
self-evaluation, the re-evaluation and the department/finance evaluations; execution below a rate → cut a share of
the unspent amount (rate and share null until set); long-idle funds → 收回统筹 (34号); not rectified → 整改后安排;
事前 不予支持 → 取消, prior-year red monitoring light → 从紧安排, target review 差 → 从严安排 (seed 002);
falsified self-evaluation → 从严安排.
"""

from django.db import migrations

GRADE_ACTIONS = [("优", "PRIORITY", False), ("良", "KEEP", False), ("中", "REDUCE_PCT", True), ("差", "CANCEL", True)]
GRADE_SOURCES = [("SELF_EVAL", "自评"), ("RE_EVAL", "再评价"), ("DEPT_EVAL", "部门评价"), ("FIN_EVAL", "财政评价")]
ACTION_LABELS = {"PRIORITY": "优先保障", "KEEP": "保障", "REDUCE_PCT": "压缩", "CANCEL": "取消"}
BASIS_10 = "财预〔2020〕10号：评价结果作为预算安排的重要依据"


def _rules():
    rules = []
    order = 10
    for source, label in GRADE_SOURCES:
        for grade, action, enforce in GRADE_ACTIONS:
            rules.append(
                {
                    "code": f"{source}-{grade}",
                    "name": f"{label}等级为“{grade}”的{ACTION_LABELS[action]}",
                    "source": source,
                    "condition": "GRADE_IN",
                    "values": [grade],
                    "action": action,
                    "enforce": enforce,
                    "priority": order,
                    "basis": BASIS_10,
                }
            )
            order += 1
    rules += [
        {
            "code": "EXEC-LOW",
            "name": "预算执行率低于规定比例的按未执行额一定比例核减",
            "source": "MONITORING",
            "condition": "EXEC_RATE_BELOW",
            "values": [],
            "action": "REDUCE_UNSPENT",
            "enforce": True,
            "priority": 60,
            "basis": "执行进度慢的按比例扣减下年预算（比例由本级设定）",
        },
        {
            "code": "IDLE-FUNDS",
            "name": "全年未支出的沉淀资金收回统筹",
            "source": "MONITORING",
            "condition": "IDLE_FUNDS",
            "values": [],
            "action": "RECOVER",
            "enforce": False,
            "priority": 61,
            "basis": "国发〔2018〕34号：长期沉淀的资金一律收回",
        },
        {
            "code": "MON-RED",
            "name": "绩效运行监控红灯预警的从紧安排",
            "source": "MONITORING",
            "condition": "WARNING_COLOR_IN",
            "values": ["RED"],
            "action": "TIGHT",
            "enforce": False,
            "priority": 62,
            "basis": "上年度绩效监控情况较差的从紧安排",
        },
        {
            "code": "RECT-OPEN",
            "name": "未完成整改的整改后安排",
            "source": "RECTIFICATION",
            "condition": "NOT_RECTIFIED",
            "values": [],
            "action": "REARRANGE_AFTER_RECTIFY",
            "enforce": True,
            "priority": 70,
            "basis": "财预〔2020〕10号：对未按要求整改的，整改到位后再予安排",
        },
        {
            "code": "PA-REJECT",
            "name": "事前绩效评估不予支持的取消",
            "source": "PRE_ASSESSMENT",
            "condition": "CONCLUSION_IN",
            "values": ["reject"],
            "action": "CANCEL",
            "enforce": False,
            "priority": 80,
            "basis": "事前绩效评估不予立项的不得纳入项目库、不得安排预算",
        },
        {
            "code": "TARGET-POOR",
            "name": "绩效目标审核为“差”的从严安排",
            "source": "TARGET_REVIEW",
            "condition": "GRADE_IN",
            "values": ["差"],
            "action": "STRICT",
            "enforce": False,
            "priority": 81,
            "basis": "绩效目标不明确、不细化、不量化的从严安排",
        },
        {
            "code": "AUTH-FALSIFIED",
            "name": "自评弄虚作假的从严安排",
            "source": "AUTHENTICITY",
            "condition": "CONCLUSION_IN",
            "values": ["FALSIFIED"],
            "action": "STRICT",
            "enforce": False,
            "priority": 82,
            "basis": "预算绩效真实性核查发现弄虚作假的从严安排",
        },
    ]
    return rules


def create_defaults(apps, schema_editor):
    Rule = apps.get_model("results", "ResultApplicationRule")
    for row in _rules():
        Rule.objects.get_or_create(code=row["code"], region=None, fiscal_year=None, defaults=row)


def remove_defaults(apps, schema_editor):
    codes = [row["code"] for row in _rules()]
    apps.get_model("results", "ResultApplicationRule").objects.filter(
        code__in=codes, region=None, fiscal_year=None
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("results", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
