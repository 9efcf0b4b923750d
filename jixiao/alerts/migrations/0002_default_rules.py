"""The DOMAIN.md §5.3 default rule set: national_default on; sichuan_2025 and custom rows present but off.

Also the national warning setting (national_default) and the tier rules (重点 ≥ 200万元 and < 60% at the
end of August; 重大 ≥ 100万元)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import migrations

DISPOSITION = ["CONTINUE", "REALLOCATE", "ADJUST_DOWN", "SUSPEND", "RECOVER"]
STANDARD = [
    {"color": "RED", "op": "<", "value": 60},
    {"color": "YELLOW", "op": "<", "value": 80},
    {"color": "GREEN", "op": ">=", "value": 80},
]


def _rules() -> list[dict[str, Any]]:
    return [
        # national_default (on)
        dict(
            code="W-EXEC-RATIO",
            name="预算执行预警",
            applies_to="PROJECT_YEAR",
            metric="exec_ratio",
            bands=STANDARD,
            requires_explanation=["RED"],
            profile="national_default",
            enabled=True,
            sort=10,
        ),
        dict(
            code="W-QUAL",
            name="定性指标报警灯",
            applies_to="INDICATOR_QUAL",
            metric="qualitative_level",
            bands=[
                {"color": "GREEN", "op": "==", "value": "达成年度指标"},
                {"color": "YELLOW", "op": "==", "value": "部分达成年度指标并具有一定效果"},
                {"color": "RED", "op": "==", "value": "未达成年度指标且效果较差"},
            ],
            profile="national_default",
            enabled=True,
            sort=20,
        ),
        dict(
            code="W-ZERO-TARGET",
            name="正向指标年度指标值等于0",
            applies_to="INDICATOR_QUANT",
            metric="zero_target",
            bands=[{"color": "GREEN", "op": "==", "value": 0}, {"color": "RED", "op": "!=", "value": 0}],
            profile="national_default",
            enabled=True,
            sort=30,
        ),
        dict(
            code="W-LIKELIHOOD",
            name="完成目标可能性",
            applies_to="RECORD",
            metric="likelihood",
            bands=[
                {"color": "RED", "op": "==", "value": "完全不可能"},
                {"color": "YELLOW", "op": "==", "value": "有可能"},
                {"color": "GREEN", "op": "==", "value": "确定能"},
            ],
            requires_explanation=["RED"],
            profile="national_default",
            enabled=True,
            sort=40,
        ),
        dict(
            code="W-TASK-DEADLINE",
            name="填报截止预警",
            applies_to="TASK_DEADLINE",
            metric="task_days_left",
            bands=[{"color": "RED", "op": "<=", "value": 3}, {"color": "GREEN", "op": ">", "value": 3}],
            params={"warndays": 3},
            profile="national_default",
            enabled=True,
            sort=50,
        ),
        dict(
            code="W-REVIEW-DEADLINE",
            name="整改/反馈逾期",
            applies_to="TASK_DEADLINE",
            metric="review_overdue",
            bands=[{"color": "RED", "op": ">", "value": 0}, {"color": "GREEN", "op": "<=", "value": 0}],
            profile="national_default",
            enabled=True,
            sort=60,
        ),
        # sichuan_2025 (off): execution with disposition, checkpoints, goal/execution gap
        dict(
            code="W-EXEC-RATIO",
            name="预算执行预警",
            applies_to="PROJECT_YEAR",
            metric="exec_ratio",
            bands=STANDARD,
            requires_explanation=["RED"],
            disposition_options=DISPOSITION,
            profile="sichuan_2025",
            enabled=False,
            sort=10,
        ),
        dict(
            code="W-EXEC-CHECKPOINT",
            name="执行进度节点预警",
            applies_to="PROJECT_YEAR",
            metric="exec_checkpoint",
            params={"checkpoints": {"4": 25, "6": 40, "8": 60, "10": 80}},
            bands=[{"color": "RED", "op": "<", "value": 0}, {"color": "GREEN", "op": ">=", "value": 0}],
            requires_explanation=["RED"],
            disposition_options=DISPOSITION,
            profile="sichuan_2025",
            enabled=False,
            sort=15,
        ),
        dict(
            code="W-GAP",
            name="目标与执行匹配预警",
            applies_to="RECORD",
            metric="goal_gap",
            bands=[{"color": "RED", "op": ">", "value": 10}, {"color": "GREEN", "op": "<=", "value": 10}],
            profile="sichuan_2025",
            enabled=False,
            sort=25,
        ),
        # custom (off)
        dict(
            code="W-IND-PROGRESS",
            name="指标进度偏差",
            applies_to="INDICATOR_QUANT",
            metric="indicator_progress_gap",
            bands=[
                {"color": "RED", "op": ">", "value": 0.4},
                {"color": "YELLOW", "op": ">", "value": 0.2},
                {"color": "GREEN", "op": "<=", "value": 0.2},
            ],
            profile="custom",
            enabled=False,
            sort=70,
        ),
        dict(
            code="W-FORECAST",
            name="全年预计完成偏差",
            applies_to="INDICATOR_QUANT",
            metric="forecast_deviation",
            bands=[
                {"color": "RED", "op": ">", "value": 0.2},
                {"color": "YELLOW", "op": ">", "value": 0.1},
                {"color": "GREEN", "op": "<=", "value": 0.1},
            ],
            profile="custom",
            enabled=False,
            sort=80,
        ),
        dict(
            code="W-CARRYOVER",
            name="结转结余预警",
            applies_to="RECORD_FUNDS",
            metric="carryover_share",
            bands=[
                {"color": "RED", "op": ">", "value": 0.2},
                {"color": "YELLOW", "op": ">", "value": 0.1},
                {"color": "GREEN", "op": "<=", "value": 0.1},
            ],
            profile="custom",
            enabled=False,
            sort=90,
        ),
        dict(
            code="W-BALANCE",
            name="支出均衡性",
            applies_to="PROJECT_YEAR",
            metric="balance",
            bands=[],
            profile="custom",
            enabled=False,
            sort=95,
        ),
    ]


def seed(apps: Any, schema_editor: Any) -> None:
    rule_model = apps.get_model("alerts", "WarningRule")
    for row in _rules():
        if row["profile"] == "national_default":
            row.setdefault("on_timeout", "NONE")
        rule_model.objects.get_or_create(
            profile=row["profile"], code=row["code"], region=None, fiscal_year=None, defaults=row
        )
    apps.get_model("alerts", "WarningSetting").objects.get_or_create(
        region=None, fiscal_year=None, defaults={"profile": "national_default"}
    )
    tier_model = apps.get_model("alerts", "TierRule")
    tier_model.objects.get_or_create(
        tier="KEY",
        region=None,
        fiscal_year=None,
        defaults={
            "name": "资金量大且8月末执行率低于60%",
            "min_amount_wan": Decimal(200),
            "checkpoint_month": 8,
            "max_exec_rate_pct": Decimal(60),
        },
    )
    tier_model.objects.get_or_create(
        tier="MAJOR",
        region=None,
        fiscal_year=None,
        defaults={"name": "重大项目（100万元以上）", "min_amount_wan": Decimal(100)},
    )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
