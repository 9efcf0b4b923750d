"""The 项目支出绩效自评表 as JSON: the same content as the xlsx layout (DOMAIN.md §3.4), amounts in 万元."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from rest_framework import serializers

from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.evaluation.scoring import FundRow, IndicatorRow, SelfEvalSheet
from jixiao.evaluation.scoring.sheet import FUND_KEYS

WAN = Decimal(10000)


def _amount(label: str) -> serializers.DecimalField:
    return serializers.DecimalField(label=label, max_digits=16, decimal_places=6, required=False, allow_null=True)


def _score(label: str) -> serializers.DecimalField:
    return serializers.DecimalField(label=label, max_digits=7, decimal_places=2, required=False, allow_null=True)


class FundSerializer(serializers.Serializer):
    initial_wan = _amount("年初预算数（万元）")
    annual_wan = _amount("全年预算数（万元）")
    exec_wan = _amount("全年执行数（万元）")
    rate = serializers.DecimalField(
        label="执行率（小数，如0.955）",
        max_digits=9,
        decimal_places=6,
        required=False,
        allow_null=True,
    )


class IndicatorSerializer(serializers.Serializer):
    lv1 = serializers.CharField(label="一级指标", max_length=50)
    lv2 = serializers.CharField(
        label="二级指标",
        max_length=50,
        allow_blank=True,
        required=False,
        default="",
    )
    name = serializers.CharField(label="三级指标", max_length=200)
    target = serializers.CharField(label="年度指标值", max_length=200, allow_blank=True)
    actual = serializers.CharField(label="实际完成值", max_length=200, allow_blank=True)
    weight = serializers.DecimalField(label="分值", max_digits=7, decimal_places=2)
    claimed = _score("得分（填报）")
    deviation = serializers.CharField(
        label="偏差原因分析及改进措施",
        max_length=2000,
        allow_blank=True,
        required=False,
        default="",
    )
    level = serializers.ChoiceField(
        label="定性完成等级", choices=["ACHIEVED", "PARTIAL", "NOT_ACHIEVED"], required=False, allow_null=True
    )


class SelfEvaluationSheetSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(label="年度", min_value=FIRST_YEAR, max_value=LAST_YEAR)
    project = serializers.CharField(label="项目名称", max_length=200, required=False, default="", allow_blank=True)
    department = serializers.CharField(label="主管部门", max_length=200, required=False, default="", allow_blank=True)
    unit = serializers.CharField(label="实施单位", max_length=200, required=False, default="", allow_blank=True)
    funds = serializers.DictField(child=FundSerializer(), label="资金（TOTAL/FISCAL/CARRYOVER/OTHER）")
    exec_weight = _score("执行率分值")
    exec_score_claimed = _score("执行率得分（填报）")
    goal_expected = serializers.CharField(required=False, default="", allow_blank=True, max_length=4000)
    goal_actual = serializers.CharField(required=False, default="", allow_blank=True, max_length=4000)
    indicators = serializers.ListField(child=IndicatorSerializer(), min_length=1, max_length=500)
    total_claimed = _score("总分（填报）")
    grade_claimed = serializers.ChoiceField(
        label="等级（填报）",
        choices=["优", "良", "中", "差"],
        required=False,
        allow_null=True,
    )

    def validate_funds(self, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - set(FUND_KEYS)
        if unknown:
            names = "、".join(sorted(unknown))
            raise serializers.ValidationError(f"未知的资金行：{names}（应为 TOTAL/FISCAL/CARRYOVER/OTHER）")
        if "TOTAL" not in value:
            raise serializers.ValidationError("缺少年度资金总额（TOTAL）")
        return value

    def to_sheet(self) -> SelfEvalSheet:
        data = self.validated_data

        def yuan(amount: Decimal | None) -> Decimal | None:
            return None if amount is None else amount * WAN

        funds = {}
        for key in FUND_KEYS:
            row = data["funds"].get(key)
            if row is None:
                funds[key] = FundRow(Decimal(0), Decimal(0), Decimal(0), None) if key != "TOTAL" else FundRow()
                continue
            amounts = [yuan(row.get(name)) for name in ("initial_wan", "annual_wan", "exec_wan")]
            if key != "TOTAL":
                amounts = [a if a is not None else Decimal(0) for a in amounts]
            funds[key] = FundRow(amounts[0], amounts[1], amounts[2], row.get("rate"))
        rows = [
            IndicatorRow(
                row=position,
                lv1=item["lv1"],
                lv2=item.get("lv2", ""),
                name=item["name"],
                target_text=item["target"],
                actual_text=item["actual"],
                weight=item["weight"],
                claimed=item.get("claimed"),
                deviation=item.get("deviation", ""),
                level_claimed=item.get("level"),
            )
            for position, item in enumerate(data["indicators"], start=1)
        ]
        return SelfEvalSheet(
            fiscal_year=data["fiscal_year"],
            project_name=data.get("project", ""),
            department=data.get("department", ""),
            unit=data.get("unit", ""),
            funds=funds,
            exec_weight=data.get("exec_weight"),
            exec_score_claimed=data.get("exec_score_claimed"),
            goal_expected=data.get("goal_expected", ""),
            goal_actual=data.get("goal_actual", ""),
            rows=rows,
            total_weight=None,
            total_claimed=data.get("total_claimed"),
            grade_claimed=data.get("grade_claimed"),
        )


# ---- 单位自评 records (read-only) ----------------------------------------------------------------------------------


class SelfEvalFundReadSerializer(serializers.Serializer):
    fund_source = serializers.CharField()
    initial_yuan = serializers.DecimalField(max_digits=18, decimal_places=2)
    annual_yuan = serializers.DecimalField(max_digits=18, decimal_places=2)
    executed_yuan = serializers.DecimalField(max_digits=18, decimal_places=2)
    exec_rate = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class SelfEvalIndicatorReadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    lv1 = serializers.CharField()
    lv2 = serializers.CharField()
    name = serializers.CharField()
    target_text = serializers.CharField()
    actual_text = serializers.CharField()
    qual_level = serializers.CharField()
    weight = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    claimed_score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    auto_score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    formula = serializers.CharField()
    final_score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    override_reason = serializers.CharField()
    deviation_analysis = serializers.CharField()
    flags = serializers.JSONField()


class SelfEvaluationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fiscal_year = serializers.IntegerField()
    subject = serializers.CharField()
    name = serializers.CharField()
    project = serializers.IntegerField(source="project_id", allow_null=True)
    project_code = serializers.CharField(source="project.code", default=None)
    target = serializers.IntegerField(source="target_id")
    goal_version = serializers.IntegerField()
    department = serializers.CharField(source="department.name")
    unit = serializers.CharField(source="unit.name")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    exec_score_claimed = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    exec_score_computed = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    total_claimed = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    total_computed = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    grade_claimed = serializers.CharField()
    grade_computed = serializers.CharField()
    error_count = serializers.IntegerField()
    warn_count = serializers.IntegerField()
    dept_score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    is_final = serializers.BooleanField()


class SelfEvaluationDetailSerializer(SelfEvaluationSerializer):
    goal_expected = serializers.CharField()
    goal_actual = serializers.CharField()
    flag_explanation = serializers.CharField()
    dept_opinion = serializers.CharField()
    section_opinion = serializers.CharField()
    fin_opinion = serializers.CharField()
    funds = SelfEvalFundReadSerializer(many=True, source="funds.all")
    indicators = SelfEvalIndicatorReadSerializer(many=True, source="indicators.all")
    flags = serializers.JSONField(help_text="校验结果（与 check_selfevaluation --json 相同的结构）")


class SelfEvalEvidenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A 佐证资料 file: its name, size, SHA-256 (to check a downloaded copy against), 说明, the indicator it supports
    and the address that downloads it (the page's download, scoped and audited the same way)."""

    id = serializers.IntegerField()
    original_name = serializers.CharField()
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    note = serializers.CharField()
    row = serializers.IntegerField(source="row_id", allow_null=True)
    indicator = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_indicator(self, obj: Any) -> str:
        return obj.row.name if obj.row_id and obj.row is not None else ""

    def get_download_url(self, obj: Any) -> str:
        return reverse("evaluation:selfeval_evidence_download", args=[obj.self_eval_id, obj.pk])
